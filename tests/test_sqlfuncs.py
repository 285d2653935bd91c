"""Portable SQL date functions give the same answers on SQLite and PostgreSQL."""

from datetime import datetime

from sqlalchemy import Engine, select

from cgic_data.schema import LabRequest
from cgic_data.sqlfuncs import date_plus_days, whole_days_between
from tests.factory import Builder


def test_date_plus_days_is_the_midnight_that_many_days_after_the_date(engine: Engine) -> None:
    b = Builder(engine)
    a = b.agency("A")
    received = datetime(2025, 6, 1, 23, 30)  # late in the day: its date counts, not the hour
    cases = {
        "on the day, midnight": datetime(2025, 7, 3, 0, 0),  # Jun 1 + 32 days
        "the day before, last minute": datetime(2025, 7, 2, 23, 59),
        "a day later": datetime(2025, 7, 4, 12, 0),
    }
    for name, completed in cases.items():
        b.request(a, received, completed_at=completed, case_number=name)
    stmt = select(LabRequest.lab_case_number).where(
        LabRequest.completed_at >= date_plus_days(LabRequest.received_at, 32)
    )
    with engine.connect() as conn:
        reached = set(conn.execute(stmt).scalars())
    assert reached == {"on the day, midnight", "a day later"}


def test_whole_days_between_counts_calendar_days_between_the_dates(engine: Engine) -> None:
    b = Builder(engine)
    a = b.agency("A")
    received = datetime(2025, 6, 1, 23, 30)
    cases = {
        "same day": (datetime(2025, 6, 1, 23, 45), 0),
        "just after midnight": (datetime(2025, 6, 2, 0, 5), 1),
        "32 days, earlier hour": (datetime(2025, 7, 3, 8, 0), 32),
        "a year (leap-free)": (datetime(2026, 6, 1, 0, 0), 365),
    }
    for name, (completed, _) in cases.items():
        b.request(a, received, completed_at=completed, case_number=name)
    stmt = select(
        LabRequest.lab_case_number,
        whole_days_between(LabRequest.received_at, LabRequest.completed_at),
    )
    with engine.connect() as conn:
        got = {name: days for name, days in conn.execute(stmt)}
    assert got == {name: days for name, (_, days) in cases.items()}
