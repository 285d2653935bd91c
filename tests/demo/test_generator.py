"""The demo generator: deterministic, internally consistent, and shaped like Connecticut.

Most tests read the session's ``demo_engine`` (seed 7, scale 0.3, ending today) on SQLite and on
PostgreSQL; tests that write get fresh stores.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import networkx as nx
import pytest
from sqlalchemy import Engine, func, insert, select, text

from cgic_data import schema as s
from cgic_data.cli import main
from cgic_data.demo import seed_demo
from cgic_data.demo.generator import generate
from cgic_data.store import is_demo, store_info

DAY = date(2025, 6, 30)


@pytest.fixture
def second_engine(store_makers: dict[str, object], backend: str) -> Iterator[Engine]:
    """Another fresh store on the same backend as ``engine``."""
    if backend not in store_makers:
        pytest.skip("no PostgreSQL server (set CGIC_TEST_POSTGRES_URL)")
    maker = store_makers[backend]
    store = maker.new_store()  # type: ignore[attr-defined]
    yield store
    maker.drop(store)  # type: ignore[attr-defined]


def rows(engine: Engine, table: type[s.Base]) -> list[tuple[object, ...]]:
    """Every row of ``table``, ordered by its whole primary key."""
    t = table.__table__
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns))]


def scalar(engine: Engine, sql: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar_one()


def lead_incidents(engine: Engine) -> dict[int, tuple[s.LeadStatus, set[int]]]:
    """lead id -> (status, incidents its items belong to)."""
    stmt = (
        select(s.NibinLead.id, s.NibinLead.status, s.EvidenceItem.incident_id)
        .join(s.LeadItem, s.LeadItem.lead_id == s.NibinLead.id)
        .join(s.EvidenceItem, s.EvidenceItem.id == s.LeadItem.item_id)
    )
    out: dict[int, tuple[s.LeadStatus, set[int]]] = {}
    with engine.connect() as conn:
        for lead_id, status, incident_id in conn.execute(stmt):
            out.setdefault(lead_id, (status, set()))[1].add(incident_id)
    return out


def series_graph(engine: Engine) -> nx.Graph:
    """Bipartite lead-incident graph over leads that are not excluded."""
    graph = nx.Graph()
    for lead_id, (status, incidents) in lead_incidents(engine).items():
        if status != s.LeadStatus.EXCLUDED:
            graph.add_edges_from((("L", lead_id), ("I", i)) for i in incidents)
    return graph


# --- determinism ------------------------------------------------------------------------------


def test_same_seed_scale_and_day_give_identical_rows(engine: Engine, second_engine: Engine) -> None:
    first = seed_demo(engine, seed=11, scale=0.1, today=DAY)
    second = seed_demo(second_engine, seed=11, scale=0.1, today=DAY)
    assert first == second
    for table in (s.Incident, s.NibinLead, s.EvidenceItem, s.Trace, s.LabRequest):
        assert rows(engine, table) == rows(second_engine, table)
    assert rows(engine, s.LeadItem) == rows(second_engine, s.LeadItem)


def test_a_different_seed_gives_different_rows(engine: Engine) -> None:
    seed_demo(engine, seed=11, scale=0.1, today=DAY)
    other = generate(seed=12, scale=0.1, today=DAY)
    stored = [r[1:] for r in rows(engine, s.Incident)]  # without ids
    columns = [c.name for c in s.Incident.__table__.columns][1:]
    generated = [tuple(i.row()[c] for c in columns) for i in other.incidents]
    assert stored != generated
    assert [r[1] for r in rows(engine, s.NibinLead)] != [lead.number for lead in other.leads]


# --- integrity --------------------------------------------------------------------------------

DANGLING = {
    "incident agency": "incidents x LEFT JOIN agencies a ON a.id = x.agency_id WHERE a.id IS NULL",
    "incident town": "incidents x LEFT JOIN towns t ON t.id = x.town_id WHERE t.id IS NULL",
    "item incident": "evidence_items x LEFT JOIN incidents i ON i.id = x.incident_id "
    "WHERE i.id IS NULL",
    "item request": "evidence_items x LEFT JOIN lab_requests r ON r.id = x.lab_request_id "
    "WHERE r.id IS NULL",
    "item firearm": "evidence_items x LEFT JOIN firearms f ON f.id = x.firearm_id "
    "WHERE x.firearm_id IS NOT NULL AND f.id IS NULL",
    "lead item -> item": "lead_items x LEFT JOIN evidence_items e ON e.id = x.item_id "
    "WHERE e.id IS NULL",
    "lead item -> lead": "lead_items x LEFT JOIN nibin_leads n ON n.id = x.lead_id "
    "WHERE n.id IS NULL",
    "lead without items": "nibin_leads x LEFT JOIN lead_items li ON li.lead_id = x.id "
    "WHERE li.lead_id IS NULL",
    "trace firearm": "traces x LEFT JOIN firearms f ON f.id = x.firearm_id WHERE f.id IS NULL",
    "result item": "forensic_results x LEFT JOIN evidence_items e ON e.id = x.item_id "
    "WHERE e.id IS NULL",
    "firearm recovery": "firearms x LEFT JOIN incidents i ON i.id = x.recovery_incident_id "
    "WHERE i.id IS NULL",
    "request incident": "lab_requests x LEFT JOIN incidents i ON i.id = x.incident_id "
    "WHERE x.incident_id IS NOT NULL AND i.id IS NULL",
    "request agency": "lab_requests x LEFT JOIN agencies a ON a.id = x.agency_id "
    "WHERE a.id IS NULL",
    "event incident": "case_events x LEFT JOIN incidents i ON i.id = x.incident_id "
    "WHERE x.incident_id IS NOT NULL AND i.id IS NULL",
    "event lead": "case_events x LEFT JOIN nibin_leads n ON n.id = x.lead_id "
    "WHERE x.lead_id IS NOT NULL AND n.id IS NULL",
    "item request of another incident": "evidence_items x JOIN lab_requests r "
    "ON r.id = x.lab_request_id WHERE r.incident_id IS NULL OR r.incident_id <> x.incident_id",
}


@pytest.mark.parametrize("reference", list(DANGLING))
def test_no_dangling_references(demo_engine: Engine, reference: str) -> None:
    assert scalar(demo_engine, f"SELECT count(*) FROM {DANGLING[reference]}") == 0


def test_every_lead_links_two_incidents_or_an_incident_and_a_test_fire(demo_engine: Engine) -> None:
    stmt = select(s.LeadItem.lead_id, s.EvidenceItem.incident_id, s.EvidenceItem.kind).join(
        s.EvidenceItem, s.EvidenceItem.id == s.LeadItem.item_id
    )
    incidents: dict[int, set[int]] = defaultdict(set)
    kinds: dict[int, list[s.ItemKind]] = defaultdict(list)
    with demo_engine.connect() as conn:
        for lead_id, incident_id, kind in conn.execute(stmt):
            incidents[lead_id].add(incident_id)
            kinds[lead_id].append(kind)
    assert len(incidents) == scalar(demo_engine, "SELECT count(*) FROM nibin_leads") > 50
    for lead_id, linked in incidents.items():
        test_fires = kinds[lead_id].count(s.ItemKind.TEST_FIRE)
        assert len(linked) >= 2 or (test_fires >= 1 and len(kinds[lead_id]) > test_fires)


def test_timestamps_follow_the_evidence_chain(demo_engine: Engine) -> None:
    checks = [
        "evidence_items WHERE kind <> 'test fire' AND received_at < recovered_at",
        "evidence_items WHERE nibin_entered_at < received_at",
        "evidence_items x JOIN incidents i ON i.id = x.incident_id "
        "WHERE x.recovered_at < i.occurred_at",
        "lab_requests WHERE completed_at < received_at OR reopened_at < completed_at",
        "lab_requests WHERE status = 'reopened' AND (reopened_at IS NULL OR completed_at IS NULL)",
        "lab_requests WHERE status IN ('open', 'in progress') AND completed_at IS NOT NULL",
        "nibin_leads WHERE confirmed_at < issued_at OR excluded_at < issued_at",
        "nibin_leads n JOIN lead_items li ON li.lead_id = n.id WHERE li.added_at < n.issued_at",
        "traces t JOIN firearms f ON f.id = t.firearm_id WHERE t.requested_at < f.recovered_at",
    ]
    for check in checks:
        assert scalar(demo_engine, f"SELECT count(*) FROM {check}") == 0, check


# --- NIBIN series -----------------------------------------------------------------------------


def test_series_are_transitive_long_and_cross_agency(demo_engine: Engine) -> None:
    graph = series_graph(demo_engine)
    with demo_engine.connect() as conn:
        agency_of = dict(conn.execute(select(s.Incident.id, s.Incident.agency_id)).all())
    long_cross_agency = []
    joined_via_two_leads = 0
    for component in nx.connected_components(graph):
        incidents = {n[1] for n in component if n[0] == "I"}
        leads = [n for n in component if n[0] == "L"]
        if len(incidents) >= 5 and len({agency_of[i] for i in incidents}) >= 2:
            long_cross_agency.append(incidents)
        # two incidents of one series that no single lead links: joined through another lead
        if len(leads) >= 2 and any(
            not set(graph[("I", a)]) & set(graph[("I", b)])
            for a in incidents
            for b in incidents
            if a < b
        ):
            joined_via_two_leads += 1
    assert long_cross_agency
    assert joined_via_two_leads >= 3


def test_leads_grow_after_they_are_issued(demo_engine: Engine) -> None:
    grown = scalar(
        demo_engine,
        "SELECT count(DISTINCT n.id) FROM nibin_leads n JOIN lead_items li ON li.lead_id = n.id "
        "WHERE li.added_at > n.issued_at",
    )
    assert grown >= 3


def test_excluded_leads_are_false_associations_that_join_no_series(demo_engine: Engine) -> None:
    graph = series_graph(demo_engine)
    component_of = {
        node[1]: n
        for n, component in enumerate(nx.connected_components(graph))
        for node in component
        if node[0] == "I"
    }
    excluded = [
        incidents
        for status, incidents in lead_incidents(demo_engine).values()
        if status == s.LeadStatus.EXCLUDED
    ]
    assert excluded
    # their incidents would otherwise be one series; here they stay apart
    apart = [
        incidents
        for incidents in excluded
        if len({component_of.get(i, -i) for i in incidents}) >= 2
    ]
    assert len(apart) >= len(excluded) // 2


def test_older_leads_are_mostly_confirmed_and_recent_ones_mostly_open(demo_engine: Engine) -> None:
    with demo_engine.connect() as conn:
        leads = conn.execute(select(s.NibinLead.issued_at, s.NibinLead.status)).all()
    latest = max(issued for issued, _ in leads)
    old = [st for issued, st in leads if issued < latest - timedelta(days=180)]
    recent = [st for issued, st in leads if issued > latest - timedelta(days=14)]
    confirmed = old.count(s.LeadStatus.CONFIRMED) / len(old)
    assert 0.45 <= confirmed <= 0.75
    assert recent.count(s.LeadStatus.OPEN) >= recent.count(s.LeadStatus.CONFIRMED)


def test_subjects_tie_different_series_together(demo_engine: Engine) -> None:
    graph = series_graph(demo_engine)
    series_of = {
        node[1]: n
        for n, component in enumerate(nx.connected_components(graph))
        for node in component
        if node[0] == "I"
    }
    stmt = (
        select(s.ForensicResult.subject_ref, s.EvidenceItem.incident_id)
        .join(s.EvidenceItem, s.EvidenceItem.id == s.ForensicResult.item_id)
        .where(s.ForensicResult.subject_ref.is_not(None))
    )
    seen: dict[str, set[int]] = defaultdict(set)
    with demo_engine.connect() as conn:
        for subject, incident_id in conn.execute(stmt):
            assert re.fullmatch(r"SUBJ-[0-9A-F]{6}", subject)
            if incident_id in series_of:
                seen[subject].add(series_of[incident_id])
    assert any(len(series) >= 2 for series in seen.values())


# --- shaped like Connecticut ------------------------------------------------------------------


def test_shootings_concentrate_in_bridgeport_hartford_and_new_haven(demo_engine: Engine) -> None:
    stmt = (
        select(s.Town.name, func.count())
        .join(s.Incident, s.Incident.town_id == s.Town.id)
        .where(s.Incident.kind == s.IncidentKind.SHOOTING)
        .group_by(s.Town.name)
    )
    with demo_engine.connect() as conn:
        per_town = dict(conn.execute(stmt).all())
    share = sum(per_town.get(t, 0) for t in ("Bridgeport", "Hartford", "New Haven")) / sum(
        per_town.values()
    )
    assert 0.40 <= share <= 0.65


def test_reference_data_is_all_towns_and_real_agency_names(demo_engine: Engine) -> None:
    assert scalar(demo_engine, "SELECT count(*) FROM towns") == 169
    with demo_engine.connect() as conn:
        agencies = conn.execute(select(s.Agency.code, s.Agency.name, s.Agency.kind)).all()
    names = {name for _, name, _ in agencies}
    assert {"Hartford Police Department", "Connecticut State Police", "ATF Hartford"} <= names
    assert all(re.fullmatch(r"CT[0-9A-Z]{7}", code) for code, _, _ in agencies)
    assert {kind for _, _, kind in agencies} == set(s.AgencyKind)


def test_incident_numbers_carry_agency_prefix_and_year(demo_engine: Engine) -> None:
    with demo_engine.connect() as conn:
        numbers = conn.execute(select(s.Incident.incident_number, s.Incident.occurred_at)).all()
    for number, occurred in numbers:
        prefix, year, seq = number.split("-")
        assert prefix.isalpha() and int(year) == occurred.year and len(seq) >= 6


def test_data_ends_today_and_the_last_30_days_have_incidents(demo_engine: Engine) -> None:
    today = date.fromisoformat(store_info(demo_engine)["demo_generated_for"])
    with demo_engine.connect() as conn:
        first, last = conn.execute(
            select(func.min(s.Incident.occurred_at), func.max(s.Incident.occurred_at))
        ).one()
        recent = conn.execute(
            select(func.count()).where(s.Incident.occurred_at >= today - timedelta(days=30))
        ).scalar_one()
    assert last < datetime.combine(today, datetime.min.time()) + timedelta(days=1)
    assert first.date() >= today - timedelta(days=3 * 366)
    assert recent >= 5


def test_time_to_crime_is_recovery_date_minus_purchase_date(demo_engine: Engine) -> None:
    stmt = (
        select(s.Trace.time_to_crime_days, s.Trace.purchase_date, s.Firearm.recovered_at)
        .join(s.Firearm, s.Firearm.id == s.Trace.firearm_id)
        .where(s.Trace.purchase_date.is_not(None))
    )
    with demo_engine.connect() as conn:
        traced = conn.execute(stmt).all()
    assert len(traced) >= 30
    for days, purchased, recovered in traced:
        assert days == (recovered.date() - purchased).days
    mean_years = sum(d for d, _, _ in traced) / len(traced) / 365.25
    short = sum(d < 3 * 365 for d, _, _ in traced) / len(traced)
    assert 5 <= mean_years <= 15
    assert 0.1 <= short <= 0.5


def test_the_lab_has_a_moving_backlog_and_some_old_open_work(demo_engine: Engine) -> None:
    """Lab-wide: a few stalled requests are months old (in firearms alone, at scale 0.3, some days
    have none); re-openings and the ranges of DOMAIN.md are in test_lab_magnitudes.py."""
    today = date.fromisoformat(store_info(demo_engine)["demo_generated_for"])
    stmt = select(s.LabRequest.discipline, s.LabRequest.received_at, s.LabRequest.status)
    with demo_engine.connect() as conn:
        requests = conn.execute(stmt).all()
    open_ages = [
        (today - received.date()).days
        for _, received, status in requests
        if status in (s.RequestStatus.OPEN, s.RequestStatus.IN_PROGRESS)
    ]
    assert any(age > 90 for age in open_ages)
    firearms = [r for r in requests if r.discipline == s.Discipline.FIREARMS_NIBIN]
    firearms_backlog = sum(
        (today - received.date()).days > 30
        for _, received, status in firearms
        if status in (s.RequestStatus.OPEN, s.RequestStatus.IN_PROGRESS)
    )
    assert 0 < firearms_backlog < 0.2 * len(firearms)


# --- the store and the command line -----------------------------------------------------------


def test_demo_flag_and_parameters_are_recorded(demo_engine: Engine) -> None:
    info = store_info(demo_engine)
    assert is_demo(demo_engine)
    assert (info["demo_seed"], info["demo_scale"]) == ("7", "0.3")
    assert date.fromisoformat(info["demo_generated_for"])


def test_refuses_a_store_that_already_holds_data(engine: Engine) -> None:
    seed_demo(engine, seed=1, scale=0.05, today=DAY)
    before = scalar(engine, "SELECT count(*) FROM incidents")
    with pytest.raises(ValueError, match="not empty"):
        seed_demo(engine, seed=2, scale=0.05, today=DAY)
    assert scalar(engine, "SELECT count(*) FROM incidents") == before


def test_new_rows_get_fresh_ids_after_seeding(engine: Engine) -> None:
    summary = seed_demo(engine, seed=1, scale=0.05, today=DAY)
    with engine.begin() as conn:
        new_id = conn.execute(
            insert(s.Town).returning(s.Town.id), {"name": "Nowhere", "lat": 41.0, "lon": -72.0}
        ).scalar_one()
    assert new_id == summary.towns + 1


def test_cli_seeds_refuses_and_replaces(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    assert main(["demo", "--database-url", url, "--scale", "0.1", "--today", "2025-06-30"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"incidents\s+240\b", out)

    assert main(["demo", "--database-url", url, "--scale", "0.1"]) == 2
    assert "--replace" in capsys.readouterr().err

    assert main(["demo", "--database-url", url, "--scale", "0.1", "--seed", "5", "--replace"]) == 0
    from cgic_data.store import make_engine

    engine = make_engine(url)
    try:
        assert store_info(engine)["demo_seed"] == "5"
        assert scalar(engine, "SELECT count(*) FROM incidents") == 240
    finally:
        engine.dispose()


def test_replace_empties_the_data_but_keeps_accounts_and_the_audit_log(engine: Engine) -> None:
    from cgic_data.demo.cli import replace

    seed_demo(engine, seed=1, scale=0.05, today=DAY)
    with engine.begin() as conn:
        conn.execute(
            insert(s.User),
            {"username": "lab", "role": s.Role.LAB_DIRECTOR, "created_at": datetime(2025, 1, 1)},
        )
        conn.execute(
            insert(s.AuditEntry),
            {"at": datetime(2025, 1, 1), "action": "sign-in", "outcome": "ok"},
        )
    replace(engine)
    for table in ("incidents", "evidence_items", "nibin_leads", "agencies", "towns"):
        assert scalar(engine, f"SELECT count(*) FROM {table}") == 0
    assert not is_demo(engine)
    assert scalar(engine, "SELECT count(*) FROM users") == 1
    assert scalar(engine, "SELECT count(*) FROM audit_log") == 1
    assert seed_demo(engine, seed=2, scale=0.05, today=DAY).incidents == 120


def test_replace_refuses_to_orphan_agency_accounts(engine: Engine) -> None:
    from cgic_data.demo.cli import replace

    seed_demo(engine, seed=1, scale=0.05, today=DAY)
    with engine.begin() as conn:
        conn.execute(
            insert(s.User),
            {
                "username": "hpd",
                "role": s.Role.ANALYST,
                "agency_id": 1,
                "created_at": datetime(2025, 1, 1),
            },
        )
    with pytest.raises(ValueError, match="belong to agencies"):
        replace(engine)
    assert scalar(engine, "SELECT count(*) FROM incidents") == 120
