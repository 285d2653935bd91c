"""Loading: idempotent upserts, corrections in place, accounting, one transaction, held rows."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from cgic_data import schema as s
from cgic_data.feeds import upsert
from cgic_data.feeds.load import FAILED, OK, PARTIAL, REJECTED, import_bytes, import_file
from tests.factory import Builder
from tests.feeds.helpers import INCIDENT_HEADER, incident_rows, snapshot, write_csv


@pytest.fixture
def agency(engine: Engine) -> Engine:
    Builder(engine).agency("CT1", name="First Police")
    return engine


BATCH_COLUMNS = ("status", "rows_in", "inserted", "updated", "unchanged", "rejected", "held")


def batches(engine: Engine) -> list[dict]:
    columns = [getattr(s.ImportBatch, c) for c in BATCH_COLUMNS]
    with engine.connect() as conn:
        rows = conn.execute(select(*columns).order_by(s.ImportBatch.id)).mappings().all()
    return [dict(r) for r in rows]


def rejects(engine: Engine) -> list[tuple]:
    with engine.connect() as conn:
        stmt = select(
            s.ImportReject.line, s.ImportReject.column, s.ImportReject.value, s.ImportReject.kind
        ).order_by(s.ImportReject.id)
        return [tuple(r) for r in conn.execute(stmt)]


def count(engine: Engine, model: type[s.Base]) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


def test_the_same_file_twice_changes_nothing(agency: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "incidents.csv", INCIDENT_HEADER, incident_rows(30))
    first = import_file(agency, "incidents", path)
    after_first = snapshot(agency)
    second = import_file(agency, "incidents", path)
    assert (first.status, first.inserted, first.updated, first.unchanged) == (OK, 30, 0, 0)
    assert (second.status, second.inserted, second.updated, second.unchanged) == (OK, 0, 0, 30)
    assert snapshot(agency) == after_first
    assert [b["inserted"] for b in batches(agency)] == [30, 0]


def test_a_corrected_row_updates_in_place(agency: Engine, tmp_path: Path) -> None:
    rows = incident_rows(5)
    import_file(agency, "incidents", write_csv(tmp_path / "incidents.csv", INCIDENT_HEADER, rows))
    with agency.connect() as conn:
        before_id = conn.execute(
            select(s.Incident.id).where(s.Incident.incident_number == "INC-000002")
        ).scalar_one()
    rows[2][3], rows[2][5] = "shooting", 2  # the RMS corrected kind and victims killed
    result = import_file(
        agency, "incidents", write_csv(tmp_path / "incidents.csv", INCIDENT_HEADER, rows)
    )
    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 4)
    with agency.connect() as conn:
        row = conn.execute(
            select(s.Incident.id, s.Incident.kind, s.Incident.victims_killed).where(
                s.Incident.incident_number == "INC-000002"
            )
        ).one()
    assert (row.id, row.kind, row.victims_killed) == (before_id, s.IncidentKind.SHOOTING, 2)
    assert count(agency, s.Incident) == 5


def test_columns_a_file_does_not_carry_are_left_alone(agency: Engine, tmp_path: Path) -> None:
    header = [*INCIDENT_HEADER, "address"]
    rows = [[*r, "1 Main St"] for r in incident_rows(2)]
    import_file(agency, "incidents", write_csv(tmp_path / "a.csv", header, rows))
    result = import_file(
        agency, "incidents", write_csv(tmp_path / "b.csv", INCIDENT_HEADER, incident_rows(2))
    )
    assert result.unchanged == 2
    with agency.connect() as conn:
        addresses = conn.execute(select(s.Incident.address)).scalars().all()
    assert addresses == ["1 Main St", "1 Main St"]


def test_good_rows_load_and_bad_rows_are_accounted_for(agency: Engine, tmp_path: Path) -> None:
    rows = incident_rows(4)
    rows[1][2] = "not a date"
    rows[3][3] = "drive-by"
    path = write_csv(tmp_path / "incidents.csv", INCIDENT_HEADER, rows)
    result = import_file(agency, "incidents", path)
    assert (result.status, result.rows_in, result.inserted, result.rejected) == (PARTIAL, 4, 2, 2)
    assert result.balanced
    assert rejects(agency) == [
        (3, "occurred_at", "not a date", "value"),
        (5, "kind", "drive-by", "value"),
    ]
    rejects_file = tmp_path / "incidents.rejects.csv"
    assert result.rejects_path == rejects_file
    with rejects_file.open(newline="") as handle:
        lines = list(csv.DictReader(handle))
    assert [(r["_line"], r["incident_number"]) for r in lines] == [
        ("3", "INC-000001"),
        ("5", "INC-000003"),
    ]
    assert "expected one of: shooting, shots fired, gun recovery" in lines[1]["_problems"]


def test_strict_refuses_the_whole_file(agency: Engine, tmp_path: Path) -> None:
    rows = incident_rows(4)
    rows[2][4] = "two"
    path = write_csv(tmp_path / "incidents.csv", INCIDENT_HEADER, rows)
    result = import_file(agency, "incidents", path, strict=True)
    assert (result.status, result.rows_in, result.inserted, result.rejected) == (REJECTED, 4, 0, 4)
    assert count(agency, s.Incident) == 0
    assert rejects(agency) == [(4, "victims_injured", "two", "value")]
    assert batches(agency)[0]["status"] == REJECTED


def test_an_unknown_reference_is_held_until_it_arrives(engine: Engine, tmp_path: Path) -> None:
    b = Builder(engine)
    agency_id = b.agency("CT1")
    b.incident(agency_id, number="INC-1")
    items = write_csv(
        tmp_path / "lab_items.csv",
        ["item_number", "agency_code", "incident_number", "kind"],
        [["I-1", "CT1", "INC-1", "cartridge case"], ["I-2", "CT1", "INC-2", "bullet"]],
    )
    first = import_file(engine, "lab_items", items)
    assert (first.status, first.inserted, first.rejected, first.held) == (PARTIAL, 1, 1, 1)
    assert rejects(engine) == [(3, "agency_code+incident_number", "CT1 / INC-2", "reference")]
    b.incident(agency_id, number="INC-2")  # the RMS export with INC-2 arrives
    retry = import_file(engine, "lab_items", tmp_path / "lab_items.rejects.csv")
    assert (retry.status, retry.inserted, retry.rejected) == (OK, 1, 0)
    assert count(engine, s.EvidenceItem) == 2


def test_a_crash_midway_leaves_the_store_as_it_was(
    agency: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_file(
        agency, "incidents", write_csv(tmp_path / "a.csv", INCIDENT_HEADER, incident_rows(10))
    )
    before = snapshot(agency)
    rows = incident_rows(20)  # 10 new rows (inserted first) and 10 corrected ones (updated next)
    for row in rows[:10]:
        row[4] = 7

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(upsert, "update", crash)
    result = import_file(agency, "incidents", write_csv(tmp_path / "b.csv", INCIDENT_HEADER, rows))
    assert result.status == FAILED
    assert "disk full" in (result.message or "")
    assert snapshot(agency) == before  # the 10 inserts that ran were rolled back too
    assert batches(agency)[-1] == {
        "status": FAILED,
        "rows_in": 20,
        "inserted": 0,
        "updated": 0,
        "unchanged": 0,
        "rejected": 20,
        "held": 0,
    }


def test_a_hundred_thousand_rows_are_all_accounted_for(agency: Engine, tmp_path: Path) -> None:
    header = INCIDENT_HEADER
    import_file(
        agency, "incidents", write_csv(tmp_path / "first.csv", header, incident_rows(60_000))
    )
    rows = incident_rows(100_000)
    for row in rows[:10_000]:
        row[4] += 1  # 10,000 corrected rows
    for n in range(60_999, 100_000, 1000):
        rows[n][2] = "31/12/2024"  # 40 new rows with a bad date
    rows += [list(r) for r in rows[70_000:70_020]]  # 20 repeated rows: duplicate keys
    result = import_file(agency, "incidents", write_csv(tmp_path / "big.csv", header, rows))
    assert result.rows_in == 100_020
    assert (result.inserted, result.updated, result.unchanged, result.rejected) == (
        39_960,
        10_000,
        50_000,
        60,
    )
    assert result.rows_in == result.inserted + result.updated + result.unchanged + result.rejected
    assert count(agency, s.Incident) == 99_960
    kinds = [r[3] for r in rejects(agency)]
    assert (kinds.count("value"), kinds.count("duplicate")) == (40, 20)


def test_a_truncated_csv_loads_its_whole_rows_and_reports_the_cut_one(
    agency: Engine, tmp_path: Path
) -> None:
    full = write_csv(tmp_path / "full.csv", INCIDENT_HEADER, incident_rows(5)).read_bytes()
    cut = full[: full.rindex(b"\n", 0, len(full) - 1) + 25]  # 24 bytes into the last row
    result = import_bytes(agency, "incidents", cut, "incidents.csv")
    assert (result.status, result.inserted, result.rejected) == (PARTIAL, 4, 1)
    assert rejects(agency) == [(6, None, None, "row")]
    assert "cut off" in result.problems[0].expected


def test_a_truncated_gzip_stores_nothing(agency: Engine, tmp_path: Path) -> None:
    data = gzip.compress(
        write_csv(tmp_path / "a.csv", INCIDENT_HEADER, incident_rows(500)).read_bytes()
    )
    result = import_bytes(agency, "incidents", data[: len(data) // 2], "incidents.csv.gz")
    assert result.status == FAILED
    assert "gzip file is truncated" in (result.message or "")
    assert count(agency, s.Incident) == 0
    assert rejects(agency) == [(1, None, None, "file")]


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("latin-1", "not valid utf-8: byte 0xC9 on line 2"), ("utf-16", "UTF-16 encoded")],
)
def test_a_wrongly_encoded_file_stores_nothing(
    agency: Engine, encoding: str, expected: str
) -> None:
    lines = [",".join([*INCIDENT_HEADER, "address"])]
    lines += [",".join(map(str, [*r, "Rue de l'Église"])) for r in incident_rows(3)]
    data = ("\n".join(lines) + "\n").encode(encoding)
    result = import_bytes(agency, "incidents", data, "incidents.csv")
    assert result.status == FAILED
    assert expected in (result.message or "")
    assert count(agency, s.Incident) == 0
    assert batches(agency)[0]["status"] == FAILED


def test_a_missing_required_column_fails_the_file(agency: Engine, tmp_path: Path) -> None:
    header = [c for c in INCIDENT_HEADER if c != "occurred_at"]
    rows = [[v for i, v in enumerate(r) if i != 2] for r in incident_rows(3)]
    result = import_file(agency, "incidents", write_csv(tmp_path / "i.csv", header, rows))
    assert result.status == FAILED
    assert result.problems[0].column == "occurred_at"
    assert "missing required column(s): occurred_at" in result.problems[0].expected
    assert count(agency, s.Incident) == 0


def test_jsonl_loads_like_csv_and_every_import_is_audited(agency: Engine, tmp_path: Path) -> None:
    lines = [dict(zip(INCIDENT_HEADER, r, strict=True)) for r in incident_rows(3)]
    lines[1]["victims_killed"] = 1  # JSON numbers are numbers
    path = tmp_path / "incidents.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    result = import_file(agency, "incidents", path)
    assert (result.status, result.inserted) == (OK, 3)
    with agency.connect() as conn:
        audit = conn.execute(
            select(s.AuditEntry.action, s.AuditEntry.target, s.AuditEntry.outcome)
        ).all()
        killed = conn.execute(select(func.sum(s.Incident.victims_killed))).scalar_one()
    assert audit == [("import", "incidents: incidents.jsonl", "ok")]
    assert killed == 1 + 1  # INC-000000 (n % 11 == 0) and the edited INC-000001


def test_a_dry_run_counts_but_writes_nothing(agency: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "incidents.csv", INCIDENT_HEADER, incident_rows(3))
    result = import_file(agency, "incidents", path, dry_run=True)
    assert (result.status, result.inserted) == ("checked", 3)
    assert count(agency, s.Incident) == 0
    assert batches(agency) == []
    with agency.connect() as conn:
        outcomes = conn.execute(select(s.AuditEntry.action, s.AuditEntry.outcome)).all()
    assert [tuple(o) for o in outcomes] == [("import", "checked")]
    assert not (tmp_path / "incidents.rejects.csv").exists()
