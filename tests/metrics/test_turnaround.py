"""Turnaround (receipt date → completion date, whole days) against hand-computed medians and P90."""

from datetime import date, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import Engine

from cgic_data.metrics import turnaround
from cgic_data.metrics.backlog import LabFilter
from cgic_data.schema import Discipline, Priority, RequestStatus, Role
from cgic_data.scope import IncidentFilter, Viewer
from tests.factory import Builder

ALL = IncidentFilter()
AS_OF = date(2025, 6, 30)
DNA, FIREARMS = Discipline.DNA, Discipline.FIREARMS_NIBIN


@pytest.fixture
def agencies(engine: Engine) -> tuple[int, int]:
    b = Builder(engine)
    return b.agency("A"), b.agency("B")


def completed(b: Builder, agency: int, done: datetime, days: int, **kw: object) -> int:
    """A request completed at ``done``, received ``days`` calendar days before (at 09:00)."""
    received = datetime.combine(done.date() - timedelta(days=days), datetime.min.time())
    return b.request(agency, received.replace(hour=9), completed_at=done, **kw)  # type: ignore[arg-type]


def test_median_p90_share_and_distribution(engine: Engine, agencies: tuple[int, int]) -> None:
    b, (a, other) = Builder(engine), agencies
    # Five DNA completions in June: 0 (same day, 17:00), 10, 20, 30 and 100 days.
    for days in (0, 10, 20, 30, 100):
        completed(b, a, datetime(2025, 6, 12, 17), days, discipline=DNA)
    # May: one firearms request received at 23:00 and completed 00:30 the next day: 1 day.
    b.request(other, datetime(2025, 5, 6, 23), completed_at=datetime(2025, 5, 7, 0, 30))
    monthly = turnaround.turnaround_by_month(engine, Viewer.system(), ALL, LabFilter(), None, AS_OF)
    assert monthly[["month", "group", "completed", "median_days", "p90_days"]].values.tolist() == [
        [pd.Timestamp(2025, 5, 1), "firearms/NIBIN", 1, 1.0, 1.0],
        [pd.Timestamp(2025, 6, 1), "DNA", 5, 20.0, 72.0],  # P90: 30 + 0.6 × (100 - 30)
    ]
    june = monthly.iloc[1]
    assert june["within_limit_share"] == pytest.approx(0.8)  # all but the 100 days
    assert [june[label] for label, _ in turnaround.DURATION_BINS] == [1, 0, 1, 2, 0, 0, 1]


def test_same_day_and_reopened_completions(engine: Engine, agencies: tuple[int, int]) -> None:
    b, (a, _) = Builder(engine), agencies
    b.request(a, datetime(2025, 6, 3, 8), completed_at=datetime(2025, 6, 3, 8, 5))  # minutes
    # Re-opened: its earlier completion (Jun 1, after 31 days) still counts in June.
    b.request(
        a,
        datetime(2025, 5, 1, 9),
        completed_at=datetime(2025, 6, 1, 9),
        reopened_at=datetime(2025, 6, 20),
        status=RequestStatus.REOPENED,
    )
    b.request(a, datetime(2025, 6, 5))  # still open: no turnaround
    histogram = turnaround.completion_histogram(
        engine, Viewer.system(), ALL, LabFilter(), None, AS_OF
    )
    assert sorted(histogram[["days", "completions"]].values.tolist()) == [[0, 1], [31, 1]]
    overall = turnaround.turnaround_overall(engine, Viewer.system(), ALL, LabFilter(), None, AS_OF)
    assert overall[["group", "completed", "median_days", "within_limit_share"]].values.tolist() == [
        ["firearms/NIBIN", 2, 15.5, 0.5]
    ]


def test_split_by_priority_window_and_scope(engine: Engine, agencies: tuple[int, int]) -> None:
    b, (a, other) = Builder(engine), agencies
    completed(b, a, datetime(2025, 6, 10, 12), 5, priority=Priority.RUSH)
    completed(b, a, datetime(2025, 6, 11, 12), 40, priority=Priority.COURT)
    completed(b, other, datetime(2025, 6, 12, 12), 7, priority=Priority.RUSH)
    completed(b, a, datetime(2025, 4, 30, 12), 3, priority=Priority.RUSH)  # before the window
    completed(b, a, datetime(2025, 7, 1, 12), 3, priority=Priority.RUSH)  # after as_of
    by_priority = turnaround.turnaround_overall(
        engine, Viewer.system(), ALL, LabFilter(), date(2025, 5, 1), AS_OF, by="priority"
    )
    assert by_priority[["group", "completed", "median_days"]].values.tolist() == [
        ["court date", 1, 40.0],
        ["rush", 2, 6.0],
    ]
    mine = turnaround.turnaround_overall(
        engine, Viewer("x", Role.LAB_DIRECTOR, agency_id=other), ALL, LabFilter(), None, AS_OF
    )
    assert mine["completed"].tolist() == [1]


def test_no_completions_gives_an_empty_summary(engine: Engine, agencies: tuple[int, int]) -> None:
    b, (a, _) = Builder(engine), agencies
    b.request(a, datetime(2025, 6, 1))
    # a completion dated before its receipt is a data error, left out
    b.request(a, datetime(2025, 6, 9), completed_at=datetime(2025, 6, 8))
    monthly = turnaround.turnaround_by_month(engine, Viewer.system(), ALL, LabFilter(), None, AS_OF)
    assert monthly.empty
    assert {"month", "group", "median_days", "same day"} <= set(monthly.columns)


def test_period_totals_and_monthly_trend_share_one_histogram(
    engine: Engine, agencies: tuple[int, int]
) -> None:
    b, (a, _) = Builder(engine), agencies
    completed(b, a, datetime(2025, 3, 20, 12), 4)  # trend only (before the period)
    completed(b, a, datetime(2025, 6, 2, 12), 2)
    completed(b, a, datetime(2025, 6, 3, 12), 12)
    got = turnaround.turnaround_summary(
        engine, Viewer.system(), ALL, LabFilter(), date(2025, 3, 1), date(2025, 6, 1), AS_OF
    )
    assert got.by_month[["month", "completed", "median_days"]].values.tolist() == [
        [pd.Timestamp(2025, 3, 1), 1, 4.0],
        [pd.Timestamp(2025, 6, 1), 2, 7.0],
    ]
    assert got.overall[["group", "completed", "median_days", "p90_days"]].values.tolist() == [
        ["firearms/NIBIN", 2, 7.0, 11.0]  # P90: 2 + 0.9 × 10
    ]
