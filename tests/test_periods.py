"""Period arithmetic: what each choice covers and the equivalent period a comparison is with."""

from datetime import date

import pytest

from cgic_data import periods
from cgic_data.periods import (
    add_months,
    date_range_text,
    kind_of,
    overlaps,
    period_dates,
    previous_period,
    whole_months,
)

D = date


@pytest.mark.parametrize(
    ("period", "today", "expected"),
    [
        ("This month", D(2026, 12, 7), (D(2026, 12, 1), D(2026, 12, 7))),
        ("Last month", D(2026, 12, 7), (D(2026, 11, 1), D(2026, 11, 30))),
        ("Last month", D(2026, 1, 15), (D(2025, 12, 1), D(2025, 12, 31))),
        ("Last month", D(2024, 3, 31), (D(2024, 2, 1), D(2024, 2, 29))),  # leap February
        ("This quarter", D(2026, 12, 7), (D(2026, 10, 1), D(2026, 12, 7))),
        ("This quarter", D(2026, 4, 1), (D(2026, 4, 1), D(2026, 4, 1))),  # its first day
        ("Last quarter", D(2026, 12, 7), (D(2026, 7, 1), D(2026, 9, 30))),
        ("Last quarter", D(2026, 2, 10), (D(2025, 10, 1), D(2025, 12, 31))),  # across the year
        ("Year to date", D(2024, 2, 29), (D(2024, 1, 1), D(2024, 2, 29))),
        ("Last 12 months", D(2026, 12, 7), (D(2025, 12, 8), D(2026, 12, 7))),
        ("Last 12 months", D(2024, 2, 29), (D(2023, 3, 1), D(2024, 2, 29))),
        ("Last 7 days", D(2026, 12, 7), (D(2026, 12, 1), D(2026, 12, 7))),
        ("Last 28 days", D(2026, 12, 7), (D(2026, 11, 10), D(2026, 12, 7))),
        ("Last 90 days", D(2024, 3, 1), (D(2023, 12, 3), D(2024, 3, 1))),
        ("All dates", D(2026, 12, 7), (None, None)),
        ("Custom range", D(2026, 12, 7), (None, None)),  # no dates picked yet
        ("Last 3 fortnights", D(2026, 12, 7), (D(2026, 11, 10), D(2026, 12, 7))),  # the default
    ],
)
def test_period_dates(period: str, today: date, expected: tuple[date | None, date | None]) -> None:
    assert period_dates(period, today) == expected


def test_a_custom_range_is_its_dates_in_order() -> None:
    today = D(2026, 12, 7)
    assert period_dates("Custom range", today, (D(2018, 3, 31), D(2013, 1, 1))) == (
        D(2013, 1, 1),
        D(2018, 3, 31),
    )
    assert period_dates("Custom range", today, (D(2020, 5, 5),)) == (D(2020, 5, 5), D(2020, 5, 5))


def test_every_choice_has_a_kind_and_old_link_values_still_exist() -> None:
    assert set(periods.KINDS) == set(periods.PERIODS)
    # links already in emails carry these labels as the period's URL value
    for label in ["Last 7 days", "Last 28 days", "Last 90 days", "Last 12 months"]:
        assert label in periods.PERIODS
    assert {"Year to date", "All dates", "Custom range"} <= set(periods.PERIODS)
    assert periods.DEFAULT_PERIOD in periods.PERIODS
    assert kind_of("Last 28 days") == "days" and kind_of("no such period") == "days"


@pytest.mark.parametrize(
    ("day", "months", "keep_end", "expected"),
    [
        (D(2026, 3, 31), -1, False, D(2026, 2, 28)),
        (D(2024, 3, 31), -1, False, D(2024, 2, 29)),
        (D(2023, 2, 28), -1, True, D(2023, 1, 31)),  # a month end stays a month end
        (D(2023, 2, 28), -1, False, D(2023, 1, 28)),
        (D(2024, 2, 28), -1, True, D(2024, 1, 28)),  # not February's end in a leap year
        (D(2026, 1, 15), -3, False, D(2025, 10, 15)),
        (D(2024, 2, 29), -12, False, D(2023, 2, 28)),
        (D(2025, 11, 30), 3, True, D(2026, 2, 28)),
    ],
)
def test_add_months(day: date, months: int, keep_end: bool, expected: date) -> None:
    assert add_months(day, months, keep_month_end=keep_end) == expected


@pytest.mark.parametrize(
    ("start", "end", "kind", "expected"),
    [
        # a whole month against the previous whole month, whatever their lengths
        (D(2026, 11, 1), D(2026, 11, 30), "month", (D(2026, 10, 1), D(2026, 10, 31))),
        (D(2026, 3, 1), D(2026, 3, 31), "month", (D(2026, 2, 1), D(2026, 2, 28))),
        (D(2024, 3, 1), D(2024, 3, 31), "month", (D(2024, 2, 1), D(2024, 2, 29))),
        (D(2024, 2, 1), D(2024, 2, 29), "month", (D(2024, 1, 1), D(2024, 1, 31))),
        (D(2026, 1, 1), D(2026, 1, 31), "month", (D(2025, 12, 1), D(2025, 12, 31))),
        # a month to date against the same days of the month before
        (D(2026, 12, 1), D(2026, 12, 7), "month", (D(2026, 11, 1), D(2026, 11, 7))),
        (D(2026, 3, 1), D(2026, 3, 30), "month", (D(2026, 2, 1), D(2026, 2, 28))),
        # quarters: whole, across a year, to date
        (D(2026, 7, 1), D(2026, 9, 30), "quarter", (D(2026, 4, 1), D(2026, 6, 30))),
        (D(2026, 4, 1), D(2026, 6, 30), "quarter", (D(2026, 1, 1), D(2026, 3, 31))),
        (D(2026, 1, 1), D(2026, 3, 31), "quarter", (D(2025, 10, 1), D(2025, 12, 31))),
        (D(2026, 10, 1), D(2026, 12, 7), "quarter", (D(2026, 7, 1), D(2026, 9, 7))),
        (D(2024, 4, 1), D(2024, 5, 31), "quarter", (D(2024, 1, 1), D(2024, 2, 29))),
        # year to date against the same span last year, a leap day included
        (D(2024, 1, 1), D(2024, 2, 29), "year", (D(2023, 1, 1), D(2023, 2, 28))),
        (D(2025, 1, 1), D(2025, 2, 28), "year", (D(2024, 1, 1), D(2024, 2, 28))),
        (D(2026, 1, 1), D(2026, 12, 7), "year", (D(2025, 1, 1), D(2025, 12, 7))),
        # the 12 months before
        (D(2025, 12, 8), D(2026, 12, 7), "twelve_months", (D(2024, 12, 8), D(2025, 12, 7))),
        (D(2023, 3, 1), D(2024, 2, 29), "twelve_months", (D(2022, 3, 1), D(2023, 2, 28))),
        # rolling days and custom ranges: as many days, ending the day before
        (D(2026, 11, 10), D(2026, 12, 7), "days", (D(2026, 10, 13), D(2026, 11, 9))),
        (D(2024, 3, 1), D(2024, 3, 7), "days", (D(2024, 2, 23), D(2024, 2, 29))),
        (D(2026, 12, 7), D(2026, 12, 7), "days", (D(2026, 12, 6), D(2026, 12, 6))),
    ],
)
def test_previous_period(
    start: date, end: date, kind: periods.Kind, expected: tuple[date, date]
) -> None:
    assert previous_period(start, end, kind) == expected


def test_an_open_period_has_nothing_before_it() -> None:
    assert previous_period(None, None, "all") is None
    assert previous_period(None, D(2026, 1, 1), "days") is None
    assert previous_period(D(2026, 1, 1), D(2026, 1, 31), "all") is None


@pytest.mark.parametrize("period", periods.PERIODS)
def test_every_bounded_choice_has_a_previous_period_just_before_it(period: str) -> None:
    today = D(2024, 2, 29)
    start, end = period_dates(period, today, (D(2023, 11, 5), D(2024, 1, 20)))
    previous = previous_period(start, end, kind_of(period))
    if start is None or end is None:
        assert previous is None
        return
    assert previous is not None
    previous_start, previous_end = previous
    assert previous_start <= previous_end < start
    assert (end - start).days - 3 <= (previous_end - previous_start).days <= (end - start).days + 3


def test_whole_months_and_texts() -> None:
    today = D(2026, 12, 7)
    assert whole_months(D(2026, 11, 10), today, today) == (D(2026, 11, 1), today)
    assert whole_months(D(2026, 3, 10), D(2026, 4, 15), today) == (D(2026, 3, 1), D(2026, 4, 30))
    assert whole_months(D(2027, 1, 5), D(2027, 1, 9), today) == (D(2027, 1, 1), D(2027, 1, 9))
    assert date_range_text(D(2026, 10, 1), D(2026, 10, 31)) == "2026-10-01 – 2026-10-31"
    assert date_range_text(None, None) == "all dates"


def test_overlaps() -> None:
    first, last = D(2013, 1, 1), D(2018, 3, 31)
    assert not overlaps(D(2026, 11, 10), D(2026, 12, 7), first, last)
    assert not overlaps(D(2010, 1, 1), D(2012, 12, 31), first, last)
    assert overlaps(D(2018, 3, 31), D(2026, 12, 7), first, last)
    assert overlaps(None, None, first, last)
    assert not overlaps(None, None, None, None)  # no data at all
