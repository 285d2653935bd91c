"""The Leads page in the real Streamlit runtime: triage, leads and series tables, exports."""

import pytest
from sqlalchemy import Engine, select

from cgic_data import leadwork
from cgic_data.lead_labels import UNCONFIRMED_LABEL
from cgic_data.schema import AuditEntry, Role
from cgic_data.scope import Viewer
from tests.apptest import app_on, open_page
from tests.queries.test_packet import World

PAGE = "pages/leads.py"


def metrics(at) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {m.label: m.value for m in at.metric}


@pytest.fixture
def world(engine: Engine) -> World:
    return World(engine)


def test_leads_page_lists_triage_leads_and_series(
    engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, {"period": "All dates"})
    assert at.title[0].value == "Leads"
    assert metrics(at)["Leads issued"] == "4"
    assert metrics(at)["Open for triage"] == "3"  # L-3 is excluded
    assert metrics(at)["New to you"] == "4"  # the signed-in tester has opened none
    assert metrics(at)["Issued, now confirmed"] == "1"
    (table,) = at.dataframe  # only the open tab runs
    triage = table.value
    shown = list(table.proto.column_order)
    # the status is a short column (its full wording once, in the tooltip), not a long label
    assert "status" in shown and "label" not in shown
    assert sorted(triage["lead_number"]) == ["L-1", "L-2", "L-9"]
    first = triage["packet"].tolist()[0]
    assert first.startswith("packet?") and "show=Lead&lead=L-" in first
    lead = first.split("lead=")[1]
    # one click from a row to the map of all its incidents, and to its timeline
    assert triage["map"].tolist()[0].endswith(f"map_lead={lead}")
    assert triage["timeline"].tolist()[0].endswith(f"show=Lead&lead={lead}")
    assert not any("Showing" in c.value for c in at.caption)  # every row fits on the page
    assert [b.label for b in at.get("download_button")] == [
        "Leads CSV",
        "Series CSV",
        "Leads and series (Excel)",
    ]
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, {"period": "All dates", "leads_tab": "All leads"})
    (all_leads,) = (df.value for df in at.dataframe)
    assert all_leads["lead_number"].tolist() == ["L-1", "L-2", "L-3", "L-9"]  # all issued June 3
    assert set(all_leads.loc[all_leads["status"] == "open", "label"]) == {UNCONFIRMED_LABEL}
    assert all_leads.set_index("lead_number").loc["L-1", "agencies"] == "Alpha PD, Bravo PD"
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, {"period": "All dates", "leads_tab": "Series"})
    (series,) = (df.value for df in at.dataframe)
    assert sorted(series["series_id"]) == ["L-1", "L-9"]
    assert series.set_index("series_id").loc["L-1", "incidents"] == 3


def test_long_tables_show_their_first_rows_and_say_so(
    engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(leadwork, "PAGE_ROWS", 2)
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, {"period": "All dates", "leads_tab": "All leads"})
    assert metrics(at)["Leads issued"] == "4"  # counted over every lead
    (all_leads,) = (df.value for df in at.dataframe)
    assert all_leads["lead_number"].tolist() == ["L-1", "L-2"]
    assert any("Showing 2 of 4 leads" in c.value for c in at.caption)


def test_page_filters_come_from_the_url(
    engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_on(engine, monkeypatch):
        at = open_page(
            PAGE, {"period": "All dates", "lead_status": "confirmed hit", "series_min": "3"}
        )
    assert metrics(at)["Leads issued"] == "1"
    assert at.dataframe[0].value["lead_number"].tolist() == ["L-2"]


def test_an_agency_sees_only_leads_touching_it(
    engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    bravo = Viewer("bravo-analyst", Role.ANALYST, agency_id=world.bravo)
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, {"period": "All dates", "leads_tab": "All leads"}, viewer=bravo)
    all_leads = at.dataframe[0].value
    assert sorted(all_leads["lead_number"]) == ["L-1", "L-2"]
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, {"period": "All dates", "leads_tab": "Series"}, viewer=bravo)
    series = at.dataframe[0].value
    # Bravo's view of series L-1 is i1 (via L-1), its own i2 and i3 (via L-2)
    assert series["incidents"].tolist() == [3]
    assert "Charlie PD" in series["agencies"].iloc[0]
    with engine.connect() as conn:
        actions = set(conn.execute(select(AuditEntry.action)).scalars())
    assert "page-view" in actions


def test_empty_store_says_so(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, {"period": "All dates"})
    assert metrics(at)["Leads issued"] == "0"
    assert any("No open leads" in info.value for info in at.info)
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, {"period": "All dates", "leads_tab": "Series"})
    assert any("No series" in info.value for info in at.info)
