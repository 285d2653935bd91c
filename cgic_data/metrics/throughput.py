"""Throughput: requests in (received, re-opened) and out (completed) per week or month, and the
open count and backlog at the end of each, per discipline.

The definitions (open, re-opened, backlog, 'as of') are ``metrics.backlog``'s. Only totals before
each period boundary (a midnight) matter, so SQL counts each kind of event per discipline between
consecutive boundaries (``period_events``): an index range count per bucket, so neither
per-request rows nor a sort of a million rows, however long the history; re-openings (a few) are
counted per day. pandas takes the running sums.

Why boundaries suffice for the levels: a request is a chain of open spells — receipt → completion,
and re-opening → (no end yet) — and period ends are midnights. At midnight ``D`` a spell is open
when it started on a day before ``D`` and did not end on a day before ``D``; it is backlog when, in
addition, it started ``limit + 1`` days or more before the day ending at ``D`` (whole-day age over
``limit``), which only a spell lasting at least ``limit + 2`` calendar days ever does. So
open(D) = starts before D − ends before D, and backlog(D) = long spells' starts before
D − (``limit + 1``) days − long spells' ends before D. A completion dated before its receipt
(a data error) closes its spell on receipt day, as ``is_open_at`` never counts it open.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import Literal

import pandas as pd
from sqlalchemy import (
    ColumnElement,
    DateTime,
    Engine,
    Integer,
    and_,
    func,
    literal,
    or_,
    select,
    union_all,
)

from cgic_data.frames import query_frame
from cgic_data.metrics.backlog import (
    LabFilter,
    backlog_days,
    end_of_day,
    is_open_at,
    is_reopened,
    moving_since,
    open_since,
    reopened_from,
    request_scope,
)
from cgic_data.schema import Discipline, LabRequest
from cgic_data.scope import IncidentFilter, Viewer, day_start
from cgic_data.sqlfuncs import date_plus_days

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
# Event kinds: the three flows, then what the levels need (see the module docstring).
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


def first_receipt(
    engine: Engine, viewer: Viewer, filt: IncidentFilter, lab: LabFilter, as_of: date
) -> date | None:
    """The day of the first receipt in scope up to the end of ``as_of`` (None: none)."""
    stmt = select(func.min(LabRequest.received_at)).where(
        request_scope(viewer, filt, lab), LabRequest.received_at < end_of_day(as_of)
    )
    with engine.connect() as conn:
        first = conn.execute(stmt).scalar()
    return None if first is None else pd.Timestamp(first).date()


def period_events(
    engine: Engine,
    viewer: Viewer,
    filt: IncidentFilter,
    lab: LabFilter,
    starts: list[date],
    as_of: date,
    *,
    nothing_before: bool = False,
) -> pd.DataFrame:
    """Counts per discipline, kind (``KINDS``) and bucket of everything up to the end of
    ``as_of``. Buckets run between consecutive boundaries (``starts``, then the end of
    ``as_of``), each dated by its first day, so the events before a boundary are those dated
    before it. Receipts, re-openings and closures count when they happen, long spells' starts
    (``long_opened``) ``limit + 1`` days later (see the module docstring). Everything before the
    first boundary counts as the two levels it adds up to (``levels_at``), dated the day before:
    counting the whole history per kind and discipline was most of the time, and only its sums
    matter. ``nothing_before``: the first boundary is on or before the first receipt in scope,
    so those levels are zero (and not looked up).
    Columns: discipline, day (Timestamp), kind, requests."""
    if not starts:  # no boundary: all of it is the levels at the end of as_of
        frame = levels_at(engine, viewer, filt, lab, as_of)
        return frame.astype({"requests": int})[["discipline", "day", "kind", "requests"]]
    end = end_of_day(as_of)
    shift = timedelta(days=backlog_days() + 1)
    edges = [day_start(d) for d in starts] + [end]
    buckets = list(pairwise(edges))
    # the buckets as a derived table (UNION ALL of one-row selects: VALUES is not portable)
    bounds = union_all(
        *[
            select(
                literal(i, Integer).label("idx"),
                literal(lo, DateTime).label("lo"),
                literal(hi, DateTime).label("hi"),
                literal(lo - shift, DateTime).label("long_lo"),
                literal(hi - shift, DateTime).label("long_hi"),
            )
            for i, (lo, hi) in enumerate(buckets)
        ]
    ).subquery("bounds")
    received, completed = LabRequest.received_at, LabRequest.completed_at
    done = and_(completed.is_not(None), completed < end)
    # a spell long enough to reach the backlog (an error completion closes on receipt: never)
    long_spell = and_(
        completed >= received, completed >= date_plus_days(received, backlog_days() + 2)
    )
    # Every bucket ends by ``end``, so it bounds receipts itself; ``received < end`` appears only
    # where a bucket does not imply it (a completion dated before a receipt after ``end``), lest
    # the planner scan from each bucket's start to ``end``.

    def between(moment: ColumnElement[datetime], prefix: str = "") -> ColumnElement[bool]:
        return and_(moment >= bounds.c[f"{prefix}lo"], moment < bounds.c[f"{prefix}hi"])

    counts: dict[str, ColumnElement[bool]] = {
        "received": between(received),
        "long_opened": and_(between(received, "long_"), or_(~done, long_spell)),
        "completed": and_(between(completed), received < end),
        "closed": and_(between(completed), completed >= received),
        "closed_on_receipt": and_(between(received), completed < received),
        "long_closed": and_(between(completed), long_spell),
    }
    disciplines = list(lab.disciplines or Discipline)
    columns = {
        f"{kind}|{discipline!s}": select(func.count())
        .where(request_scope(viewer, filt, lab), LabRequest.discipline == discipline, condition)
        .scalar_subquery()
        .label(f"c{i}")
        for i, (kind, discipline, condition) in enumerate(
            (kind, discipline, condition)
            for discipline in disciplines
            for kind, condition in counts.items()
        )
    }
    wide = query_frame(engine, select(bounds.c.idx, *columns.values()), ["idx", *columns])
    wide["day"] = [buckets[i][0] for i in wide["idx"]]
    long = wide.drop(columns="idx").melt(id_vars="day", value_name="requests")
    long[["kind", "discipline"]] = long["variable"].str.split("|", expand=True)
    long["kind"] = long["kind"].replace("closed_on_receipt", "closed")
    # Everything before the first boundary, as the two levels it leaves (and re-openings after)
    first = pd.Timestamp(edges[0])
    later = reopenings(engine, viewer, filt, lab, as_of)
    later = later[later["day"] >= first]
    parts = [long, later]
    if not nothing_before:
        parts.insert(0, levels_at(engine, viewer, filt, lab, starts[0] - timedelta(days=1)))
    frame = pd.concat(parts, ignore_index=True)
    frame["day"] = pd.to_datetime(frame["day"])
    frame["requests"] = frame["requests"].astype(int)
    return frame[["discipline", "day", "kind", "requests"]]


def levels_at(
    engine: Engine, viewer: Viewer, filt: IncidentFilter, lab: LabFilter, day: date
) -> pd.DataFrame:
    """The open requests and the backlog per discipline at the end of ``day``, as the kinds
    ``received`` and ``long_opened`` dated ``day``: what every event before the next midnight
    adds up to (see the module docstring), counted like ``backlog.snapshot`` from the requests
    open or moving then (found by index) instead of the whole history.
    Columns: discipline, day, kind, requests."""
    end = end_of_day(day)
    is_open = is_open_at(end)
    in_backlog = and_(is_open, open_since(end) < day_start(day - timedelta(days=backlog_days())))
    stmt = (
        select(
            LabRequest.discipline,
            func.count().filter(is_open),
            func.count().filter(in_backlog),
        )
        .where(request_scope(viewer, filt, lab), is_open, moving_since(engine, end))
        .group_by(LabRequest.discipline)
    )
    frame = query_frame(engine, stmt, ["discipline", "received", "long_opened"])
    frame["discipline"] = frame["discipline"].astype(str)
    frame = frame.melt(id_vars="discipline", var_name="kind", value_name="requests")
    return frame.assign(day=pd.Timestamp(day))


def reopenings(
    engine: Engine, viewer: Viewer, filt: IncidentFilter, lab: LabFilter, as_of: date
) -> pd.DataFrame:
    """Re-openings per discipline and day up to the end of ``as_of``, as the kinds
    ``reopened`` (that day) and ``long_opened`` (``limit + 1`` days later: every re-opened spell
    is still open). Columns: discipline, day, kind, requests."""
    end = end_of_day(as_of)
    reopened = reopened_from()
    day = func.date(reopened)
    stmt = (
        select(LabRequest.discipline, day, func.count())
        .where(
            request_scope(viewer, filt, lab),
            LabRequest.received_at < end,
            is_reopened(engine),
            reopened < end,
        )
        .group_by(LabRequest.discipline, day)
    )
    frame = query_frame(engine, stmt, ["discipline", "day", "requests"])
    frame["discipline"] = frame["discipline"].astype(str)
    frame["day"] = pd.to_datetime(frame["day"])
    shifted = frame.assign(day=frame["day"] + timedelta(days=backlog_days() + 1))
    return pd.concat(
        [frame.assign(kind="reopened"), shifted.assign(kind="long_opened")], ignore_index=True
    )


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
    from_first = start is None
    if start is None:
        start = first_receipt(engine, viewer, filt, lab, as_of) or as_of
    if start > as_of:
        return pd.DataFrame(columns=FLOW_COLUMNS)
    starts = pd.to_datetime(period_starts(start, as_of, grain))
    events = period_events(
        engine, viewer, filt, lab, [s.date() for s in starts], as_of, nothing_before=from_first
    )
    # a period ends at the midnight the next one begins; the last at the end of as_of
    ends = [*starts[1:], pd.Timestamp(as_of + timedelta(days=1))]
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
