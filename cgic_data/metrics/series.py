"""Series: incidents joined by NIBIN leads, transitively.

Definition: two incidents are in the same series when a chain of leads links them (lead A links
incidents 1-2 and lead B links 2-3: 1, 2 and 3 are one series). Excluded leads (an examiner found no
match) join nothing. A series is named after the lowest lead number in it, which is stable while the
series grows. The connected components come from networkx over the lead-incident bipartite graph.

A viewer's series are built over the leads in their scope only (``scope.lead_in_scope``: every
lead for lab staff; for an agency, the live leads touching its incidents), so an agency's series
never names, counts or reaches through a lead the agency is not part of, and sizes and dates are
computed over incidents the viewer may see.
"""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx
import pandas as pd
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
    graph = nx.Graph()
    graph.add_edges_from(
        (("L", lead), ("I", incident))
        for lead, incident in zip(pairs["lead_number"], pairs["incident_id"], strict=True)
    )
    rows = []
    for component in nx.connected_components(graph):
        leads = sorted(node[1] for node in component if node[0] == "L")
        for kind, value in component:
            if kind == "I":
                rows.append((value, leads[0], len(leads)))
    return pd.DataFrame(rows, columns=MEMBERSHIP_COLUMNS).sort_values(
        ["series_id", "incident_id"], ignore_index=True
    )


def series_membership(engine: Engine, viewer: Viewer) -> pd.DataFrame:
    """Every incident that belongs to a series, with its series id (see module docstring)."""
    return series_from_pairs(lead_incident_pairs(engine, viewer))


def chunks(ids: Iterable[int], size: int = CHUNK) -> list[list[int]]:
    """Id lists small enough for one IN clause on every backend."""
    ordered = sorted(ids)
    return [ordered[i : i + size] for i in range(0, len(ordered), size)]


def _pairs_where(
    conn: Connection, viewer: Viewer, condition: ColumnElement[bool]
) -> set[tuple[int, str, int]]:
    """(lead id, lead number, incident id) of non-excluded leads meeting ``condition``."""
    stmt = (
        select(NibinLead.id, NibinLead.lead_number, EvidenceItem.incident_id)
        .join(LeadItem, LeadItem.lead_id == NibinLead.id)
        .join(EvidenceItem, EvidenceItem.id == LeadItem.item_id)
        .where(condition, NibinLead.status != LeadStatus.EXCLUDED, lead_in_scope(viewer))
        .distinct()
    )
    return {tuple(row) for row in conn.execute(stmt)}  # type: ignore[misc]


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
    pairs: set[tuple[int, str, int]] = set()
    seen_incidents, seen_leads = set(incident_ids), set(lead_ids)
    new_incidents, new_leads = set(seen_incidents), set(seen_leads)
    if incidents is not None:
        touching = select(LeadItem.lead_id).join(EvidenceItem, EvidenceItem.id == LeadItem.item_id)
        touching = touching.where(EvidenceItem.incident_id.in_(incidents))
        pairs = _pairs_where(conn, viewer, NibinLead.id.in_(touching))
        seen_leads |= {lead for lead, _, _ in pairs}
        new_incidents = {incident for _, _, incident in pairs} - seen_incidents
        seen_incidents |= new_incidents
    while new_incidents or new_leads:
        found: set[tuple[int, str, int]] = set()
        for chunk in chunks(new_incidents):
            found |= _pairs_where(conn, viewer, EvidenceItem.incident_id.in_(chunk))
        for chunk in chunks(new_leads):
            found |= _pairs_where(conn, viewer, NibinLead.id.in_(chunk))
        pairs |= found
        new_leads = {lead for lead, _, _ in found} - seen_leads
        new_incidents = {incident for _, _, incident in found} - seen_incidents
        seen_leads |= new_leads
        seen_incidents |= new_incidents
    return pd.DataFrame(sorted(pairs), columns=["lead_id", "lead_number", "incident_id"])
