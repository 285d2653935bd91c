"""Streaming: a file is imported chunk by chunk in one transaction, with the same outcome as if
it were read whole — counts, problems, rejects file — and nothing half-written on failure."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from cgic_data import schema as s
from cgic_data.feeds import load
from cgic_data.feeds.load import CHECKED, FAILED, REJECTED, ImportResult, import_bytes, import_file
from cgic_data.feeds.mapping import parse_mapping
from tests.factory import Builder
from tests.feeds.helpers import INCIDENT_HEADER, incident_rows, write_csv

CHUNK = 7  # rows per chunk in these tests: every file spans several chunks


@pytest.fixture
def agency(engine: Engine) -> Engine:
    Builder(engine).agency("CT1", name="First Police")
    return engine


def incidents(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(s.Incident)).scalar_one()


def outcome(result: ImportResult) -> tuple:
    counts = (result.status, result.source_rows, result.rows_in, result.inserted)
    counts += (result.updated, result.unchanged, result.rejected, result.held)
    return (*counts, result.problems, result.row_warnings, result.rejects_text(), result.message)


def messy_rows() -> list[list[object]]:
    """Bad values, an unknown agency (held), a warning-free far place, and keys repeated
    across chunks (the first stands, wherever it is)."""
    rows = incident_rows(40)
    rows[3][2] = "not a date"
    rows[9][0] = "CT9"  # no such agency: held
    rows[15][3] = "drive-by"
    rows[22][6], rows[22][7] = 0, 0  # a failed geocode
    rows += [list(rows[1]), list(rows[20]), list(rows[39])]  # repeated keys, later chunks
    return rows


def test_a_file_in_chunks_is_accounted_for_as_one_read_whole(
    agency: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_csv(tmp_path / "incidents.csv", INCIDENT_HEADER, messy_rows())
    whole = import_file(agency, "incidents", path, dry_run=True)
    monkeypatch.setattr(load, "CHUNK_ROWS", CHUNK)
    chunked = import_file(agency, "incidents", path, dry_run=True)
    assert outcome(chunked) == outcome(whole)
    assert (whole.status, whole.rows_in, whole.rejected, whole.held) == (CHECKED, 43, 7, 1)
    duplicates = [(p.line, p.expected) for p in whole.problems if p.kind == "duplicate"]
    assert duplicates == [
        (
            42,
            "a key not already used on line 3 (the file holds each record once; rows of one "
            "record need a mapping `fold:`)",
        ),
        (
            43,
            "a key not already used on line 22 (the file holds each record once; rows of one "
            "record need a mapping `fold:`)",
        ),
        (
            44,
            "a key not already used on line 41 (the file holds each record once; rows of one "
            "record need a mapping `fold:`)",
        ),
    ]


def test_the_real_run_in_chunks_stores_what_its_rehearsal_counted(
    agency: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(load, "CHUNK_ROWS", CHUNK)
    path = write_csv(tmp_path / "incidents.csv", INCIDENT_HEADER, messy_rows())
    rehearsal = import_file(agency, "incidents", path, dry_run=True)
    real = import_file(agency, "incidents", path)
    again = import_file(agency, "incidents", path)
    assert outcome(real)[1:] == outcome(rehearsal)[1:]
    assert incidents(agency) == real.inserted == 36
    assert (again.inserted, again.updated, again.unchanged, again.rejected) == (0, 0, 36, 7)


def test_strict_undoes_the_chunks_written_before_a_bad_row(
    agency: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(load, "CHUNK_ROWS", CHUNK)
    rows = incident_rows(30)
    rows[27][4] = "two"  # in the last chunk: the first four were already written
    rows[29][0] = "CT9"
    path = write_csv(tmp_path / "incidents.csv", INCIDENT_HEADER, rows)
    result = import_file(agency, "incidents", path, strict=True)
    assert (result.status, result.rows_in, result.inserted, result.rejected) == (
        REJECTED,
        30,
        0,
        30,
    )
    assert [(p.line, p.kind) for p in result.problems] == [(29, "value"), (31, "reference")]
    assert result.message == "strict: 2 bad rows, so nothing was loaded"
    assert incidents(agency) == 0


def test_an_encoding_error_deep_in_the_file_stores_nothing(
    agency: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(load, "CHUNK_ROWS", CHUNK)
    data = write_csv(tmp_path / "a.csv", INCIDENT_HEADER, incident_rows(5000)).read_bytes()
    at = data.index(b"INC-004000")
    data = data[:at] + b"\xc9" + data[at + 1 :]  # line 4002, far past the first chunks
    result = import_bytes(agency, "incidents", data, "incidents.csv")
    assert result.status == FAILED
    assert result.message is not None
    assert result.message.startswith("the file is not valid utf-8: byte 0xC9 on line 4002")
    assert (result.rows_in, result.inserted, result.rejected) == (0, 0, 0)
    assert incidents(agency) == 0


def test_a_gzip_cut_off_after_some_chunks_stores_nothing(
    agency: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(load, "CHUNK_ROWS", CHUNK)
    data = gzip.compress(
        write_csv(tmp_path / "a.csv", INCIDENT_HEADER, incident_rows(5000)).read_bytes()
    )
    path = tmp_path / "incidents.csv.gz"
    path.write_bytes(data[: len(data) * 3 // 4])
    result = import_file(agency, "incidents", path)
    assert result.status == FAILED
    assert "gzip file is truncated" in (result.message or "")
    assert incidents(agency) == 0


def test_json_lines_take_their_columns_from_every_row_not_only_the_first_chunk(
    agency: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(load, "CHUNK_ROWS", CHUNK)
    rows = [dict(zip(INCIDENT_HEADER, r, strict=True)) for r in incident_rows(20)]
    del rows[0]["lat"], rows[0]["lon"]
    rows[-1]["address"] = "12 Main St"
    data = "".join(json.dumps(r) + "\n" for r in rows).encode()
    result = import_bytes(agency, "incidents", data, "incidents.jsonl")
    assert (result.inserted, result.rejected) == (20, 0)
    with agency.connect() as conn:
        address = conn.execute(
            select(s.Incident.address).where(s.Incident.incident_number == "INC-000019")
        ).scalar_one()
    assert address == "12 Main St"


def test_a_folding_mapping_reads_the_file_as_one_chunk(
    agency: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows of one record may lie anywhere in the file, so a fold sees all of them at once."""
    monkeypatch.setattr(load, "CHUNK_ROWS", CHUNK)
    rows = incident_rows(20)
    rows.append(list(rows[0]))  # the first record's second row, two chunks later
    path = write_csv(tmp_path / "incidents.csv", INCIDENT_HEADER, rows)
    mapping = parse_mapping({"feed": "incidents", "fold": {}})
    result = import_file(agency, "incidents", path, mapping=mapping)
    assert (result.source_rows, result.rows_in, result.inserted, result.rejected) == (21, 20, 20, 0)
