"""`cgic import`, `cgic export` and `cgic watch` on a real store."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from cgic_data import schema as s
from cgic_data.cli import main
from tests.apptest import store_url
from tests.factory import Builder
from tests.feeds.helpers import INCIDENT_HEADER, incident_rows, write_csv

ROOT = Path(__file__).resolve().parents[2]
SLICE = Path(__file__).parent / "data" / "nypd_shootings_first_2000_lines.csv.gz"


def test_import_the_nypd_slice_with_its_mapping(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    mapping = str(ROOT / "examples" / "mappings" / "nypd_shootings.yaml")
    code = main(
        [
            "import",
            "incidents",
            str(SLICE),
            "--mapping",
            mapping,
            "--database-url",
            store_url(engine),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "incidents nypd_shootings_first_2000_lines.csv.gz: ok" in out
    assert "1,999 data lines folded into" in out
    with engine.connect() as conn:
        importers = conn.execute(select(s.ImportBatch.imported_by)).scalars().all()
    assert len(importers) == 1 and importers[0].endswith("(cgic import)")


def test_rejects_exit_1_and_bad_arguments_exit_2(
    engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    Builder(engine).agency("CT1")
    rows = incident_rows(2)
    rows[0][2] = "yesterday"
    path = write_csv(tmp_path / "incidents.csv", INCIDENT_HEADER, rows)
    url = store_url(engine)
    assert main(["import", "incidents", str(path), "--database-url", url]) == 1
    captured = capsys.readouterr()
    assert f"{path}:2: occurred_at = 'yesterday': expected an ISO 8601 date-time" in captured.err
    assert "incidents.rejects.csv" in captured.out
    assert main(["import", "shootings", str(path), "--database-url", url]) == 2
    assert "unknown feed 'shootings'" in capsys.readouterr().err
    assert main(["import", "incidents", str(tmp_path / "nope.csv"), "--database-url", url]) == 2


def test_export_then_watch_once(engine: Engine, tmp_path: Path) -> None:
    Builder(engine).agency("CT1")
    url = store_url(engine)
    drop = tmp_path / "drop"
    drop.mkdir()
    write_csv(drop / "incidents.csv", INCIDENT_HEADER, incident_rows(4))
    assert main(["watch", str(drop), "--once", "--settle", "0", "--database-url", url]) == 0
    assert main(["export", "incidents", str(tmp_path / "out.jsonl.gz"), "--database-url", url]) == 0
    with engine.connect() as conn:
        exports = (
            conn.execute(select(s.AuditEntry.target).where(s.AuditEntry.action == "export"))
            .scalars()
            .all()
        )
    assert exports == ["incidents: out.jsonl.gz"]
    assert len(list((drop / "done").iterdir())) == 1
