"""Import throughput and peak memory: ``cgic import`` next to the backend's raw bulk load.

usage: .venv/bin/python bench/import_throughput.py [--rows 100000 1000000] [--sqlite-only | --url URL]

For each backend — SQLite (a fresh file in a temporary folder) and PostgreSQL (the throw-away
store at ``CGIC_BENCH_POSTGRES_URL`` or ``CGIC_TEST_POSTGRES_URL``, migrated first; the bench's
rows are deleted before and after) — and each ``--rows``, one generated CSV of incidents of a
bench agency ``BENCH`` goes through:
  * import, all rows new (stream in chunks, validate in columns, bulk key lookups, bulk INSERT);
  * import of the same file again (all unchanged: nothing written);
  * import with every tenth row corrected (bulk UPDATE of those) — at the smallest size only;
  * the ceiling: the same rows, already converted, loaded the fastest way the backend has —
    SQLite ``executemany`` in one transaction, PostgreSQL ``COPY ... FROM STDIN`` via psycopg.
Each step runs in a child process of its own, so its peak resident memory (``ru_maxrss`` from
``os.wait4``) is that step's alone. Reported: rows/s of wall time, the percentage of the ceiling
measured in the same run, rows/s of the child's own CPU time (the machine may be shared; the
PostgreSQL server's work is not in it) and peak memory; a markdown table is printed. Not a test: timings are
reported, never asserted.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, create_engine, delete, insert, make_url, select

from cgic_data import schema as s
from cgic_data.feeds.load import import_file
from cgic_data.scope import Viewer
from cgic_data.store import make_engine, migrate

AGENCY = "BENCH"
HEADER = ["agency_code", "incident_number", "occurred_at", "kind"]
HEADER += ["victims_injured", "victims_killed", "lat", "lon"]
KINDS = ["shooting", "shots fired", "gun recovery"]
_SPAN = 25 * 365 * 24 * 60  # minutes: every date between 2000 and 2025, never in the future


def rows(count: int, corrected_every: int = 0) -> Iterator[list[object]]:
    base = datetime(2000, 1, 1)
    for n in range(count):
        yield [
            AGENCY,
            f"B-{n:07d}",
            (base + timedelta(minutes=17 * n % _SPAN)).isoformat(),
            KINDS[n % 3],
            n % 3 + (1 if corrected_every and n % corrected_every == 0 else 0),
            int(n % 11 == 0),
            41.0 + (n % 1000) / 1000,
            -73.0 + (n % 997) / 1000,
        ]


def write(path: Path, data: Iterator[list[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(data)
    return path


def clean(engine: Engine) -> None:
    """The bench agency, its incidents and the bench's import batches, gone."""
    with engine.begin() as conn:
        agency = conn.execute(select(s.Agency.id).where(s.Agency.code == AGENCY)).scalar()
        if agency is not None:
            conn.execute(delete(s.Incident).where(s.Incident.agency_id == agency))
            conn.execute(delete(s.Agency).where(s.Agency.id == agency))
        batches = select(s.ImportBatch.id).where(s.ImportBatch.imported_by == "bench")
        conn.execute(delete(s.ImportReject).where(s.ImportReject.batch_id.in_(batches)))
        conn.execute(delete(s.ImportBatch).where(s.ImportBatch.imported_by == "bench"))


def agency_id(engine: Engine) -> int:
    with engine.begin() as conn:
        found = conn.execute(select(s.Agency.id).where(s.Agency.code == AGENCY)).scalar()
        if found is not None:
            return found
        return conn.execute(
            insert(s.Agency)
            .values(code=AGENCY, name="Bench agency", kind=s.AgencyKind.LOCAL)
            .returning(s.Agency.id)
        ).scalar_one()


def raw_load(engine: Engine, count: int) -> float:
    """The backend's own bulk path for the same rows, values already in storage form (seconds;
    converting them is not timed)."""
    agency = agency_id(engine)
    raw = engine.raw_connection()
    try:
        if engine.dialect.name == "sqlite":
            stored = [
                (agency, r[1], str(r[2]).replace("T", " ") + ".000000", *r[3:]) for r in rows(count)
            ]
            started = time.perf_counter()
            raw.execute("BEGIN")  # type: ignore[attr-defined]
            raw.executemany(  # type: ignore[attr-defined]
                "INSERT INTO incidents (agency_id, incident_number, occurred_at, kind, "
                "victims_injured, victims_killed, lat, lon) VALUES (?,?,?,?,?,?,?,?)",
                stored,
            )
            raw.commit()
            return time.perf_counter() - started
        typed = [(agency, r[1], datetime.fromisoformat(str(r[2])), *r[3:]) for r in rows(count)]
        started = time.perf_counter()
        with (
            raw.cursor() as cursor,
            cursor.copy(  # type: ignore[attr-defined]
                "COPY incidents (agency_id, incident_number, occurred_at, kind, "
                "victims_injured, victims_killed, lat, lon) FROM STDIN"
            ) as sink,
        ):
            for row in typed:
                sink.write_row(row)
        raw.commit()
        return time.perf_counter() - started
    finally:
        raw.close()


def child(step: str, url: str, path: str, count: int) -> None:
    """One step, in this process of its own; prints its outcome as one JSON line."""
    engine = make_engine(url)
    if step == "ceiling":
        with engine.begin() as conn:
            conn.execute(delete(s.Incident).where(s.Incident.agency_id == agency_id(engine)))
        cpu = time.process_time()
        wall = raw_load(engine, count)
        print(json.dumps({"wall": wall, "cpu": time.process_time() - cpu, "summary": ""}))
        return
    viewer = Viewer.system("bench")
    started, cpu = time.perf_counter(), time.process_time()
    result = import_file(engine, "incidents", path, viewer=viewer)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(json.dumps({"wall": wall, "cpu": cpu, "summary": result.summary()}))


def run_child(step: str, url: str, path: Path, count: int) -> tuple[float, float, float, str]:
    """(wall s, CPU s of the child, peak MB, summary) of one step run in a child process."""
    command = [sys.executable, __file__, "--child", step, "--url", url, "--file", str(path)]
    command += ["--rows", str(count)]
    root = str(Path(__file__).resolve().parents[1])  # this checkout's cgic_data, not another's
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"{step} failed ({process.returncode}): {output}")
    outcome = json.loads(output.strip().splitlines()[-1])
    peak = usage.ru_maxrss / 1024  # KB on Linux
    return outcome["wall"], outcome["cpu"], peak, outcome["summary"]


def bench(url: str, counts: list[int], folder: Path) -> list[tuple]:
    engine = make_engine(url)
    migrate(engine)
    backend = engine.dialect.name
    lines = []
    for count in counts:
        clean(engine)
        agency_id(engine)
        first = write(folder / f"incidents-{count}.csv", rows(count))
        steps = [("import: all new (INSERT)", "import", first)]
        steps.append(("import again: all unchanged", "import", first))
        if count == min(counts):
            corrected = write(folder / f"corrected-{count}.csv", rows(count, corrected_every=10))
            steps.append(("import: every 10th corrected (UPDATE)", "import", corrected))
        how = "executemany, 1 transaction" if backend == "sqlite" else "COPY"
        steps.append((f"ceiling: raw {how}", "ceiling", first))
        measured = [(label, *run_child(step, url, path, count)) for label, step, path in steps]
        ceiling = count / measured[-1][1]
        for label, wall, cpu, peak, summary in measured:
            lines.append((backend, count, label, wall, cpu, ceiling, peak, summary))
            print(f"  {backend} {count:,} {label}: {wall:.1f} s (CPU {cpu:.1f}), {peak:.0f} MB")
            print(f"    {summary}")
        for path in {path for _, _, path in steps}:
            path.unlink()
    clean(engine)
    engine.dispose()
    return lines


@contextmanager
def postgres_store() -> Iterator[str | None]:
    """``CGIC_BENCH_POSTGRES_URL`` as it is, or a database of the bench's own on the server of
    ``CGIC_TEST_POSTGRES_URL`` (``scripts/test-postgres.sh``), dropped afterwards."""
    if os.environ.get("CGIC_BENCH_POSTGRES_URL"):
        yield os.environ["CGIC_BENCH_POSTGRES_URL"]
        return
    admin_url = os.environ.get("CGIC_TEST_POSTGRES_URL")
    if not admin_url:
        yield None
        return
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"cgic_bench_import_{os.getpid()}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--url", help="only this throw-away store (a SQLAlchemy URL)")
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.url, args.file, args.rows[0])
        return
    lines = []
    with tempfile.TemporaryDirectory() as folder:
        urls = [args.url] if args.url else [f"sqlite:///{folder}/bench.db"]
        for url in urls:
            lines += bench(url, args.rows, Path(folder))
        if not args.url and not args.sqlite_only:
            with postgres_store() as url:
                if url:
                    lines += bench(url, args.rows, Path(folder))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\n{os.cpu_count()} CPUs, load {load:.1f} at the end")
    print("| backend | rows | step | wall s | rows/s | % of ceiling | rows/s (CPU) | peak memory |")
    print("|---|---:|---|---:|---:|---:|---:|---:|")
    for backend, count, label, wall, cpu, ceiling, peak, _ in lines:
        rate = count / wall
        cells = [backend, f"{count:,}", label, f"{wall:.1f}", f"{rate:,.0f}"]
        cells += [f"{100 * rate / ceiling:.0f} %", f"{count / cpu:,.0f}", f"{peak:.0f} MB"]
        print(f"| {' | '.join(cells)} |")


if __name__ == "__main__":
    main()
