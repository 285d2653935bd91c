"""Export → import into a fresh store → the same rows, on and across both backends."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from cgic_data import schema as s
from cgic_data.feeds.export import export_feed
from cgic_data.feeds.formats import FEEDS
from cgic_data.feeds.load import OK, import_file
from tests.factory import Builder
from tests.feeds.helpers import copy_towns, snapshot


def round_trip(source: Engine, target: Engine, folder: Path, fmt: str) -> dict[str, int]:
    """Export every feed of ``source``, import each into ``target``; rows inserted per feed."""
    inserted = {}
    for name in FEEDS:
        path = folder / f"{name}.{fmt}"
        export_feed(source, name, path)
        result = import_file(target, name, path)
        assert result.status == OK, [p.describe(path.name) for p in result.problems[:5]]
        inserted[name] = result.inserted
    return inserted


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_the_demo_store_round_trips(
    demo_engine: Engine, engine: Engine, tmp_path: Path, fmt: str
) -> None:
    copy_towns(demo_engine, engine)
    before = snapshot(demo_engine)
    inserted = round_trip(demo_engine, engine, tmp_path, fmt)
    assert snapshot(engine) == before
    assert inserted["incidents"] == len(before["incidents"])
    assert inserted["nibin_leads"] == len(before["nibin_leads"]) > 0
    again = [import_file(engine, n, tmp_path / f"{n}.{fmt}") for n in FEEDS]
    assert [(r.inserted, r.updated) for r in again] == [(0, 0)] * len(FEEDS)


@pytest.fixture
def awkward(engine: Engine) -> Engine:
    """A small store with the values that break naive exports: DST edges, quotes, newlines."""
    b = Builder(engine)
    town = b.town("Hartford")
    agency = b.agency("CT1", name='Police "Central", Unit 1')
    gap = b.incident(agency, datetime(2025, 3, 9, 2, 30), number="A,1", town_id=town)
    fold = b.incident(
        agency, datetime(2025, 11, 2, 1, 30, 15, 250), number="A\n2", lat=41.123456789
    )
    firearm = b.firearm(gap, recovered_at=datetime(2025, 3, 9, 3, 0), obliterated=True)
    items = [b.item(gap, number="I-1"), b.item(fold, number="I-2", firearm_id=firearm)]
    lead = b.lead(items, number="NL;1", status=s.LeadStatus.CONFIRMED)
    b.trace(firearm, purchase_date=date(2020, 2, 29), purchaser_is_possessor=None)
    b.result(items[0], subject_ref=None)
    b.case_event(s.CaseEventKind.ARREST, datetime(2025, 12, 1), lead_id=lead, outcome="é ✓")
    return engine


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_awkward_values_round_trip(
    awkward: Engine, store_makers: dict, backend: str, tmp_path: Path, fmt: str
) -> None:
    fresh = store_makers[backend].new_store()
    try:
        copy_towns(awkward, fresh)
        round_trip(awkward, fresh, tmp_path, fmt)
        assert snapshot(fresh) == snapshot(awkward)
    finally:
        store_makers[backend].drop(fresh)
