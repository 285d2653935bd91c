"""The lead packet: everything tied to one NIBIN lead or one series, grouped for a case file.

What the grant promises every involved agency is the results of *all cases linked by the original
lead*, so a packet holds, for the incidents the lead (or series) links and the viewer may see
(``queries.lead_selection``, the rule the timeline and network share):

* the leads themselves and every such incident (agency name, ORI and the agency's own number);
* every evidence item of those incidents (not only the items in the lead), with its lab case;
* the firearms recovered at those incidents or test-fired into them, and their eTrace results;
* every forensic result on their items, one group per kind (CODIS, AFIS, drug chemistry,
  digital evidence); CODIS/AFIS subjects are pseudonymous references;
* every case event on those incidents or on the leads (arrests, charges, follow-up).

Rows carry the incident number and ORI so an investigator knows which agency to call. A packet
ignores the sidebar's period and agency filter: a lead is shown whole, as far as the viewer may see.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection, Engine, and_, func, or_, select

from cgic_data.frames import read_frame
from cgic_data.incident_time import occurred_text
from cgic_data.lead_labels import CONFIRMED_LABEL, UNCONFIRMED_LABEL, lead_label
from cgic_data.queries.lead_selection import LeadSelection, SelectionKind, select_view
from cgic_data.schema import (
    Agency,
    CaseEvent,
    EvidenceItem,
    Firearm,
    ForensicResult,
    Incident,
    LabRequest,
    LeadItem,
    LeadStatus,
    NibinLead,
    ResultKind,
    Town,
    Trace,
)
from cgic_data.scope import Viewer, lead_visibility

RESULT_GROUPS = {
    ResultKind.CODIS: "CODIS",
    ResultKind.AFIS: "AFIS",
    ResultKind.DRUG_CHEMISTRY: "Drug chemistry",
    ResultKind.DIGITAL: "Digital evidence",
}
GROUP_TITLES = (
    "Leads",
    "Incidents",
    "Evidence items",
    "Firearms",
    "Traces",
    *RESULT_GROUPS.values(),
    "Case events",
)


@dataclass(frozen=True)
class Packet:
    """Header facts (label -> text, in reading order) and the grouped rows (title -> frame)."""

    selection: LeadSelection
    label: str
    header: dict[str, str]
    groups: dict[str, pd.DataFrame]

    @property
    def title(self) -> str:
        return self.selection.title

    @property
    def incidents(self) -> pd.DataFrame:
        return self.groups["Incidents"]


def load_packet(engine: Engine, viewer: Viewer, kind: SelectionKind, key: str) -> Packet | None:
    """The packet of lead (or series) ``key`` as ``viewer`` may see it; None if not open to them."""
    selection = select_view(engine, viewer, kind, key)
    if selection is None:
        return None
    leads = list(selection.lead_ids)
    incidents = list(selection.incident_ids)
    with engine.connect() as conn:
        item_leads = _item_leads(conn, leads, incidents)
        groups: dict[str, pd.DataFrame] = {
            "Leads": _leads(conn, leads, incidents),
            "Incidents": _incidents(conn, incidents, item_leads),
            "Evidence items": _evidence(conn, incidents, item_leads),
        }
        firearms = _firearms(conn, incidents)
        groups["Firearms"] = firearms.drop(columns="firearm_id")
        groups["Traces"] = _traces(conn, firearms["firearm_id"].tolist())
        results = _results(conn, incidents)
        for result_kind, title in RESULT_GROUPS.items():
            rows = results[results["kind"] == result_kind.value].drop(columns="kind")
            groups[title] = rows.reset_index(drop=True)
        groups["Case events"] = _case_events(conn, viewer, leads, incidents)
    label = _label(selection, groups["Leads"])
    return Packet(selection, label, _header(selection, label, groups), groups)


def _item_leads(conn: Connection, lead_ids: list[int], incident_ids: list[int]) -> pd.DataFrame:
    """(item_id, incident_id, lead_number, added_at) of the packet's leads on visible incidents."""
    stmt = (
        select(EvidenceItem.id, EvidenceItem.incident_id, NibinLead.lead_number, LeadItem.added_at)
        .join(LeadItem, LeadItem.item_id == EvidenceItem.id)
        .join(NibinLead, NibinLead.id == LeadItem.lead_id)
        .where(LeadItem.lead_id.in_(lead_ids), EvidenceItem.incident_id.in_(incident_ids))
    )
    return read_frame(conn, stmt, ["item_id", "incident_id", "lead_number", "added_at"])


def _numbers(pairs: pd.DataFrame, key: str) -> pd.Series:
    return pairs.groupby(key)["lead_number"].agg(lambda s: ", ".join(sorted(set(s))))


def _leads(conn: Connection, lead_ids: list[int], incident_ids: list[int]) -> pd.DataFrame:
    stmt = (
        select(
            NibinLead.lead_number,
            NibinLead.status,
            NibinLead.issued_at,
            NibinLead.confirmed_at,
            NibinLead.excluded_at,
            func.count(LeadItem.item_id.distinct()),
            func.count(EvidenceItem.incident_id.distinct()),
            func.max(LeadItem.added_at),
            NibinLead.assigned_to,
            NibinLead.follow_up_status,
            NibinLead.outcome,
        )
        .join(LeadItem, LeadItem.lead_id == NibinLead.id)
        .join(EvidenceItem, EvidenceItem.id == LeadItem.item_id)
        .where(NibinLead.id.in_(lead_ids), EvidenceItem.incident_id.in_(incident_ids))
        .group_by(NibinLead.id)
        .order_by(NibinLead.lead_number)
    )
    columns = [
        "lead_number", "status", "issued_at", "confirmed_at", "excluded_at", "items", "incidents",
        "last_item_added_at", "assigned_to", "follow_up_status", "outcome",
    ]  # fmt: skip
    frame = read_frame(conn, stmt, columns)
    frame["status"] = frame["status"].map(lambda s: LeadStatus(s).value)
    frame.insert(2, "label", frame["status"].map(lead_label))
    return frame


def _incidents(conn: Connection, incident_ids: list[int], item_leads: pd.DataFrame) -> pd.DataFrame:
    stmt = (
        select(
            Incident.id,
            Incident.incident_number,
            Agency.name,
            Agency.code,
            Incident.occurred_at,
            Incident.occurred_time_known,
            Incident.kind,
            Town.name,
            Incident.address,
            Incident.victims_injured,
            Incident.victims_killed,
            Incident.lat,
            Incident.lon,
        )
        .join(Agency, Agency.id == Incident.agency_id)
        .outerjoin(Town, Town.id == Incident.town_id)
        .where(Incident.id.in_(incident_ids))
        .order_by(Incident.occurred_at, Incident.incident_number)
    )
    columns = [
        "incident_id", "incident_number", "agency", "ori", "occurred_at", "time_known", "kind",
        "town", "address", "injured", "killed", "lat", "lon",
    ]  # fmt: skip
    frame = read_frame(conn, stmt, columns)
    frame["kind"] = frame["kind"].map(str)
    frame["leads"] = frame["incident_id"].map(_numbers(item_leads, "incident_id")).fillna("")
    return frame.drop(columns="incident_id")


def _evidence(conn: Connection, incident_ids: list[int], item_leads: pd.DataFrame) -> pd.DataFrame:
    stmt = (
        select(
            EvidenceItem.id,
            EvidenceItem.item_number,
            EvidenceItem.kind,
            EvidenceItem.caliber,
            Incident.incident_number,
            Agency.code,
            LabRequest.lab_case_number,
            EvidenceItem.recovered_at,
            EvidenceItem.received_at,
            EvidenceItem.nibin_entered_at,
            Firearm.firearm_number,
        )
        .join(Incident, Incident.id == EvidenceItem.incident_id)
        .join(Agency, Agency.id == Incident.agency_id)
        .outerjoin(LabRequest, LabRequest.id == EvidenceItem.lab_request_id)
        .outerjoin(Firearm, Firearm.id == EvidenceItem.firearm_id)
        .where(EvidenceItem.incident_id.in_(incident_ids))
        .order_by(Incident.occurred_at, EvidenceItem.item_number)
    )
    columns = [
        "item_id", "item_number", "kind", "caliber", "incident_number", "ori", "lab_case_number",
        "recovered_at", "received_at", "nibin_entered_at", "firearm_number",
    ]  # fmt: skip
    frame = read_frame(conn, stmt, columns)
    frame["kind"] = frame["kind"].map(str)
    frame["leads"] = frame["item_id"].map(_numbers(item_leads, "item_id")).fillna("")
    return frame.drop(columns="item_id")


def _firearms(conn: Connection, incident_ids: list[int]) -> pd.DataFrame:
    """Firearms recovered at the incidents, or whose test fires or items sit in them."""
    referenced = select(EvidenceItem.firearm_id).where(
        EvidenceItem.incident_id.in_(incident_ids), EvidenceItem.firearm_id.is_not(None)
    )
    recovery = and_(
        Incident.id == Firearm.recovery_incident_id, Incident.id.in_(incident_ids)
    )  # the recovery incident is named only when the viewer sees it in this packet
    stmt = (
        select(
            Firearm.id,
            Firearm.firearm_number,
            Firearm.make,
            Firearm.model,
            Firearm.caliber,
            Firearm.serial_number,
            Firearm.serial_obliterated,
            Firearm.recovered_at,
            Incident.incident_number,
            Agency.code,
        )
        .outerjoin(Incident, recovery)
        .outerjoin(Agency, Agency.id == Incident.agency_id)
        .where(or_(Firearm.recovery_incident_id.in_(incident_ids), Firearm.id.in_(referenced)))
        .order_by(Firearm.recovered_at, Firearm.firearm_number)
    )
    columns = [
        "firearm_id", "firearm_number", "make", "model", "caliber", "serial_number",
        "serial_obliterated", "recovered_at", "recovery_incident_number", "ori",
    ]  # fmt: skip
    return read_frame(conn, stmt, columns)


def _traces(conn: Connection, firearm_ids: list[int]) -> pd.DataFrame:
    stmt = (
        select(
            Trace.trace_number,
            Firearm.firearm_number,
            Trace.requested_at,
            Trace.completed_at,
            Trace.purchase_date,
            Trace.dealer_name,
            Trace.dealer_ffl,
            Trace.dealer_state,
            Trace.purchaser_ref,
            Trace.purchaser_is_possessor,
            Trace.time_to_crime_days,
        )
        .join(Firearm, Firearm.id == Trace.firearm_id)
        .where(Trace.firearm_id.in_(firearm_ids))
        .order_by(Trace.requested_at, Trace.trace_number)
    )
    columns = [
        "trace_number", "firearm_number", "requested_at", "completed_at", "purchase_date",
        "dealer_name", "dealer_ffl", "dealer_state", "purchaser_ref", "purchaser_is_possessor",
        "time_to_crime_days",
    ]  # fmt: skip
    return read_frame(conn, stmt, columns)


def _results(conn: Connection, incident_ids: list[int]) -> pd.DataFrame:
    stmt = (
        select(
            ForensicResult.kind,
            ForensicResult.result_number,
            ForensicResult.reported_at,
            ForensicResult.subject_ref,
            ForensicResult.summary,
            EvidenceItem.item_number,
            Incident.incident_number,
            Agency.code,
        )
        .join(EvidenceItem, EvidenceItem.id == ForensicResult.item_id)
        .join(Incident, Incident.id == EvidenceItem.incident_id)
        .join(Agency, Agency.id == Incident.agency_id)
        .where(EvidenceItem.incident_id.in_(incident_ids))
        .order_by(ForensicResult.reported_at, ForensicResult.result_number)
    )
    columns = [
        "kind", "result_number", "reported_at", "subject_ref", "summary", "item_number",
        "incident_number", "ori",
    ]  # fmt: skip
    frame = read_frame(conn, stmt, columns)
    frame["kind"] = frame["kind"].map(str)
    return frame


def _case_events(
    conn: Connection, viewer: Viewer, lead_ids: list[int], incident_ids: list[int]
) -> pd.DataFrame:
    """Events on the incidents or on the packet's leads. An event on a visible incident may carry
    a lead between two other agencies: its number is left blank, never named (``lead_visibility``).
    """
    on_lead = and_(
        CaseEvent.lead_id.in_(lead_ids),
        or_(CaseEvent.incident_id.is_(None), CaseEvent.incident_id.in_(incident_ids)),
    )
    stmt = (
        select(
            CaseEvent.event_number,
            CaseEvent.kind,
            CaseEvent.occurred_at,
            CaseEvent.outcome,
            CaseEvent.notes,
            CaseEvent.recorded_by,
            Incident.incident_number,
            Agency.code,
            NibinLead.lead_number,
        )
        .outerjoin(Incident, Incident.id == CaseEvent.incident_id)
        .outerjoin(Agency, Agency.id == Incident.agency_id)
        .outerjoin(NibinLead, and_(NibinLead.id == CaseEvent.lead_id, lead_visibility(viewer)))
        .where(or_(CaseEvent.incident_id.in_(incident_ids), on_lead))
        .order_by(CaseEvent.occurred_at, CaseEvent.event_number)
    )
    columns = [
        "event_number", "kind", "occurred_at", "outcome", "notes", "recorded_by",
        "incident_number", "ori", "lead_number",
    ]  # fmt: skip
    frame = read_frame(conn, stmt, columns)
    frame["kind"] = frame["kind"].map(str)
    return frame


# --- the header ------------------------------------------------------------------------------


def _label(selection: LeadSelection, leads: pd.DataFrame) -> str:
    """The lead's own label; a series is a confirmed identification only if every lead is."""
    if selection.kind == "lead":
        return lead_label(leads["status"].iloc[0]) if not leads.empty else UNCONFIRMED_LABEL
    if selection.unconfirmed_leads:
        return f"{UNCONFIRMED_LABEL} (unconfirmed: {', '.join(selection.unconfirmed_leads)})"
    return CONFIRMED_LABEL


def _occurred(incidents: pd.DataFrame, position: int) -> str:
    """The first (0) or last (-1) incident's time: its date alone when the time is unknown."""
    if incidents.empty:
        return "—"
    row = incidents.iloc[position]  # incidents are in date order
    return occurred_text(pd.Timestamp(row["occurred_at"]), bool(row["time_known"]))


def _when(value: object) -> str:
    return "—" if pd.isna(value) else f"{pd.Timestamp(value):%Y-%m-%d %H:%M}"  # type: ignore[arg-type]


def _header(
    selection: LeadSelection, label: str, groups: dict[str, pd.DataFrame]
) -> dict[str, str]:
    incidents, leads = groups["Incidents"], groups["Leads"]
    results = {title: groups[title] for title in ("CODIS", "AFIS")}
    agencies = sorted(set(zip(incidents["agency"], incidents["ori"], strict=True)))
    header: dict[str, str] = {}
    if selection.kind == "lead" and not leads.empty:
        lead = leads.iloc[0]
        header |= {
            "Lead": str(lead.lead_number),
            "Status": str(lead.status),
            "Issued": _when(lead.issued_at),
            "Series": selection.series_id or "none (excluded lead)",
        }
    else:
        header |= {
            "Series": str(selection.series_id),
            "Leads": ", ".join(selection.lead_numbers),
        }
    header |= {
        "Label": label,
        "Incidents": str(len(incidents)),
        "Agencies": "; ".join(f"{name} ({ori})" for name, ori in agencies),
        "Towns": ", ".join(sorted({t for t in incidents["town"] if isinstance(t, str)})),
        "First incident": _occurred(incidents, 0),
        "Last incident": _occurred(incidents, -1),
        "People shot": f"{int(incidents['injured'].sum())} injured, "
        f"{int(incidents['killed'].sum())} killed",
        "Calibers": ", ".join(
            sorted({c for c in groups["Evidence items"]["caliber"] if isinstance(c, str)})
        ),
        "Firearms recovered": str(len(groups["Firearms"])),
        "Traces": str(len(groups["Traces"])),
        "CODIS hits": str(int(results["CODIS"]["subject_ref"].notna().sum())),
        "AFIS hits": str(int(results["AFIS"]["subject_ref"].notna().sum())),
    }
    if selection.kind == "lead" and not leads.empty:
        lead = leads.iloc[0]
        header |= {
            "Assigned to": lead.assigned_to or "unassigned",
            "Follow-up": lead.follow_up_status or "none recorded",
            "Outcome": lead.outcome or "—",
        }
    return header
