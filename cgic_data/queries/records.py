"""Records: one incident, firearm or lab case, opened by its number (a link, or the search box).

Every identifier on every page links to its view; incidents, firearms and lab cases open here,
as far as ``cgic_data.scope`` lets the viewer see them, and nothing here names more:

* an incident when ``incident_conditions(viewer, IncidentFilter())`` allows it; agencies number
  their incidents independently, so a number alone may match several (``incident_matches``) and
  the ORI tells them apart;
* a firearm (``firearm_records``) when it was recovered at, or has items in, an incident the
  viewer may see; its recovery incident is named only if the viewer may see that incident too;
* a lab case when the viewer may see its requests (``request_conditions``: the submitting agency
  and lab staff); its items only on incidents the viewer may see;
* leads only through ``lead_visibility``; the incidents a lead links only when visible.

Searches match any part of a number, ignoring case, most recent first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Connection, Engine, Select, and_, case, func, or_, select
from sqlalchemy.orm import aliased

from cgic_data.frames import query_frame, read_frame
from cgic_data.queries.incident_detail import IncidentDetail, incident_detail
from cgic_data.schema import (
    Agency,
    EvidenceItem,
    Firearm,
    Incident,
    LabRequest,
    LeadItem,
    LeadStatus,
    NibinLead,
    RequestStatus,
    Town,
)
from cgic_data.scope import (
    IncidentFilter,
    Viewer,
    incident_conditions,
    lead_visibility,
    request_conditions,
)

SEARCH_LIMIT = 50
INCIDENT_COLUMNS = ["incident_number", "ori", "agency", "occurred_at", "kind", "town"]
LINKED_COLUMNS = ["lead_number", "incident_number", "ori", "agency", "occurred_at", "kind"]


@dataclass(frozen=True)
class IncidentRecord:
    """An incident: facts, leads, series and results (``incident_detail``), its evidence with
    lab cases and firearms, the firearms tied to it, its lab requests, and the incidents its
    leads link."""

    detail: IncidentDetail
    ori: str
    items: pd.DataFrame
    firearms: pd.DataFrame
    lab_requests: pd.DataFrame
    linked: pd.DataFrame


@dataclass(frozen=True)
class LabCaseRecord:
    """A lab case: its requests (one per discipline) and its items on visible incidents."""

    lab_case_number: str
    requests: pd.DataFrame
    items: pd.DataFrame


def visible_incidents(viewer: Viewer) -> ColumnElement[bool]:
    """Incidents the viewer may see at all (the sidebar filter never narrows a record)."""
    return incident_conditions(viewer, IncidentFilter())


def number_contains(column: Any, text: str) -> list[ColumnElement[bool]]:
    """``column`` holds ``text`` (any case; wildcards in it are plain characters)."""
    needle = text.strip().lower()
    return [func.lower(column).contains(needle, autoescape=True)] if needle else []


def search_limit(limit: int) -> int:
    return max(1, min(limit, 500))


def _numbered(number: str, ori: str | None) -> list[ColumnElement[bool]]:
    """Incident ``number`` exactly, of agency ``ori`` when given."""
    conditions = [Incident.incident_number == number.strip()]
    return conditions + ([Agency.code == ori.strip()] if ori and ori.strip() else [])


def _incidents(
    engine: Engine, viewer: Viewer, conditions: list[ColumnElement[bool]], limit: int | None = None
) -> pd.DataFrame:
    """Visible incidents meeting ``conditions``, newest first. Columns: ``INCIDENT_COLUMNS``."""
    stmt = (
        select(Incident.incident_number, Agency.code, Agency.name, Incident.occurred_at,
               Incident.kind, Town.name)
        .join(Agency, Agency.id == Incident.agency_id)
        .outerjoin(Town, Town.id == Incident.town_id)
        .where(visible_incidents(viewer), *conditions)
        .order_by(Incident.occurred_at.desc(), Agency.code, Incident.incident_number)
        .limit(limit)
    )  # fmt: skip
    frame = query_frame(engine, stmt, INCIDENT_COLUMNS)
    frame["kind"] = frame["kind"].map(str)
    return frame


# --- search ----------------------------------------------------------------------------------


def find_incidents(
    engine: Engine, viewer: Viewer, text: str = "", limit: int = SEARCH_LIMIT
) -> pd.DataFrame:
    """Incidents the viewer may see whose number contains ``text``, newest first.
    Columns: incident_number, ori, agency, occurred_at, kind, town."""
    return _incidents(
        engine, viewer, number_contains(Incident.incident_number, text), search_limit(limit)
    )


def find_lab_cases(
    engine: Engine, viewer: Viewer, text: str = "", limit: int = SEARCH_LIMIT
) -> pd.DataFrame:
    """Lab cases with requests the viewer may see whose number contains ``text``, latest first.
    Columns: lab_case_number, agency (submitting), requests, open_requests, received_at (latest)."""
    is_open = case((LabRequest.status != RequestStatus.COMPLETED, 1), else_=0)
    latest = func.max(LabRequest.received_at)
    stmt = (
        select(LabRequest.lab_case_number, func.min(Agency.name), func.count(),
               func.sum(is_open), latest)
        .join(Agency, Agency.id == LabRequest.agency_id)
        .where(request_conditions(viewer, IncidentFilter()),
               *number_contains(LabRequest.lab_case_number, text))
        .group_by(LabRequest.lab_case_number)
        .order_by(latest.desc(), LabRequest.lab_case_number)
        .limit(search_limit(limit))
    )  # fmt: skip
    columns = ["lab_case_number", "agency", "requests", "open_requests", "received_at"]
    return query_frame(engine, stmt, columns)


# --- incidents -------------------------------------------------------------------------------


def incident_matches(
    engine: Engine, viewer: Viewer, number: str, ori: str | None = None
) -> pd.DataFrame:
    """The incidents the viewer may see numbered exactly ``number`` (of agency ``ori`` if given):
    several agencies may use the same number. Columns as ``find_incidents``."""
    return _incidents(engine, viewer, _numbered(number, ori))


def incident_record(
    engine: Engine, viewer: Viewer, number: str, ori: str | None = None
) -> IncidentRecord | None:
    """Incident ``number`` (of agency ``ori``) as the viewer may see it; None when no visible
    incident, or more than one, has that number (``incident_matches`` lists them)."""
    stmt = (
        select(Incident.id, Agency.code)
        .join(Agency, Agency.id == Incident.agency_id)
        .where(visible_incidents(viewer), *_numbered(number, ori))
        .limit(2)
    )
    with engine.connect() as conn:
        found = conn.execute(stmt).all()
    if len(found) != 1:
        return None
    incident_id, agency_code = found[0]
    detail = incident_detail(engine, viewer, incident_id)
    if detail is None:
        return None
    with engine.connect() as conn:
        own_items = select(EvidenceItem.id).where(EvidenceItem.incident_id == incident_id)
        return IncidentRecord(
            detail=detail,
            ori=agency_code,
            items=item_rows(conn, viewer, EvidenceItem.incident_id == incident_id),
            firearms=_incident_firearms(conn, incident_id),
            lab_requests=_requests(conn, viewer, _requests_of(incident_id)),
            linked=linked_incidents(conn, viewer, own_items, exclude_incident=incident_id),
        )


def item_rows(conn: Connection, viewer: Viewer, where: ColumnElement[bool]) -> pd.DataFrame:
    """Evidence items on incidents the viewer may see, with their incident, lab case, firearm
    and the leads (visible to the viewer) they are in."""
    stmt = (
        select(EvidenceItem.id, EvidenceItem.item_number, EvidenceItem.kind, EvidenceItem.caliber,
               Incident.incident_number, Agency.code, LabRequest.lab_case_number,
               Firearm.firearm_number, EvidenceItem.recovered_at, EvidenceItem.received_at,
               EvidenceItem.nibin_entered_at)
        .join(Incident, Incident.id == EvidenceItem.incident_id)
        .join(Agency, Agency.id == Incident.agency_id)
        .outerjoin(LabRequest, LabRequest.id == EvidenceItem.lab_request_id)
        .outerjoin(Firearm, Firearm.id == EvidenceItem.firearm_id)
        .where(where, visible_incidents(viewer))
        .order_by(Incident.occurred_at, EvidenceItem.item_number)
    )  # fmt: skip
    columns = [
        "item_id", "item_number", "kind", "caliber", "incident_number", "ori", "lab_case_number",
        "firearm_number", "recovered_at", "received_at", "nibin_entered_at",
    ]  # fmt: skip
    frame = read_frame(conn, stmt, columns)
    frame["kind"] = frame["kind"].map(str)
    leads = read_frame(
        conn,
        select(LeadItem.item_id, NibinLead.lead_number)
        .join(NibinLead, NibinLead.id == LeadItem.lead_id)
        .where(LeadItem.item_id.in_(frame["item_id"].tolist()), lead_visibility(viewer)),
        ["item_id", "lead_number"],
    )
    by_item = leads.groupby("item_id")["lead_number"].agg(lambda s: ", ".join(sorted(s)))
    frame["leads"] = [by_item.get(item, "") for item in frame["item_id"]]
    return frame.drop(columns="item_id")


def _incident_firearms(conn: Connection, incident_id: int) -> pd.DataFrame:
    """Firearms recovered at the incident, or with items (a test fire, the gun) in it."""
    with_items = select(EvidenceItem.firearm_id).where(EvidenceItem.incident_id == incident_id)
    recovered_here = Firearm.recovery_incident_id == incident_id
    stmt = (
        select(Firearm.firearm_number, Firearm.make, Firearm.model, Firearm.caliber,
               Firearm.serial_obliterated, Firearm.recovered_at, recovered_here)
        .where(or_(recovered_here, Firearm.id.in_(with_items)))
        .order_by(Firearm.firearm_number)
    )  # fmt: skip
    columns = [
        "firearm_number", "make", "model", "caliber", "serial_obliterated", "recovered_at",
        "recovered_here",
    ]  # fmt: skip
    frame = read_frame(conn, stmt, columns)
    frame["recovered_here"] = frame["recovered_here"].astype(bool)
    return frame


def _requests_of(incident_id: int) -> ColumnElement[bool]:
    """Requests naming the incident, or holding its items (a request may name none)."""
    holding = select(EvidenceItem.lab_request_id).where(
        EvidenceItem.incident_id == incident_id, EvidenceItem.lab_request_id.is_not(None)
    )
    return or_(LabRequest.incident_id == incident_id, LabRequest.id.in_(holding))


def _requests(conn: Connection, viewer: Viewer, where: ColumnElement[bool]) -> pd.DataFrame:
    """Lab requests the viewer may see, each with its incident when the viewer may see that."""
    submitter, owner = aliased(Agency), aliased(Agency)
    visible = and_(Incident.id == LabRequest.incident_id, visible_incidents(viewer))
    stmt = (
        select(LabRequest.lab_case_number, LabRequest.discipline, LabRequest.status,
               LabRequest.priority, LabRequest.received_at, LabRequest.completed_at,
               LabRequest.reopened_at, submitter.name, Incident.incident_number, owner.code)
        .join(submitter, submitter.id == LabRequest.agency_id)
        .outerjoin(Incident, visible)
        .outerjoin(owner, owner.id == Incident.agency_id)
        .where(where, request_conditions(viewer, IncidentFilter()))
        .order_by(LabRequest.lab_case_number, LabRequest.discipline)
    )  # fmt: skip
    columns = [
        "lab_case_number", "discipline", "status", "priority", "received_at", "completed_at",
        "reopened_at", "submitted_by", "incident_number", "ori",
    ]  # fmt: skip
    frame = read_frame(conn, stmt, columns)
    for column in ("discipline", "status", "priority"):
        frame[column] = frame[column].map(str)
    return frame


def linked_incidents(
    conn: Connection, viewer: Viewer, items: Select[Any], exclude_incident: int | None = None
) -> pd.DataFrame:
    """Incidents linked, through live leads the viewer may list, to ``items``; only incidents
    the viewer may see, each once per lead. Columns: ``LINKED_COLUMNS``."""
    leads = select(LeadItem.lead_id).where(LeadItem.item_id.in_(items))
    conditions = [
        NibinLead.id.in_(leads),
        NibinLead.status != LeadStatus.EXCLUDED,
        lead_visibility(viewer),
        visible_incidents(viewer),
    ]
    if exclude_incident is not None:
        conditions.append(Incident.id != exclude_incident)
    stmt = (
        select(NibinLead.lead_number, Incident.incident_number, Agency.code, Agency.name,
               Incident.occurred_at, Incident.kind)
        .join(LeadItem, LeadItem.lead_id == NibinLead.id)
        .join(EvidenceItem, EvidenceItem.id == LeadItem.item_id)
        .join(Incident, Incident.id == EvidenceItem.incident_id)
        .join(Agency, Agency.id == Incident.agency_id)
        .where(*conditions)
        .distinct()
        .order_by(NibinLead.lead_number, Incident.occurred_at, Agency.code)
    )  # fmt: skip
    frame = read_frame(conn, stmt, LINKED_COLUMNS)
    frame["kind"] = frame["kind"].map(str)
    return frame


# --- lab cases -------------------------------------------------------------------------------


def lab_case_record(engine: Engine, viewer: Viewer, lab_case_number: str) -> LabCaseRecord | None:
    """Lab case ``lab_case_number``: its requests the viewer may see (None when there is none)
    and their items on incidents the viewer may see."""
    number = lab_case_number.strip()
    with engine.connect() as conn:
        requests = _requests(conn, viewer, LabRequest.lab_case_number == number)
        if requests.empty:
            return None
        shown = select(LabRequest.id).where(
            LabRequest.lab_case_number == number, request_conditions(viewer, IncidentFilter())
        )
        items = item_rows(conn, viewer, EvidenceItem.lab_request_id.in_(shown))
    return LabCaseRecord(number, requests, items.drop(columns="lab_case_number"))
