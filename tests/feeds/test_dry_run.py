"""``--dry-run`` is a rehearsal: the real import's counts and rejects file, nothing changed."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from cgic_data import schema as s
from cgic_data.cli import main
from cgic_data.feeds.load import CHECKED, PARTIAL, ImportResult, import_file
from tests.apptest import store_url
from tests.factory import Builder
from tests.feeds.helpers import INCIDENT_HEADER, incident_rows, snapshot, write_csv


def _counts(result: ImportResult) -> tuple[object, ...]:
    return (
        result.rows_in,
        result.inserted,
        result.updated,
        result.unchanged,
        result.rejected,
        result.held,
        [(p.line, p.column, p.value, p.expected) for p in result.problems],
        [(w.line, w.column, w.expected) for w in result.row_warnings],
    )


def _file(tmp_path: Path) -> Path:
    rows = incident_rows(6)
    rows[1][4] = 2  # an update of a loaded incident
    rows[3][3] = "arson"  # a bad code
    rows[4][0] = "CT9"  # an agency the store lacks: held
    rows[5][2] = "2999-01-01T00:00:00"  # in the future
    rows += incident_rows(2, start=10)  # new
    return write_csv(tmp_path / "incidents.csv", INCIDENT_HEADER, rows)


def test_a_dry_run_gives_the_real_runs_counts_and_rejects_and_changes_nothing(
    engine: Engine, tmp_path: Path
) -> None:
    Builder(engine).agency("CT1")
    loaded = write_csv(tmp_path / "first.csv", INCIDENT_HEADER, incident_rows(3))
    import_file(engine, "incidents", loaded)
    path = _file(tmp_path)
    rejects = tmp_path / "incidents.rejects.csv"
    before = snapshot(engine)
    with engine.connect() as conn:
        batches = conn.execute(select(func.count()).select_from(s.ImportBatch)).scalar_one()

    rehearsal = import_file(engine, "incidents", path, dry_run=True)
    rehearsed_rejects = rejects.read_bytes()
    assert snapshot(engine) == before
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(s.ImportBatch)).scalar_one() == batches
        problems = conn.execute(select(func.count()).select_from(s.ImportReject)).scalar_one()
    assert (rehearsal.status, rehearsal.batch_id, rehearsal.rejects_path) == (
        CHECKED,
        None,
        rejects,
    )

    rejects.unlink()
    real = import_file(engine, "incidents", path)
    assert real.status == PARTIAL
    assert _counts(rehearsal) == _counts(real)
    changed = (real.inserted, real.updated, real.unchanged, real.rejected, real.held)
    assert changed == (2, 1, 2, 3, 1)
    assert rejects.read_bytes() == rehearsed_rejects
    with engine.connect() as conn:  # the real run recorded its problems; the rehearsal did not
        assert (
            conn.execute(select(func.count()).select_from(s.ImportReject)).scalar_one() > problems
        )


def test_the_cli_dry_run_reports_like_the_real_run(
    engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    Builder(engine).agency("CT1")
    path = _file(tmp_path)
    url = store_url(engine)
    assert main(["import", "incidents", str(path), "--dry-run", "--database-url", url]) == 1
    rehearsed = capsys.readouterr()
    assert (tmp_path / "incidents.rejects.csv").exists()
    assert main(["import", "incidents", str(path), "--database-url", url]) == 1
    real = capsys.readouterr()
    assert rehearsed.out.splitlines()[0].split(" — ")[1] == real.out.splitlines()[0].split(" — ")[1]
    assert rehearsed.err == real.err
