"""The lab backlog: what is open, how old it is, and whether intake outruns completions.

Definitions (the lab director's numbers, DOMAIN.md; NIJ/BJS backlog rule):

* **Open at a moment** ``M``: received before ``M`` and not completed before ``M`` — or completed
  and then **re-opened** before ``M``. A re-opened request (``status = reopened``; ``completed_at``
  keeps the earlier completion, ``reopened_at`` when work resumed) counts as closed from
  ``completed_at`` and **open again from** ``reopened_at``, like new work arriving. A re-opening
  dated before the recorded completion belongs to an earlier cycle (the request was re-opened and
  completed again): the request then counts as open from receipt to that last completion. A
  ``reopened`` row with no ``reopened_at`` counts as re-opened at its completion.
* **Open since**: the receipt, or the re-opening for a re-opened request.
* **Age** of an open request on day ``as_of``: whole calendar days from the date it was received
  (or re-opened) to ``as_of`` (received today: 0 days).
* **Backlog**: open requests older than ``CGIC_BACKLOG_DAYS`` (30) days.
* **As of** a day means at the end of that day: events on ``as_of`` itself have happened.
* **Completed within 30 days**: completed on or before the 30th calendar day after the receipt
  date, i.e. never in the backlog.

Everything is counted in SQL on either backend; only the oldest-open table returns rows.
Intake against completions over time is in ``metrics.throughput``. Every
function takes an explicit ``as_of`` (the page passes the end of its period, never after today), so
a figure is reproducible; flows (received, completed) count from an explicit ``start`` (the page
passes its period's start, so the headline and the period's turnaround table count the same
completions), by default the ``WINDOW_DAYS`` up to ``as_of``. Scope: the viewer's agency rule
(``scope.request_conditions``), the sidebar's agencies and towns (a town selects requests whose
incident is in it), and the page's disciplines and priorities (``LabFilter``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from typing import Literal

import pandas as pd
from sqlalchemy import (
    ColumnElement,
    Engine,
    and_,
    case,
    func,
    null,
    or_,
    select,
    union,
)

from cgic_data import settings
from cgic_data.schema import Agency, Discipline, Incident, LabRequest, Priority, RequestStatus
from cgic_data.scope import IncidentFilter, Viewer, day_start, request_conditions
from cgic_data.sqlfuncs import days_between

WINDOW_DAYS = 30  # default flow window (all dates: "completions in the last 30 days")
AGE_BUCKETS: list[tuple[str, int]] = [  # label, oldest age (days) in the bucket
    ("0–30", 30),
    ("31–60", 60),
    ("61–90", 90),
    ("91–180", 180),
    ("180+", 10**6),  # more than 180 days
]


Breakdown = Literal["discipline", "agency"]


@dataclass(frozen=True)
class LabFilter:
    """The page's own filter on requests. Empty tuples mean 'all'."""

    disciplines: tuple[Discipline, ...] = ()
    priorities: tuple[Priority, ...] = ()


def breakdown_column(by: Breakdown) -> ColumnElement[str]:
    """What 'where' is broken down by: the discipline, or the submitting agency's name (the
    query must join ``Agency``)."""
    return LabRequest.discipline if by == "discipline" else Agency.name


def backlog_days() -> int:
    return settings.int_setting(settings.BACKLOG_DAYS)


def snapshot_date(filt: IncidentFilter, today: date) -> date:
    """The day the page reports 'as of': the end of the chosen period, never after today."""
    return min(filt.end, today) if filt.end else today


def request_scope(viewer: Viewer, filt: IncidentFilter, lab: LabFilter) -> ColumnElement[bool]:
    """Requests the viewer may see and asked for, whatever their dates (metrics date them)."""
    conditions = [request_conditions(viewer, filt.with_period(None, None))]
    if lab.disciplines:
        conditions.append(LabRequest.discipline.in_(lab.disciplines))
    if lab.priorities:
        conditions.append(LabRequest.priority.in_(lab.priorities))
    if filt.town_ids:
        in_towns = select(Incident.id).where(Incident.town_id.in_(filt.town_ids))
        conditions.append(LabRequest.incident_id.in_(in_towns))
    return and_(*conditions)


# --- the request's life cycle as SQL expressions ---------------------------------------------


def reopened_from() -> ColumnElement[datetime | None]:
    """When the request became open again after its recorded completion (NULL if it did not)."""
    completed, reopened = LabRequest.completed_at, LabRequest.reopened_at
    return case(
        (and_(completed.is_not(None), reopened >= completed), reopened),
        (
            and_(completed.is_not(None), LabRequest.status == RequestStatus.REOPENED),
            completed,
        ),
        else_=null(),
    )


def is_open_at(moment: datetime | ColumnElement[datetime]) -> ColumnElement[bool]:
    """Open at ``moment`` (see the module docstring)."""
    return and_(
        LabRequest.received_at < moment,
        or_(
            LabRequest.completed_at.is_(None),
            LabRequest.completed_at >= moment,
            reopened_from() < moment,
        ),
    )


def indexed_any(engine: Engine, branches: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    """Requests meeting any of ``branches`` (each one an index can answer), written so the
    database reads those indexes: PostgreSQL combines the branches of an OR itself (a bitmap
    OR); SQLite, offered another indexed condition beside it, scans that instead, so it gets the
    ids of each branch to look up."""
    if engine.dialect.name != "sqlite":
        return or_(*branches)
    return LabRequest.id.in_(union(*[select(LabRequest.id).where(branch) for branch in branches]))


def is_reopened(engine: Engine) -> ColumnElement[bool]:
    """The few requests ``reopened_from`` may be set for (a superset, found by index)."""
    return indexed_any(
        engine, [LabRequest.status == RequestStatus.REOPENED, LabRequest.reopened_at.is_not(None)]
    )


def moving_since(engine: Engine, moment: datetime) -> ColumnElement[bool]:
    """A superset of the requests open at, or received, completed or re-opened at or after,
    ``moment``: not completed, completed or received since, or re-opened. Redundant beside the
    exact conditions, but found by index, so the database visits the lab's work in hand and
    recent traffic (tens of thousands) instead of every request it ever had."""
    return indexed_any(
        engine,
        [
            LabRequest.completed_at.is_(None),
            LabRequest.completed_at >= moment,
            LabRequest.received_at >= moment,
            LabRequest.reopened_at.is_not(None),
            LabRequest.status == RequestStatus.REOPENED,
        ],
    )


def open_since(moment: datetime | ColumnElement[datetime]) -> ColumnElement[datetime]:
    """For a request open at ``moment``: its re-opening if that came before, else its receipt."""
    reopened = reopened_from()
    return case((reopened < moment, reopened), else_=LabRequest.received_at)


def end_of_day(day: date) -> datetime:
    """The moment just after ``day``: 'as of day' counts everything that happened on it."""
    return day_start(day + timedelta(days=1))


def flow_start(as_of: date, start: date | None = None) -> date:
    """The first day flows count up to ``as_of``: ``start``, else the ``WINDOW_DAYS`` to it."""
    return start if start is not None else as_of - timedelta(days=WINDOW_DAYS - 1)


def _older_than(days: int, as_of: date) -> datetime:
    """Requests open since before this moment are more than ``days`` old on ``as_of``."""
    return day_start(as_of - timedelta(days=days))


def age_days(as_of: date) -> ColumnElement[float]:
    """Whole calendar days from the open-since date to ``as_of``."""
    return days_between(func.date(open_since(end_of_day(as_of))), day_start(as_of))


def age_bucket(as_of: date) -> ColumnElement[str]:
    """The age bucket label (``AGE_BUCKETS``) of a request open on ``as_of``."""
    since = open_since(end_of_day(as_of))
    whens = [(since >= _older_than(oldest, as_of), label) for label, oldest in AGE_BUCKETS[:-1]]
    return case(*whens, else_=AGE_BUCKETS[-1][0])


# --- headline --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BacklogSnapshot:
    """The headline numbers as of the end of ``as_of``; flows from ``start`` to ``as_of``.

    open_requests: open at the end of ``as_of``. backlog: open and older than the backlog limit.
    backlog_mean_age_days: mean age of the backlog (None when there is none).
    oldest_open_days: age of the oldest open request (None when nothing is open).
    received / reopened / completed: receipts, re-openings and completions in the window.
    completed_within_share: share of those completions done within the backlog limit (None: none).
    days_to_clear: backlog ÷ completions per day in the window, ignoring new intake (0 without a
    backlog, None when nothing was completed: at that rate it never clears).
    start: the window's first day.
    """

    as_of: date
    open_requests: int
    backlog: int
    backlog_mean_age_days: float | None
    oldest_open_days: int | None
    received: int
    reopened: int
    completed: int
    completed_within_share: float | None
    days_to_clear: float | None
    start: date

    @property
    def window_days(self) -> int:
        return max((self.as_of - self.start).days + 1, 1)

    def as_dict(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _window_counts(as_of: date, first_day: date) -> dict[str, ColumnElement[int]]:
    """Counts as of ``as_of``, each condition complete in itself so one query can hold two dates:
    open requests and backlog at the end of the day; receipts, re-openings and completions from
    ``first_day`` to it."""
    end = end_of_day(as_of)
    start = day_start(first_day)
    is_open = is_open_at(end)

    def dated(moment: ColumnElement[datetime | None]) -> ColumnElement[bool]:
        return and_(moment >= start, moment < end)

    return {
        "open_requests": func.count().filter(is_open),
        "backlog": func.count().filter(
            and_(is_open, open_since(end) < _older_than(backlog_days(), as_of))
        ),
        "received": func.count().filter(dated(LabRequest.received_at)),
        "reopened": func.count().filter(dated(reopened_from())),
        "completed": func.count().filter(dated(LabRequest.completed_at)),
    }


def snapshot(
    engine: Engine,
    viewer: Viewer,
    filt: IncidentFilter,
    lab: LabFilter,
    as_of: date,
    start: date | None = None,
) -> BacklogSnapshot:
    """The headline numbers as of ``as_of``, flows from ``start`` (default: the ``WINDOW_DAYS``
    to ``as_of``; see ``BacklogSnapshot``), in one SQL query."""
    limit = backlog_days()
    end = end_of_day(as_of)
    first_day = flow_start(as_of, start)
    counts = _window_counts(as_of, first_day)
    is_open = is_open_at(end)
    in_backlog = and_(is_open, open_since(end) < _older_than(limit, as_of))
    age = age_days(as_of)
    within_limit = days_between(func.date(LabRequest.received_at), LabRequest.completed_at) < (
        limit + 1
    )
    completed_within = func.count().filter(
        and_(
            LabRequest.completed_at >= day_start(first_day),
            LabRequest.completed_at < end,
            within_limit,
        )
    )
    stmt = select(
        *[expression.label(name) for name, expression in counts.items()],
        func.avg(case((in_backlog, age))).label("mean_age"),
        func.max(case((is_open, age))).label("oldest"),
        completed_within.label("within"),
    ).where(
        request_scope(viewer, filt, lab),
        LabRequest.received_at < end,
        moving_since(engine, min(day_start(first_day), end)),
    )
    with engine.connect() as conn:
        row = conn.execute(stmt).one()._mapping
    backlog_n, completed = row["backlog"], row["completed"]
    if backlog_n == 0:
        days_to_clear: float | None = 0.0
    else:
        window_days = max((as_of - first_day).days + 1, 1)
        days_to_clear = backlog_n * window_days / completed if completed else None
    return BacklogSnapshot(
        as_of=as_of,
        open_requests=row["open_requests"],
        backlog=backlog_n,
        backlog_mean_age_days=None if row["mean_age"] is None else float(row["mean_age"]),
        oldest_open_days=None if row["oldest"] is None else round(row["oldest"]),
        received=row["received"],
        reopened=row["reopened"],
        completed=completed,
        completed_within_share=row["within"] / completed if completed else None,
        days_to_clear=days_to_clear,
        start=first_day,
    )


CHANGE_COLUMNS = [
    "group",
    "open_requests",
    "backlog",
    "backlog_before",
    "backlog_change",
    "received",
    "reopened",
    "completed",
    "net_intake",
]


def backlog_change_by(
    engine: Engine,
    viewer: Viewer,
    filt: IncidentFilter,
    lab: LabFilter,
    as_of: date,
    by: Breakdown = "discipline",
    start: date | None = None,
    before_day: date | None = None,
) -> pd.DataFrame:
    """Where the backlog grew or shrank, and why: per discipline or submitting agency.

    open_requests, backlog, received, reopened, completed: as in ``snapshot`` for ``as_of`` and
    ``start``; backlog_before: the backlog at the end of ``before_day`` (default: ``WINDOW_DAYS``
    earlier; the page passes the previous period's end); backlog_change = backlog -
    backlog_before; net_intake = received + reopened - completed (positive: work piles up).
    Groups with anything open or moving in either window, largest backlog change first.
    """
    group = breakdown_column(by)
    first_day = flow_start(as_of, start)
    before_day = before_day if before_day is not None else as_of - timedelta(days=WINDOW_DAYS)
    now = _window_counts(as_of, first_day)
    before = _window_counts(before_day, flow_start(before_day))
    stmt = (
        select(
            group.label("group"),
            *[expression.label(name) for name, expression in now.items()],
            before["backlog"].label("backlog_before"),
        )
        .join(Agency, Agency.id == LabRequest.agency_id)
        .where(
            request_scope(viewer, filt, lab),
            LabRequest.received_at < end_of_day(as_of),
            moving_since(engine, min(day_start(first_day), end_of_day(before_day))),
        )
        .group_by(group)
    )
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(stmt).mappings().all(), columns=CHANGE_COLUMNS)
    frame["group"] = frame["group"].astype(str)
    frame["backlog_change"] = frame["backlog"] - frame["backlog_before"]
    frame["net_intake"] = frame["received"] + frame["reopened"] - frame["completed"]
    counts = ["open_requests", "backlog_before", "received", "reopened", "completed"]
    frame = frame[frame[counts].sum(axis=1) > 0].astype({c: int for c in CHANGE_COLUMNS[1:]})
    return frame.sort_values(
        ["backlog_change", "backlog", "group"], ascending=[False, False, True], ignore_index=True
    )[CHANGE_COLUMNS]


# --- where: open requests by age ---------------------------------------------------------------


def open_by_age(
    engine: Engine,
    viewer: Viewer,
    filt: IncidentFilter,
    lab: LabFilter,
    as_of: date,
    by: Breakdown = "discipline",
) -> pd.DataFrame:
    """Open requests on ``as_of`` per age bucket (``AGE_BUCKETS``) and discipline or agency.

    Columns: group, bucket, requests (non-zero cells only), ordered by group then bucket age.
    """
    group = breakdown_column(by)
    bucket = age_bucket(as_of).label("bucket")
    stmt = (
        select(group.label("group"), bucket, func.count().label("requests"))
        .join(Agency, Agency.id == LabRequest.agency_id)
        .where(
            request_scope(viewer, filt, lab),
            is_open_at(end_of_day(as_of)),
            moving_since(engine, end_of_day(as_of)),
        )
        .group_by(group, bucket)
    )
    with engine.connect() as conn:
        frame = pd.DataFrame(
            [tuple(row) for row in conn.execute(stmt)], columns=["group", "bucket", "requests"]
        )
    frame["group"] = frame["group"].astype(str)
    order = {label: i for i, (label, _) in enumerate(AGE_BUCKETS)}
    return frame.sort_values(
        ["group", "bucket"], key=lambda s: s.map(order) if s.name == "bucket" else s
    ).reset_index(drop=True)


# --- the oldest open requests (drill-down) -----------------------------------------------------

OPEN_REQUEST_COLUMNS = [
    "lab_case_number",
    "discipline",
    "priority",
    "agency",
    "incident_number",
    "received_at",
    "reopened_at",
    "status",
    "age_days",
    "age_bucket",
]


def open_requests(
    engine: Engine,
    viewer: Viewer,
    filt: IncidentFilter,
    lab: LabFilter,
    as_of: date,
    buckets: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Every request open on ``as_of`` (optionally only those in ``buckets``), oldest first.

    Open requests are the lab's work in hand (hundreds to a few thousand), never the whole table.
    ``reopened_at`` is set only for a request open again after a completion; ``age_days`` counts
    from it then (see the module docstring). Columns: ``OPEN_REQUEST_COLUMNS``.
    """
    end = end_of_day(as_of)
    bucket = age_bucket(as_of)
    reopened = reopened_from()
    stmt = (
        select(
            LabRequest.lab_case_number,
            LabRequest.discipline,
            LabRequest.priority,
            Agency.name,
            Incident.incident_number,
            LabRequest.received_at,
            case((reopened < end, reopened)),
            LabRequest.status,
            age_days(as_of),
            bucket,
        )
        .join(Agency, Agency.id == LabRequest.agency_id)
        .outerjoin(Incident, Incident.id == LabRequest.incident_id)
        .where(request_scope(viewer, filt, lab), is_open_at(end), moving_since(engine, end))
        .order_by(open_since(end), LabRequest.lab_case_number)
    )
    if buckets:
        stmt = stmt.where(bucket.in_(buckets))
    with engine.connect() as conn:
        frame = pd.DataFrame(
            [tuple(row) for row in conn.execute(stmt)], columns=OPEN_REQUEST_COLUMNS
        )
    frame["age_days"] = frame["age_days"].round().astype(int)
    for column in ("discipline", "priority", "status"):
        frame[column] = frame[column].astype(str)
    for column in ("received_at", "reopened_at"):
        frame[column] = pd.to_datetime(frame[column])
    return frame
