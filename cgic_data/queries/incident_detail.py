"""One incident on the map, clicked: its facts, evidence, NIBIN leads and forensic results.

What the viewer may see decides everything here (``cgic_data.scope``): an incident they may not
see returns nothing, and the incidents its leads link are named only when visible to them. Forensic
results are shown for the incident and for the incidents its leads link: Connecticut's grant
promises every involved agency the results for all cases linked by the original NIBIN lead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Connection, Engine, func, literal, select, union

from cgic_data.frames import read_frame
from cgic_data.lead_labels import lead_label
from cgic_data.queries.incidents import series_of_incidents
from cgic_data.schema import (
    Agency,
    EvidenceItem,
    Firearm,
    ForensicResult,
    Incident,
    IncidentKind,
    LeadItem,
    LeadStatus,
    NibinLead,
    Town,
)
from cgic_data.scope import IncidentFilter, Viewer, incident_conditions, lead_visibility


@dataclass(frozen=True)
class IncidentDetail:
    """One incident for the click-through panel (frames are empty when there is nothing)."""

    incident: dict[str, Any]
    evidence: pd.DataFrame
    leads: pd.DataFrame
    results: pd.DataFrame
    series_id: str | None = None


def incident_detail(engine: Engine, viewer: Viewer, incident_id: int) -> IncidentDetail | None:
    """The incident, its evidence, its leads and the forensic results on it and on the incidents
    its leads link (the grant's promise: results for every case linked by the original lead).

    None when the viewer may not see the incident. Linked incidents the viewer may not see are
    never named or counted.
    """
    visible = incident_conditions(viewer, IncidentFilter())
    with engine.connect() as conn:
        found = (
            conn.execute(
                select(
                    Incident.id.label("incident_id"),
                    Agency.name.label("agency"),
                    Agency.code.label("ori"),
                    Incident.incident_number,
                    Incident.kind,
                    Incident.occurred_at,
                    Incident.occurred_time_known.label("time_known"),
                    Town.name.label("town"),
                    Incident.city,
                    Incident.address,
                    Incident.victims_injured.label("injured"),
                    Incident.victims_killed.label("killed"),
                )
                .join(Agency, Agency.id == Incident.agency_id)
                .outerjoin(Town, Town.id == Incident.town_id)
                .where(Incident.id == incident_id, visible)
            )
            .mappings()
            .first()
        )
        if found is None:
            return None
        incident = dict(found)
        incident["kind"] = IncidentKind(incident["kind"]).value
        evidence = _evidence(conn, incident_id)
        leads = _leads_of(conn, viewer, visible, incident_id)
        series_id = series_of_incidents(conn, viewer, [incident_id]).get(incident_id)
        results = _results_for(conn, visible, incident_id)
    return IncidentDetail(incident, evidence, leads, results, series_id)


def _evidence(conn: Connection, incident_id: int) -> pd.DataFrame:
    firearm = func.coalesce(Firearm.make, "") + literal(" ") + func.coalesce(Firearm.model, "")
    stmt = (
        select(
            EvidenceItem.item_number,
            EvidenceItem.kind,
            EvidenceItem.caliber,
            EvidenceItem.recovered_at,
            EvidenceItem.received_at,
            EvidenceItem.nibin_entered_at,
            firearm.label("firearm"),
        )
        .outerjoin(Firearm, Firearm.id == EvidenceItem.firearm_id)
        .where(EvidenceItem.incident_id == incident_id)
        .order_by(EvidenceItem.item_number)
    )
    frame = read_frame(
        conn,
        stmt,
        [
            "item_number", "kind", "caliber", "recovered_at", "received_at", "nibin_entered_at",
            "firearm",
        ],
    )  # fmt: skip
    frame["kind"] = frame["kind"].map(lambda k: getattr(k, "value", k))
    frame["firearm"] = frame["firearm"].map(lambda f: (f or "").strip() or None)
    return frame


def _leads_of(
    conn: Connection, viewer: Viewer, visible: ColumnElement[bool], incident_id: int
) -> pd.DataFrame:
    """The leads linking this incident, each with the other incidents it links that are visible."""
    own = (
        select(LeadItem.lead_id)
        .join(EvidenceItem, EvidenceItem.id == LeadItem.item_id)
        .where(EvidenceItem.incident_id == incident_id)
    )
    stmt = (
        select(
            NibinLead.lead_number,
            NibinLead.status,
            NibinLead.issued_at,
            NibinLead.confirmed_at,
            Agency.name,
            Incident.incident_number,
            Incident.id,
        )
        .join(LeadItem, LeadItem.lead_id == NibinLead.id)
        .join(EvidenceItem, EvidenceItem.id == LeadItem.item_id)
        .join(Incident, Incident.id == EvidenceItem.incident_id)
        .join(Agency, Agency.id == Incident.agency_id)
        .where(NibinLead.id.in_(own), visible, lead_visibility(viewer))
        .distinct()
        .order_by(NibinLead.lead_number, Agency.name, Incident.incident_number)
    )
    rows = conn.execute(stmt).all()
    by_lead: dict[str, dict[str, Any]] = {}
    for number, status, issued, confirmed, agency, other_number, other_id in rows:
        lead = by_lead.setdefault(
            number,
            {
                "lead_number": number,
                "status": LeadStatus(status).value,
                "label": lead_label(status),
                "issued_at": issued,
                "confirmed_at": confirmed,
                "linked_incidents": [],
            },
        )
        if other_id != incident_id:
            lead["linked_incidents"].append(f"{agency} {other_number}")
    frame = pd.DataFrame(
        list(by_lead.values()),
        columns=[
            "lead_number", "status", "label", "issued_at", "confirmed_at", "linked_incidents",
        ],
    )  # fmt: skip
    frame["linked_incidents"] = frame["linked_incidents"].map(", ".join)
    return frame


def _results_for(conn: Connection, visible: ColumnElement[bool], incident_id: int) -> pd.DataFrame:
    """Forensic results on this incident and on the visible incidents its leads link."""
    own_leads = (
        select(LeadItem.lead_id)
        .join(EvidenceItem, EvidenceItem.id == LeadItem.item_id)
        .join(NibinLead, NibinLead.id == LeadItem.lead_id)
        .where(EvidenceItem.incident_id == incident_id, NibinLead.status != LeadStatus.EXCLUDED)
    )
    linked = union(
        select(literal(incident_id)),
        select(EvidenceItem.incident_id)
        .join(LeadItem, LeadItem.item_id == EvidenceItem.id)
        .where(LeadItem.lead_id.in_(own_leads)),
    )
    stmt = (
        select(
            ForensicResult.result_number,
            ForensicResult.kind,
            ForensicResult.reported_at,
            EvidenceItem.item_number,
            (Agency.name + literal(" ") + Incident.incident_number).label("incident"),
            (Incident.id == incident_id).label("this_incident"),
            ForensicResult.subject_ref,
            ForensicResult.summary,
        )
        .join(EvidenceItem, EvidenceItem.id == ForensicResult.item_id)
        .join(Incident, Incident.id == EvidenceItem.incident_id)
        .join(Agency, Agency.id == Incident.agency_id)
        .where(Incident.id.in_(linked), visible)
        .order_by(ForensicResult.reported_at, ForensicResult.result_number)
    )
    frame = read_frame(
        conn,
        stmt,
        [
            "result_number", "kind", "reported_at", "item_number", "incident", "this_incident",
            "subject_ref", "summary",
        ],
    )  # fmt: skip
    frame["kind"] = frame["kind"].map(lambda k: getattr(k, "value", k))
    frame["this_incident"] = frame["this_incident"].astype(bool)
    return frame
