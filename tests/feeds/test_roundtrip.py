"""Export → import into a fresh store → the same rows, on and across both backends."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from cgic_data import schema as s
from cgic_data.cli import main
from cgic_data.feeds.export import export_feed
from cgic_data.feeds.formats import FEEDS
from cgic_data.feeds.load import OK, import_file
from tests.apptest import store_url
from tests.factory import Builder
from tests.feeds.helpers import (
    INCIDENT_HEADER,
    copy_towns,
    incident_rows,
    snapshot,
    write_csv,
)
from tests.hostile import HYPERLINK, MINUS, QUOTED, assert_no_formula, csv_cells, hostile_store


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


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_formula_payloads_leave_neutralised_and_come_back_exact(
    engine: Engine, store_makers: dict, backend: str, tmp_path: Path, fmt: str
) -> None:
    """`cgic export` writes no CSV cell a spreadsheet would run; `cgic import` of that export
    gives back every original value (one leading ``'`` undone, and only that)."""
    hostile_store(engine)
    fresh = store_makers[backend].new_store()
    try:
        copy_towns(engine, fresh)
        for name in FEEDS:
            path = tmp_path / f"{name}.{fmt}"
            assert main(["export", name, str(path), "--database-url", store_url(engine)]) == 0
            if fmt == "csv":
                assert_no_formula(csv_cells(path.read_bytes()), f"cgic export {name}")
            assert main(["import", name, str(path), "--database-url", store_url(fresh)]) == 0
        assert snapshot(fresh) == snapshot(engine)
    finally:
        store_makers[backend].drop(fresh)
    if fmt == "csv":  # text "-5" is prefixed too; a genuine leading quote gains one more
        with (tmp_path / "incidents.csv").open(newline="") as f:
            rows = {r["incident_number"]: r for r in csv.DictReader(f)}
        assert sorted(rows) == sorted([f"'{HYPERLINK}", f"'{MINUS}"])
        assert rows[f"'{MINUS}"]["address"] == f"'{QUOTED}"
        assert rows[f"'{MINUS}"]["lon"] == "-72.71"  # a numeric column is never touched


def test_a_held_rows_rejects_file_is_neutralised_and_loads_the_original(
    engine: Engine, tmp_path: Path
) -> None:
    """The rejects file is a CSV an administrator opens to fix rows: it is neutralised like an
    export, and importing it once the missing agency has arrived stores the original values."""
    rows = incident_rows(1, agency="CTX")
    rows[0][1] = f"'{HYPERLINK}"  # our CSV layout, as `cgic export` writes it
    path = write_csv(tmp_path / "incidents.csv", INCIDENT_HEADER, rows)
    held = import_file(engine, "incidents", path)
    assert held.rejected == 1 and held.rejects_path is not None
    cells = csv_cells(held.rejects_path.read_bytes())
    assert_no_formula(cells, "rejects file")
    assert f"'{HYPERLINK}" in cells
    Builder(engine).agency("CTX")
    assert import_file(engine, "incidents", held.rejects_path).inserted == 1
    with engine.connect() as conn:
        assert conn.execute(select(s.Incident.incident_number)).scalars().all() == [HYPERLINK]
