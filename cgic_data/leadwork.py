"""Lead work: assigning leads, recording follow-up (the feedback loop) and triaging what is open.

Departments receive 10–25 leads a week and a lead grows when new events are added to it, so an
analyst needs to know, per lead, whether it is:

* **new** — the user has never opened it;
* **growing** — items joined it since the user last opened it (``LeadView.seen_at``);
* **unassigned** — no investigator holds it (excluded leads need none);
* **stale** — still open, issued at least ``stale_after_days`` ago, and nobody has recorded any
  follow-up on it (no follow-up case event, no follow-up status beyond "not started").

A lead is *open* for triage when an examiner has not excluded it and its follow-up is not closed.
Writes go to the lead itself (``assigned_to``, ``follow_up_status``, ``outcome``) and, for each
follow-up, to a ``CaseEvent`` of kind follow-up with ``lead_id`` set, so the history is kept; every
write is audited. Only a commander, analyst or admin who may open the lead may work it.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
from sqlalchemy import Engine, func, insert, select, update

from cgic_data import audit
from cgic_data.queries.leads import LeadFilter, lead_base, lead_names, lead_table
from cgic_data.schema import (
    CaseEvent,
    CaseEventKind,
    LeadStatus,
    LeadView,
    NibinLead,
    Role,
    User,
)
from cgic_data.scope import IncidentFilter, Viewer, lead_visibility

STALE_AFTER_DAYS = 7
PAGE_ROWS = 500  # rows a table on the Leads page shows; exports carry every row
WORK_STATES = ("new", "growing", "unassigned", "stale")
WORKING_ROLES = frozenset({Role.COMMANDER, Role.ANALYST, Role.ADMIN})


class FollowUpStatus(enum.StrEnum):
    NOT_STARTED = "not started"
    IN_PROGRESS = "in progress"
    CLOSED = "closed"


# What investigators report back most often; the outcome field also takes free text.
OUTCOMES = (
    "suspect identified",
    "arrest",
    "charges filed",
    "search warrant",
    "firearm recovered",
    "no further action",
)


class LeadNotOpenToViewer(LookupError):
    """The lead does not exist or the viewer may not open it (the same answer, on purpose)."""


def may_work_leads(viewer: Viewer) -> bool:
    """Commanders, analysts and admins assign and record follow-up; the lab director reads."""
    return viewer.role in WORKING_ROLES


def _lead_id(engine: Engine, viewer: Viewer, lead_number: str) -> int:
    with engine.connect() as conn:
        lead_id = conn.execute(
            select(NibinLead.id).where(
                NibinLead.lead_number == lead_number, lead_visibility(viewer)
            )
        ).scalar_one_or_none()
    if lead_id is None:
        raise LeadNotOpenToViewer(lead_number)
    return lead_id


def _working_lead_id(engine: Engine, viewer: Viewer, lead_number: str) -> int:
    if not may_work_leads(viewer):
        raise PermissionError(f"a {viewer.role} may not assign or follow up leads")
    return _lead_id(engine, viewer, lead_number)


def assign_lead(
    engine: Engine,
    viewer: Viewer,
    lead_number: str,
    investigator: str,
    at: datetime | None = None,
) -> None:
    """Hand the lead to ``investigator``; its follow-up status becomes "not started" if it had
    none (a reassignment keeps the status)."""
    investigator = investigator.strip()
    if not investigator:
        raise ValueError("name the investigator")
    lead_id = _working_lead_id(engine, viewer, lead_number)
    with engine.begin() as conn:
        current = conn.execute(
            select(NibinLead.follow_up_status).where(NibinLead.id == lead_id)
        ).scalar_one()
        conn.execute(
            update(NibinLead)
            .where(NibinLead.id == lead_id)
            .values(
                assigned_to=investigator,
                assigned_at=at or datetime.now(),
                follow_up_status=current or FollowUpStatus.NOT_STARTED.value,
            )
        )
    audit.record(
        engine, viewer, "lead_assign", target=lead_number, detail={"investigator": investigator}
    )


def record_follow_up(
    engine: Engine,
    viewer: Viewer,
    lead_number: str,
    status: FollowUpStatus,
    *,
    outcome: str | None = None,
    notes: str | None = None,
    at: datetime | None = None,
) -> str:
    """Record one follow-up on the lead as a case event; returns the new event number.

    The lead's ``follow_up_status`` becomes ``status``; its ``outcome`` is replaced only when an
    outcome is given (a progress note keeps the last outcome).
    """
    lead_id = _working_lead_id(engine, viewer, lead_number)
    outcome = (outcome or "").strip() or None
    event_number = f"FU-{uuid.uuid4().hex[:16].upper()}"
    values: dict[str, object] = {"follow_up_status": FollowUpStatus(status).value}
    if outcome:
        values["outcome"] = outcome
    with engine.begin() as conn:
        conn.execute(
            insert(CaseEvent).values(
                event_number=event_number,
                lead_id=lead_id,
                kind=CaseEventKind.FOLLOW_UP,
                occurred_at=at or datetime.now(),
                outcome=outcome[:120] if outcome else None,
                notes=(notes or "").strip() or None,
                recorded_by=viewer.username,
            )
        )
        conn.execute(update(NibinLead).where(NibinLead.id == lead_id).values(**values))
    audit.record(
        engine,
        viewer,
        "lead_follow_up",
        target=lead_number,
        detail={"status": str(status), "outcome": outcome, "event": event_number},
    )
    return event_number


def user_id_for(engine: Engine, username: str) -> int | None:
    """The ``users`` row of a signed-in user; None for a user without one (no seen-tracking)."""
    with engine.connect() as conn:
        return conn.execute(select(User.id).where(User.username == username)).scalar_one_or_none()


def mark_seen(
    engine: Engine, viewer: Viewer, user_id: int, lead_number: str, at: datetime | None = None
) -> None:
    """Remember that ``user_id`` opened the lead now: it stops being new or growing for them."""
    lead_id = _lead_id(engine, viewer, lead_number)
    seen_at = at or datetime.now()
    with engine.begin() as conn:
        changed = conn.execute(
            update(LeadView)
            .where(LeadView.user_id == user_id, LeadView.lead_id == lead_id)
            .values(seen_at=seen_at)
        ).rowcount
        if not changed:
            conn.execute(insert(LeadView).values(user_id=user_id, lead_id=lead_id, seen_at=seen_at))


def mark_seen_all(
    engine: Engine,
    viewer: Viewer,
    user_id: int,
    lead_numbers: tuple[str, ...],
    at: datetime | None = None,
) -> None:
    """``mark_seen`` for every lead of a packet at once (a series holds hundreds): three
    statements, not three per lead. Numbers the viewer may not open are skipped."""
    seen_at = at or datetime.now()
    with engine.begin() as conn:
        lead_ids = (
            conn.execute(
                select(NibinLead.id).where(
                    NibinLead.lead_number.in_(lead_numbers), lead_visibility(viewer)
                )
            )
            .scalars()
            .all()
        )
        if not lead_ids:
            return
        mine = (LeadView.user_id == user_id, LeadView.lead_id.in_(lead_ids))
        seen_before = set(conn.execute(select(LeadView.lead_id).where(*mine)).scalars())
        if seen_before:
            conn.execute(update(LeadView).where(*mine).values(seen_at=seen_at))
        new = [
            {"user_id": user_id, "lead_id": lead_id, "seen_at": seen_at}
            for lead_id in lead_ids
            if lead_id not in seen_before
        ]
        if new:
            conn.execute(insert(LeadView), new)


# --- classification and triage ---------------------------------------------------------------


def classify(
    leads: pd.DataFrame, seen_at: pd.Series, stale_after_days: int = STALE_AFTER_DAYS
) -> pd.DataFrame:
    """Boolean columns is_new, is_growing, is_unassigned, is_stale (see module docstring) and
    ``work``, their names joined. ``seen_at`` (aligned with ``leads``) is NaT for never seen; pass
    None-filled ``seen_at`` of dtype object when the user has no seen-tracking (nothing is new)."""
    tracked = seen_at.dtype != object
    seen = pd.to_datetime(seen_at) if tracked else pd.Series(pd.NaT, index=leads.index)
    live = leads["status"] != LeadStatus.EXCLUDED
    closed = leads["follow_up_status"] == FollowUpStatus.CLOSED
    status_says_worked = leads["follow_up_status"].notna() & (
        leads["follow_up_status"] != FollowUpStatus.NOT_STARTED
    )
    followed_up = leads["last_follow_up_at"].notna() | status_says_worked
    flags = pd.DataFrame(index=leads.index)
    flags["is_new"] = seen.isna() & tracked
    flags["is_growing"] = seen.notna() & (leads["last_item_added_at"] > seen)
    flags["is_unassigned"] = live & leads["assigned_to"].isna()
    flags["is_stale"] = (
        live & ~closed & ~followed_up & (leads["days_since_issued"] >= stale_after_days)
    )
    # the states' names joined, looked up by the bit pattern of the four flags
    code = sum(
        flags[f"is_{state}"].astype(int) * (1 << bit) for bit, state in enumerate(WORK_STATES)
    )
    names = {
        bits: " · ".join(s for bit, s in enumerate(WORK_STATES) if bits >> bit & 1)
        for bits in range(1 << len(WORK_STATES))
    }
    flags["work"] = pd.Series(code, index=leads.index, dtype=int).map(names)
    return flags


def triage_scores(leads: pd.DataFrame, today: date) -> pd.DataFrame:
    """Urgency of each lead, 0–115 points, as the sum of five parts (each a column):

    * ``score_recency`` up to 30: the lead's latest event (last incident or last item added)
      scores 30 today, falling linearly to 0 at 30 days ago — old leads are cold leads;
    * ``score_incidents`` up to 25: 5 per linked incident beyond the first, counted over the
      lead's series (its own incidents when it has none);
    * ``score_victims`` up to 30: 10 per person shot (injured or killed) in those incidents;
    * ``score_firearm`` 10 when a firearm was recovered in one of them (a gun to trace and test);
    * ``score_hits`` up to 20: 10 per CODIS or AFIS hit naming a subject.

    Leads that are not open (excluded, or follow-up closed) score NaN and sort last.
    """
    latest = leads[["last_incident", "last_item_added_at"]].max(axis=1)
    days_ago = (pd.Timestamp(today) - pd.to_datetime(latest)).dt.total_seconds() / 86400
    linked = leads["series_size"].fillna(leads["incidents"]).astype(float)
    parts = pd.DataFrame(index=leads.index)
    parts["score_recency"] = (30 * (1 - days_ago.clip(lower=0) / 30)).clip(lower=0).round(1)
    parts["score_incidents"] = (5 * (linked - 1)).clip(0, 25)
    parts["score_victims"] = (10 * leads["victims"].astype(float)).clip(0, 30)
    parts["score_firearm"] = leads["recovered_firearm"].astype(bool) * 10.0
    parts["score_hits"] = (10 * (leads["codis_hits"] + leads["afis_hits"]).astype(float)).clip(
        0, 20
    )
    is_open = (leads["status"] != LeadStatus.EXCLUDED) & (
        leads["follow_up_status"] != FollowUpStatus.CLOSED
    )
    parts["score"] = parts.sum(axis=1).where(is_open)
    parts["is_open"] = is_open
    return parts


def annotate(
    table: pd.DataFrame,
    seen: dict[int, datetime] | None,
    today: date,
    *,
    states: tuple[str, ...] = (),
    stale_after_days: int = STALE_AFTER_DAYS,
) -> pd.DataFrame:
    """A leads table (``queries.leads.lead_table``) with ``seen_at``, the work-state flags and the
    triage scores; only leads in one of ``states`` (any, if empty). Most urgent open lead first,
    then the rest newest first. ``seen``: lead id -> last seen, or None without seen-tracking."""
    seen_at = (
        table["lead_id"].map(seen).astype("datetime64[ns]")
        if seen is not None
        else pd.Series(None, index=table.index, dtype=object)
    )
    queue = pd.concat(
        [
            table,
            seen_at.rename("seen_at"),
            classify(table, seen_at, stale_after_days),
            triage_scores(table, today),
        ],
        axis=1,
    )
    if states:
        queue = queue[queue[[f"is_{state}" for state in states]].any(axis=1)]
    return queue.sort_values(
        ["score", "issued_at", "lead_number"], ascending=[False, False, True], na_position="last"
    ).reset_index(drop=True)


def seen_by(engine: Engine, user_id: int) -> dict[int, datetime]:
    """Lead id -> when ``user_id`` last opened it."""
    with engine.connect() as conn:
        return dict(
            conn.execute(
                select(LeadView.lead_id, LeadView.seen_at).where(LeadView.user_id == user_id)
            ).all()
        )


def work_queue(
    engine: Engine,
    viewer: Viewer,
    filt: IncidentFilter,
    lead_filter: LeadFilter,
    today: date,
    user_id: int | None = None,
    states: tuple[str, ...] = (),
    stale_after_days: int = STALE_AFTER_DAYS,
) -> pd.DataFrame:
    """``annotate`` over the viewer's leads table, as ``user_id`` last saw them."""
    table = lead_table(engine, viewer, filt, lead_filter, today)
    seen = seen_by(engine, user_id) if user_id is not None else None
    return annotate(table, seen, today, states=states, stale_after_days=stale_after_days)


# --- the Leads page: counts over every lead, the first rows of each order -------------------


@dataclass(frozen=True)
class QueueCounts:
    """Headline counts over every lead of the queue (after the work-state filter)."""

    leads: int
    open: int
    new: int
    growing: int
    unassigned: int
    stale: int
    confirmed: int


@dataclass(frozen=True)
class LeadQueue:
    """What the Leads page shows: the counts, and the first ``limit`` rows of the open leads by
    urgency (``triage``) and of every lead newest first (``newest``), names joined."""

    counts: QueueCounts
    triage: pd.DataFrame
    newest: pd.DataFrame
    limit: int


def seen_stamp(engine: Engine, user_id: int | None) -> tuple[int, datetime | None]:
    """How many leads ``user_id`` has opened and when last: changes whenever they open a packet,
    so a cached queue keyed on it never shows a lead as new after it was opened."""
    if user_id is None:
        return 0, None
    with engine.connect() as conn:
        count, last = conn.execute(
            select(func.count(), func.max(LeadView.seen_at)).where(LeadView.user_id == user_id)
        ).one()
    return int(count), last


def lead_queue(
    engine: Engine,
    viewer: Viewer,
    filt: IncidentFilter,
    lead_filter: LeadFilter,
    today: date,
    user_id: int | None = None,
    states: tuple[str, ...] = (),
    seen_as_of: tuple[int, datetime | None] = (0, None),
    limit: int = PAGE_ROWS,
) -> LeadQueue:
    """``work_queue`` reduced to what a page shows: counts over every lead, and the first
    ``limit`` rows of the two orders. ``seen_as_of`` (``seen_stamp``) only keys the cache."""
    base = lead_base(engine, viewer, filt, lead_filter, today)
    seen = seen_by(engine, user_id) if user_id is not None else None
    queue = annotate(base, seen, today, states=states)
    counts = QueueCounts(
        leads=len(queue),
        open=int(queue["is_open"].sum()),
        new=int(queue["is_new"].sum()),
        growing=int(queue["is_growing"].sum()),
        unassigned=int(queue["is_unassigned"].sum()),
        stale=int(queue["is_stale"].sum()),
        confirmed=int((queue["status"] == LeadStatus.CONFIRMED).sum()),
    )
    triage = queue[queue["is_open"]].head(limit)
    newest = queue.sort_values(["issued_at", "lead_number"], ascending=[False, True]).head(limit)
    shown = sorted(set(triage["lead_id"]) | set(newest["lead_id"]))
    names = lead_names(engine, viewer, tuple(int(i) for i in shown))

    def named(rows: pd.DataFrame) -> pd.DataFrame:
        rows = rows.join(names, on="lead_id").reset_index(drop=True)
        return rows.fillna({column: "" for column in names.columns})

    return LeadQueue(counts, named(triage), named(newest), limit)
