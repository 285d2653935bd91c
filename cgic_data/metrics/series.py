"""Series: incidents joined by NIBIN leads, transitively.

Definition: two incidents are in the same series when a chain of leads links them (lead A links
incidents 1-2 and lead B links 2-3: 1, 2 and 3 are one series). Excluded leads (an examiner found no
match) join nothing. A series is named after the lowest lead number in it, which is stable while the
series grows. The connected components come from networkx over the lead-incident bipartite graph.

What a viewer sees of a series is only its incidents visible to them (``cgic_data.scope``): sizes
and dates are computed over those, so a series never reveals incidents the viewer may not see.
"""

from __future__ import annotations

import networkx as nx
import pandas as pd
from sqlalchemy import Engine, select

from cgic_data.frames import read_frame
from cgic_data.schema import EvidenceItem, LeadItem, LeadStatus, NibinLead

MEMBERSHIP_COLUMNS = ["incident_id", "series_id", "lead_count"]


def lead_incident_pairs(engine: Engine) -> pd.DataFrame:
    """(lead_id, lead_number, incident_id) for every lead that is not excluded."""
    stmt = (
        select(NibinLead.id, NibinLead.lead_number, EvidenceItem.incident_id)
        .join(LeadItem, LeadItem.lead_id == NibinLead.id)
        .join(EvidenceItem, EvidenceItem.id == LeadItem.item_id)
        .where(NibinLead.status != LeadStatus.EXCLUDED)
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


def series_membership(engine: Engine) -> pd.DataFrame:
    """Every incident that belongs to a series, with its series id (see module docstring)."""
    return series_from_pairs(lead_incident_pairs(engine))
