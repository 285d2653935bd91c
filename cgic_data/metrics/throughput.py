"""Throughput: requests in (received, re-opened) and out (completed) per week or month, and the
open count and backlog at the end of each, per discipline.

The definitions (open, re-opened, backlog, 'as of') are ``metrics.backlog``'s. One SQL query counts
events per discipline, calendar day and kind over the whole history in scope — days long before the
chart's first period folded into one, so at most a few thousand rows however many requests; pandas
folds the days into weeks (Monday) or months and takes running sums.

Why days suffice for the levels: a request is a chain of open spells — receipt → completion, and
re-opening → (no end yet) — and period ends are midnights. At midnight ``D`` a spell is open when
it started on a day before ``D`` and did not end on a day before ``D``; it is backlog when, in
addition, it started ``limit + 1`` days or more before the day ending at ``D`` (whole-day age over
``limit``), which only a spell lasting at least ``limit + 2`` calendar days ever does. So
open(D) = starts before D − ends before D, and backlog(D) = long spells' starts shifted by
``limit + 1`` days before D − long spells' ends before D. A completion dated before its receipt
(a data error) closes its spell on receipt day, as ``is_open_at`` never counts it open.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

import pandas as pd
from sqlalchemy import (
    ColumnElement,
    DateTime,
    Engine,
    and_,
    case,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)

from cgic_data.frames import query_frame
from cgic_data.metrics.backlog import (
    LabFilter,
    backlog_days,
    end_of_day,
    reopened_from,
    request_scope,
)
from cgic_data.schema import Discipline, LabRequest
from cgic_data.scope import IncidentFilter, Viewer, day_start
from cgic_data.sqlfuncs import days_between

Grain = Literal["week", "month"]
FLOW_COLUMNS = [
    "period",
    "discipline",
    "received",
    "reopened",
    "completed",
    "open_at_end",
    "backlog_at_end",
]
# Day-event kinds: the three flows, then what the levels need (see the module docstring).
KINDS = ["received", "reopened", "completed", "closed", "long_opened", "long_closed"]


def period_starts(start: date, end: date, grain: Grain) -> list[date]:
    """The first day of every week (Monday) or month that overlaps ``start``..``end``."""
    if grain == "week":
        first = start - timedelta(days=start.weekday())
        return [first + timedelta(weeks=i) for i in range((end - first).days // 7 + 1)]
    months = (end.year - start.year) * 12 + end.month - start.month
    return [
        date(start.year + (start.month - 1 + i) // 12, (start.month - 1 + i) % 12 + 1, 1)
        for i in range(months + 1)
    ]


def day_events(
    engine: Engine,
    viewer: Viewer,
    filt: IncidentFilter,
    lab: LabFilter,
    as_of: date,
    detail_from: date | None = None,
) -> pd.DataFrame:
    """Counts per discipline, calendar day and kind (``KINDS``) of everything up to the end of
    ``as_of``; events before ``detail_from`` are counted on the day before it (only their totals
    matter then). Columns: discipline, day (Timestamp), kind, requests."""
    end = end_of_day(as_of)
    long_spell = backlog_days() + 2  # calendar days a spell must span to reach the backlog
    received, completed = LabRequest.received_at, LabRequest.completed_at
    reopened = reopened_from()
    done = and_(completed.is_not(None), completed < end)
    closed = case((completed < received, received), else_=completed)
    spans_long = days_between(func.date(received), closed) >= long_spell
    branches: list[tuple[str, ColumnElement, ColumnElement[bool]]] = [
        ("received", received, true()),
        ("reopened", reopened, reopened < end),
        ("completed", completed, done),
        ("closed", closed, done),
        ("long_opened", received, or_(~done, spans_long)),
        ("long_opened", reopened, reopened < end),
        ("long_closed", closed, and_(done, spans_long)),
    ]
    scope = and_(request_scope(viewer, filt, lab), received < end)

    def day(moment: ColumnElement) -> ColumnElement:
        if detail_from is None:
            return func.date(moment)
        first = day_start(detail_from)
        earlier = func.date(literal(first - timedelta(days=1), DateTime))
        return case((moment < first, earlier), else_=func.date(moment))

    events = union_all(
        *[
            select(
                LabRequest.discipline.label("discipline"),
                day(moment).label("day"),
                literal(kind).label("kind"),
            ).where(scope, condition)
            for kind, moment, condition in branches
        ]
    ).subquery()
    stmt = select(
        events.c.discipline, events.c.day, events.c.kind, func.count().label("requests")
    ).group_by(events.c.discipline, events.c.day, events.c.kind)
    frame = query_frame(engine, stmt, ["discipline", "day", "kind", "requests"])
    frame["discipline"] = frame["discipline"].astype(str)
    frame["day"] = pd.to_datetime(frame["day"])
    return frame


def flow_by_period(
    engine: Engine,
    viewer: Viewer,
    filt: IncidentFilter,
    lab: LabFilter,
    start: date | None,
    as_of: date,
    grain: Grain = "week",
) -> pd.DataFrame:
    """Per week (Monday) or month and discipline, from the period holding ``start`` to ``as_of``.

    ``start`` None: from the first receipt in scope.

    received / reopened / completed: events dated in the period (up to the end of ``as_of``).
    open_at_end / backlog_at_end: open requests, and the backlog, at the end of the period (of
    ``as_of`` for the current one). When completions trail receipts plus re-openings, the open
    count grows: open_at_end(p) = open_at_end(p-1) + received + reopened - completed.
    One row per period and discipline in scope, zeros included. Columns: ``FLOW_COLUMNS``.
    """
    shift = timedelta(days=backlog_days() + 1)
    # Day by day from ``shift`` before the first period: earlier receipts enter the backlog
    # before it begins, so only their totals matter.
    detail_from = None if start is None else period_starts(start, start, grain)[0] - shift
    events = day_events(engine, viewer, filt, lab, as_of, detail_from)
    if start is None:
        receipts = events.loc[events["kind"] == "received", "day"]
        start = receipts.min().date() if len(receipts) else as_of
    if start > as_of:
        return pd.DataFrame(columns=FLOW_COLUMNS)
    starts = pd.to_datetime(period_starts(start, as_of, grain))
    # a period ends at the midnight the next one begins; the last at the end of as_of
    ends = [*starts[1:], pd.Timestamp(as_of + timedelta(days=1))]
    events.loc[events["kind"] == "long_opened", "day"] += shift
    parts = []
    for discipline in [str(d) for d in lab.disciplines or Discipline]:
        daily = (
            events[events["discipline"] == discipline]
            .pivot_table(index="day", columns="kind", values="requests", aggfunc="sum")
            .reindex(columns=KINDS)
            .fillna(0)
            .sort_index()
        )
        before = _running_totals(daily, starts)  # everything on days before each period start
        through = _running_totals(daily, ends)  # ... before each period end
        flows = through - before
        parts.append(
            pd.DataFrame(
                {
                    "period": starts,
                    "discipline": discipline,
                    "received": flows["received"],
                    "reopened": flows["reopened"],
                    "completed": flows["completed"],
                    "open_at_end": through["received"] + through["reopened"] - through["closed"],
                    "backlog_at_end": through["long_opened"] - through["long_closed"],
                }
            )
        )
    frame = pd.concat(parts, ignore_index=True)
    frame[FLOW_COLUMNS[2:]] = frame[FLOW_COLUMNS[2:]].astype(int)
    return frame.sort_values(["period"], kind="stable", ignore_index=True)[FLOW_COLUMNS]


def _running_totals(daily: pd.DataFrame, moments: list[pd.Timestamp]) -> pd.DataFrame:
    """Per moment (a midnight), the sum of each kind over the days before it."""
    if daily.empty:
        return pd.DataFrame(0, index=range(len(moments)), columns=daily.columns)
    running = daily.cumsum()
    at = running.index.searchsorted(pd.DatetimeIndex(moments), side="left") - 1
    totals = running.iloc[at.clip(min=0)].to_numpy() * (at >= 0)[:, None]
    return pd.DataFrame(totals, columns=daily.columns)
