"""A lead or a series as a graph: which shootings share a gun, and which people tie series together.

Nodes: incidents, firearms, leads and pseudonymous subjects (``subject_ref`` of CODIS/AFIS results
that name one). Edges: lead–incident (the lead links an item of the incident), firearm–incident
(recovered there, or its test fire was entered under it), subject–incident (a CODIS/AFIS hit on
an item of the incident). Only what ``lead_selection`` lets the viewer see is drawn, and it is
checked again against ``scope`` here.

Positions come from networkx's spring layout with a fixed seed over nodes and edges added in a
fixed order, so the same graph is always drawn the same way.

"Subjects tying series together" (``subjects_across_series``): subjects whose CODIS/AFIS hits fall
on incidents of more than one series (``metrics.series``), counting only incidents the viewer may
see, and listing those with a hit on an incident the sidebar filter asks for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from sqlalchemy import ColumnElement, Engine, or_, select, true

from cgic_data.frames import read_frame
from cgic_data.incident_time import occurred_text
from cgic_data.lead_labels import lead_label
from cgic_data.metrics.series import series_from_pairs, series_membership, series_pairs
from cgic_data.queries.lead_selection import LeadSelection
from cgic_data.schema import (
    Agency,
    EvidenceItem,
    Firearm,
    ForensicResult,
    Incident,
    ItemKind,
    LeadItem,
    LeadStatus,
    NibinLead,
    ResultKind,
    Town,
)
from cgic_data.scope import (
    IncidentFilter,
    Viewer,
    lead_visibility,
    scoped_incident_ids,
    visibility_condition,
)

LAYOUT_SEED = 7
DENSE_LAYOUT_FROM = 500  # nodes: from here networkx's spring layout turns slow (see below)
HIT_KINDS = (ResultKind.CODIS, ResultKind.AFIS)
NODE_COLUMNS = ["node", "kind", "label", "detail", "x", "y", "component", "flag"]
EDGE_COLUMNS = ["source", "target", "relation", "x0", "y0", "x1", "y1"]
SUBJECT_COLUMNS = ["subject_ref", "series_count", "series", "incidents", "hits", "last_hit"]


@dataclass(frozen=True)
class SeriesGraph:
    """``flag``: a lead confirmed as a hit, or a subject whose hits reach other series."""

    nodes: pd.DataFrame  # NODE_COLUMNS
    edges: pd.DataFrame  # EDGE_COLUMNS
    components: int

    def count(self, kind: str) -> int:
        return int((self.nodes["kind"] == kind).sum())


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def series_graph(engine: Engine, viewer: Viewer, selection: LeadSelection) -> SeriesGraph:
    """The graph of ``selection`` as ``viewer`` may see it (see module docstring)."""
    with engine.connect() as conn:
        leads = read_frame(
            conn,
            select(NibinLead.id.label("lead_id"), NibinLead.lead_number, NibinLead.status,
                   NibinLead.issued_at)
            .where(NibinLead.id.in_(selection.lead_ids), lead_visibility(viewer)),
        )  # fmt: skip
        incidents = read_frame(
            conn,
            select(Incident.id.label("incident_id"), Incident.incident_number, Incident.kind,
                   Incident.occurred_at, Agency.name.label("agency"), Town.name.label("town"),
                   (Incident.victims_injured + Incident.victims_killed).label("victims"),
                   Incident.occurred_time_known.label("time_known"))
            .join(Agency, Agency.id == Incident.agency_id)
            .outerjoin(Town, Town.id == Incident.town_id)
            .where(Incident.id.in_(selection.incident_ids), visibility_condition(viewer)),
        )  # fmt: skip
        ids = incidents["incident_id"].tolist()
        links = read_frame(
            conn,
            select(LeadItem.lead_id, EvidenceItem.incident_id, EvidenceItem.kind,
                   EvidenceItem.firearm_id)
            .join(EvidenceItem, EvidenceItem.id == LeadItem.item_id)
            .where(LeadItem.lead_id.in_(leads["lead_id"].tolist()),
                   EvidenceItem.incident_id.in_(ids)),
        )  # fmt: skip
        guns = read_frame(
            conn,
            select(Firearm.id.label("firearm_id"), Firearm.firearm_number, Firearm.make,
                   Firearm.model, Firearm.caliber, Firearm.recovery_incident_id,
                   EvidenceItem.incident_id, EvidenceItem.kind)
            .outerjoin(EvidenceItem, EvidenceItem.firearm_id == Firearm.id)
            .where(or_(Firearm.recovery_incident_id.in_(ids), EvidenceItem.incident_id.in_(ids))),
        )  # fmt: skip
        hits = read_frame(
            conn,
            select(ForensicResult.subject_ref, ForensicResult.kind, EvidenceItem.incident_id)
            .join(EvidenceItem, EvidenceItem.id == ForensicResult.item_id)
            .where(EvidenceItem.incident_id.in_(ids), ForensicResult.kind.in_(HIT_KINDS),
                   ForensicResult.subject_ref.is_not(None)),
        )  # fmt: skip
    elsewhere = _other_series(engine, viewer, selection, sorted(set(hits["subject_ref"])))
    nodes = _nodes(leads, incidents, guns, hits, links, elsewhere)
    edges = _edges(links, guns, hits, set(ids))
    return _laid_out(nodes, edges)


def _nodes(
    leads: pd.DataFrame,
    incidents: pd.DataFrame,
    guns: pd.DataFrame,
    hits: pd.DataFrame,
    links: pd.DataFrame,
    elsewhere: dict[str, list[str]],
) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    linked = links.groupby("lead_id")["incident_id"].nunique()
    for lead in leads.sort_values("lead_number").itertuples():
        confirmed = lead.status == LeadStatus.CONFIRMED
        meaning = lead_label(lead.status)
        detail = f"issued {lead.issued_at:%Y-%m-%d} · {meaning} · links {_count(linked.get(lead.lead_id, 0), 'incident')}"
        nodes.append({"node": f"L{lead.lead_id}", "kind": "lead", "label": lead.lead_number,
                      "detail": detail, "flag": confirmed})  # fmt: skip
    for i in incidents.sort_values(["occurred_at", "incident_id"]).itertuples():
        where = i.town if isinstance(i.town, str) else "no town"
        when = occurred_text(i.occurred_at, bool(i.time_known))  # a date alone: no 00:00
        detail = f"{i.kind} · {when} · {i.agency} · {where} · {_count(i.victims, 'victim')}"
        nodes.append({"node": f"I{i.incident_id}", "kind": "incident",
                      "label": i.incident_number, "detail": detail, "flag": False})  # fmt: skip
    test_fire_leads = links[links["kind"] == ItemKind.TEST_FIRE].groupby("firearm_id")["lead_id"]
    for gun in guns.drop_duplicates("firearm_id").sort_values("firearm_number").itertuples():
        name = " ".join(x for x in (gun.make, gun.model, gun.caliber) if isinstance(x, str))
        tied = set()
        if gun.firearm_id in test_fire_leads.groups:
            via = set(test_fire_leads.get_group(gun.firearm_id))
            tied = set(links.loc[links["lead_id"].isin(via), "incident_id"])
        detail = f"{name} · test fires tied by leads to {_count(len(tied), 'incident')}"
        nodes.append({"node": f"F{gun.firearm_id}", "kind": "firearm",
                      "label": gun.firearm_number, "detail": detail, "flag": False})  # fmt: skip
    for ref, group in sorted(hits.groupby("subject_ref"), key=lambda kv: kv[0]):
        kinds = ", ".join(sorted({str(k) for k in group["kind"]}))
        others = elsewhere.get(ref, [])
        detail = f"{kinds} hits on {_count(group['incident_id'].nunique(), 'incident')} here"
        if others:
            detail += f" · also in series {', '.join(others)}"
        nodes.append({"node": f"S{ref}", "kind": "subject", "label": ref, "detail": detail,
                      "flag": bool(others)})  # fmt: skip
    return nodes


def _edges(
    links: pd.DataFrame, guns: pd.DataFrame, hits: pd.DataFrame, shown: set[int]
) -> list[dict[str, Any]]:
    edges: set[tuple[str, str, str]] = set()
    for lead_id, incident_id in zip(links["lead_id"], links["incident_id"], strict=True):
        edges.add((f"L{lead_id}", f"I{incident_id}", "lead link"))
    for gun in guns.itertuples():
        if pd.notna(gun.recovery_incident_id) and int(gun.recovery_incident_id) in shown:
            edges.add((f"F{gun.firearm_id}", f"I{int(gun.recovery_incident_id)}", "recovered at"))
        if pd.notna(gun.incident_id) and int(gun.incident_id) in shown:
            relation = "test fire" if gun.kind == ItemKind.TEST_FIRE else "recovered at"
            edges.add((f"F{gun.firearm_id}", f"I{int(gun.incident_id)}", relation))
    for hit in hits.itertuples():
        edges.add((f"S{hit.subject_ref}", f"I{hit.incident_id}", f"{hit.kind} hit"))
    # one edge per pair of nodes: "recovered at" wins over "test fire" for the same incident
    unique: dict[tuple[str, str], str] = {}
    for source, target, relation in sorted(edges):
        unique.setdefault((source, target), relation)
    return [{"source": s, "target": t, "relation": r} for (s, t), r in sorted(unique.items())]


def spring_positions(
    graph: nx.Graph, k: float, seed: int, iterations: int = 50
) -> dict[Any, tuple[float, float]]:
    """Fruchterman-Reingold positions in [-1, 1], computed with dense numpy arrays.

    The same force model as ``nx.spring_layout`` uses below 500 nodes; from 500 on networkx
    switches to a sparse variant that loops in Python (seconds for a 700-node series), while the
    dense one stays well under a second into the low thousands of nodes.
    """
    nodes = list(graph)
    adjacency = nx.to_numpy_array(graph, nodelist=nodes, weight=None, dtype=np.float32)
    pos = np.random.default_rng(seed).random((len(nodes), 2))
    step = 0.1 * float(np.ptp(pos, axis=0).max())
    cooling = step / (iterations + 1)
    for _ in range(iterations):
        dx = (pos[:, 0, np.newaxis] - pos[np.newaxis, :, 0]).astype(np.float32)
        dy = (pos[:, 1, np.newaxis] - pos[np.newaxis, :, 1]).astype(np.float32)
        distance = np.sqrt(dx * dx + dy * dy)
        np.maximum(distance, 0.01, out=distance)
        force = k * k / (distance * distance) - adjacency * distance / k
        shift = np.stack([(dx * force).sum(axis=1), (dy * force).sum(axis=1)], axis=1)
        length = np.hypot(shift[:, 0], shift[:, 1])
        length = np.where(length < 0.01, 0.1, length)
        pos += shift * (step / length)[:, np.newaxis]
        step -= cooling
    pos -= pos.mean(axis=0)
    pos /= max(float(np.abs(pos).max()), 1e-9)
    return {node: (float(x), float(y)) for node, (x, y) in zip(nodes, pos, strict=True)}


def _laid_out(nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> SeriesGraph:
    graph = nx.Graph()
    graph.add_nodes_from(node["node"] for node in nodes)
    graph.add_edges_from((edge["source"], edge["target"]) for edge in edges)
    # k: twice networkx's default spacing, so chains of leads unfold instead of knotting
    spacing = 2.0 / max(len(nodes), 1) ** 0.5
    if len(nodes) < DENSE_LAYOUT_FROM:
        positions = nx.spring_layout(graph, k=spacing, seed=LAYOUT_SEED) if nodes else {}
    else:
        positions = spring_positions(graph, spacing, LAYOUT_SEED)
    parts = sorted(nx.connected_components(graph), key=lambda c: (-len(c), sorted(c)))
    component = {node: n for n, part in enumerate(parts) for node in part}
    for node in nodes:
        x, y = positions[node["node"]]
        node.update(x=float(x), y=float(y), component=component[node["node"]])
    for edge in edges:
        (x0, y0), (x1, y1) = positions[edge["source"]], positions[edge["target"]]
        edge.update(x0=float(x0), y0=float(y0), x1=float(x1), y1=float(y1))
    return SeriesGraph(
        nodes=pd.DataFrame(nodes, columns=NODE_COLUMNS),
        edges=pd.DataFrame(edges, columns=EDGE_COLUMNS),
        components=len(parts),
    )


# --- subjects across series ------------------------------------------------------------------


def _in_scope(viewer: Viewer, filt: IncidentFilter) -> ColumnElement[bool]:
    """``EvidenceItem.incident_id`` is one of ``scope.scoped_incident_ids``: for lab staff with no
    filter that is every incident, and no 240k-id list is built to check it."""
    if viewer.sees_all_agencies and filt == IncidentFilter():
        return true()
    return EvidenceItem.incident_id.in_(scoped_incident_ids(viewer, filt))


def _subject_hits(
    engine: Engine, viewer: Viewer, filt: IncidentFilter, refs: list[str] | None = None
) -> pd.DataFrame:
    """(subject_ref, kind, incident_id, reported_at, in_filter, series_id) of the CODIS/AFIS hits
    naming a subject on incidents the viewer may see (and, for ``in_filter``, asked for: the
    agency and town filter apply to every hit, the dates only to ``in_filter``); series_id is
    None outside any series."""
    undated = filt.with_period(None, None)
    stmt = (
        select(ForensicResult.subject_ref, ForensicResult.kind, EvidenceItem.incident_id,
               ForensicResult.reported_at, _in_scope(viewer, filt).label("in_filter"))
        .join(EvidenceItem, EvidenceItem.id == ForensicResult.item_id)
        .where(ForensicResult.kind.in_(HIT_KINDS), ForensicResult.subject_ref.is_not(None),
               _in_scope(viewer, undated))
    )  # fmt: skip
    if refs is not None:
        stmt = stmt.where(ForensicResult.subject_ref.in_(refs))
    with engine.connect() as conn:
        hits = read_frame(conn, stmt)
    hits["in_filter"] = hits["in_filter"].astype(bool)
    membership = series_membership(engine, viewer)[["incident_id", "series_id"]]
    return hits.merge(membership, on="incident_id", how="left")


def _other_series(
    engine: Engine, viewer: Viewer, selection: LeadSelection, refs: list[str]
) -> dict[str, list[str]]:
    """For each subject, the other series (than the selection's) their visible hits fall in.

    Only the series of the incidents those hits are on are built, walking the lead graph out
    from them (``metrics.series.series_pairs``), not the viewer's whole graph."""
    if not refs:
        return {}
    hits = _hits_of(engine, viewer, refs)
    with engine.connect() as conn:
        pairs = series_pairs(conn, viewer, incident_ids=set(hits["incident_id"]))
    membership = series_from_pairs(pairs)[["incident_id", "series_id"]]
    hits = hits.merge(membership, on="incident_id")
    hits = hits[hits["series_id"] != selection.series_id]
    return {ref: sorted(set(g["series_id"])) for ref, g in hits.groupby("subject_ref")}


def _hits_of(engine: Engine, viewer: Viewer, refs: list[str]) -> pd.DataFrame:
    """(subject_ref, incident_id) of the CODIS/AFIS hits naming ``refs`` on incidents the viewer
    may see."""
    stmt = (
        select(ForensicResult.subject_ref, EvidenceItem.incident_id)
        .join(EvidenceItem, EvidenceItem.id == ForensicResult.item_id)
        .where(ForensicResult.kind.in_(HIT_KINDS), ForensicResult.subject_ref.in_(refs),
               EvidenceItem.incident_id.in_(scoped_incident_ids(viewer, IncidentFilter())))
        .distinct()
    )  # fmt: skip
    with engine.connect() as conn:
        return read_frame(conn, stmt, ["subject_ref", "incident_id"])


def subjects_across_series(engine: Engine, viewer: Viewer, filt: IncidentFilter) -> pd.DataFrame:
    """Subjects whose CODIS/AFIS hits touch more than one series and who have a hit on an
    incident matching ``filt`` (so a period shows who is active now), most series first.

    Columns: subject_ref, series_count, series (ids, comma separated), incidents (with a hit
    naming them), hits, last_hit. Counted over every incident the viewer may see within the
    filter's agencies and towns, whatever its date: a tie between series is older than the period.
    """
    hits = _subject_hits(engine, viewer, filt)
    active = set(hits.loc[hits["in_filter"], "subject_ref"])
    in_series = hits.dropna(subset=["series_id"])
    spread = in_series.groupby("subject_ref")["series_id"].nunique()
    tying = hits[hits["subject_ref"].isin(set(spread[spread > 1].index) & active)]
    if tying.empty:
        return pd.DataFrame(columns=SUBJECT_COLUMNS)
    series_ids = (
        tying[["subject_ref", "series_id"]]
        .dropna()
        .drop_duplicates()
        .sort_values(["subject_ref", "series_id"])
        .groupby("subject_ref")["series_id"]
        .agg(", ".join)
    )
    out = (
        tying.groupby("subject_ref")
        .agg(
            series_count=("series_id", "nunique"),
            incidents=("incident_id", "nunique"),
            hits=("incident_id", "size"),
            last_hit=("reported_at", "max"),
        )
        .join(series_ids.rename("series"))
        .reset_index()
        .sort_values(["series_count", "incidents", "subject_ref"], ascending=[False, False, True])
    )
    return out[SUBJECT_COLUMNS].reset_index(drop=True)
