"""Two imports of one file at once: the second waits for the first and finds every row unchanged,
on SQLite as on PostgreSQL (issue 14, item 12)."""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from cgic_data import schema as s
from cgic_data.feeds import load
from cgic_data.feeds.load import OK, ImportResult, import_file
from tests.factory import Builder
from tests.feeds.helpers import INCIDENT_HEADER, incident_rows, write_csv


def test_two_imports_of_one_file_at_once(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Builder(engine).agency("CT1")
    path = write_csv(tmp_path / "incidents.csv", INCIDENT_HEADER, incident_rows(200))
    # Both imports plan against the store at the same moment, unless one of them is made to wait
    # for the other's lock: the barrier gives up after a second, so a serialised run goes on.
    meet = threading.Barrier(2, timeout=1.0)
    real_plan = load.plan

    def plan_together(*args: Any, **kwargs: Any) -> Any:
        with contextlib.suppress(threading.BrokenBarrierError):
            meet.wait()
        return real_plan(*args, **kwargs)

    monkeypatch.setattr(load, "plan", plan_together)
    results: list[ImportResult] = []

    def run() -> None:
        results.append(import_file(engine, "incidents", path))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [r.status for r in results] == [OK, OK], [r.message for r in results]
    assert sorted((r.inserted, r.unchanged) for r in results) == [(0, 200), (200, 0)]
    with engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(s.Incident)).scalar_one()
        batches = conn.execute(select(s.ImportBatch.status)).scalars().all()
    assert stored == 200 and sorted(batches) == [OK, OK]
