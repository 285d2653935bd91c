"""Turnaround time: receipt → completion of lab requests, per discipline or priority and month.

Definition: **turnaround** = whole calendar days from the date a request was received to the date
it was completed (received and completed the same day: 0 days), dated by the completion. A
re-opened request's earlier completion counts in the month it happened; a request re-opened and
completed again counts once, at its last completion (the store keeps no earlier one). **Within the
limit** (``CGIC_BACKLOG_DAYS``, 30): turnaround ≤ 30 days, i.e. completed before it would have
entered the backlog (``metrics.backlog``). A completion dated before its receipt is a data error
and is left out.

Percentiles: turnarounds are whole days, so SQL counts completions per (month, discipline or
priority, days) — a histogram of a few thousand rows however many requests — and pandas takes the
exact median and 90th percentile from it (``metrics.weighted``: linear interpolation between the
closest ranks, as pandas' ``quantile`` and PostgreSQL's ``percentile_cont`` on the raw rows).
Whole days repeat, so the histogram is far smaller than the rows a percentile aggregate
(``sql_percentiles``) would sort, and one histogram serves the monthly trend and the period's
totals (``turnaround_summary``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Literal

import pandas as pd
from sqlalchemy import ColumnElement, Engine, func, select

from cgic_data.frames import query_frame
from cgic_data.metrics.backlog import LabFilter, backlog_days, request_scope
from cgic_data.metrics.weighted import weighted_median, weighted_quantile
from cgic_data.metrics.windows import trend_and_period
from cgic_data.schema import Discipline, LabRequest
from cgic_data.scope import IncidentFilter, Viewer, date_conditions, day_start
from cgic_data.sqlfuncs import month_start, whole_days_between

Split = Literal["discipline", "priority"]
# Turnaround bins for the distribution shown on hover: label, longest turnaround (days) in it.
DURATION_BINS: list[tuple[str, float]] = [
    ("same day", 0),
    ("1–7 d", 7),
    ("8–14 d", 14),
    ("15–30 d", 30),
    ("31–60 d", 60),
    ("61–90 d", 90),
    ("91+ d", math.inf),
]
SUMMARY_COLUMNS = ["completed", "median_days", "p90_days", "within_limit_share"]
HISTOGRAM_COLUMNS = ["month", "group", "days", "completions"]


def turnaround_days() -> ColumnElement[int]:
    """Whole calendar days from the receipt date to the completion date."""
    return whole_days_between(LabRequest.received_at, LabRequest.completed_at)


def completion_histogram(
    engine: Engine,
    viewer: Viewer,
    filt: IncidentFilter,
    lab: LabFilter,
    start: date | None,
    as_of: date,
    by: Split = "discipline",
    *,
    flags: dict[str, date] | None = None,
) -> pd.DataFrame:
    """Completions from ``start`` (None: all) to the end of ``as_of``, counted per month of
    completion, discipline (or priority) and turnaround days. Columns: ``HISTOGRAM_COLUMNS``,
    then one boolean column per ``flags`` entry: completed on or after that day."""
    flag_columns = {
        name: (LabRequest.completed_at >= day_start(day)).label(name)
        for name, day in (flags or {}).items()
    }
    keys = [
        month_start(LabRequest.completed_at).label("month"),
        (LabRequest.discipline if by == "discipline" else LabRequest.priority).label("group"),
        turnaround_days().label("days"),
        *flag_columns.values(),
    ]
    stmt = (
        select(*keys, func.count().label("completions"))
        .where(
            request_scope(viewer, filt, lab),
            # every discipline is one of these; naming them lets the index on (discipline,
            # completed_at, received_at, priority) serve the date range without the table
            LabRequest.discipline.in_(lab.disciplines or list(Discipline)),
            *date_conditions(LabRequest.completed_at, start, as_of),
            LabRequest.completed_at >= LabRequest.received_at,
        )
        .group_by(*keys)
    )
    frame = query_frame(engine, stmt, [*HISTOGRAM_COLUMNS[:3], *flag_columns, "completions"])
    frame["month"] = pd.to_datetime(frame["month"])
    frame["group"] = frame["group"].astype(str)
    frame = frame.astype({"days": int, "completions": int, **dict.fromkeys(flag_columns, bool)})
    return frame[[*HISTOGRAM_COLUMNS, *flag_columns]]


def summarize(histogram: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per ``keys`` of a histogram (``days``, ``completions``): completed, median_days, p90_days,
    within_limit_share, and one column per ``DURATION_BINS`` label counting completions in that
    bin (the distribution)."""
    labels = [label for label, _ in DURATION_BINS]
    histogram = histogram[histogram["completions"] > 0]
    if histogram.empty:
        return pd.DataFrame(columns=[*keys, *SUMMARY_COLUMNS, *labels])
    limit = backlog_days()
    edges = [-0.5] + [edge if math.isinf(edge) else edge + 0.5 for _, edge in DURATION_BINS]
    per_day = histogram.groupby([*keys, "days"], observed=True, as_index=False)["completions"].sum()
    per_day["bin"] = pd.cut(per_day["days"], bins=edges, labels=labels)
    rows = []
    for key, group in per_day.groupby(keys, observed=True, sort=True):
        days, counts = group["days"].to_numpy(), group["completions"].to_numpy()
        total = int(counts.sum())
        rows.append(
            (
                *(key if isinstance(key, tuple) else (key,)),
                total,
                weighted_median(days, counts),
                weighted_quantile(days, counts, 0.9),
                float(counts[days <= limit].sum() / total),
            )
        )
    summary = pd.DataFrame(rows, columns=[*keys, *SUMMARY_COLUMNS]).set_index(keys)
    distribution = per_day.pivot_table(
        index=keys,
        columns="bin",
        values="completions",
        aggfunc="sum",
        fill_value=0,
        observed=False,
    ).reindex(columns=labels, fill_value=0)
    distribution.columns = labels
    return summary.join(distribution.astype(int)).reset_index()


@dataclass(frozen=True)
class TurnaroundSummary:
    """by_month: per month of completion and group (``summarize``'s columns); overall: per group
    over the period."""

    by_month: pd.DataFrame
    overall: pd.DataFrame


def turnaround_summary(
    engine: Engine,
    viewer: Viewer,
    filt: IncidentFilter,
    lab: LabFilter,
    trend_start: date | None,
    period_start: date | None,
    as_of: date,
    by: Split = "discipline",
) -> TurnaroundSummary:
    """The monthly trend from ``trend_start`` and the totals from ``period_start`` (None: all
    dates), both to the end of ``as_of``, from one histogram query."""
    trend, period = trend_and_period(
        lambda lower, flags: completion_histogram(
            engine, viewer, filt, lab, lower, as_of, by, flags=flags
        ),
        trend_start,
        period_start,
    )
    return TurnaroundSummary(
        by_month=summarize(trend, ["month", "group"]), overall=summarize(period, ["group"])
    )


def turnaround_by_month(
    engine: Engine,
    viewer: Viewer,
    filt: IncidentFilter,
    lab: LabFilter,
    start: date | None,
    as_of: date,
    by: Split = "discipline",
) -> pd.DataFrame:
    """Per month of completion and discipline (or priority): ``summarize``'s columns, with
    the grouping column named ``group``."""
    return turnaround_summary(engine, viewer, filt, lab, start, start, as_of, by).by_month


def turnaround_overall(
    engine: Engine,
    viewer: Viewer,
    filt: IncidentFilter,
    lab: LabFilter,
    start: date | None,
    as_of: date,
    by: Split = "discipline",
) -> pd.DataFrame:
    """Over the whole window, per discipline (or priority): ``summarize``'s columns."""
    return turnaround_summary(engine, viewer, filt, lab, start, start, as_of, by).overall
