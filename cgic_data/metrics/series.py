"""Series: incidents joined by NIBIN leads, transitively.

Definition: two incidents are in the same series when a chain of leads links them (lead A links
incidents 1-2 and lead B links 2-3: 1, 2 and 3 are one series). Excluded leads (an examiner found no
match) join nothing. A series is named after the lowest lead number in it, which is stable while the
series grows.

A viewer's series are built over the leads in their scope only (``scope.lead_in_scope``: every
lead for lab staff; for an agency, the live leads touching its incidents), so an agency's series
never names, counts or reaches through a lead the agency is not part of, and sizes and dates are
computed over incidents the viewer may see.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from sqlalchemy import ColumnElement, Connection, Engine, Select, select

from cgic_data.frames import read_frame
from cgic_data.schema import EvidenceItem, LeadItem, LeadStatus, NibinLead
from cgic_data.scope import Viewer, lead_in_scope

MEMBERSHIP_COLUMNS = ["incident_id", "series_id", "lead_count"]
CHUNK = 5_000  # ids per IN list (SQLite allows 32,766 parameters)


def lead_incident_pairs(engine: Engine, viewer: Viewer) -> pd.DataFrame:
    """(lead_id, lead_number, incident_id) for every lead in the viewer's scope, not excluded."""
    stmt = (
        select(NibinLead.id, NibinLead.lead_number, EvidenceItem.incident_id)
        .join(LeadItem, LeadItem.lead_id == NibinLead.id)
        .join(EvidenceItem, EvidenceItem.id == LeadItem.item_id)
        .where(NibinLead.status != LeadStatus.EXCLUDED, lead_in_scope(viewer))
        .distinct()
    )
    with engine.connect() as conn:
        return read_frame(conn, stmt, ["lead_id", "lead_number", "incident_id"])


def series_from_pairs(pairs: pd.DataFrame) -> pd.DataFrame:
    """Connected components of the lead-incident graph: one row per incident in a series.

    Columns: incident_id, series_id (lowest lead number in the component), lead_count.
    """
    if pairs.empty:
        return pd.DataFrame(columns=MEMBERSHIP_COLUMNS)
    lead_codes, lead_numbers = pd.factorize(pairs["lead_number"])
    incident_codes, incident_ids = pd.factorize(pairs["incident_id"])
    n_leads, size = len(lead_numbers), len(lead_numbers) + len(incident_ids)
    edges = coo_matrix(
        (np.ones(len(pairs), dtype=np.int8), (lead_codes, n_leads + incident_codes)),
        shape=(size, size),
    )
    _, component = connected_components(edges, directed=False)
    leads = pd.Series(np.asarray(lead_numbers, dtype=object)).groupby(component[:n_leads])
    first_lead, lead_count = leads.min(), leads.size()
    of_incident = component[n_leads:]
    return pd.DataFrame(
        {
            "incident_id": np.asarray(incident_ids),
            "series_id": first_lead.reindex(of_incident).to_numpy(),
            "lead_count": lead_count.reindex(of_incident).to_numpy(),
        }
    ).sort_values(["series_id", "incident_id"], ignore_index=True)


def series_membership(engine: Engine, viewer: Viewer) -> pd.DataFrame:
    """Every incident that belongs to a series, with its series id (see module docstring)."""
    return series_from_pairs(lead_incident_pairs(engine, viewer))


def chunks(ids: Iterable[int], size: int = CHUNK) -> list[list[int]]:
    """Id lists small enough for one IN clause on every backend."""
    ordered = sorted(ids)
    return [ordered[i : i + size] for i in range(0, len(ordered), size)]


def _leads_in_scope(conn: Connection, viewer: Viewer) -> set[int] | None:
    """Ids of the leads ``viewer``'s series may use (None: every lead, lab staff). Read once per
    walk: as a subquery in every step it cost the whole agency's lead list each time."""
    if viewer.sees_all_agencies:
        return None
    return set(conn.execute(select(NibinLead.id).where(lead_in_scope(viewer))).scalars())


def _pairs_where(
    conn: Connection, condition: ColumnElement[bool], allowed: set[int] | None
) -> set[tuple[int, str, int]]:
    """(lead id, lead number, incident id) of non-excluded leads meeting ``condition``, of the
    ``allowed`` leads only (None: any)."""
    stmt = (
        select(NibinLead.id, NibinLead.lead_number, EvidenceItem.incident_id)
        .join(LeadItem, LeadItem.lead_id == NibinLead.id)
        .join(EvidenceItem, EvidenceItem.id == LeadItem.item_id)
        .where(condition, NibinLead.status != LeadStatus.EXCLUDED)
        .distinct()
    )
    rows = conn.execute(stmt)
    return {tuple(r) for r in rows if allowed is None or r[0] in allowed}  # type: ignore[misc]


def series_pairs(
    conn: Connection,
    viewer: Viewer,
    *,
    incidents: Select[tuple[int]] | None = None,
    incident_ids: Iterable[int] = (),
    lead_ids: Iterable[int] = (),
) -> pd.DataFrame:
    """Every (lead_id, lead_number, incident_id) of the series touching the given incidents or leads.

    Breadth-first: the leads of the incidents at hand, then those leads' other incidents, then
    their leads, until nothing new turns up; the result is whole connected components of
    ``metrics.series``, whatever part of them the walk started from. ``incidents`` (a query for
    the ids in ``incident_ids``) lets the first two steps run as two queries over thousands of
    incidents instead of long IN lists.
    """
    allowed = _leads_in_scope(conn, viewer)
    pairs: set[tuple[int, str, int]] = set()
    seen_incidents, seen_leads = set(incident_ids), set(lead_ids)
    new_incidents, new_leads = set(seen_incidents), set(seen_leads)
    if incidents is not None:
        touching = select(LeadItem.lead_id).join(EvidenceItem, EvidenceItem.id == LeadItem.item_id)
        touching = touching.where(EvidenceItem.incident_id.in_(incidents))
        pairs = _pairs_where(conn, NibinLead.id.in_(touching), allowed)
        seen_leads |= {lead for lead, _, _ in pairs}
        new_incidents = {incident for _, _, incident in pairs} - seen_incidents
        seen_incidents |= new_incidents
    while new_incidents or new_leads:
        found: set[tuple[int, str, int]] = set()
        for chunk in chunks(new_incidents):
            found |= _pairs_where(conn, EvidenceItem.incident_id.in_(chunk), allowed)
        for chunk in chunks(new_leads):
            found |= _pairs_where(conn, NibinLead.id.in_(chunk), allowed)
        pairs |= found
        new_leads = {lead for lead, _, _ in found} - seen_leads
        new_incidents = {incident for _, _, incident in found} - seen_incidents
        seen_leads |= new_leads
        seen_incidents |= new_incidents
    return pd.DataFrame(sorted(pairs), columns=["lead_id", "lead_number", "incident_id"])
