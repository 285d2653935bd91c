"""Time the slow pages' own queries (issue 16, item 4) directly on a store, no Streamlit.

usage: .venv/bin/python bench/queries.py [--scale 20] [--backends sqlite,postgresql] [--runs 3]
                                         [--only traces,briefing] [--save out.json]
                                         [--compare before.json] [--against ../other-checkout]

For the lab-wide viewer and the busiest agency's commander, at the default period (Last 28 days)
and at All dates, it runs each query the Trace intelligence, Weekly briefing, Series network,
Command overview, Leads, Officer-safety bulletin and Record pages open with, and prints the least
seconds of ``--runs`` runs after a warm-up (the briefing is of last week whatever the period).
``--save`` keeps the timings as JSON; ``--compare`` prints them next to an earlier file.
``--against`` runs every call in another checkout (say, a worktree of main) and in this one,
alternately, so both see the same load: the fair before/after on a busy machine. The stores:
``bench/out/perf-<scale>.sqlite`` and the PostgreSQL database ``cgic_perf_<scale>``
(``CGIC_TEST_POSTGRES_URL``, a role that may create databases), built by the demo generator when
missing. Nothing here is a test: timings are noisy, they are reported.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, create_engine, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from cgic_data import leadwork  # noqa: E402
from cgic_data.metrics import time_to_crime, traces  # noqa: E402
from cgic_data.queries import lead_selection, network, overview, records  # noqa: E402
from cgic_data.queries import traces as trace_lists  # noqa: E402
from cgic_data.queries.briefing import week_of, weekly_briefing  # noqa: E402
from cgic_data.queries.bulletin import bulletin_content  # noqa: E402
from cgic_data.queries.leads import LeadFilter  # noqa: E402
from cgic_data.schema import Agency, Incident, Role  # noqa: E402
from cgic_data.scope import IncidentFilter, Viewer  # noqa: E402
from cgic_data.store import is_empty, make_engine, prepare, reference_day, store_info  # noqa: E402

PERIODS = {"Last 28 days": 28, "All dates": None}


def perf_store(backend: str, scale: float) -> Engine:
    """This bench's store (built on first use): not the page benchmark's ``cgic_bench_*``."""
    tag = f"{scale:g}".replace(".", "_")
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{ROOT / 'bench' / 'out' / f'perf-{tag}.sqlite'}")
    else:
        admin_url = os.environ.get("CGIC_TEST_POSTGRES_URL")
        if not admin_url:
            raise SystemExit("PostgreSQL: set CGIC_TEST_POSTGRES_URL (. scripts/test-postgres.sh)")
        name = f"cgic_perf_{tag}"
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            found = conn.execute(text("select 1 from pg_database where datname=:n"), {"n": name})
            if not found.first():
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        engine = make_engine(url)
    prepare(engine)
    if is_empty(engine):
        from cgic_data.demo import seed_demo

        seed_demo(engine, seed=1, scale=scale)
    return engine


Call = tuple[str, str, Callable[[], Any]]  # (group, name, thunk)


def calls(engine: Engine) -> list[tuple[str, list[Call]]]:
    """(view label, its calls): every query of the pages above, with the arguments they pass."""
    with engine.connect() as conn:
        busiest = conn.execute(
            select(Agency.id)
            .join(Incident, Incident.agency_id == Agency.id)
            .group_by(Agency.id)
            .order_by(func.count().desc())
            .limit(1)
        ).scalar_one()
    today = reference_day(store_info(engine))
    viewers = {
        "lab": Viewer("bench-lab", Role.ADMIN, None),
        "agency": Viewer("bench-commander", Role.COMMANDER, busiest),
    }
    out = []
    for who, viewer in viewers.items():
        for period, days in PERIODS.items():
            filt = (
                IncidentFilter(start=today - timedelta(days=days - 1), end=today)
                if days
                else (IncidentFilter())
            )
            out.append((f"{who} {period}", view_calls(engine, viewer, filt, today)))
    return out


def view_calls(engine: Engine, viewer: Viewer, filt: IncidentFilter, today: Any) -> list[Call]:
    e = engine
    choices = lead_selection.series_choices(e, viewer, filt)
    largest = (
        str(choices.sort_values("incidents", ascending=False)["series_id"].iloc[0])
        if not choices.empty
        else None
    )
    selection = lead_selection.select_view(e, viewer, "series", largest) if largest else None
    agency_id = None if viewer.sees_all_agencies else viewer.agency_id
    week = week_of(today) - timedelta(weeks=1)
    found: list[Call] = [
        ("traces", "time_to_crime", lambda: time_to_crime.time_to_crime(e, viewer, filt, False)),
        ("traces", "sources", lambda: traces.sources(e, viewer, filt, False)),
        ("traces", "indicator_counts", lambda: traces.indicator_counts(e, viewer, filt, False)),
        ("traces", "top_dealers", lambda: traces.top_dealers(e, viewer, filt, False)),
        ("traces", "trace_coverage", lambda: traces.trace_coverage(e, viewer, filt)),
        (
            "traces",
            "untraced_nibin_guns",
            lambda: trace_lists.untraced_nibin_guns(e, viewer, filt, 500),
        ),
        (
            "traces",
            "trace_list",
            lambda: trace_lists.trace_list(e, viewer, filt, False, False, 500),
        ),
        ("traces", "guns_in_shootings", lambda: trace_lists.guns_in_shootings(e, viewer, filt)),
        (
            "traces",
            "indicator_counts fired",
            lambda: traces.indicator_counts(e, viewer, filt, True),
        ),
        ("briefing", "weekly_briefing", lambda: weekly_briefing(e, viewer, week, agency_id)),
        ("overview", "period_counts", lambda: overview.period_counts(e, viewer, filt)),
        ("leads", "lead_queue", lambda: leadwork.lead_queue(e, viewer, filt, LeadFilter(), today)),
        (
            "network",
            "subjects_across_series",
            lambda: network.subjects_across_series(e, viewer, filt),
        ),
        ("selection", "series_choices", lambda: lead_selection.series_choices(e, viewer, filt)),
        ("records", "find_incidents ''", lambda: records.find_incidents(e, viewer, "", 10)),
        ("records", "find_incidents '12'", lambda: records.find_incidents(e, viewer, "12")),
    ]
    if selection is not None:
        found += [
            ("network", "series_graph", lambda: network.series_graph(e, viewer, selection)),
            (
                "bulletin",
                "bulletin_content",
                lambda: bulletin_content(e, viewer, "series", largest),
            ),
        ]
    return found


def timed(thunk: Callable[[], Any], runs: int) -> float:
    """The least of ``runs`` runs after a warm-up (the database's page cache, SQLAlchemy's
    statement cache): on a shared machine the minimum is what repeats, the median is load."""
    thunk()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        thunk()
        times.append(time.perf_counter() - started)
    return min(times)


def serve(backend: str, scale: float) -> None:
    """Worker of ``--against``: prints its call keys (JSON), then runs each key read on stdin
    once and prints the seconds."""
    engine = perf_store(backend, scale)
    table = {
        f"{view} | {group}.{name}": thunk
        for view, view_list in calls(engine)
        for group, name, thunk in view_list
    }
    print(json.dumps(list(table)), flush=True)
    for line in sys.stdin:
        started = time.perf_counter()
        table[line.strip()]()
        print(time.perf_counter() - started, flush=True)


class Worker:
    """This script in another checkout (``--against``), serving calls on its own store."""

    def __init__(self, checkout: Path, backend: str, scale: float) -> None:
        script = checkout / "bench" / "queries.py"
        args = [sys.executable, str(script), "--serve", backend, "--scale", str(scale)]
        self.process = subprocess.Popen(
            args, cwd=checkout, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdin and self.process.stdout
        self.stdin, self.stdout = self.process.stdin, self.process.stdout
        self.keys: list[str] = json.loads(self.stdout.readline())

    def run(self, key: str) -> float:
        self.stdin.write(key + "\n")
        self.stdin.flush()
        return float(self.stdout.readline())

    def close(self) -> None:
        self.stdin.close()
        self.process.wait()


def against(checkout: Path, backend: str, scale: float, runs: int, only: set[str]) -> None:
    """Each call in the other checkout and in this one, alternately (both under the same load),
    the least of ``runs`` each. The other checkout's store is its own ``bench/out`` file and, on
    PostgreSQL, the database its copy of this script names: give it a copy of the store."""
    before, after = Worker(checkout, backend, scale), Worker(ROOT, backend, scale)
    print(f"## {backend}, scale {scale:g}: {checkout} (before) against {ROOT} (after)")
    for key in after.keys:
        group = key.split(" | ")[1].split(".")[0]
        if key not in before.keys or (only and group not in only):
            continue
        was, now = [], []
        before.run(key), after.run(key)  # warm-up
        for _ in range(runs):
            was.append(before.run(key))
            now.append(after.run(key))
        print(
            f"  {key:62s} before {min(was):7.3f}s  after {min(now):7.3f}s  "
            f"x{min(was) / max(min(now), 1e-6):5.1f}",
            flush=True,
        )
    before.close()
    after.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=20.0)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", default="", help="groups to run, comma-separated")
    parser.add_argument("--save", default="")
    parser.add_argument("--compare", default="")
    parser.add_argument("--against", default="", help="another checkout to alternate with")
    parser.add_argument("--serve", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.scale)
        return 0
    only = {g for g in args.only.split(",") if g}
    if args.against:
        for backend in args.backends.split(","):
            against(Path(args.against).resolve(), backend, args.scale, args.runs, only)
        return 0
    before = json.loads(Path(args.compare).read_text()) if args.compare else {}
    results: dict[str, float] = {}
    for backend in args.backends.split(","):
        engine = perf_store(backend, args.scale)
        print(f"## {backend}, scale {args.scale:g}", flush=True)
        for view, view_list in calls(engine):
            for group, name, thunk in view_list:
                if only and group not in only:
                    continue
                key = f"{backend} | {view} | {group}.{name}"
                results[key] = seconds = timed(thunk, args.runs)
                was = before.get(key)
                change = f"  before {was:7.3f}s  x{was / max(seconds, 1e-6):5.1f}" if was else ""
                print(f"  {view:22s} {group}.{name:28s} {seconds:7.3f}s{change}", flush=True)
        engine.dispose()
    if args.save:
        Path(args.save).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
