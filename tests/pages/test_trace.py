"""The Trace intelligence page in the real app, on hand-built stores.

Hartford: a GA gun traced 100 days after sale (short, out of state, purchaser not the possessor),
a CT gun at 2,000 days and a gun whose purchase date is unknown (a data error); New Haven: an FL
gun at 500 days; one recovered gun with test fires in NIBIN and no trace.
"""

from datetime import datetime

import pytest
from sqlalchemy import Engine, select

from cgic_data.metrics.traces import ATF_CAVEAT
from cgic_data.schema import AuditEntry, IncidentKind, Role
from cgic_data.scope import Viewer
from tests.apptest import app_on, open_page
from tests.factory import Builder
from tests.metrics.trace_world import add_test_fire, set_serial, traced_gun

PAGE = "pages/trace.py"
ALL_DATES = {"period": "All dates"}
JUNE = datetime(2025, 6, 10, 12)


def metrics(at) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {m.label: m.value for m in at.metric}


@pytest.fixture
def traced(engine: Engine) -> dict[str, int]:
    b = Builder(engine)
    hartford = b.agency("CT0006400", name="Hartford Police Department")
    haven = b.agency("CT0009300", name="New Haven Police Department")
    gun = traced_gun(b, hartford, JUNE, ttc=100, state="GA", purchaser="PUR-0042")
    set_serial(engine, gun, "ABX1234")
    traced_gun(b, hartford, JUNE, ttc=2000, possessor=True)
    traced_gun(b, hartford, JUNE, ttc=None, purchase=None, possessor=True)
    traced_gun(b, haven, JUNE, ttc=500, state="FL", possessor=True)
    recovery = b.incident(hartford, JUNE, kind=IncidentKind.GUN_RECOVERY)
    add_test_fire(b, b.firearm(recovery, recovered_at=JUNE), recovery, datetime(2025, 6, 12))
    return {"hartford": hartford, "haven": haven}


def test_headline_figures_caveat_and_data_errors(
    traced: dict[str, int], engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, ALL_DATES)
    assert at.title[0].value == "Trace intelligence"
    # usable TTC: 100, 500, 2000 days -> median 500 days = 1.4 years; two of three under 3 years
    assert metrics(at) == {
        "Traced guns": "4",
        "Median TTC": "1.4 y",
        "Under 3 years": "67%",
        "Out of state": "50%",
        "With an indicator": "2",
        "NIBIN, no trace": "1",
        "In state (CT) (50%)": "2",
        "Out of state (50%)": "2",
        "Unknown state (0%)": "0",
    }
    assert any(info.value == ATF_CAVEAT for info in at.info)
    assert any("Purchase date unknown: 1" in w.value for w in at.warning)
    # source tiles, top states, time-to-crime histogram and trend, indicators
    assert len(at.get("plotly_chart")) == 5
    untraced = next(df.value for df in at.dataframe if "first_nibin_entry" in df.value.columns)
    assert len(untraced) == 1


def test_an_agency_analyst_sees_its_own_guns(
    traced: dict[str, int], engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    viewer = Viewer("nh.analyst", Role.ANALYST, agency_id=traced["haven"])
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, ALL_DATES, viewer=viewer)
    assert metrics(at)["Traced guns"] == "1"
    assert metrics(at)["Out of state"] == "100%"
    assert any("suppressed" in caption.value for caption in at.caption)


def test_no_traces_at_all(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    Builder(engine).agency("A")
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, ALL_DATES)
    assert metrics(at)["Traced guns"] == "0"
    assert metrics(at)["Median TTC"] == "–"
    assert any("No traced guns" in info.value for info in at.info)
    assert not at.warning


def test_a_trace_search_needs_a_purpose_and_is_audited(
    traced: dict[str, int], engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, ALL_DATES)
        labels = [text.label for text in at.text_input]
        assert "Purchaser reference" not in labels  # no search form before a purpose
        at.text_input(key="purpose-trace").input("HPD-2025-004512").run()
        next(t for t in at.text_input if t.label == "Purchaser reference").input("pur-0042")
        next(b for b in at.button if b.label == "Search").click().run()
    assert not at.exception
    found = next(df.value for df in at.dataframe if "purchaser_ref" in df.value.columns)
    assert found["serial_number"].tolist() == ["ABX1234"]
    with engine.connect() as conn:
        searches = conn.execute(
            select(AuditEntry.target, AuditEntry.purpose, AuditEntry.detail).where(
                AuditEntry.action == "search"
            )
        ).all()
    assert len(searches) == 1
    assert searches[0].target == "trace" and searches[0].purpose == "HPD-2025-004512"
    assert '"purchaser": "pur-0042"' in searches[0].detail and '"rows": 1' in searches[0].detail
