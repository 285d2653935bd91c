"""The Timeliness scorecard page in the real app, on a hand-built store.

Hartford, June 2025: two shootings. The first: recovered +1 h, lab +10 h, NIBIN +6 h; its casing
matched an older New Haven casing and the lead came 10 h after entry (27 h after the shooting); it
was followed up. The second: recovered +1 h, lab +72 h, NIBIN +24 h, no lead.
New Haven: a March shooting with a casing entered (no recovery time on file) and a July shooting
with nothing entered.
"""

import json
from datetime import datetime

import pytest
from sqlalchemy import Engine

from cgic_data.schema import CaseEventKind, Role
from cgic_data.scope import Viewer
from tests.apptest import app_on, open_page
from tests.factory import Builder

PAGE = "pages/scorecard.py"
ALL_DATES = {"period": "All dates"}


def d(month: int, day: int, hour: int = 0) -> datetime:
    return datetime(2025, month, day, hour)


@pytest.fixture
def agencies(engine: Engine) -> dict[str, int]:
    b = Builder(engine)
    hartford = b.agency("CT0006400", name="Hartford Police Department")
    haven = b.agency("CT0009300", name="New Haven Police Department")
    first = b.incident(hartford, d(6, 1, 22))
    casing = b.item(
        first, recovered_at=d(6, 1, 23), received_at=d(6, 2, 9), nibin_entered_at=d(6, 2, 15)
    )
    second = b.incident(hartford, d(6, 10, 12))
    b.item(
        second, recovered_at=d(6, 10, 13), received_at=d(6, 13, 13), nibin_entered_at=d(6, 14, 13)
    )
    old_casing = b.item(b.incident(haven, d(3, 1)), nibin_entered_at=d(3, 2))
    b.incident(haven, d(7, 2, 3))
    lead = b.lead([old_casing, casing], issued_at=d(6, 3, 1))
    b.case_event(CaseEventKind.FOLLOW_UP, d(6, 4), lead_id=lead)
    return {"hartford": hartford, "haven": haven}


def table(at):  # type: ignore[no-untyped-def]
    return next(df.value for df in at.dataframe if "entered_share" in df.value.columns)


def heatmap(at) -> dict:  # type: ignore[no-untyped-def]
    return json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]


def test_every_agency_on_one_screen(
    agencies: dict[str, int], engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, ALL_DATES)
    assert at.title[0].value == "Timeliness scorecard"
    rows = table(at).set_index("agency")
    assert rows.index.tolist() == ["Hartford Police Department", "New Haven Police Department"]
    hartford = rows.loc["Hartford Police Department"]
    assert hartford["incidents"] == 2 and hartford["entered_share"] == 1.0
    assert hartford["recovery_to_receipt_hours"] == pytest.approx(41.0)  # 10 and 72
    assert hartford["receipt_to_entry_hours"] == pytest.approx(15.0)  # 6 and 24
    assert hartford["entry_to_lead_hours"] == pytest.approx(10.0)
    assert hartford["entry_within_goal_share"] == 0.5  # 16 h and 96 h
    assert hartford["lead_within_goal_share"] == 1.0  # 27 h
    assert hartford["followed_up_share"] == 1.0
    haven = rows.loc["New Haven Police Department"]
    assert haven["incidents"] == 2 and haven["entered_share"] == 0.5
    assert haven["leads"] == 1  # the lead touches its March shooting too
    # the grid: agencies × months (March, June, July), coloured by entries within the goal
    grid = heatmap(at)
    assert grid["x"] == ["Mar 2025", "Jun 2025", "Jul 2025"]
    assert grid["y"] == ["Hartford Police Department", "New Haven Police Department"]
    assert grid["text"][0] == ["", "50%", ""]
    assert len(at.get("plotly_chart")) == 2  # the grid and the trend


def test_the_grid_colours_the_measure_named_in_the_url(
    agencies: dict[str, int], engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, {**ALL_DATES, "measure": "Lab → NIBIN (h)"})
    assert heatmap(at)["text"][0] == ["", "15", ""]
    assert heatmap(at)["zmax"] == 3 * 48  # hours are coloured against the 48 h goal


def test_an_agency_commander_sees_its_own_agency(
    agencies: dict[str, int], engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    viewer = Viewer("nh.cmd", Role.COMMANDER, agency_id=agencies["haven"])
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, ALL_DATES, viewer=viewer)
    assert table(at)["agency"].tolist() == ["New Haven Police Department"]


def test_no_shootings(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    Builder(engine).agency("A")
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, ALL_DATES)
    assert any("No shooting incidents" in info.value for info in at.info)


def test_a_period_is_shown_as_the_whole_months_it_touches_and_says_so(
    agencies: dict[str, int], engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    custom = {"period": "Custom range", "dates": ["2025-06-04", "2025-07-01"]}
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, custom)
    stated = "\n".join(c.value for c in at.caption)
    assert (
        "the period (2025-06-04 – 2025-07-01) touches Jun 2025 – Jul 2025, so the scorecard "
        "counts 2025-06-01 – 2025-07-31." in stated
    )
    assert heatmap(at)["x"] == ["Jun 2025", "Jul 2025"]  # not a year: the months it touches
    rows = table(at).set_index("agency")
    assert rows.loc["Hartford Police Department", "incidents"] == 2  # June 1 counts: whole June
