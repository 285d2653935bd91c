"""The Command overview page, run in the real Streamlit runtime on a real store."""

from datetime import datetime

import pytest
from sqlalchemy import Engine

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
