"""The drop folder: files land, load in feed order, and move to done/ or failed/."""

from __future__ import annotations

import csv
import os
import shutil
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import OperationalError

from cgic_data import schema as s
from cgic_data.feeds.watch import DropFolder, route
from tests.factory import Builder
from tests.feeds.helpers import INCIDENT_HEADER, incident_rows, write_csv

ROOT = Path(__file__).resolve().parents[2]
ITEM_HEADER = ["item_number", "agency_code", "incident_number", "kind"]


def names(folder: Path) -> list[str]:
    """File names with the processing stamp (YYYYmmddTHHMMSSffffff) replaced by STAMP."""
    return sorted(
        ".".join("STAMP" if len(p) == 21 and p[8] == "T" else p for p in f.name.split("."))
        for f in folder.iterdir()
    )


def count(engine: Engine, model: type[s.Base]) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


def test_files_load_in_feed_order_and_move_to_done_or_failed(
    engine: Engine, tmp_path: Path
) -> None:
    Builder(engine).agency("CT1")
    drop = tmp_path / "drop"
    drop.mkdir()
    # items land first but load after the incidents they name
    write_csv(drop / "lab_items-0601.csv", ITEM_HEADER, [["I-1", "CT1", "INC-000001", "bullet"]])
    write_csv(drop / "incidents-0601.csv", INCIDENT_HEADER, incident_rows(3))
    (drop / "incidents-latin1.csv").write_bytes(",".join(INCIDENT_HEADER).encode() + b"\n\xe9\n")
    (drop / "notes.txt").write_text("not a feed\n")
    (drop / "incidents-copying.csv.part").write_text("half a file")
    folder = DropFolder(engine, drop, settle_seconds=0)
    report = folder.run_once()
    assert [(name, r.status) for name, r in report.results] == [
        ("incidents-0601.csv", "ok"),
        ("incidents-latin1.csv", "failed"),
        ("lab_items-0601.csv", "ok"),
    ]
    assert report.unroutable == ["notes.txt"]
    assert (count(engine, s.Incident), count(engine, s.EvidenceItem)) == (3, 1)
    assert names(drop / "done") == ["incidents-0601.STAMP.csv", "lab_items-0601.STAMP.csv"]
    assert names(drop / "failed") == [
        "incidents-latin1.STAMP.csv",
        "incidents-latin1.STAMP.error.txt",
        "notes.STAMP.error.txt",
        "notes.STAMP.txt",
    ]
    error = next((drop / "failed").glob("incidents-latin1.*.error.txt")).read_text()
    assert "not valid utf-8: byte 0xE9 on line 2" in error
    assert sorted(p.name for p in drop.iterdir() if p.is_file()) == ["incidents-copying.csv.part"]


def test_held_rows_load_once_what_they_reference_arrives(engine: Engine, tmp_path: Path) -> None:
    Builder(engine).agency("CT1")
    drop = tmp_path / "drop"
    drop.mkdir()
    folder = DropFolder(engine, drop, settle_seconds=0)
    items = [["I-1", "CT1", "INC-000000", "bullet"], ["I-2", "CT1", "INC-000001", "bullet"]]
    write_csv(drop / "lab_items.csv", ITEM_HEADER, items)
    write_csv(drop / "incidents.csv", INCIDENT_HEADER, incident_rows(1))  # INC-000000 only
    first = folder.run_once()
    assert [(r.inserted, r.held) for _, r in first.results] == [(1, 0), (1, 1)]
    assert names(drop / "held") == ["lab_items.STAMP.held.csv"]
    assert names(drop / "done") == [
        "incidents.STAMP.csv",
        "lab_items.STAMP.csv",
        "lab_items.STAMP.rejects.csv",
    ]
    write_csv(drop / "incidents.csv", INCIDENT_HEADER, incident_rows(1, start=1))  # INC-000001
    second = folder.run_once()
    assert [(name.split(".")[0], r.inserted) for name, r in second.retried] == [("lab_items", 1)]
    assert count(engine, s.EvidenceItem) == 2
    assert list((drop / "held").iterdir()) == []


def test_strict_sends_a_file_with_bad_rows_to_failed(engine: Engine, tmp_path: Path) -> None:
    Builder(engine).agency("CT1")
    drop = tmp_path / "drop"
    drop.mkdir()
    rows = incident_rows(3)
    rows[1][3] = "drive-by"
    write_csv(drop / "incidents.csv", INCIDENT_HEADER, rows)
    report = DropFolder(engine, drop, strict=True, settle_seconds=0).run_once()
    assert report.results[0][1].status == "rejected"
    assert count(engine, s.Incident) == 0
    assert names(drop / "failed") == [
        "incidents.STAMP.csv",
        "incidents.STAMP.error.txt",
        "incidents.STAMP.rejects.csv",
    ]


def test_a_mapping_routes_the_nypd_file_by_name(engine: Engine, tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    (drop / "mappings").mkdir(parents=True)
    shutil.copy(ROOT / "examples" / "mappings" / "nypd_shootings.yaml", drop / "mappings")
    slice_ = Path(__file__).parent / "data" / "nypd_shootings_first_2000_lines.csv.gz"
    shutil.copy(slice_, drop / "NYPD_Shooting_Incident_Data__Historic_.csv.gz")
    report = DropFolder(engine, drop, settle_seconds=0).run_once()
    result = report.results[0][1]
    assert (result.status, result.source_rows) == ("ok", 1999)
    assert count(engine, s.Incident) == result.inserted > 0


def test_unsettled_and_temporary_files_wait(engine: Engine, tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    fresh = write_csv(drop / "incidents.csv", INCIDENT_HEADER, [])
    write_csv(drop / ".incidents.csv", INCIDENT_HEADER, [])
    write_csv(drop / "incidents.csv.tmp", INCIDENT_HEADER, [])
    folder = DropFolder(engine, drop, settle_seconds=30)
    now = time.time()
    os.utime(fresh, (now - 10, now - 10))
    assert folder.ready_files(now) == []
    assert folder.ready_files(now + 25) == [fresh]


def test_the_loop_is_bounded_and_stoppable(engine: Engine, tmp_path: Path) -> None:
    folder = DropFolder(engine, tmp_path, settle_seconds=0)
    assert folder.watch(interval=0, max_cycles=3) == 3
    stop = threading.Event()
    reports: list[object] = []
    worker = threading.Thread(
        target=lambda: folder.watch(interval=0.05, stop=stop, on_report=reports.append)
    )
    worker.start()
    while not reports:
        time.sleep(0.01)
    stop.set()
    worker.join(timeout=10)
    assert not worker.is_alive()


def test_routing_by_name() -> None:
    assert route("nibin_leads_2025-06-01.jsonl.gz", []).feed == "nibin_leads"  # type: ignore[union-attr]
    assert route("Lab_Items.csv", []).feed == "lab_items"  # type: ignore[union-attr]
    assert route("summary.csv", []) is None


def test_a_field_over_the_limit_is_a_reject_not_a_retry(engine: Engine, tmp_path: Path) -> None:
    """Issue 14 item 11: the file used to crash every pass and stay in the drop folder."""
    Builder(engine).agency("CT1")
    drop = tmp_path / "drop"
    drop.mkdir()
    rows = [[*row, "1 Main St"] for row in incident_rows(2)]
    rows[0][-1] = "x" * 200_000
    write_csv(drop / "incidents.csv", [*INCIDENT_HEADER, "address"], rows)
    report = DropFolder(engine, drop, settle_seconds=0).run_once()
    assert [(r.status, r.inserted, r.rejected) for _, r in report.results] == [("partial", 1, 1)]
    assert names(drop / "done") == ["incidents.STAMP.csv", "incidents.STAMP.rejects.csv"]
    assert [p for p in drop.iterdir() if p.is_file()] == []


def test_a_file_that_cannot_be_read_goes_to_failed_once(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error that is not the store's goes to failed/ with its error, instead of a retry every
    pass; a store that cannot be reached still leaves the file for the next pass."""
    drop = tmp_path / "drop"
    drop.mkdir()
    write_csv(drop / "incidents.csv", INCIDENT_HEADER, incident_rows(1))
    folder = DropFolder(engine, drop, settle_seconds=0)

    def unreachable(*args: object, **kwargs: object) -> None:
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr("cgic_data.feeds.watch.import_bytes", unreachable)
    folder.run_once()
    assert (drop / "incidents.csv").exists() and names(drop / "failed") == []

    def unreadable(*args: object, **kwargs: object) -> None:
        raise csv.Error("field larger than field limit (131072)")

    monkeypatch.setattr("cgic_data.feeds.watch.import_bytes", unreadable)
    first, second = folder.run_once(), folder.run_once()
    assert names(drop / "failed") == ["incidents.STAMP.csv", "incidents.STAMP.error.txt"]
    error = next((drop / "failed").glob("*.error.txt")).read_text()
    assert "field larger than field limit" in error
    assert [name for name, _ in first.results] == ["incidents.csv"]
    assert second.results == [] and not (drop / "incidents.csv").exists()


def test_a_loaded_file_leaves_nothing_in_failed(engine: Engine, tmp_path: Path) -> None:
    """Issue 14 item 14b: retrying held rows used to write a rejects file into failed/."""
    Builder(engine).agency("CT1")
    drop = tmp_path / "drop"
    drop.mkdir()
    write_csv(drop / "incidents.csv", INCIDENT_HEADER, incident_rows(1))  # INC-000000 only
    items = [["I-1", "CT1", "INC-000000", "bullet"], ["I-2", "CT1", "INC-000001", "bullet"]]
    write_csv(drop / "lab_items.csv", ITEM_HEADER, items)
    folder = DropFolder(engine, drop, settle_seconds=0)
    report = folder.run_once()
    assert [r.status for _, r in report.results] == ["ok", "partial"]
    assert [r.held for _, r in report.retried] == [1]  # retried once, still waiting
    assert names(drop / "failed") == []
    assert names(drop / "done") == [
        "incidents.STAMP.csv",
        "lab_items.STAMP.csv",
        "lab_items.STAMP.rejects.csv",
    ]
    assert names(drop / "held") == ["lab_items.STAMP.held.csv"]


def test_a_held_row_that_can_no_longer_load_goes_to_failed(engine: Engine, tmp_path: Path) -> None:
    """A retry writes no rejects file; a held row now wrong for another reason (here, edited by
    hand) leaves the held file for failed/, with why."""
    Builder(engine).agency("CT1")
    drop = tmp_path / "drop"
    drop.mkdir()
    folder = DropFolder(engine, drop, settle_seconds=0)
    write_csv(drop / "lab_items.csv", ITEM_HEADER, [["I-1", "CT1", "INC-000000", "bullet"]])
    folder.run_once()
    [held] = (drop / "held").iterdir()
    held.write_text(held.read_text().replace("bullet", "pebble"))
    write_csv(drop / "incidents.csv", INCIDENT_HEADER, incident_rows(1))
    folder.run_once()
    assert list((drop / "held").iterdir()) == []
    assert names(drop / "failed") == ["lab_items.STAMP.error.txt", "lab_items.STAMP.rejects.csv"]
    error = next((drop / "failed").glob("*.error.txt")).read_text()
    assert "can no longer load" in error and "kind = 'pebble'" in error
