"""The Lead packet page in the real Streamlit runtime: opened from the URL, audited, marked seen,
labelled, mapped, exportable, and the lead work recorded from it."""

import json

import pytest
from sqlalchemy import Engine, select

from cgic_data.lead_labels import CONFIRMED_LABEL, UNCONFIRMED_LABEL
from cgic_data.schema import AuditEntry, CaseEvent, LeadView, NibinLead, Role
from cgic_data.scope import Viewer
from tests.apptest import app_on, open_page
from tests.queries.test_packet import World

PAGE = "pages/packet.py"


@pytest.fixture
def world(engine: Engine) -> World:
    return World(engine)


def metrics(at) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {m.label: m.value for m in at.metric}


def audit_rows(engine: Engine, action: str) -> list[str | None]:
    with engine.connect() as conn:
        return list(
            conn.execute(select(AuditEntry.target).where(AuditEntry.action == action)).scalars()
        )


def test_a_lead_link_opens_its_packet_and_is_audited(
    engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, {"lead": "L-1"})
    assert at.title[0].value == "Lead packet"
    assert any(UNCONFIRMED_LABEL in w.value for w in at.warning)
    assert metrics(at)["Incidents"] == "2"
    assert (metrics(at)["Agencies"], metrics(at)["CODIS hits"]) == ("2", "2")
    assert at.table[0].value.loc["Lead", "Value"] == "L-1"
    tables = {df.value.columns[0]: df.value for df in at.dataframe}
    assert tables["Incident number"]["Incident number"].tolist() == [  # links to their records
        "record?incident=I1&ori=CT001",
        "record?incident=I2&ori=CT002",
    ]
    assert tables["Incident number"]["ORI"].tolist() == ["CT001", "CT002"]
    labels = [tab.label for tab in at.tabs]
    assert labels[:3] == ["Leads (1)", "Incidents (2)", "Evidence items (11)"]
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert "map" not in chart["layout"]  # a plain SVG scatter: no map library, no tiles
    markers = [trace for trace in chart["data"] if trace["mode"] == "markers"]
    assert sorted(row[0] for trace in markers for row in trace["customdata"]) == ["I1", "I2"]
    assert [b.label for b in at.get("download_button")] == [
        "Excel workbook",
        "Printable case file (HTML)",
    ]
    assert audit_rows(engine, "packet_open") == ["lead L-1"]
    with engine.connect() as conn:
        assert conn.execute(select(LeadView.lead_id)).scalars().all() == [world.l1]
    at.run()  # a rerun is not a second opening
    assert audit_rows(engine, "packet_open") == ["lead L-1"]


def test_a_series_link_opens_the_whole_series(
    engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, {"series": "L-1"})
    assert metrics(at)["Incidents"] == "3"
    assert any(f"{UNCONFIRMED_LABEL} (unconfirmed: L-1)" in w.value for w in at.warning)
    assert audit_rows(engine, "packet_open") == ["series L-1"]


def test_an_agency_cannot_open_a_lead_that_does_not_touch_it(
    engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    charlie = Viewer("charlie-analyst", Role.ANALYST, agency_id=world.c)
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, {"lead": "L-1"}, viewer=charlie)
    assert not at.metric
    assert any("L-1" in w.value and "may see" in w.value for w in at.warning)
    assert audit_rows(engine, "packet_open") == []
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, {"lead": "L-2"}, viewer=charlie)
    assert any(CONFIRMED_LABEL in s.value for s in at.success)
    assert metrics(at)["Incidents"] == "2"  # Bravo's i2 and its own i3, never Alpha's i1


def test_assign_and_follow_up_from_the_packet(
    engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_on(engine, monkeypatch):
        # "All dates": the lead is among the picker's choices, so AppTest keeps it across reruns
        at = open_page(PAGE, {"lead": "L-1", "period": "All dates"})
        investigator = next(t for t in at.text_input if t.label == "Investigator")
        investigator.input("Det. A. Rivera")
        next(b for b in at.button if b.label == "Assign").click()
        at.run()
        assert not at.exception
        notes = next(t for t in at.text_area if t.label == "Notes")
        notes.input("canvass done")
        next(b for b in at.button if b.label == "Record follow-up").click()
        at.run()
        assert not at.exception
    with engine.connect() as conn:
        lead = conn.execute(
            select(NibinLead.assigned_to, NibinLead.follow_up_status).where(
                NibinLead.id == world.l1
            )
        ).one()
        notes_recorded = conn.execute(
            select(CaseEvent.notes, CaseEvent.recorded_by).where(
                CaseEvent.lead_id == world.l1, CaseEvent.notes.is_not(None)
            )
        ).all()
    assert tuple(lead) == ("Det. A. Rivera", "in progress")
    assert [tuple(r) for r in notes_recorded] == [("canvass done", "tester")]
    assert at.table[0].value.loc["Assigned to", "Value"] == "Det. A. Rivera"
