"""The sharing rule, materialized: two tables kept exact in the transaction of every write.

The rule (``cgic_data.scope``): an agency sees its own incidents and, for every NIBIN lead that
links one of them and has not been excluded, the other incidents that lead links. Computed per
query as nested subqueries it cost an agency commander seconds per page at 240k incidents, so it is
stored instead:

* ``agency_lead_access (agency_id, lead_id, live)``: every lead linking an incident of the agency;
  ``live`` when the lead is not excluded.
* ``agency_incident_access (agency_id, incident_id, lead_id)``: the incidents each live lead of
  the agency links (its own linked incidents among them; its other own incidents are not listed,
  as the agency sees them by ``incidents.agency_id``). Keyed by lead too, so that a write
  re-derives the rows of the leads it touched only: an agency's whole share (tens of thousands of
  rows for a big city) is never rebuilt because one lead changed.

The inputs of the rule are ``incidents.agency_id``, ``evidence_items.incident_id``, the rows of
``lead_items`` and ``nibin_leads.status``. Every code path that writes one of them calls
``refresh_leads`` (the leads whose rows may have changed) or ``refresh_all`` (bulk loads) on its
own connection, so the tables change in the same transaction as the data. ``scope`` is the one
reader; ``check`` recomputes from scratch for ``cgic check-sharing`` and the tests.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, Select, delete, insert, select
from sqlalchemy.orm import aliased

from cgic_data.feeds.keys import chunks
from cgic_data.schema import (
    AgencyIncidentAccess,
    AgencyLeadAccess,
    EvidenceItem,
    Incident,
    LeadItem,
    LeadStatus,
    NibinLead,
)

# Past this many leads, one full rebuild beats per-lead deletes and inserts.
FULL_REFRESH_LEADS = 5000

_LEADS = AgencyLeadAccess.__table__
_INCIDENTS = AgencyIncidentAccess.__table__


def lead_rows() -> Select[tuple[int, int, bool]]:
    """(agency, lead, live) computed from the data: each lead with each agency it touches."""
    live = (NibinLead.status != LeadStatus.EXCLUDED).label("live")
    return (
        select(Incident.agency_id, LeadItem.lead_id, live)
        .join(EvidenceItem, EvidenceItem.id == LeadItem.item_id)
        .join(Incident, Incident.id == EvidenceItem.incident_id)
        .join(NibinLead, NibinLead.id == LeadItem.lead_id)
        .distinct()
    )


def incident_rows() -> Select[tuple[int, int, int]]:
    """(agency, incident, lead) computed from the data alone (not from ``agency_lead_access``)."""
    mine_item, mine_incident = aliased(EvidenceItem), aliased(Incident)
    other_link, other_item = aliased(LeadItem), aliased(EvidenceItem)
    return (
        select(mine_incident.agency_id, other_item.incident_id, LeadItem.lead_id)
        .select_from(LeadItem)
        .join(mine_item, mine_item.id == LeadItem.item_id)
        .join(mine_incident, mine_incident.id == mine_item.incident_id)
        .join(NibinLead, NibinLead.id == LeadItem.lead_id)
        .join(other_link, other_link.lead_id == LeadItem.lead_id)
        .join(other_item, other_item.id == other_link.item_id)
        .where(NibinLead.status != LeadStatus.EXCLUDED)
        .distinct()
    )


def _incident_rows_from_leads() -> Select[tuple[int, int, int]]:
    """(agency, incident, lead) from the (already exact) live lead rows."""
    return (
        select(AgencyLeadAccess.agency_id, EvidenceItem.incident_id, AgencyLeadAccess.lead_id)
        .join(LeadItem, LeadItem.lead_id == AgencyLeadAccess.lead_id)
        .join(EvidenceItem, EvidenceItem.id == LeadItem.item_id)
        .where(AgencyLeadAccess.live.is_(True))
        .distinct()
    )


_LEAD_COLUMNS = ["agency_id", "lead_id", "live"]
_INCIDENT_COLUMNS = ["agency_id", "incident_id", "lead_id"]


def refresh_all(conn: Connection) -> None:
    """Rebuild both tables from the data (demo seed, bulk imports, ``--repair``)."""
    conn.execute(delete(_INCIDENTS))
    conn.execute(delete(_LEADS))
    conn.execute(insert(_LEADS).from_select(_LEAD_COLUMNS, lead_rows()))
    conn.execute(insert(_INCIDENTS).from_select(_INCIDENT_COLUMNS, _incident_rows_from_leads()))


def refresh_leads(conn: Connection, lead_ids: Iterable[int]) -> None:
    """Make the rows of ``lead_ids`` exact again after a write that may have changed them (their
    items, status, or an item's incident or an incident's agency); deleted leads lose theirs.

    Set-based and per lead: the leads' rows are deleted and derived again, nobody else's."""
    ids = sorted(set(lead_ids))
    if not ids:
        return
    if len(ids) > FULL_REFRESH_LEADS:
        refresh_all(conn)
        return
    for chunk in chunks(ids):
        conn.execute(delete(_INCIDENTS).where(_INCIDENTS.c.lead_id.in_(chunk)))
        conn.execute(delete(_LEADS).where(_LEADS.c.lead_id.in_(chunk)))
        fresh = lead_rows().where(LeadItem.lead_id.in_(chunk))
        conn.execute(insert(_LEADS).from_select(_LEAD_COLUMNS, fresh))
        shared = _incident_rows_from_leads().where(AgencyLeadAccess.lead_id.in_(chunk))
        conn.execute(insert(_INCIDENTS).from_select(_INCIDENT_COLUMNS, shared))


def leads_of_items(conn: Connection, item_ids: Iterable[int]) -> set[int]:
    """Leads linking any of ``item_ids`` (whose rows change when an item moves incident)."""
    found: set[int] = set()
    for chunk in chunks(sorted(set(item_ids))):
        stmt = select(LeadItem.lead_id).where(LeadItem.item_id.in_(chunk)).distinct()
        found.update(conn.execute(stmt).scalars())
    return found


def leads_of_incidents(conn: Connection, incident_ids: Iterable[int]) -> set[int]:
    """Leads linking any item of ``incident_ids`` (whose rows change when an incident changes
    agency)."""
    found: set[int] = set()
    for chunk in chunks(sorted(set(incident_ids))):
        stmt = (
            select(LeadItem.lead_id)
            .join(EvidenceItem, EvidenceItem.id == LeadItem.item_id)
            .where(EvidenceItem.incident_id.in_(chunk))
            .distinct()
        )
        found.update(conn.execute(stmt).scalars())
    return found


@dataclass(frozen=True, order=True)
class Difference:
    """One row where the stored tables and the rule disagree."""

    table: str
    agency_id: int
    subject_id: int  # the lead or the incident
    problem: str  # "missing" (the rule grants it, the table does not) or "extra", or "live"
    via_lead: int | None = None  # an incident row: the lead it is shared through

    def describe(self) -> str:
        subject = "lead" if self.table == _LEADS.name else "incident"
        via = "" if self.via_lead is None else f" (through lead {self.via_lead})"
        what = {
            "missing": "is missing: the rule shares it",
            "extra": "is extra: the rule does not share it",
            "live": "has the wrong live flag",
        }[self.problem]
        return f"agency {self.agency_id}, {subject} {self.subject_id}{via}: {self.table} row {what}"


def check(conn: Connection) -> list[Difference]:
    """Every difference between the stored tables and the rule computed from scratch."""
    differences: list[Difference] = []
    wanted = {(a, lead): bool(live) for a, lead, live in conn.execute(lead_rows())}
    rows = select(_LEADS.c.agency_id, _LEADS.c.lead_id, _LEADS.c.live)
    have = {(a, lead): bool(live) for a, lead, live in conn.execute(rows)}
    for key in wanted.keys() - have.keys():
        differences.append(Difference(_LEADS.name, *key, "missing"))
    for key in have.keys() - wanted.keys():
        differences.append(Difference(_LEADS.name, *key, "extra"))
    for key in wanted.keys() & have.keys():
        if wanted[key] != have[key]:
            differences.append(Difference(_LEADS.name, *key, "live"))
    wanted_incidents = {(a, i, lead) for a, i, lead in conn.execute(incident_rows())}
    stored = select(_INCIDENTS.c.agency_id, _INCIDENTS.c.incident_id, _INCIDENTS.c.lead_id)
    stored_incidents = {(a, i, lead) for a, i, lead in conn.execute(stored)}
    for a, i, lead in wanted_incidents - stored_incidents:
        differences.append(Difference(_INCIDENTS.name, a, i, "missing", lead))
    for a, i, lead in stored_incidents - wanted_incidents:
        differences.append(Difference(_INCIDENTS.name, a, i, "extra", lead))
    return sorted(differences)
