"""Who is looking (``Viewer``) and what they asked for (``IncidentFilter``), and the ONE place that
turns both into SQL conditions.

Every query function in ``cgic_data.queries`` and ``cgic_data.metrics`` takes a viewer and a filter
and builds its WHERE clause here, so no page can forget the sharing rule:

* CGIC/lab staff (``agency_id is None``) see every agency.
* An agency user sees its own incidents in full and, for every NIBIN lead that touches one of its
  incidents and has not been excluded by an examiner, the other incidents that lead links (that is
  the point of sharing); nothing else at incident level. The rule is read from the tables
  ``cgic_data.sharing`` keeps exact in every write's transaction, never recomputed per query.
* Lab requests are seen by the submitting agency and by lab staff.

Both objects are frozen and hashable so they can be part of a cache key: Streamlit's cache is
shared by all users, and what a user may see must decide what they get back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, Select, and_, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute

from cgic_data.schema import (
    AgencyIncidentAccess,
    AgencyLeadAccess,
    Incident,
    LabRequest,
    NibinLead,
    Role,
)


@dataclass(frozen=True)
class Viewer:
    """The signed-in user as the data layer needs them: name (for audit), role and agency."""

    username: str
    role: Role
    agency_id: int | None = None

    @property
    def sees_all_agencies(self) -> bool:
        return self.agency_id is None

    @classmethod
    def system(cls, username: str = "system") -> Viewer:
        """Lab-wide viewer for command-line tools and imports."""
        return cls(username=username, role=Role.ADMIN, agency_id=None)


@dataclass(frozen=True)
class IncidentFilter:
    """The shared sidebar filter. Empty tuples mean 'all'; ``end`` is inclusive."""

    agency_ids: tuple[int, ...] = ()
    start: date | None = None
    end: date | None = None
    town_ids: tuple[int, ...] = field(default=())

    def with_period(self, start: date | None, end: date | None) -> IncidentFilter:
        return IncidentFilter(self.agency_ids, start, end, self.town_ids)


def day_start(d: date) -> datetime:
    return datetime.combine(d, time.min)


def date_conditions(
    column: InstrumentedAttribute[datetime] | InstrumentedAttribute[datetime | None],
    start: date | None,
    end: date | None,
) -> list[ColumnElement[bool]]:
    """``start <= column < end + 1 day``: a half-open range that uses the column's index."""
    conditions: list[ColumnElement[bool]] = []
    if start is not None:
        conditions.append(column >= day_start(start))
    if end is not None:
        conditions.append(column < day_start(end + timedelta(days=1)))
    return conditions


def shared_lead_ids(agency_id: int) -> Select[tuple[int]]:
    """Leads (not excluded) that link at least one incident of ``agency_id``."""
    return select(AgencyLeadAccess.lead_id).where(
        AgencyLeadAccess.agency_id == agency_id, AgencyLeadAccess.live.is_(True)
    )


def incidents_shared_with(agency_id: int) -> Select[tuple[int]]:
    """Incidents of any agency linked by a lead that touches ``agency_id``'s incidents."""
    return select(AgencyIncidentAccess.incident_id).where(
        AgencyIncidentAccess.agency_id == agency_id
    )


def lead_visibility(viewer: Viewer) -> ColumnElement[bool]:
    """Leads ``viewer`` may list: all for lab staff, else those linking one of its incidents
    (excluded ones too: an agency sees the examiner's verdict on its own links). A lead between
    two other agencies is never named to an agency, even on an incident it may see."""
    if viewer.sees_all_agencies:
        return true()
    touching = select(AgencyLeadAccess.lead_id).where(
        AgencyLeadAccess.agency_id == viewer.agency_id
    )
    return NibinLead.id.in_(touching)


def lead_in_scope(viewer: Viewer, lead_id: ColumnElement[int] | None = None) -> ColumnElement[bool]:
    """Leads whose links ``viewer`` may follow: every lead for lab staff; for an agency, the live
    (not excluded) leads touching its incidents. Series are built over these leads only, so a
    series never names, counts or reaches through a lead the agency is not part of."""
    if viewer.sees_all_agencies:
        return true()
    return (NibinLead.id if lead_id is None else lead_id).in_(shared_lead_ids(viewer.agency_id))


def visibility_condition(
    viewer: Viewer, incident: type[Incident] = Incident
) -> ColumnElement[bool]:
    """What incidents ``viewer`` may see at all, whatever they filter on."""
    if viewer.sees_all_agencies:
        return true()
    return or_(
        incident.agency_id == viewer.agency_id,
        incident.id.in_(incidents_shared_with(viewer.agency_id)),  # type: ignore[arg-type]
    )


def incident_conditions(viewer: Viewer, filt: IncidentFilter) -> ColumnElement[bool]:
    """Visibility AND the sidebar filter, on ``Incident``: the WHERE of every incident query."""
    conditions = [visibility_condition(viewer)]
    if filt.agency_ids:
        conditions.append(Incident.agency_id.in_(filt.agency_ids))
    if filt.town_ids:
        conditions.append(Incident.town_id.in_(filt.town_ids))
    conditions += date_conditions(Incident.occurred_at, filt.start, filt.end)
    return and_(*conditions)


def scoped_incident_ids(viewer: Viewer, filt: IncidentFilter) -> Select[tuple[int]]:
    """Ids of the incidents the viewer may see and asked for, to join or ``IN`` against."""
    return select(Incident.id).where(incident_conditions(viewer, filt))


def in_incident_scope(
    incident_id: ColumnElement[int] | InstrumentedAttribute[int],
    viewer: Viewer,
    filt: IncidentFilter,
) -> ColumnElement[bool]:
    """``incident_id`` is one of ``scoped_incident_ids``. When nothing restricts the scope (lab
    staff, no agency, town or date filter) that is every incident, and the condition is only
    ``incident_id IS NOT NULL``: no 240k-id subquery for the database to build and probe."""
    if viewer.sees_all_agencies and filt == IncidentFilter():
        return incident_id.is_not(None)
    return incident_id.in_(scoped_incident_ids(viewer, filt))


def request_conditions(
    viewer: Viewer, filt: IncidentFilter, *, dated_by: InstrumentedAttribute | None = None
) -> ColumnElement[bool]:
    """Lab requests the viewer may see (their agency's, or all for lab staff) and asked for.

    ``dated_by`` picks the date the sidebar range applies to (default: received_at); pass
    ``None``-dated metrics their own range instead when they need a window of their own.
    """
    conditions: list[ColumnElement[bool]] = []
    if not viewer.sees_all_agencies:
        conditions.append(LabRequest.agency_id == viewer.agency_id)
    if filt.agency_ids:
        conditions.append(LabRequest.agency_id.in_(filt.agency_ids))
    conditions += date_conditions(dated_by or LabRequest.received_at, filt.start, filt.end)
    return and_(true(), *conditions)
