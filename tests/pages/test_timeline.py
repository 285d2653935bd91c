"""The Lead timeline page in the real Streamlit runtime: opened from a link, labelled, drawn with
the right rows and flagged gaps, audited, and scoped to what the viewer may see."""

import json

import pytest
from sqlalchemy import Engine, select

from cgic_data.schema import AuditEntry
from tests.apptest import app_on, open_page
from tests.queries.lead_world import LeadWorld, build_lead_world

PAGE = "pages/timeline.py"
NOT_ID = "investigative lead — not a forensic identification"


@pytest.fixture
def world(engine: Engine) -> LeadWorld:
    return build_lead_world(engine)


def chart(at) -> dict:  # type: ignore[no-untyped-def]
    return json.loads(at.get("plotly_chart")[0].proto.spec)


def traces(spec: dict) -> dict[str, dict]:
    return {trace["name"]: trace for trace in spec["data"]}


def metrics(at) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {m.label: m.value for m in at.metric}


def test_a_lead_link_opens_its_timeline(
    engine: Engine, world: LeadWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, {"lead": "L-1"})
    assert at.title[0].value == "Lead timeline"
    assert any(NOT_ID in w.value for w in at.warning)
    assert metrics(at) == {
        "Leads": "1",
        "Incidents": "2",
        "Items": "3",
        "Events": "13",
        "Gaps beyond 48 h": "1",
    }
    spec = chart(at)
    assert spec["layout"]["yaxis"]["categoryarray"] == [
        "Lead L-1",
        "A-1 · shooting",
        "↳ C1 · cartridge case",
        "↳ S1 · swab",
        "B-1 · shooting",
        "↳ C2 · cartridge case",
    ]
    by_name = traces(spec)
    assert set(by_name) == {
        "Gap within 48 h",
        "Gap beyond 48 h goal",
        "Lead issued",
        "Incident",
        "Evidence recovered",
        "Received at lab",
        "NIBIN entry",
        "Added to lead",
        "CODIS/AFIS hit",
        "Follow-up",
    }
    late = by_name["Gap beyond 48 h goal"]
    assert late["line"]["color"] == "rgba(231,76,60,0.55)"  # red
    assert [y for y in late["y"] if y] == ["↳ C1 · cartridge case"] * 3
    assert by_name["Incident"]["y"] == ["A-1 · shooting", "B-1 · shooting"]
    gaps = at.dataframe[0].value
    assert gaps["flag"].tolist() == ["within goal", "⚠ beyond 48 h", "within goal", "within goal"]
    assert gaps["hours"].round(4).tolist() == [28.0, 48.0167, 48.0, 8.0]
    with engine.connect() as conn:
        views = conn.execute(select(AuditEntry.target).where(AuditEntry.action == "view")).scalars()
        assert list(views) == ["timeline: lead L-1"]


def test_a_series_link_opens_the_whole_series(
    engine: Engine, world: LeadWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, {"series": "L-2"})  # any lead of the series opens it
    assert at.radio[0].value == "Series"
    warning = next(w.value for w in at.warning if NOT_ID in w.value)
    assert "1 of 2 leads" in warning and "L-1" in warning
    rows = chart(at)["layout"]["yaxis"]["categoryarray"]
    assert rows[:2] == ["Lead L-1", "Lead L-2"]
    assert "C-1 · gun recovery" in rows and any(r.startswith("↳ Firearm") for r in rows)


def test_incidents_only_folds_items_into_their_incident(
    engine: Engine, world: LeadWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, {"series": "L-1", "rows": "Incidents only"})
    assert chart(at)["layout"]["yaxis"]["categoryarray"] == [
        "Lead L-1",
        "Lead L-2",
        "A-1 · shooting",
        "B-1 · shooting",
        "C-1 · gun recovery",
    ]


def test_an_agency_cannot_open_a_lead_that_does_not_touch_it(
    engine: Engine, world: LeadWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, {"lead": "L-1"}, viewer=world.analyst(world.charlie))
    assert any(
        "No lead you may see has a lead number containing “L-1”" in w.value for w in at.warning
    )
    assert not at.get("plotly_chart")


def test_without_a_choice_the_page_asks_for_one(
    engine: Engine, world: LeadWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, {"period": "All dates"})
    assert any("Pick a lead above, or open one of the newest" in i.value for i in at.info)
    assert at.selectbox(key="lead").options == ["L-2", "L-9", "L-1", "L-5"]
    offered = at.dataframe[0].value["link"].tolist()  # one click opens each
    assert offered == [
        f"timeline?period=All+dates&show=Lead&lead={n}" for n in ("L-2", "L-9", "L-1", "L-5")
    ]


def test_whole_series_button_switches_a_lead_to_its_series(
    engine: Engine, world: LeadWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, {"lead": "L-2"})
        assert chart(at)["layout"]["yaxis"]["categoryarray"][0] == "Lead L-2"
        next(b for b in at.button if b.label == "Show the whole series L-1 here").click().run()
    assert not at.exception
    assert at.radio(key="show").value == "Series"
    assert chart(at)["layout"]["yaxis"]["categoryarray"][:2] == ["Lead L-1", "Lead L-2"]


def test_a_part_of_a_number_is_searched_on_the_server(
    engine: Engine, world: LeadWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One match opens it; several are listed as links; the period does not hide a chosen lead."""
    with app_on(engine, monkeypatch):
        one = open_page(PAGE, {"period": "Last 7 days", "lead": "9"})
        several = open_page(PAGE, {"lead": "l-"})
    assert chart(one)["layout"]["yaxis"]["categoryarray"][0] == "Lead L-9"
    assert any("lie outside the sidebar period" in c.value for c in one.caption)
    assert any("4 leads you may see contain “l-”" in i.value for i in several.info)
    listed = several.dataframe[0].value["link"].tolist()
    assert sorted(u.rsplit("lead=", 1)[1] for u in listed) == ["L-1", "L-2", "L-5", "L-9"]
