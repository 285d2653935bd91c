"""Two windows from one read: a lab page shows a monthly trend over a long window and totals over
the sidebar's period, both ending at the same day. Reading the longer window once, with a flag per
window, is half the work of two reads; this is the bookkeeping both metrics share."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pandas as pd

# read(lower, flags): rows from ``lower`` (None: all dates) with one boolean column per flag,
# true for rows on or after that flag's day.
Read = Callable[[date | None, dict[str, date]], pd.DataFrame]


def trend_and_period(
    read: Read, trend_start: date | None, period_start: date | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(rows from ``trend_start``, rows from ``period_start``), None meaning all dates, from one
    ``read`` of the longer of the two windows."""
    starts = {"in_trend": trend_start, "in_period": period_start}
    flags = {name: day for name, day in starts.items() if day is not None}
    lower = None if len(flags) < len(starts) else min(flags.values())
    rows = read(lower, flags)
    trend = rows[rows["in_trend"]] if "in_trend" in flags else rows
    period = rows[rows["in_period"]] if "in_period" in flags else rows
    return trend, period
