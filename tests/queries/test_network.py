"""The series network: exact nodes and edges, agency scoping, reproducible layout, and subjects
tying series together (fixture: tests/queries/lead_world.py)."""

from datetime import date
from datetime import datetime as dt

import networkx as nx
import pytest
from sqlalchemy import Engine

from cgic_data.queries import lead_selection, network
from cgic_data.queries.network import SeriesGraph
from cgic_data.scope import IncidentFilter, Viewer
from tests.factory import Builder
from tests.queries.lead_world import LeadWorld, build_lead_world

LAB = Viewer.system()


@pytest.fixture
def world(engine: Engine) -> LeadWorld:
    return build_lead_world(engine)


def graph_of(engine: Engine, viewer: Viewer, kind: str = "series", key: str = "L-1") -> SeriesGraph:
    selection = lead_selection.select_view(engine, viewer, kind, key)  # type: ignore[arg-type]
    assert selection is not None
    return network.series_graph(engine, viewer, selection)


def nodes(graph: SeriesGraph) -> set[tuple[str, str, bool]]:
    return {(n.kind, n.label, n.flag) for n in graph.nodes.itertuples()}


def edges(graph: SeriesGraph) -> set[tuple[str, str, str]]:
    label = dict(zip(graph.nodes["node"], graph.nodes["label"], strict=True))
    return {(label[e.source], label[e.target], e.relation) for e in graph.edges.itertuples()}


def firearm_label(graph: SeriesGraph) -> str:
    return graph.nodes.loc[graph.nodes["kind"] == "firearm", "label"].iloc[0]


def test_series_graph_nodes_and_edges(engine: Engine, world: LeadWorld) -> None:
    graph = graph_of(engine, LAB)
    gun = firearm_label(graph)
    assert nodes(graph) == {
        ("lead", "L-1", False),
        ("lead", "L-2", True),  # confirmed hit
        ("incident", "A-1", False),
        ("incident", "B-1", False),
        ("incident", "C-1", False),
        ("firearm", gun, False),
        ("subject", "SUBJ-1", True),  # also hit in series L-5
    }
    assert edges(graph) == {
        ("L-1", "A-1", "lead link"),
        ("L-1", "B-1", "lead link"),
        ("L-2", "B-1", "lead link"),
        ("L-2", "C-1", "lead link"),
        (gun, "C-1", "recovered at"),
        ("SUBJ-1", "A-1", "CODIS hit"),
    }
    assert graph.components == 1
    subject = graph.nodes[graph.nodes["kind"] == "subject"].iloc[0]
    assert subject["detail"] == "CODIS hits on 1 incident here · also in series L-5"
    lead = graph.nodes[graph.nodes["label"] == "L-1"].iloc[0]
    assert "investigative lead — not a forensic identification" in lead["detail"]


def test_an_agency_sees_only_what_its_leads_share(engine: Engine, world: LeadWorld) -> None:
    alpha = graph_of(engine, world.analyst(world.alpha))
    assert nodes(alpha) == {
        ("lead", "L-1", False),
        ("incident", "A-1", False),
        ("incident", "B-1", False),
        ("subject", "SUBJ-1", True),
    }
    # Charlie's part of the series is built over its own lead L-2, and named after it
    charlie = graph_of(engine, world.analyst(world.charlie), "series", "L-2")
    gun = firearm_label(charlie)
    # Charlie sees the gun and the shooting it is tied to, but not Alpha's A-1 nor its subject
    assert nodes(charlie) == {
        ("lead", "L-2", True),
        ("incident", "B-1", False),
        ("incident", "C-1", False),
        ("firearm", gun, False),
    }
    assert edges(charlie) == {
        ("L-2", "B-1", "lead link"),
        ("L-2", "C-1", "lead link"),
        (gun, "C-1", "recovered at"),
    }


def test_a_lead_graph_holds_only_that_lead(engine: Engine, world: LeadWorld) -> None:
    graph = graph_of(engine, LAB, "lead", "L-2")
    assert {label for kind, label, _ in nodes(graph) if kind != "firearm"} == {"L-2", "B-1", "C-1"}


def test_a_hidden_lead_splits_the_graph_into_parts(engine: Engine) -> None:
    b = Builder(engine)
    mine, other, third = b.agency("A"), b.agency("B"), b.agency("C")
    a1, b1 = b.incident(mine, number="A1"), b.incident(other, number="B1")
    c1, a2 = b.incident(third, number="C1"), b.incident(mine, number="A2")
    b.lead([b.item(a1), b.item(b1)], number="K-1")
    b.lead([b.item(b1), b.item(c1)], number="K-2")  # touches B and C only
    b.lead([b.item(c1), b.item(a2)], number="K-3")
    assert graph_of(engine, LAB, "series", "K-1").components == 1
    # For agency A the series is built over A's own leads: K-2 (between B and C) joins nothing,
    # so K-1 and K-3 are two series of A's, and neither reveals the link through K-2.
    ann = Viewer("ann", LAB.role, agency_id=mine)
    assert {label for _, label, _ in nodes(graph_of(engine, ann, "series", "K-1"))} == {
        "K-1",
        "A1",
        "B1",
    }
    assert {label for _, label, _ in nodes(graph_of(engine, ann, "series", "K-3"))} == {
        "K-3",
        "C1",
        "A2",
    }
    assert lead_selection.select_view(engine, ann, "series", "K-2") is None


def test_layout_is_reproducible(engine: Engine, world: LeadWorld) -> None:
    first, second = graph_of(engine, LAB), graph_of(engine, LAB)
    assert first.nodes[["node", "x", "y"]].equals(second.nodes[["node", "x", "y"]])
    assert first.nodes["x"].between(-1, 1).all() and first.nodes["y"].between(-1, 1).all()
    edge = first.edges.iloc[0]
    source = first.nodes.set_index("node").loc[edge["source"]]
    assert (edge["x0"], edge["y0"]) == (source["x"], source["y"])


def test_subjects_tying_series_together(engine: Engine, world: LeadWorld) -> None:
    everything = IncidentFilter()
    tying = network.subjects_across_series(engine, LAB, everything)
    assert tying.to_dict("records") == [
        {
            "subject_ref": "SUBJ-1",
            "series_count": 2,
            "series": "L-1, L-5",
            "incidents": 2,
            "hits": 2,
            "last_hit": dt(2025, 9, 20),
        }
    ]
    alpha = world.analyst(world.alpha)
    assert network.subjects_across_series(engine, alpha, everything)["series"].tolist() == [
        "L-1, L-5"
    ]
    charlie = world.analyst(world.charlie)
    assert network.subjects_across_series(engine, charlie, everything).empty
    # a hit in June (on A-1) makes SUBJ-1 active in June; the tie still counts both series
    june = IncidentFilter(start=date(2025, 6, 1), end=date(2025, 6, 30))
    assert network.subjects_across_series(engine, LAB, june)["series_count"].tolist() == [2]
    october = IncidentFilter(start=date(2025, 10, 1), end=date(2025, 10, 31))
    assert network.subjects_across_series(engine, LAB, october).empty
    bravo_only = IncidentFilter(agency_ids=(world.bravo,))
    assert network.subjects_across_series(engine, LAB, bravo_only).empty


def test_one_series_is_no_tie(engine: Engine) -> None:
    b = Builder(engine)
    agency = b.agency("A")
    first, second = b.incident(agency), b.incident(agency)
    b.lead([b.item(first), b.item(second)], number="S-1")
    for incident in (first, second):
        b.result(b.item(incident), subject_ref="SUBJ-9")
    assert network.subjects_across_series(engine, LAB, IncidentFilter()).empty
    graph = graph_of(engine, LAB, "series", "S-1")
    assert ("subject", "SUBJ-9", False) in nodes(graph)


def test_large_graphs_get_the_dense_spring_layout_reproducibly() -> None:
    """From 500 nodes networkx's spring layout turns slow; ours is the same force model."""
    ring = nx.cycle_graph(600)
    first = network.spring_positions(ring, 0.08, network.LAYOUT_SEED)
    assert first == network.spring_positions(ring, 0.08, network.LAYOUT_SEED)
    coordinates = [value for point in first.values() for value in point]
    assert max(abs(value) for value in coordinates) == pytest.approx(1.0)

    # neighbours on the ring end up closer than the median pair of nodes
    def gap(a: int, b: int) -> float:
        (x0, y0), (x1, y1) = first[a], first[b]
        return ((x0 - x1) ** 2 + (y0 - y1) ** 2) ** 0.5

    neighbours = sorted(gap(n, (n + 1) % 600) for n in range(600))
    others = sorted(gap(n, (n + 300) % 600) for n in range(600))
    assert neighbours[300] < others[300]
