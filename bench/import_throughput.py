"""Import throughput: 100k incident rows through ``cgic import`` next to the backend's raw bulk load.

usage: .venv/bin/python bench/import_throughput.py --url URL [--rows 100000]

On the store at URL (migrated first; use a throw-away store) it times, for one generated CSV of
``--rows`` incidents of a bench agency ``BENCH``:
  * import, all rows new (validate with pydantic, bulk key lookups, bulk INSERT);
  * import of the same file again (all unchanged: nothing written);
  * import with every tenth row corrected (bulk UPDATE of those);
  * the ceiling: the same rows, already converted, loaded the fastest way the backend has —
    SQLite ``executemany`` in one transaction, PostgreSQL ``COPY ... FROM STDIN`` via psycopg.
Each is reported as rows/s of wall time and of this process's CPU time (the two differ when the
machine is shared). The bench's rows and batches are deleted at the end. Not a test: timings are
reported, never asserted.
"""

from __future__ import annotations

import argparse
import csv
import os
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, delete, insert, select

from cgic_data import schema as s
from cgic_data.feeds.load import import_file
from cgic_data.scope import Viewer
from cgic_data.store import make_engine, migrate

AGENCY = "BENCH"
HEADER = ["agency_code", "incident_number", "occurred_at", "kind"]
HEADER += ["victims_injured", "victims_killed", "lat", "lon"]
KINDS = ["shooting", "shots fired", "gun recovery"]


def rows(count: int, corrected_every: int = 0) -> list[list[object]]:
    base = datetime(2024, 1, 1)
    return [
        [
            AGENCY,
            f"B-{n:07d}",
            (base + timedelta(minutes=17 * n)).isoformat(),
            KINDS[n % 3],
            n % 3 + (1 if corrected_every and n % corrected_every == 0 else 0),
            int(n % 11 == 0),
            41.0 + (n % 1000) / 1000,
            -73.0 + (n % 997) / 1000,
        ]
        for n in range(count)
    ]


def write(path: Path, data: list[list[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(data)
    return path


def timed(step: Callable[[], object]) -> tuple[float, float, object]:
    wall, cpu = time.perf_counter(), time.process_time()
    outcome = step()
    return time.perf_counter() - wall, time.process_time() - cpu, outcome


def clean(engine: Engine, batch_ids: list[int]) -> None:
    with engine.begin() as conn:
        agency = conn.execute(select(s.Agency.id).where(s.Agency.code == AGENCY)).scalar()
        if agency is not None:
            conn.execute(delete(s.Incident).where(s.Incident.agency_id == agency))
            conn.execute(delete(s.Agency).where(s.Agency.id == agency))
        if batch_ids:
            conn.execute(delete(s.ImportReject).where(s.ImportReject.batch_id.in_(batch_ids)))
            conn.execute(delete(s.ImportBatch).where(s.ImportBatch.id.in_(batch_ids)))


def raw_load(engine: Engine, agency_id: int, data: list[list[object]]) -> Callable[[], None]:
    """The backend's own bulk path for the same rows, values already in storage form."""
    if engine.dialect.name == "sqlite":
        stored = [(agency_id, r[1], str(r[2]).replace("T", " ") + ".000000", *r[3:]) for r in data]

        def load() -> None:
            raw = engine.raw_connection()
            try:
                raw.execute("BEGIN")
                raw.executemany(
                    "INSERT INTO incidents (agency_id, incident_number, occurred_at, kind, "
                    "victims_injured, victims_killed, lat, lon) VALUES (?,?,?,?,?,?,?,?)",
                    stored,
                )
                raw.commit()
            finally:
                raw.close()

        return load
    stored_pg = [(agency_id, r[1], datetime.fromisoformat(str(r[2])), *r[3:]) for r in data]

    def copy() -> None:
        raw = engine.raw_connection()
        try:
            with (
                raw.cursor() as cursor,
                cursor.copy(  # type: ignore[attr-defined]
                    "COPY incidents (agency_id, incident_number, occurred_at, kind, "
                    "victims_injured, victims_killed, lat, lon) FROM STDIN"
                ) as sink,
            ):
                for row in stored_pg:
                    sink.write_row(row)
            raw.commit()
        finally:
            raw.close()

    return copy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True, help="SQLAlchemy URL of a throw-away store")
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    engine = make_engine(args.url)
    migrate(engine)
    clean(engine, [])
    with engine.begin() as conn:
        agency_id = conn.execute(
            insert(s.Agency)
            .values(code=AGENCY, name="Bench agency", kind=s.AgencyKind.LOCAL)
            .returning(s.Agency.id)
        ).scalar_one()
    viewer = Viewer.system("bench")
    batch_ids: list[int] = []
    report = []
    with tempfile.TemporaryDirectory() as folder:
        first = write(Path(folder) / "incidents.csv", rows(args.rows))
        corrected = write(Path(folder) / "corrected.csv", rows(args.rows, corrected_every=10))
        for label, path in [
            ("import: all new (INSERT)", first),
            ("import again: all unchanged", first),
            ("import: every 10th corrected (UPDATE)", corrected),
        ]:
            wall, cpu, result = timed(
                lambda p=path: import_file(engine, "incidents", p, viewer=viewer)
            )
            batch_ids.append(result.batch_id)  # type: ignore[attr-defined]
            report.append((label, wall, cpu, result.summary()))  # type: ignore[attr-defined]
        with engine.begin() as conn:
            conn.execute(delete(s.Incident).where(s.Incident.agency_id == agency_id))
        ceiling = raw_load(engine, agency_id, rows(args.rows))
        how = "executemany, 1 transaction" if engine.dialect.name == "sqlite" else "COPY"
        wall, cpu, _ = timed(ceiling)
        report.append((f"ceiling: raw {how}", wall, cpu, ""))
    clean(engine, batch_ids)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{engine.dialect.name}, {args.rows:,} rows, {os.cpu_count()} CPUs, load {load:.1f}")
    print("| step | wall s | rows/s (wall) | rows/s (CPU of this process) |")
    print("|---|---:|---:|---:|")
    for label, wall, cpu, _ in report:
        print(f"| {label} | {wall:.1f} | {args.rows / wall:,.0f} | {args.rows / cpu:,.0f} |")
    for label, _, _, summary in report:
        if summary:
            print(f"  {label}: {summary}")


if __name__ == "__main__":
    main()
