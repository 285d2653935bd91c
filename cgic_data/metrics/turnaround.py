"""Turnaround time: receipt → completion of lab requests, per discipline or priority and month.

Definition: **turnaround** = whole calendar days from the date a request was received to the date
it was completed (received and completed the same day: 0 days), dated by the completion. A
re-opened request's earlier completion counts in the month it happened; a request re-opened and
completed again counts once, at its last completion (the store keeps no earlier one). **Within the
limit** (``CGIC_BACKLOG_DAYS``, 30): turnaround ≤ 30 days, i.e. completed before it would have
entered the backlog (``metrics.backlog``). A completion dated before its receipt is a data error
and is left out.

Percentiles: SQL filters and computes each completion's days (``days_between`` from the receipt
date's midnight, floored here to whole days); only that narrow, already filtered column comes back,
and pandas takes the median and 90th percentile (linear interpolation, as PostgreSQL's
``percentile_cont``), because SQLite has no percentile function.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Literal

import pandas as pd
from sqlalchemy import Engine, func, select

from cgic_data.frames import query_frame
from cgic_data.metrics.backlog import LabFilter, backlog_days, request_scope
from cgic_data.schema import LabRequest
from cgic_data.scope import IncidentFilter, Viewer, date_conditions
from cgic_data.sqlfuncs import days_between, month_start

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


def completion_times(
    engine: Engine,
    viewer: Viewer,
    filt: IncidentFilter,
    lab: LabFilter,
    start: date | None,
    as_of: date,
) -> pd.DataFrame:
    """Completions from ``start`` (None: all) to the end of ``as_of``, one row each.

    Columns: month (of completion), discipline, priority, days (turnaround, whole days).
    """
    raw_days = days_between(func.date(LabRequest.received_at), LabRequest.completed_at)
    stmt = select(
        month_start(LabRequest.completed_at),
        LabRequest.discipline,
        LabRequest.priority,
        raw_days,
    ).where(
        request_scope(viewer, filt, lab),
        *date_conditions(LabRequest.completed_at, start, as_of),
        LabRequest.completed_at >= LabRequest.received_at,
    )
    frame = query_frame(engine, stmt, ["month", "discipline", "priority", "days"])
    frame["month"] = pd.to_datetime(frame["month"])
    frame["discipline"] = frame["discipline"].astype(str)
    frame["priority"] = frame["priority"].astype(str)
    # + a microsecond's worth, so a float just under a whole day never floors one day short
    frame["days"] = (frame["days"].astype(float) + 1e-9).apply(math.floor).astype(int)
    return frame


def summarize(times: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per ``keys``: completed, median_days, p90_days, within_limit_share, and one column per
    ``DURATION_BINS`` label counting completions in that bin (the distribution)."""
    labels = [label for label, _ in DURATION_BINS]
    if times.empty:
        return pd.DataFrame(columns=[*keys, *SUMMARY_COLUMNS, *labels])
    limit = backlog_days()
    edges = [-0.5] + [edge if math.isinf(edge) else edge + 0.5 for _, edge in DURATION_BINS]
    binned = times.assign(
        bin=pd.cut(times["days"], bins=edges, labels=labels),
        within=times["days"] <= limit,
    )
    grouped = binned.groupby(keys, observed=True)
    summary = grouped.agg(
        completed=("days", "size"),
        median_days=("days", "median"),
        p90_days=("days", lambda d: d.quantile(0.9)),
        within_limit_share=("within", "mean"),
    )
    distribution = binned.pivot_table(
        index=keys, columns="bin", values="days", aggfunc="size", fill_value=0, observed=False
    ).reindex(columns=labels, fill_value=0)
    distribution.columns = labels
    return summary.join(distribution).reset_index()


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
    times = completion_times(engine, viewer, filt, lab, start, as_of)
    return summarize(times.rename(columns={by: "group"}), ["month", "group"])


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
    times = completion_times(engine, viewer, filt, lab, start, as_of)
    return summarize(times.rename(columns={by: "group"}), ["group"])
