"""The materialized sharing rule (issue 16): after every real write — imports of the feeds that
carry its inputs, examiners' verdicts arriving in the leads feed, lead work, items leaving a lead,
the demo seed and ``--replace`` — the tables equal the rule computed from scratch, on SQLite and
PostgreSQL alike; ``cgic check-sharing`` reports any difference and repairs it on request."""

from __future__ import annotations

import os

import pytest
from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete, insert, select, update

from cgic_data import leadwork, sharing
from cgic_data import schema as s
from cgic_data.demo import seed_demo
from cgic_data.demo.cli import replace
from cgic_data.feeds.load import import_bytes
from cgic_data.scope import Viewer
from cgic_data.sharing_cli import run
from cgic_data.store import alembic_config
from tests.conftest import BACKENDS, _maker
from tests.scope_world import build_world

# 2 backends x 15 sequences of up to 12 writes. A deeper hunt:
# CGIC_PROPERTY_EXAMPLES=200 pytest tests/test_sharing.py
EXAMPLES = int(os.environ.get("CGIC_PROPERTY_EXAMPLES", "15"))
AGENCIES = ["CT1", "CT2", "CT3"]
INCIDENTS = ["INC-1", "INC-2", "INC-3"]  # per agency: (agency, number) is the incident's key
ITEMS = [f"I-{n}" for n in range(6)]
LEADS = ["L-1", "L-2", "L-3"]
STATUSES = {  # status, and the date columns an examiner's verdict comes with
    "open": "",
    "confirmed hit": "2025-06-10T10:00,",
    "excluded": ",2025-06-10T10:00",
}
SYSTEM = Viewer.system("examiner")


def _csv(header: str, rows: list[str]) -> bytes:
    return (header + "\n" + "".join(r + "\n" for r in rows)).encode()


def agencies_file() -> bytes:
    return _csv("code,name,kind", [f"{c},{c} Police,local" for c in AGENCIES])


writes = st.one_of(
    st.tuples(st.just("agencies")),
    st.tuples(st.just("incident"), st.sampled_from(AGENCIES), st.sampled_from(INCIDENTS)),
    st.tuples(  # a new item, or an item the lab re-files under another incident
        st.just("item"),
        st.sampled_from(ITEMS),
        st.sampled_from(AGENCIES),
        st.sampled_from(INCIDENTS),
    ),
    st.tuples(  # a new lead, a lead that grows or loses items, an examiner's verdict
        st.just("lead"),
        st.sampled_from(LEADS),
        st.sampled_from(list(STATUSES)),
        st.lists(st.sampled_from(ITEMS), min_size=1, max_size=4, unique=True),
    ),
    st.tuples(st.just("work"), st.sampled_from(LEADS)),
    st.tuples(st.just("replace")),
    st.tuples(st.just("seed")),
)


def start(engine: Engine) -> None:
    """A store where leads can link agencies at once: three agencies, each with two incidents,
    and items spread over them (three imports)."""
    import_bytes(engine, "agencies", agencies_file(), "agencies.csv")
    rows = [f"{a},{n},2025-06-01T22:00,shooting" for a in AGENCIES for n in INCIDENTS[:2]]
    data = _csv("agency_code,incident_number,occurred_at,kind", rows)
    import_bytes(engine, "incidents", data, "incidents.csv")
    rows = [f"{i},{AGENCIES[n % 3]},{INCIDENTS[n % 2]},bullet" for n, i in enumerate(ITEMS)]
    data = _csv("item_number,agency_code,incident_number,kind", rows)
    import_bytes(engine, "lab_items", data, "lab_items.csv")


def apply(engine: Engine, write: tuple) -> None:  # type: ignore[type-arg]
    """Carry out one write the way the app does it."""
    kind, *args = write
    if kind == "agencies":
        import_bytes(engine, "agencies", agencies_file(), "agencies.csv")
    elif kind == "incident":
        agency, number = args
        row = f"{agency},{number},2025-06-01T22:00,shooting"
        data = _csv("agency_code,incident_number,occurred_at,kind", [row])
        import_bytes(engine, "incidents", data, "incidents.csv")
    elif kind == "item":
        item, agency, number = args
        row = f"{item},{agency},{number},cartridge case"
        data = _csv("item_number,agency_code,incident_number,kind", [row])
        import_bytes(engine, "lab_items", data, "lab_items.csv")
    elif kind == "lead":
        lead, status, items = args
        row = f"{lead},2025-06-03T09:00,{status},{';'.join(items)},{STATUSES[status] or ','}"
        data = _csv("lead_number,issued_at,status,item_numbers,confirmed_at,excluded_at", [row])
        import_bytes(engine, "nibin_leads", data, "nibin_leads.csv")
    elif kind == "work":
        try:
            leadwork.assign_lead(engine, SYSTEM, args[0], "Det. Rivera")
            leadwork.record_follow_up(engine, SYSTEM, args[0], leadwork.FollowUpStatus.CLOSED)
        except leadwork.LeadNotOpenToViewer:
            pass  # not imported yet
    elif kind == "replace":
        replace(engine)
    elif kind == "seed":
        replace(engine)
        seed_demo(engine, seed=3, scale=0.02)


def differences(engine: Engine) -> list[sharing.Difference]:
    with engine.connect() as conn:
        return sharing.check(conn)


@pytest.mark.parametrize("backend", BACKENDS)
def test_after_every_write_the_tables_equal_the_rule(
    backend: str, store_makers: dict[str, object]
) -> None:
    maker = _maker(store_makers, backend)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
        database=None,
    )
    @given(st.lists(writes, min_size=1, max_size=12))
    def sequences(steps: list[tuple]) -> None:  # type: ignore[type-arg]
        engine = maker.new_store()
        try:
            start(engine)
            for step in steps:
                apply(engine, step)
                assert differences(engine) == [], step
        finally:
            maker.drop(engine)

    sequences()


def test_the_shared_world_is_stored_exactly(engine: Engine) -> None:
    build_world(engine)
    assert differences(engine) == []
    with engine.connect() as conn:
        assert conn.execute(select(s.AgencyIncidentAccess)).first() is not None


def test_a_changed_verdict_is_reported_until_the_leads_are_refreshed(engine: Engine) -> None:
    world = build_world(engine)
    lead = world.lead_ids["LEAD-AB"]
    with engine.begin() as conn:  # a writer that forgot the rule
        conn.execute(
            update(s.NibinLead).where(s.NibinLead.id == lead).values(status=s.LeadStatus.EXCLUDED)
        )
    found = differences(engine)
    assert {(d.table, d.subject_id, d.problem) for d in found if d.subject_id == lead} == {
        ("agency_lead_access", lead, "live")
    }
    assert {d.table for d in found} == {"agency_lead_access", "agency_incident_access"}
    assert {d.problem for d in found if d.table == "agency_incident_access"} == {"extra"}
    with engine.begin() as conn:
        sharing.refresh_leads(conn, [lead])
    assert differences(engine) == []


def test_missing_and_extra_rows_are_named(engine: Engine) -> None:
    world = build_world(engine)
    a, lead = world.agency_ids["A"], world.lead_ids["LEAD-AB"]
    with engine.begin() as conn:
        conn.execute(delete(s.AgencyLeadAccess).where(s.AgencyLeadAccess.lead_id == lead))
        conn.execute(
            insert(s.AgencyIncidentAccess).values(agency_id=a, incident_id=999_999, lead_id=lead)
        )
    found = differences(engine)
    assert sharing.Difference("agency_lead_access", a, lead, "missing") in found
    assert sharing.Difference("agency_incident_access", a, 999_999, "extra", lead) in found
    assert sharing.Difference("agency_lead_access", a, lead, "missing").describe() == (
        f"agency {a}, lead {lead}: agency_lead_access row is missing: the rule shares it"
    )
    with engine.begin() as conn:
        sharing.refresh_all(conn)
    assert differences(engine) == []


def test_check_sharing_exits_1_on_a_difference_and_repairs_on_request(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    import argparse

    build_world(engine)
    url = engine.url.render_as_string(hide_password=False)

    def check(repair: bool = False) -> int:
        return run(argparse.Namespace(database_url=url, repair=repair))

    assert check() == 0
    assert "no differences" in capsys.readouterr().out
    with engine.begin() as conn:
        conn.execute(delete(s.AgencyIncidentAccess))
    assert check() == 1
    out = capsys.readouterr().out
    assert "agency_incident_access row is missing" in out and "difference(s)" in out
    assert check(repair=True) == 1
    assert "repaired" in capsys.readouterr().out
    assert check() == 0


def test_the_migration_backfills_an_existing_store(engine: Engine) -> None:
    build_world(engine)
    with engine.connect() as conn:
        before = {tuple(r) for r in conn.execute(select(s.AgencyLeadAccess))}
    config = alembic_config(engine)
    command.downgrade(config, "0011_sharing_tables-1")  # a store from before the tables
    command.upgrade(config, "heads")
    assert differences(engine) == []
    with engine.connect() as conn:
        assert {tuple(r) for r in conn.execute(select(s.AgencyLeadAccess))} == before


def test_bulk_refresh_equals_per_lead_refresh(engine: Engine) -> None:
    world = build_world(engine)
    with engine.begin() as conn:
        conn.execute(delete(s.AgencyLeadAccess))
        conn.execute(delete(s.AgencyIncidentAccess))
        sharing.refresh_leads(conn, world.lead_ids.values())
    assert differences(engine) == []
