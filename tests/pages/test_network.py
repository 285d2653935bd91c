"""The Series network page in the real Streamlit runtime: the graph it draws for a series link,
what an agency sees of it, and the subjects tying series together."""

import json

import pytest
from sqlalchemy import Engine

from tests.apptest import app_on, open_page
from tests.queries.lead_world import LeadWorld, build_lead_world

PAGE = "pages/network.py"


@pytest.fixture
def world(engine: Engine) -> LeadWorld:
    return build_lead_world(engine)


def drawn(at) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    return {trace["name"]: trace for trace in spec["data"]}


def metrics(at) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {m.label: m.value for m in at.metric}


def test_a_series_link_draws_its_graph(
    engine: Engine, world: LeadWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, {"series": "L-1", "period": "All dates"})
    assert at.title[0].value == "Series network"
    assert metrics(at) == {
        "Incidents": "3",
        "Firearms": "1",
        "Leads": "2",
        "Subjects": "1",
        "Connected parts": "1",
    }
    traces = drawn(at)
    assert set(traces) == {
        "Lead link",
        "Recovered at",
        "CODIS hit",
        "Incident",
        "Firearm",
        "Lead — confirmed hit",
        "Lead — investigative, not confirmed",
        "Subject also in other series",
    }
    assert traces["Incident"]["text"] == ["A-1", "B-1", "C-1"]
    assert traces["Incident"]["marker"]["symbol"] == "circle"
    assert traces["Firearm"]["marker"]["symbol"] == "diamond"
    assert traces["Lead — investigative, not confirmed"]["text"] == ["L-1"]
    assert traces["Subject also in other series"]["text"] == ["SUBJ-1"]
    assert "also in series L-5" in traces["Subject also in other series"]["customdata"][0][0]
    # four lead-incident edges, each drawn as (start, end, gap)
    assert len(traces["Lead link"]["x"]) == 4 * 3
    subjects = at.dataframe[-1].value
    assert subjects[["subject_ref", "series"]].values.tolist() == [["SUBJ-1", "L-1, L-5"]]


def test_an_agency_sees_its_part_of_the_series_named_after_its_own_lead(
    engine: Engine, world: LeadWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, {"series": "L-2"}, viewer=world.analyst(world.charlie))
    traces = drawn(at)
    assert traces["Incident"]["text"] == ["B-1", "C-1"]
    assert traces["Lead — confirmed hit"]["text"] == ["L-2"]
    assert "Lead — investigative, not confirmed" not in traces
    assert not any(name.startswith("Subject") for name in traces)
    assert any("Every lead shown is confirmed" in s.value for s in at.success)


def test_the_network_page_defaults_to_series(
    engine: Engine, world: LeadWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, {"period": "All dates"})
    assert at.radio[0].value == "Series"
    # the most active series of the period, one click each (any lead number of a series opens it)
    offered = at.dataframe[0].value["link"].tolist()
    assert offered == [f"network?period=All+dates&show=Series&series={s}" for s in ("L-1", "L-5")]
    assert not at.get("plotly_chart")
