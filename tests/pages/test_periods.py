"""The shared period in the real app: the comparison names its dates, and a store whose data is
older than the period says so and offers the data's range in one click.

'Today' is pinned by the store's ``demo_generated_for`` (``store.reference_day``), so the
calendar periods have dates known in advance.
"""

from datetime import date, datetime

import pytest
from sqlalchemy import Engine, insert
from streamlit.testing.v1 import AppTest

from cgic_data.schema import Role, StoreInfo
from cgic_data.scope import Viewer
from tests.apptest import APP, TIMEOUT, app_on, open_page, sign_in_as
from tests.factory import Builder

OVERVIEW = "pages/overview.py"
HOME = ""  # no switch: app.py draws the shared filter (and its hint) and runs the home page


def pin_today(engine: Engine, today: date) -> None:
    with engine.begin() as conn:
        conn.execute(insert(StoreInfo), [{"key": "demo_generated_for", "value": today.isoformat()}])


def metrics(at) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {m.label: m.value for m in at.metric}


def captions(at) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(c.value for c in at.caption)


@pytest.fixture
def march(engine: Engine) -> dict[str, int]:
    """Four shootings in March 2024 and one in February; 'today' is March 20, 2024."""
    b = Builder(engine)
    hartford = b.agency("CT0006400", name="Hartford Police Department")
    haven = b.agency("CT0009300", name="New Haven Police Department")
    for day in (3, 10, 17):
        b.incident(hartford, datetime(2024, 3, day, 22), injured=1)
    b.incident(haven, datetime(2024, 3, 12, 1), killed=1)
    b.incident(hartford, datetime(2024, 2, 10, 22))
    pin_today(engine, date(2024, 3, 20))
    return {"hartford": hartford, "haven": haven}


@pytest.mark.parametrize(
    ("period", "stated", "shootings", "delta"),
    [
        (
            "This month",  # month to date against the same days of February
            "This month: 2024-03-01 – 2024-03-20, compared with 2024-02-01 – 2024-02-20",
            "4",
            "3",
        ),
        (
            "Last month",  # the whole of February (a leap one) against the whole of January
            "Last month: 2024-02-01 – 2024-02-29, compared with 2024-01-01 – 2024-01-31",
            "1",
            "1",
        ),
        (
            "Last 28 days",  # the URL value of links already sent: 28 days against 28 before
            "Last 28 days: 2024-02-22 – 2024-03-20, compared with 2024-01-25 – 2024-02-21",
            "4",
            "3",
        ),
    ],
)
def test_the_overview_states_the_dates_it_compares(
    march: dict[str, int],
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    period: str,
    stated: str,
    shootings: str,
    delta: str,
) -> None:
    with app_on(engine, monkeypatch):
        at = open_page(OVERVIEW, {"period": period})
    assert stated in captions(at)
    shootings_metric = next(m for m in at.metric if m.label == "Shootings")
    assert (shootings_metric.value, shootings_metric.delta) == (shootings, delta)
    assert not at.button  # the period holds data: no hint


def test_all_dates_compares_with_nothing(
    march: dict[str, int], engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_on(engine, monkeypatch):
        at = open_page(OVERVIEW, {"period": "All dates"})
    assert "pick a bounded period to compare" in captions(at)
    assert metrics(at)["Shootings"] == "5"


@pytest.fixture
def historic(engine: Engine) -> dict[str, int]:
    """A store of 2013-2018 shootings, opened in December 2026."""
    b = Builder(engine)
    a, other = b.agency("A", name="Alpha Police Department"), b.agency("B", name="Bravo PD")
    b.incident(a, datetime(2013, 1, 1, 2))
    b.incident(a, datetime(2016, 7, 4, 23))
    b.incident(a, datetime(2018, 3, 31, 21))
    b.incident(other, datetime(2019, 5, 5, 5))  # another agency's: not in A's range
    pin_today(engine, date(2026, 12, 7))
    return {"A": a, "B": other}


def test_old_data_gets_a_hint_and_one_click_shows_it(
    historic: dict[str, int], engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    viewer = Viewer("alpha.cmd", Role.COMMANDER, agency_id=historic["A"])
    with app_on(engine, monkeypatch):
        at = open_page(HOME, viewer=viewer)  # a commander's home: the overview; Last 28 days
        hints = [info.value for info in at.info if "newest incident" in info.value]
        assert hints == [
            "No incidents from 2026-11-10 to 2026-12-07: the newest incident in your view is "
            "from 2018-03-31."
        ]
        assert metrics(at)["Shootings"] == "0"
        (button,) = [b for b in at.button if b.label == "Show 2013-01-01 – 2018-03-31"]
        button.click().run()
        assert not at.exception
        chosen = {key: at.session_state[key] for key in ("period", "dates")}
        assert chosen == {"period": "Custom range", "dates": (date(2013, 1, 1), date(2018, 3, 31))}
        # AppTest reruns only the page after its first run; the server reruns app.py, whose
        # bound widgets take the values the button left in the session state. Do that here.
        after = AppTest.from_file(APP, default_timeout=TIMEOUT)
        sign_in_as(after, viewer)
        for key, value in chosen.items():
            after.session_state[key] = value
        after.run()
    assert not after.exception
    assert after.selectbox(key="period").value == "Custom range"
    assert after.date_input(key="dates").value == (date(2013, 1, 1), date(2018, 3, 31))
    assert after.query_params["period"] == "Custom range"  # a link to send opens it too
    assert metrics(after)["Shootings"] == "3"
    assert not any("newest incident" in info.value for info in after.info)


def test_a_period_before_all_the_data_names_the_oldest(
    historic: dict[str, int], engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_on(engine, monkeypatch):
        at = open_page(HOME, {"period": "Custom range", "dates": ["2010-01-01", "2010-12-31"]})
    assert any(
        "the oldest incident in the store is from 2013-01-01" in info.value for info in at.info
    )
    assert any(b.label == "Show 2013-01-01 – 2019-05-05" for b in at.button)
