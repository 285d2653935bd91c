"""Period arithmetic of the shared filter: the dates each period choice covers and the
equivalent period before it.

Pure functions of dates (no Streamlit, no store), so every page that compares a period with an
earlier one compares alike, and the arithmetic (month ends, leap days, quarters) is tested once.
A period choice's label is also its URL value: links already sent (``?period=Last+28+days``) must
keep opening the same view, so labels are never renamed.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Literal

# What a period is made of, for comparison: calendar months, quarters or years (to date or
# whole), the 12 months to a day, a number of days, or no bounds at all.
Kind = Literal["month", "quarter", "year", "twelve_months", "days", "all"]

THIS_MONTH, LAST_MONTH = "This month", "Last month"
THIS_QUARTER, LAST_QUARTER = "This quarter", "Last quarter"
YEAR_TO_DATE, LAST_12_MONTHS = "Year to date", "Last 12 months"
LAST_DAYS = {"Last 7 days": 7, "Last 28 days": 28, "Last 90 days": 90}  # today included
ALL_DATES, CUSTOM = "All dates", "Custom range"
PERIODS = [
    THIS_MONTH,
    LAST_MONTH,
    THIS_QUARTER,
    LAST_QUARTER,
    YEAR_TO_DATE,
    LAST_12_MONTHS,
    *LAST_DAYS,
    ALL_DATES,
    CUSTOM,
]
DEFAULT_PERIOD = "Last 28 days"
KINDS: dict[str, Kind] = {
    THIS_MONTH: "month",
    LAST_MONTH: "month",
    THIS_QUARTER: "quarter",
    LAST_QUARTER: "quarter",
    YEAR_TO_DATE: "year",
    LAST_12_MONTHS: "twelve_months",
    ALL_DATES: "all",
    CUSTOM: "days",
    **dict.fromkeys(LAST_DAYS, "days"),
}
MONTHS_IN: dict[Kind, int] = {"month": 1, "quarter": 3, "year": 12}


def kind_of(period: str) -> Kind:
    """The kind of a period choice; an unknown one stands for the default (a number of days)."""
    return KINDS.get(period, "days")


def month_end(day: date) -> date:
    """The last day of ``day``'s month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: date, months: int, *, keep_month_end: bool = False) -> date:
    """``day`` moved by ``months`` calendar months, clamped to the shorter month's end
    (Mar 31 − 1 month = Feb 28/29). ``keep_month_end``: a month's last day stays a last day
    (Feb 28, 2023 − 1 month = Jan 31), so a whole month maps to a whole month."""
    index = day.year * 12 + day.month - 1 + months
    first = date(index // 12, index % 12 + 1, 1)
    last = month_end(first)
    if keep_month_end and day == month_end(day):
        return last
    return first.replace(day=min(day.day, last.day))


def quarter_start(day: date) -> date:
    """The first day of ``day``'s calendar quarter."""
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def period_dates(
    period: str, today: date, custom: tuple[date, ...] = ()
) -> tuple[date | None, date | None]:
    """The (start, end) a period choice stands for on ``today``, both inclusive.

    'This …' and 'Year to date' run to today; 'Last month/quarter' are the whole previous ones;
    'Last 12 months' is the 12 calendar months to today. An unknown choice (an old or mistyped
    link) is the default period, as the sidebar shows it.
    """
    if period == ALL_DATES:
        return None, None
    if period == CUSTOM:
        if not custom:
            return None, None
        return min(custom), max(custom)
    if period == THIS_MONTH:
        return today.replace(day=1), today
    if period == LAST_MONTH:
        end = today.replace(day=1) - timedelta(days=1)
        return end.replace(day=1), end
    if period == THIS_QUARTER:
        return quarter_start(today), today
    if period == LAST_QUARTER:
        end = quarter_start(today) - timedelta(days=1)
        return quarter_start(end), end
    if period == YEAR_TO_DATE:
        return date(today.year, 1, 1), today
    if period == LAST_12_MONTHS:
        return add_months(today, -12) + timedelta(days=1), today
    days = LAST_DAYS.get(period, LAST_DAYS[DEFAULT_PERIOD])
    return today - timedelta(days=days - 1), today


def previous_period(start: date | None, end: date | None, kind: Kind) -> tuple[date, date] | None:
    """The equivalent period before ``start``–``end`` (inclusive), the one a comparison is with.

    A month, quarter or year to date: the same span of the previous one (Dec 1–7 against
    Nov 1–7; YTD to Feb 29 against Jan 1 – Feb 28 of the year before); a whole month or quarter:
    the whole previous one. The 12 months to a day: the 12 months before. A number of days (the
    rolling periods, a custom range): as many days ending the day before ``start``. None when the
    period is open (all dates): there is nothing before it to compare with.
    """
    if start is None or end is None or kind == "all":
        return None
    if kind in MONTHS_IN:
        months = MONTHS_IN[kind]
        return add_months(start, -months), add_months(end, -months, keep_month_end=kind != "year")
    if kind == "twelve_months":
        previous_end = start - timedelta(days=1)
        return add_months(previous_end, -12) + timedelta(days=1), previous_end
    return days_before(start, end)


def days_before(start: date, end: date) -> tuple[date, date]:
    """As many days as ``start``–``end`` holds, ending the day before ``start``."""
    previous_end = start - timedelta(days=1)
    return previous_end - (end - start), previous_end


def whole_months(start: date, end: date, today: date) -> tuple[date, date]:
    """The whole calendar months ``start``–``end`` touches, for a month-by-month grid: from the
    first of ``start``'s month to the end of ``end``'s month, but not past today (or ``end``,
    when that is later) — the days after today hold nothing yet."""
    return start.replace(day=1), max(end, min(month_end(end), today))


def date_range_text(start: date | None, end: date | None) -> str:
    """'2026-10-01 – 2026-10-31' (ISO dates: what a comparison caption names)."""
    if start is None and end is None:
        return "all dates"
    return f"{start or '…'} – {end or '…'}"


def overlaps(start: date | None, end: date | None, first: date | None, last: date | None) -> bool:
    """Whether the period ``start``–``end`` (None: open) holds any day of ``first``–``last``."""
    if first is None or last is None:
        return False
    return (start is None or start <= last) and (end is None or end >= first)
