"""Firearm records: one recovered firearm opened by its lab number (the Record page).

A firearm is open to a viewer when it was recovered at, or has items (the gun, its test fires) in,
an incident the viewer may see (``cgic_data.scope``). Its recovery incident is named only when the
viewer may see that incident too: a gun recovered by another agency whose test fire sits in a
shared lead shows the gun, never that agency's unshared incident. Leads follow
``lead_visibility``; the incidents they link are shown only when visible
(``records.linked_incidents``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Connection, Engine, Select, and_, or_, select, true

from cgic_data.frames import query_frame, read_frame
from cgic_data.lead_labels import lead_label
from cgic_data.queries.records import (
    SEARCH_LIMIT,
    item_rows,
    linked_incidents,
    number_contains,
    search_limit,
    visible_incidents,
)
from cgic_data.schema import (
    Agency,
    EvidenceItem,
    Firearm,
    Incident,
    LeadItem,
    LeadStatus,
    NibinLead,
    Trace,
)
from cgic_data.scope import IncidentFilter, Viewer, lead_visibility, scoped_incident_ids


@dataclass(frozen=True)
class FirearmRecord:
    """A firearm: facts (recovery incident None when hidden), its items on visible incidents,
    the leads they are in, the incidents those leads link, and its eTrace results."""

    facts: dict[str, Any]
    items: pd.DataFrame
    leads: pd.DataFrame
    linked: pd.DataFrame
    traces: pd.DataFrame


def firearm_visible(viewer: Viewer) -> ColumnElement[bool]:
    """Recovered at, or with items in, an incident the viewer may see."""
    if viewer.sees_all_agencies:
        return true()
    visible = scoped_incident_ids(viewer, IncidentFilter())
    with_items = select(EvidenceItem.firearm_id).where(
        EvidenceItem.incident_id.in_(visible), EvidenceItem.firearm_id.is_not(None)
    )
    return or_(Firearm.recovery_incident_id.in_(visible), Firearm.id.in_(with_items))


def find_firearms(
    engine: Engine, viewer: Viewer, text: str = "", limit: int = SEARCH_LIMIT
) -> pd.DataFrame:
    """Firearms the viewer may see whose lab number contains ``text``, latest recovered first.
    Columns: firearm_number, make, model, caliber, recovered_at."""
    stmt = (
        select(Firearm.firearm_number, Firearm.make, Firearm.model, Firearm.caliber,
               Firearm.recovered_at)
        .where(firearm_visible(viewer), *number_contains(Firearm.firearm_number, text))
        .order_by(Firearm.recovered_at.desc().nulls_last(), Firearm.firearm_number)
        .limit(search_limit(limit))
    )  # fmt: skip
    return query_frame(engine, stmt, ["firearm_number", "make", "model", "caliber", "recovered_at"])


def firearm_record(engine: Engine, viewer: Viewer, firearm_number: str) -> FirearmRecord | None:
    """Firearm ``firearm_number`` as the viewer may see it; None when unknown or not visible."""
    recovery = and_(Incident.id == Firearm.recovery_incident_id, visible_incidents(viewer))
    stmt = (
        select(Firearm.id, Firearm.firearm_number, Firearm.make, Firearm.model, Firearm.caliber,
               Firearm.serial_number, Firearm.serial_obliterated, Firearm.recovered_at,
               Incident.incident_number.label("recovery_incident_number"),
               Agency.code.label("recovery_ori"), Agency.name.label("recovery_agency"))
        .select_from(Firearm)
        .outerjoin(Incident, recovery)  # the recovery incident, only when the viewer may see it
        .outerjoin(Agency, Agency.id == Incident.agency_id)
        .where(Firearm.firearm_number == firearm_number.strip(), firearm_visible(viewer))
    )  # fmt: skip
    with engine.connect() as conn:
        found = conn.execute(stmt).mappings().first()
        if found is None:
            return None
        facts = dict(found)
        firearm_id = facts.pop("id")
        visible_items = (
            select(EvidenceItem.id)
            .join(Incident, Incident.id == EvidenceItem.incident_id)
            .where(EvidenceItem.firearm_id == firearm_id, visible_incidents(viewer))
        )
        return FirearmRecord(
            facts=facts,
            items=item_rows(conn, viewer, EvidenceItem.firearm_id == firearm_id),
            leads=_leads_of_items(conn, viewer, visible_items),
            linked=linked_incidents(conn, viewer, visible_items),
            traces=_traces(conn, firearm_id),
        )


def _leads_of_items(conn: Connection, viewer: Viewer, items: Select[Any]) -> pd.DataFrame:
    """The leads (that the viewer may list) holding any of ``items``."""
    stmt = (
        select(NibinLead.lead_number, NibinLead.status, NibinLead.issued_at,
               NibinLead.confirmed_at)
        .where(NibinLead.id.in_(select(LeadItem.lead_id).where(LeadItem.item_id.in_(items))),
               lead_visibility(viewer))
        .order_by(NibinLead.issued_at, NibinLead.lead_number)
    )  # fmt: skip
    frame = read_frame(conn, stmt, ["lead_number", "status", "issued_at", "confirmed_at"])
    frame["status"] = frame["status"].map(lambda s: LeadStatus(s).value)
    frame.insert(2, "label", frame["status"].map(lead_label))
    return frame


def _traces(conn: Connection, firearm_id: int) -> pd.DataFrame:
    """The firearm's eTrace results; the purchaser stays with the purpose-bound trace search."""
    stmt = (
        select(Trace.trace_number, Trace.requested_at, Trace.completed_at, Trace.purchase_date,
               Trace.dealer_name, Trace.dealer_ffl, Trace.dealer_state,
               Trace.purchaser_is_possessor, Trace.time_to_crime_days)
        .where(Trace.firearm_id == firearm_id)
        .order_by(Trace.requested_at, Trace.trace_number)
    )  # fmt: skip
    columns = [
        "trace_number", "requested_at", "completed_at", "purchase_date", "dealer_name",
        "dealer_ffl", "dealer_state", "purchaser_is_possessor", "time_to_crime_days",
    ]  # fmt: skip
    return read_frame(conn, stmt, columns)
