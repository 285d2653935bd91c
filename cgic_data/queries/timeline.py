"""A lead's or a series' events on one time axis, and the delays that matter.

Rows, top to bottom: each lead shown; then each incident (oldest first) followed by its evidence
items and the firearms recovered there. The ``events`` frame holds one row per event
(``EventKind``): the incident (shooting, shots fired, gun recovery), evidence recovered, received
at the lab, NIBIN entry, lead issued, item added to a lead, examiner confirmation or exclusion,
CODIS/AFIS hit (other lab results too), firearm recovered, trace completed, and the case events
reported back (arrest, charge, follow-up).

The ``gaps`` frame holds the delays defined in ``cgic_data.metrics.lead_gaps`` (recovery → NIBIN
entry, NIBIN entry → lead, lead → follow-up), each on the row it is drawn on and flagged when
beyond the timeliness goal. What the viewer may see comes from ``lead_selection`` and is checked
again here against ``scope``, so a hand-made selection cannot widen it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, or_, select

from cgic_data import settings
from cgic_data.frames import read_frame
from cgic_data.lead_labels import lead_label
from cgic_data.metrics import lead_gaps
from cgic_data.metrics.lead_gaps import GapKind
from cgic_data.queries.lead_selection import LeadSelection
from cgic_data.schema import (
    Agency,
    CaseEvent,
    EvidenceItem,
    Firearm,
    ForensicResult,
    Incident,
    LabRequest,
    LeadItem,
    NibinLead,
    ResultKind,
    Town,
    Trace,
)
from cgic_data.scope import Viewer, lead_visibility, visibility_condition


class EventKind(enum.StrEnum):
    INCIDENT = "incident"
    RECOVERED = "evidence recovered"
    RECEIVED = "received at lab"
    NIBIN_ENTRY = "NIBIN entry"
    LEAD_ISSUED = "lead issued"
    ADDED_TO_LEAD = "added to lead"
    CONFIRMED = "examiner confirmation"
    EXCLUDED = "examiner exclusion"
    DATABASE_HIT = "CODIS/AFIS hit"
    LAB_RESULT = "other lab result"
    FIREARM_RECOVERED = "firearm recovered"
    TRACE_COMPLETED = "trace completed"
    ARREST = "arrest"
    CHARGE = "charge"
    FOLLOW_UP = "follow-up"


ROW_COLUMNS = ["row", "row_kind", "row_label", "agency", "incident_number", "item_number"]
EVENT_COLUMNS = [
    "row",
    "row_kind",
    "row_label",
    "event",
    "at",
    "agency",
    "incident_number",
    "item_number",
    "lead_number",
    "detail",
]
GAP_COLUMNS = [
    "gap",
    "row_label",
    "agency",
    "incident_number",
    "item_number",
    "lead_number",
    *lead_gaps.MEASURE_COLUMNS,
]


@dataclass(frozen=True)
class Timeline:
    events: pd.DataFrame  # EVENT_COLUMNS, by row then time
    gaps: pd.DataFrame  # GAP_COLUMNS, by row
    goal_hours: int


def lead_timeline(
    engine: Engine, viewer: Viewer, selection: LeadSelection, as_of: datetime | None = None
) -> Timeline:
    """Every event of ``selection`` and its gaps (open gaps measured to ``as_of``)."""
    goal = settings.int_setting(settings.NIBIN_GOAL_HOURS)
    with engine.connect() as conn:
        f = _fetch(conn, viewer, selection)
    rows = _rows(f)
    events = pd.DataFrame(_events(f), columns=["key", "event", "at", "lead_number", "detail"])
    events = rows.merge(events, on="key").sort_values(["row", "at", "event"], ignore_index=True)
    events["lead_number"] = events["lead_number"].fillna(events.pop("row_lead_number"))
    return Timeline(events[EVENT_COLUMNS], _gaps(f, rows, as_of, goal), goal)


def timeline_views(
    engine: Engine, viewer: Viewer, selection: LeadSelection, as_of: datetime | None = None
) -> tuple[Timeline, Timeline]:
    """``lead_timeline`` and its ``by_incident`` fold: both views a page offers, computed (and
    cached) together so switching between them is not recomputed on every run."""
    timeline = lead_timeline(engine, viewer, selection, as_of)
    return timeline, by_incident(timeline)


def by_incident(timeline: Timeline) -> Timeline:
    """The same timeline with items and firearms folded into their incident's row, for series too
    long to read item by item. Identical events (same row, kind and time: five casings recovered
    together) become one event that counts them; identical gaps become one."""
    events = timeline.events.copy()
    incident_rows = events[events["row_kind"] == "incident"].drop_duplicates("incident_number")
    home = incident_rows.set_index("incident_number")[["row", "row_label"]]
    moved = events["row_kind"].isin(["item", "firearm"])
    events.loc[moved, "row"] = events.loc[moved, "incident_number"].map(home["row"])
    events.loc[moved, "row_label"] = events.loc[moved, "incident_number"].map(home["row_label"])
    events.loc[moved, "row_kind"] = "incident"
    keys = ["row", "row_kind", "row_label", "event", "at", "agency", "incident_number"]
    # one group per identical event; the joins below are vectorised (thousands of groups)
    events["group"] = events.groupby(keys, dropna=False, sort=False).ngroup()
    groups = events.groupby("group", sort=True)
    folded = groups[keys].first()  # equal within a group; first() of an all-NaN key is NaN
    folded["n"] = groups.size()
    folded["lead_number"] = groups["lead_number"].first()
    folded["item_number"] = (
        events[["group", "item_number"]]
        .dropna()
        .drop_duplicates()
        .sort_values(["group", "item_number"])
        .groupby("group")["item_number"]
        .agg(", ".join)
    )
    folded["item_number"] = folded["item_number"].fillna("")
    folded["detail"] = (
        events[["group", "detail"]].drop_duplicates().groupby("group")["detail"].agg("; ".join)
    )
    folded = folded.reset_index(drop=True)
    many = folded["n"] > 1
    folded.loc[many, "detail"] = folded["n"].astype(str) + " items · " + folded["detail"]
    folded["item_number"] = folded["item_number"].replace("", None)
    folded = folded.sort_values(["row", "at", "event"], ignore_index=True)[EVENT_COLUMNS]
    gaps = timeline.gaps.copy()
    on_item = gaps["item_number"].notna()
    gaps.loc[on_item, "row_label"] = gaps.loc[on_item, "incident_number"].map(home["row_label"])
    gaps = gaps.drop_duplicates(["row_label", "gap", "start", "end", "hours"], ignore_index=True)
    return Timeline(folded, gaps, timeline.goal_hours)


# --- fetching: one narrow query per table, over the selection only ---------------------------


def _fetch(conn: Connection, viewer: Viewer, selection: LeadSelection) -> dict[str, pd.DataFrame]:
    f: dict[str, pd.DataFrame] = {}
    f["leads"] = read_frame(
        conn,
        select(NibinLead.id.label("lead_id"), NibinLead.lead_number, NibinLead.issued_at,
               NibinLead.status, NibinLead.confirmed_at, NibinLead.excluded_at)
        .where(NibinLead.id.in_(selection.lead_ids), lead_visibility(viewer))
        .order_by(NibinLead.lead_number),
    )  # fmt: skip
    lead_ids = f["leads"]["lead_id"].tolist()
    f["incidents"] = read_frame(
        conn,
        select(Incident.id.label("incident_id"), Incident.incident_number, Incident.occurred_at,
               Incident.kind, Incident.victims_injured, Incident.victims_killed,
               Incident.address, Agency.name.label("agency"), Town.name.label("town"))
        .join(Agency, Agency.id == Incident.agency_id)
        .outerjoin(Town, Town.id == Incident.town_id)
        .where(Incident.id.in_(selection.incident_ids), visibility_condition(viewer))
        .order_by(Incident.occurred_at, Incident.id),
    )  # fmt: skip
    incident_ids = f["incidents"]["incident_id"].tolist()
    f["items"] = read_frame(
        conn,
        select(EvidenceItem.id.label("item_id"), EvidenceItem.incident_id,
               EvidenceItem.item_number, EvidenceItem.kind, EvidenceItem.caliber,
               EvidenceItem.recovered_at, EvidenceItem.received_at, EvidenceItem.nibin_entered_at,
               EvidenceItem.firearm_id, Firearm.recovered_at.label("firearm_recovered_at"),
               LabRequest.lab_case_number)
        .outerjoin(Firearm, Firearm.id == EvidenceItem.firearm_id)
        .outerjoin(LabRequest, LabRequest.id == EvidenceItem.lab_request_id)
        .where(EvidenceItem.incident_id.in_(incident_ids))
        .order_by(EvidenceItem.item_number),
    )  # fmt: skip
    item_ids = f["items"]["item_id"].tolist()
    # Every item of the shown leads, visible or not: needed to know which entry produced a lead.
    f["memberships"] = read_frame(
        conn,
        select(LeadItem.lead_id, LeadItem.item_id, LeadItem.added_at,
               EvidenceItem.nibin_entered_at, NibinLead.lead_number)
        .join(NibinLead, NibinLead.id == LeadItem.lead_id)
        .join(EvidenceItem, EvidenceItem.id == LeadItem.item_id)
        .where(LeadItem.lead_id.in_(lead_ids)),
    )  # fmt: skip
    f["results"] = read_frame(
        conn,
        select(ForensicResult.item_id, ForensicResult.kind, ForensicResult.result_number,
               ForensicResult.reported_at, ForensicResult.subject_ref, ForensicResult.summary)
        .where(ForensicResult.item_id.in_(item_ids)),
    )  # fmt: skip
    firearm_ids = f["items"]["firearm_id"].dropna().astype(int).tolist()
    f["firearms"] = read_frame(
        conn,
        select(Firearm.id.label("firearm_id"), Firearm.firearm_number, Firearm.make,
               Firearm.model, Firearm.caliber, Firearm.serial_obliterated,
               Firearm.recovery_incident_id, Firearm.recovered_at)
        .where(or_(Firearm.recovery_incident_id.in_(incident_ids), Firearm.id.in_(firearm_ids)))
        .order_by(Firearm.firearm_number),
    )  # fmt: skip
    f["traces"] = read_frame(
        conn,
        select(Trace.firearm_id, Trace.trace_number, Trace.completed_at, Trace.dealer_state,
               Trace.time_to_crime_days)
        .where(Trace.firearm_id.in_(f["firearms"]["firearm_id"].tolist())),
    )  # fmt: skip
    f["case_events"] = read_frame(
        conn,
        select(CaseEvent.incident_id, CaseEvent.lead_id, CaseEvent.kind, CaseEvent.occurred_at,
               CaseEvent.outcome, CaseEvent.notes)
        .where(or_(CaseEvent.incident_id.in_(incident_ids),
                   CaseEvent.incident_id.is_(None) & CaseEvent.lead_id.in_(lead_ids))),
    )  # fmt: skip
    return f


# --- rows ------------------------------------------------------------------------------------


def _rows(f: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per lead, incident, item and firearm, keyed "L12", "I3", "E40", "F7"."""
    rows: list[dict[str, Any]] = []

    def add(key: str, kind: str, label: str, **facts: Any) -> None:
        rows.append({"key": key, "row": len(rows), "row_kind": kind, "row_label": label, **facts})

    for lead in f["leads"].itertuples():
        add(
            f"L{lead.lead_id}", "lead", f"Lead {lead.lead_number}", row_lead_number=lead.lead_number
        )
    items_at: dict[Any, list[Any]] = {}  # incident id -> its items, in item number order
    for item in f["items"].itertuples():
        items_at.setdefault(item.incident_id, []).append(item)
    firearm_home = {
        **dict(zip(f["items"]["firearm_id"], f["items"]["incident_id"], strict=True)),
        **dict(zip(f["firearms"]["firearm_id"], f["firearms"]["recovery_incident_id"], strict=True)),
    }  # fmt: skip
    guns_at: dict[Any, list[Any]] = {}  # incident id -> its firearms, in firearm order
    for gun in f["firearms"].itertuples():
        guns_at.setdefault(firearm_home.get(gun.firearm_id), []).append(gun)
    for incident in f["incidents"].itertuples():
        facts = {"agency": incident.agency, "incident_number": incident.incident_number}
        label = f"{incident.incident_number} · {incident.kind}"
        add(f"I{incident.incident_id}", "incident", label, **facts)
        for item in items_at.get(incident.incident_id, []):
            label = f"↳ {item.item_number} · {item.kind}"
            add(f"E{item.item_id}", "item", label, item_number=item.item_number, **facts)
        for gun in guns_at.get(incident.incident_id, []):
            name = " ".join(x for x in (gun.make, gun.model) if x)
            add(
                f"F{gun.firearm_id}",
                "firearm",
                f"↳ Firearm {gun.firearm_number} {name}".rstrip(),
                **facts,
            )
    columns = ["key", *ROW_COLUMNS, "row_lead_number"]
    return pd.DataFrame(rows, columns=columns)


# --- events ----------------------------------------------------------------------------------

Event = tuple[str, EventKind, Any, str | None, str]  # key, kind, at, lead number, detail


def _lead_events(leads: pd.DataFrame) -> Iterable[Event]:
    for lead in leads.itertuples():
        key = f"L{lead.lead_id}"
        yield key, EventKind.LEAD_ISSUED, lead.issued_at, None, lead_label(lead.status)
        if pd.notna(lead.confirmed_at):
            yield key, EventKind.CONFIRMED, lead.confirmed_at, None, "confirmed as a hit"
        if pd.notna(lead.excluded_at):
            yield key, EventKind.EXCLUDED, lead.excluded_at, None, "excluded: no match"


def _evidence_events(f: dict[str, pd.DataFrame]) -> Iterable[Event]:
    for i in f["incidents"].itertuples():
        where = ", ".join(x for x in (i.address, i.town) if isinstance(x, str)) or "no location"
        victims = f"{i.victims_injured} injured, {i.victims_killed} killed"
        detail = f"{i.kind} · {i.agency} · {where} · {victims}"
        yield f"I{i.incident_id}", EventKind.INCIDENT, i.occurred_at, None, detail
    for item in f["items"].itertuples():
        key = f"E{item.item_id}"
        what = f"{item.kind}, {item.caliber}" if isinstance(item.caliber, str) else str(item.kind)
        case = item.lab_case_number
        lab_case = f"lab case {case}" if isinstance(case, str) else what
        yield key, EventKind.RECOVERED, item.recovered_at, None, what
        yield key, EventKind.RECEIVED, item.received_at, None, lab_case
        yield key, EventKind.NIBIN_ENTRY, item.nibin_entered_at, None, what
    for m in f["memberships"].itertuples():
        detail = f"added to lead {m.lead_number}"
        yield f"E{m.item_id}", EventKind.ADDED_TO_LEAD, m.added_at, m.lead_number, detail
    for r in f["results"].itertuples():
        hit = r.kind in (ResultKind.CODIS, ResultKind.AFIS) and isinstance(r.subject_ref, str)
        detail = f"{r.kind} {r.result_number}" + (f": subject {r.subject_ref}" if hit else "")
        detail += f" · {r.summary}" if isinstance(r.summary, str) else ""
        kind = EventKind.DATABASE_HIT if hit else EventKind.LAB_RESULT
        yield f"E{r.item_id}", kind, r.reported_at, None, detail


def _firearm_and_case_events(f: dict[str, pd.DataFrame]) -> Iterable[Event]:
    for gun in f["firearms"].itertuples():
        what = " ".join(x for x in (gun.make, gun.model, gun.caliber) if isinstance(x, str))
        what += " · serial obliterated" if gun.serial_obliterated else ""
        yield f"F{gun.firearm_id}", EventKind.FIREARM_RECOVERED, gun.recovered_at, None, what
    for t in f["traces"].itertuples():
        ttc = f"{int(t.time_to_crime_days)} days" if pd.notna(t.time_to_crime_days) else "unknown"
        detail = f"trace {t.trace_number} · dealer state {t.dealer_state} · time-to-crime {ttc}"
        yield f"F{t.firearm_id}", EventKind.TRACE_COMPLETED, t.completed_at, None, detail
    numbers = dict(zip(f["leads"]["lead_id"], f["leads"]["lead_number"], strict=True))
    for e in f["case_events"].itertuples():
        key = f"I{int(e.incident_id)}" if pd.notna(e.incident_id) else f"L{int(e.lead_id)}"
        notes = "; ".join(x for x in (e.outcome, e.notes) if isinstance(x, str))
        lead = numbers.get(int(e.lead_id)) if pd.notna(e.lead_id) else None
        yield key, EventKind(str(e.kind)), e.occurred_at, lead, notes or str(e.kind)


def _events(f: dict[str, pd.DataFrame]) -> list[Event]:
    every = [*_lead_events(f["leads"]), *_evidence_events(f), *_firearm_and_case_events(f)]
    return [(key, str(kind), at, lead, detail) for key, kind, at, lead, detail in every
            if at is not None and pd.notna(at)]  # fmt: skip


# --- gaps (defined in metrics.lead_gaps) ------------------------------------------------------


def _follow_ups(f: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """(lead_id, occurred_at) of every case event on a shown lead or one of its incidents."""
    incidents = f["memberships"].merge(f["items"][["item_id", "incident_id"]], on="item_id")
    on_incident = (
        incidents[["lead_id", "incident_id"]]
        .drop_duplicates()
        .merge(f["case_events"].drop(columns="lead_id"), on="incident_id")
    )
    on_lead = f["case_events"].dropna(subset=["lead_id"])
    both = pd.concat([on_incident[["lead_id", "occurred_at"]], on_lead[["lead_id", "occurred_at"]]])
    return both.astype({"lead_id": int})


def _gaps(
    f: dict[str, pd.DataFrame], rows: pd.DataFrame, as_of: datetime | None, goal: int
) -> pd.DataFrame:
    measured = [
        lead_gaps.recovery_to_entry(f["items"], as_of, goal).assign(gap=GapKind.RECOVERY_TO_ENTRY),
        lead_gaps.entry_to_lead(f["memberships"], goal).assign(gap=GapKind.ENTRY_TO_LEAD),
        lead_gaps.lead_to_follow_up(f["leads"], _follow_ups(f), as_of, goal).assign(
            gap=GapKind.LEAD_TO_FOLLOW_UP
        ),
    ]
    measured = [m for m in measured if not m.empty]
    if not measured:
        return pd.DataFrame(columns=GAP_COLUMNS)
    gaps = pd.concat(measured, ignore_index=True)
    on_lead = gaps["gap"] == GapKind.LEAD_TO_FOLLOW_UP
    gaps["key"] = ("E" + gaps["item_id"].astype("Int64").astype(str)).where(
        ~on_lead, "L" + gaps["lead_id"].astype("Int64").astype(str)
    )
    numbers = dict(zip(f["leads"]["lead_id"], f["leads"]["lead_number"], strict=True))
    gaps["lead_number"] = gaps["lead_id"].map(numbers)
    # inner join: a gap produced by an item the viewer may not see is left out
    gaps = rows.merge(gaps, on="key")
    gaps["gap_order"] = gaps["gap"].map({kind: n for n, kind in enumerate(GapKind)})
    gaps = gaps.sort_values(["row", "gap_order", "start"], ignore_index=True)
    gaps["gap"] = gaps["gap"].astype(str)
    return gaps[GAP_COLUMNS]
