"""Implausible values: what cannot be true is rejected with its reason, what is only suspicious
loads with a warning recorded with the batch (issue 14, item 13)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from cgic_data import schema as s
from cgic_data.cli import main
from cgic_data.feeds.load import PARTIAL, import_file
from cgic_data.feeds.plausible import FLOORS, date_columns
from cgic_data.towns import ensure_towns
from tests.apptest import store_url
from tests.factory import Builder
from tests.feeds.helpers import write_csv

HEADER = ["agency_code", "incident_number", "occurred_at", "kind", "lat", "lon", "town"]
HARTFORD = ("41.7637", "-72.6851")
DOC = Path(__file__).resolve().parents[2] / "docs" / "feeds.md"


@pytest.fixture
def store(engine: Engine) -> Engine:
    ensure_towns(engine)
    Builder(engine).agency("CT1")
    return engine


def stored(engine: Engine) -> list[tuple[int, str | None, str | None, str, str | None]]:
    columns = (s.ImportReject.line, s.ImportReject.column, s.ImportReject.value)
    stmt = select(*columns, s.ImportReject.message, s.ImportReject.kind)
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(stmt.order_by(s.ImportReject.line))]


def incident(number: str, when: str, lat: str = "", lon: str = "", town: str = "") -> list[str]:
    return ["CT1", number, when, "shooting", lat, lon, town]


def test_impossible_dates_and_places_are_rejected_with_a_reason(
    store: Engine, tmp_path: Path
) -> None:
    tomorrow_and_more = (datetime.now() + timedelta(days=3)).isoformat(timespec="seconds")
    rows = [
        incident("OK-1", "2024-05-01T10:00:00", *HARTFORD, "Hartford"),  # line 2
        incident("FUTURE", tomorrow_and_more),
        incident("Y2099", "2099-01-01T00:00:00"),
        incident("Y1900", "1900-06-01T00:00:00"),
        incident("Y1", "0001-01-01T00:00:00"),
        incident("NULL-ISLAND", "2024-05-01T10:00:00", "0", "0"),
        incident("SWAPPED", "2024-05-01T10:00:00", HARTFORD[1], HARTFORD[0], "Hartford"),
        incident("SWAPPED-NO-TOWN", "2024-05-01T10:00:00", HARTFORD[1], HARTFORD[0]),
        incident("TEXAS", "2024-05-01T10:00:00", "31.0", "-97.0", "Hartford"),  # line 10
        incident("NYC", "2024-05-01T10:00:00", "40.7128", "-74.0060"),  # no town: kept
    ]
    path = write_csv(tmp_path / "incidents.csv", HEADER, rows)
    result = import_file(store, "incidents", path)
    assert (result.status, result.inserted, result.rejected) == (PARTIAL, 2, 8)
    assert result.balanced
    by_line = {p.line: p for p in result.problems}
    assert sorted(by_line) == list(range(3, 11))
    for line in (3, 4, 5, 6):
        assert by_line[line].column == "occurred_at"
    assert "in the future" in by_line[3].expected and "in the future" in by_line[4].expected
    assert "1950-01-01" in by_line[5].expected and "1950-01-01" in by_line[6].expected
    assert "(0, 0)" in by_line[7].expected
    assert "latitude and longitude look swapped" in by_line[8].expected
    assert "latitude and longitude look swapped" in by_line[9].expected
    assert "Hartford" in by_line[10].expected and "lat 40." in by_line[10].expected
    assert by_line[10].column == "lat+lon" and by_line[10].value == "31.0 / -97.0"
    rows_stored = stored(store)
    assert [line for line, *_ in rows_stored] == list(range(3, 11))
    assert all(kind == "value" for *_, kind in rows_stored)
    assert (tmp_path / "incidents.rejects.csv").exists()


def test_old_purchase_dates_load_and_impossible_ones_do_not(store: Engine, tmp_path: Path) -> None:
    Builder(store).firearm()  # FA-00001
    header = ["trace_number", "firearm_number", "requested_at", "purchase_date"]
    rows = [
        ["T-1", "FA-00001", "2024-05-01T10:00:00", "1911-03-29"],  # a century-old pistol
        ["T-2", "FA-00001", "2024-05-01T10:00:00", "0001-01-01"],
        ["T-3", "FA-00001", "2024-05-01T10:00:00", "2099-01-01"],
        ["T-4", "FA-00001", "1960-05-01T10:00:00", ""],  # a trace request before eTrace's floor
    ]
    result = import_file(store, "traces", write_csv(tmp_path / "traces.csv", header, rows))
    assert (result.inserted, result.rejected) == (1, 3)
    columns = [(p.line, p.column) for p in result.problems]
    assert columns == [(3, "purchase_date"), (4, "purchase_date"), (5, "requested_at")]


def test_suspicious_rows_load_with_a_warning_recorded_with_the_batch(
    store: Engine, tmp_path: Path
) -> None:
    Builder(store).agency("CT2")
    header = ["lab_case_number", "discipline", "agency_code", "received_at", "completed_at"]
    header += ["status"]
    rows = [
        ["L-1", "DNA", "CT1", "2024-05-02T10:00:00", "2024-05-01T10:00:00", "completed"],
        ["L-2", "DNA", "CT1", "2024-05-02T10:00:00", "2024-05-09T10:00:00", "completed"],
    ]
    result = import_file(store, "lab_requests", write_csv(tmp_path / "req.csv", header, rows))
    assert (result.status, result.inserted, result.rejected) == ("ok", 2, 0)
    [warning] = result.row_warnings
    assert (warning.line, warning.column, warning.value) == (
        2,
        "completed_at",
        "2024-05-01 10:00:00",
    )
    assert "received_at" in warning.expected
    assert stored(store) == [(2, "completed_at", warning.value, warning.expected, "warning")]
    with store.connect() as conn:
        message = conn.execute(select(s.ImportBatch.message)).scalar_one()
    assert "1 row loaded with a warning" in message
    assert "1 row loaded with a warning" in result.summary()


def test_a_place_far_from_its_town_is_flagged_not_rejected(store: Engine, tmp_path: Path) -> None:
    rows = [incident("FAR", "2024-05-01T10:00:00", "41.3083", "-72.9279", "Hartford")]  # New Haven
    result = import_file(store, "incidents", write_csv(tmp_path / "inc.csv", HEADER, rows))
    assert (result.inserted, result.rejected) == (1, 0)
    [warning] = result.row_warnings
    assert warning.column == "lat+lon" and "km from the centre of Hartford" in warning.expected


def test_the_command_prints_each_warning(
    store: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [incident("FAR", "2024-05-01T10:00:00", "41.3083", "-72.9279", "Hartford")]
    path = write_csv(tmp_path / "inc.csv", HEADER, rows)
    assert main(["import", "incidents", str(path), "--database-url", store_url(store)]) == 0
    captured = capsys.readouterr()
    assert "1 row loaded with a warning" in captured.out
    assert f"warning: {path}:2: lat+lon = '41.3083 / -72.9279'" in captured.err


def test_every_date_column_has_a_documented_floor() -> None:
    section = DOC.read_text(encoding="utf-8").split("### Plausibility")[1].split("\n## ")[0]
    for feed_name, columns in date_columns().items():
        assert sorted(FLOORS[feed_name]) == sorted(columns), feed_name
        for column, floor in FLOORS[feed_name].items():
            row = next(line for line in section.splitlines() if line.startswith(f"| {floor}"))
            assert f"{column}`" in row, (feed_name, column)
