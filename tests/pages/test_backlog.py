"""The Lab backlog page, run in the real app on a real store, with figures counted by hand.

Dates are relative to today (the page reports as of today on a non-demo store):
  A firearms  received 40 days ago, open        backlog, 40 days old
  A DNA       received 10 days ago, open
  B firearms  received 5 days ago, completed 2 days ago (3 days: within 30)
  B DNA       received 3 days ago, open
  A firearms  received 100 days ago, completed 50 days ago (in the previous 28 days, 50 days)
"""

from datetime import date, datetime, time, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import Engine

from cgic_data.schema import Discipline, Role
from cgic_data.scope import Viewer
from tests.apptest import app_on, open_page
from tests.factory import Builder

PAGE = "pages/backlog.py"


def days_ago(n: int, hour: int = 9) -> datetime:
    return datetime.combine(date.today() - timedelta(days=n), time(hour))


def metrics(at) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {m.label: m.value for m in at.metric}


def deltas(at) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {m.label: m.delta for m in at.metric}


def frame_with(at, column: str):  # type: ignore[no-untyped-def]
    return next(df.value for df in at.dataframe if column in df.value.columns)


def lab_cases(at) -> list[str]:  # type: ignore[no-untyped-def]
    """The oldest open requests' lab case numbers, read from their links to the Record page."""
    urls = frame_with(at, "lab_case_number")["lab_case_number"].tolist()
    assert all(url.startswith("record?") for url in urls), urls
    return [parse_qs(urlsplit(url).query)["lab_case"][0] for url in urls]


@pytest.fixture
def small_lab(engine: Engine) -> dict[str, int]:
    b = Builder(engine)
    a = b.agency("A", name="Alpha Police Department")
    bb = b.agency("B", name="Bravo Police Department")
    b.request(a, days_ago(40), case_number="L-A40")
    b.request(a, days_ago(10), discipline=Discipline.DNA, case_number="L-A10")
    b.request(bb, days_ago(5), completed_at=days_ago(2), case_number="L-B5")
    b.request(bb, days_ago(3), discipline=Discipline.DNA, case_number="L-B3")
    b.request(a, days_ago(100), completed_at=days_ago(50), case_number="L-A100")
    return {"A": a, "B": bb}


def test_headline_numbers_and_verdict(
    small_lab: dict[str, int], engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, {"period": "Last 28 days"})
    assert at.title[0].value == "Lab backlog"
    assert metrics(at) == {
        "Open requests": "3",
        "Backlog (> 30 days)": "1",
        "Average age of backlog": "40 d",
        "Oldest open request": "40 d",
        "Received in the period": "3",
        "Completed in the period": "1",
        "Completed within 30 days": "100%",
        "Days to clear backlog": "28 d",  # 1 in backlog / (1 completed / 28 days)
    }
    # 28 days ago: only L-A40 was open (12 days old); L-A100 was completed in the 28 days before.
    assert deltas(at)["Open requests"] == "2"
    assert deltas(at)["Backlog (> 30 days)"] == "1"
    assert deltas(at)["Completed within 30 days"] == "+100 pts"
    assert any("The backlog is growing" in md.value for md in at.markdown)
    oldest = frame_with(at, "lab_case_number")
    assert lab_cases(at) == ["L-A40", "L-A10", "L-B3"]
    assert oldest["age_days"].tolist() == [40, 10, 3]
    assert len(at.get("plotly_chart")) == 4  # intake, age × 2, turnaround (no NIBIN entries)
    assert any("No NIBIN entries" in info.value for info in at.info)


def test_the_headline_counts_the_period_and_names_the_dates_it_compares(
    small_lab: dict[str, int], engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Last 90 days against the 90 before: the headline's completions are the completions in
    the period that the turnaround table lists, on the same screen."""
    today = date.today()
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, {"period": "Last 90 days"})
    got, changes = metrics(at), deltas(at)
    assert (got["Received in the period"], changes["Received in the period"]) == ("4", "3")
    assert (got["Completed in the period"], changes["Completed in the period"]) == ("2", "2")
    completions = next(
        df.value for df in at.dataframe if "p90_days" in df.value.columns and "group" in df.value
    )
    assert completions["completed"].sum() == 2  # L-B5 and L-A100
    stated = "\n".join(c.value for c in at.caption)
    period = f"{today - timedelta(days=89)} – {today}"
    before = f"{today - timedelta(days=179)} – {today - timedelta(days=90)}"
    assert f"received and completed count {period}, compared with {before}" in stated
    assert f"against the end of {today - timedelta(days=90):%b %d, %Y}" in stated
    assert any(
        f"{today - timedelta(days=89):%b %d} to {today:%b %d}" in m.value for m in at.markdown
    )


def test_all_dates_counts_flows_over_a_named_30_days(
    small_lab: dict[str, int], engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, {"period": "All dates"})
    assert metrics(at)["Completed in the last 30 days"] == "1"  # L-B5; L-A100 50 days ago
    completions = next(
        df.value for df in at.dataframe if "p90_days" in df.value.columns and "group" in df.value
    )
    assert completions["completed"].sum() == 2  # the period itself: all dates


def test_agency_user_sees_only_their_agency(
    small_lab: dict[str, int], engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    bravo = Viewer("bravo.analyst", Role.ANALYST, agency_id=small_lab["B"])
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, {"period": "Last 28 days"}, viewer=bravo)
    got = metrics(at)
    assert (got["Open requests"], got["Backlog (> 30 days)"]) == ("1", "0")
    assert (got["Received in the period"], got["Completed in the period"]) == ("2", "1")
    assert lab_cases(at) == ["L-B3"]
    by_discipline, by_agency = [d.value for d in at.dataframe if "backlog_change" in d.value]
    assert by_agency["group"].tolist() == ["Bravo Police Department"]
    assert by_discipline["group"].tolist() == ["DNA", "firearms/NIBIN"]


def test_discipline_filter_and_age_drill_down(
    small_lab: dict[str, int], engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, {"period": "Last 28 days", "discipline": "DNA"})
        assert (metrics(at)["Open requests"], metrics(at)["Backlog (> 30 days)"]) == ("2", "0")
        assert lab_cases(at) == ["L-A10", "L-B3"]
        at.multiselect(key="discipline").set_value([]).run()
        at.pills(key="age").set_value(["31–60"]).run()
    assert metrics(at)["Open requests"] == "3"
    assert lab_cases(at) == ["L-A40"]


def test_lab_director_opens_the_page_monthly(
    small_lab: dict[str, int], engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    director = Viewer("director", Role.LAB_DIRECTOR)
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, {"period": "All dates", "grain": "Monthly"}, viewer=director)
    assert metrics(at)["Open requests"] == "3"
    assert at.segmented_control(key="grain").value == "month"


def test_empty_store_says_so(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    with app_on(engine, monkeypatch):
        at = open_page(PAGE)
    assert any("No lab requests" in info.value for info in at.info)
    assert not at.metric


def test_an_agencys_oldest_requests_are_one_click_from_its_row(
    engine: Engine, small_lab: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lab director's journey: backlog → the agency with most old requests → its oldest
    open requests: the agency tab, then its row's link (≤ 2 clicks)."""
    with app_on(engine, monkeypatch):
        at = open_page(PAGE)
        change = frame_with(at, "oldest")
        link = change.set_index("group").loc["Alpha Police Department", "oldest"]
        assert link == "backlog?agency=Alpha+Police+Department#oldest-open-requests"
        narrowed = open_page(PAGE, {"agency": "Alpha Police Department"})
    assert sorted(lab_cases(narrowed)) == ["L-A10", "L-A40"]


def test_the_lab_director_lands_on_the_backlog_and_its_link_is_a_page(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The backlog is the lab director's home, but not the app's default page: Streamlit serves
    the default page at / only, and 'backlog?…' links must open it for every role."""
    director = Viewer("director", Role.LAB_DIRECTOR)
    with app_on(engine, monkeypatch):
        at = open_page("", viewer=director)
    assert at.title[0].value == "Lab backlog"  # (tests/browser/test_journeys.py follows the link)
