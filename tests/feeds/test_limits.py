"""Hostile cells: a field over the per-field limit, NUL characters, numbers and nesting the
parsers choke on — each a rejected row with its reason, never a crashed import (issue 14, item 11).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from cgic_data import schema as s
from cgic_data.feeds.limits import FIELD_LIMIT
from cgic_data.feeds.load import OK, PARTIAL, import_bytes, import_file
from tests.factory import Builder
from tests.feeds.helpers import INCIDENT_HEADER, incident_rows, write_csv

HUGE = 200_000  # past the csv module's default field limit (131,072 characters)


@pytest.fixture
def agency(engine: Engine) -> Engine:
    Builder(engine).agency("CT1")
    return engine


def stored_problems(engine: Engine) -> list[tuple[int, str | None, str]]:
    with engine.connect() as conn:
        stmt = select(s.ImportReject.line, s.ImportReject.column, s.ImportReject.message)
        return [tuple(r) for r in conn.execute(stmt.order_by(s.ImportReject.id))]


def count(engine: Engine, model: type[s.Base]) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


def test_a_field_over_the_limit_is_a_rejected_row(agency: Engine, tmp_path: Path) -> None:
    rows = [[*row, "100 block of Main St"] for row in incident_rows(3)]
    rows[1][-1] = "x" * HUGE
    path = write_csv(tmp_path / "incidents.csv", [*INCIDENT_HEADER, "address"], rows)
    result = import_file(agency, "incidents", path)
    assert (result.status, result.inserted, result.rejected) == (PARTIAL, 2, 1)
    assert result.balanced and result.batch_id is not None
    expected = f"field is {HUGE:,} bytes, the limit is {FIELD_LIMIT:,}"
    [problem] = result.problems
    assert (problem.line, problem.column) == (3, "address")
    assert expected in problem.expected
    assert stored_problems(agency) == [(3, "address", problem.expected)]
    assert count(agency, s.Incident) == 2
    assert (tmp_path / "incidents.rejects.csv").exists()


def test_the_limit_counts_bytes_and_applies_to_json_lines(agency: Engine) -> None:
    good = {"agency_code": "CT1", "occurred_at": "2024-01-01T10:00:00", "kind": "shooting"}
    wide = "é" * (FIELD_LIMIT // 2 + 1)  # fewer characters than the limit, more bytes
    lines = [
        {**good, "incident_number": "A", "address": "1 Main St"},
        {**good, "incident_number": "B", "address": wide},
    ]
    data = "".join(json.dumps(line) + "\n" for line in lines).encode()
    result = import_bytes(agency, "incidents", data, "incidents.jsonl")
    assert (result.status, result.inserted, result.rejected) == (PARTIAL, 1, 1)
    [problem] = result.problems
    assert (problem.line, problem.column) == (2, "address")
    assert f"field is {len(wide.encode()):,} bytes" in problem.expected


GOOD = '"agency_code": "CT1", "occurred_at": "2024-01-01T10:00:00", "kind": "shooting"'


@pytest.mark.parametrize(
    "line",
    [
        '{"incident_number": ' + "1" * 5000 + ", " + GOOD + "}",  # past Python's int() digits
        "[" * 100_000 + "]" * 100_000,  # nested past the recursion limit
        '{"incident_number": "B\\ud800", ' + GOOD + "}",  # a lone surrogate: not storable
    ],
    ids=["digits", "nesting", "surrogate"],
)
def test_json_the_parser_chokes_on_is_a_rejected_row(agency: Engine, line: str) -> None:
    data = ('{"incident_number": "A", ' + GOOD + "}\n" + line + "\n").encode()
    result = import_bytes(agency, "incidents", data, "incidents.jsonl")
    assert (result.status, result.inserted, result.rejected) == (PARTIAL, 1, 1)
    assert result.balanced and result.batch_id is not None
    assert [p.line for p in result.problems] == [2]


def test_a_nul_character_is_a_rejected_value(agency: Engine, tmp_path: Path) -> None:
    rows = [[*row, "1 Main St"] for row in incident_rows(5000)]
    rows[4500][-1] = "1 Main\x00St"  # past the first 4 KiB: not taken for a binary file
    path = write_csv(tmp_path / "incidents.csv", [*INCIDENT_HEADER, "address"], rows)
    result = import_file(agency, "incidents", path)
    assert (result.status, result.inserted, result.rejected) == (PARTIAL, 4999, 1)
    [problem] = result.problems
    assert problem.column == "address" and "NUL" in problem.expected
    assert [line for line, *_ in stored_problems(agency)] == [4502]


def test_a_file_within_the_limits_is_unaffected(agency: Engine, tmp_path: Path) -> None:
    rows = [[*row, "y" * 200] for row in incident_rows(3)]
    path = write_csv(tmp_path / "incidents.csv", [*INCIDENT_HEADER, "address"], rows)
    assert import_file(agency, "incidents", path).status == OK
