"""The Command overview page, run in the real Streamlit runtime on a real store."""

from datetime import datetime

import pytest
from sqlalchemy import Engine, select

from cgic_data.schema import Agency, Role
from cgic_data.scope import Viewer
from tests.apptest import app_on, open_page
from tests.factory import Builder

PAGE = "pages/overview.py"


def metrics(at) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {m.label: m.value for m in at.metric}


@pytest.fixture
def two_agencies(engine: Engine) -> Engine:
    b = Builder(engine)
    hartford = b.agency("CT0006400", name="Hartford Police Department")
    haven = b.agency("CT0009300", name="New Haven Police Department")
    for day in (3, 10, 17):
        b.incident(hartford, datetime(2024, 3, day, 22), injured=1)
    b.incident(haven, datetime(2024, 3, 12, 1), killed=1)
    return engine


def test_overview_counts_all_agencies_for_all_dates(
    two_agencies: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_on(two_agencies, monkeypatch):
        at = open_page(PAGE, {"period": "All dates"})
    assert at.title[0].value == "Command overview"
    assert metrics(at)["Shootings"] == "4"
    assert metrics(at)["Victims shot"] == "4"


def test_overview_agency_filter_from_the_url(
    two_agencies: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_on(two_agencies, monkeypatch):
        at = open_page(PAGE, {"period": "All dates", "agency": "New Haven Police Department"})
    assert metrics(at)["Shootings"] == "1"


def test_overview_on_an_empty_store_says_so(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_on(engine, monkeypatch):
        at = open_page(PAGE)
    assert metrics(at)["Shootings"] == "0"
    assert any("No incidents" in info.value for info in at.info)


@pytest.fixture
def busy_state(two_agencies: Engine) -> Engine:
    b = Builder(two_agencies)
    haven = b.agency("CT0009301", name="West Haven Police Department")
    for day in range(1, 7):
        b.incident(haven, datetime(2024, 3, day, 21), injured=1)
    return two_agencies


def test_a_commander_sees_statewide_totals_beside_the_agencys_own(
    busy_state: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with busy_state.connect() as conn:
        hartford = conn.execute(select(Agency.id).where(Agency.code == "CT0006400")).scalar_one()
    with app_on(busy_state, monkeypatch):
        commander = open_page(
            PAGE, {"period": "All dates"}, viewer=Viewer("hc", Role.COMMANDER, hartford)
        )
        analyst = open_page(
            PAGE, {"period": "All dates"}, viewer=Viewer("ha", Role.ANALYST, hartford)
        )
    assert metrics(commander)["Shootings"] == "3"
    assert metrics(commander)["Shootings statewide"] == "10"
    assert metrics(commander)["Victims shot statewide"] == "10"
    assert metrics(commander)["Shots fired statewide"] == "0"
    assert "Shootings statewide" not in metrics(analyst)  # analysts get no statewide aggregate


def test_the_most_active_series_is_one_click_from_its_network_map_and_timeline(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.queries.lead_world import build_lead_world

    build_lead_world(engine)
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, {"period": "All dates"})
    (series,) = [d.value for d in at.dataframe if "on_map" in d.value.columns]
    top = series.iloc[0]
    assert top["series_id"] == "network?period=All+dates&show=Series&series=L-1"
    assert top["on_map"] == "map?period=All+dates&map_series=L-1"
    assert top["timeline"] == "timeline?period=All+dates&show=Series&series=L-1"
