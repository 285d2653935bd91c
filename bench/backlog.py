"""Time the Lab backlog page and each of its queries on a bench store, on SQLite and PostgreSQL.

usage: .venv/bin/python bench/backlog.py [--sqlite bench/out/bench-20.sqlite]
                                         [--postgres-db cgic_backlog_20] [--runs 3]
                                         [--backends sqlite,postgresql]
                                         [--views "lab:Last 28 days,agency:Last 28 days,..."]

For each view (a lab-wide admin or the busiest agency's commander, signed in; a sidebar period)
it prints the page's cold and warm seconds through ``streamlit.testing.v1.AppTest`` (as
bench/run.py measures every page), then each ``cached()`` call the page made, run directly on the
engine (median of ``--runs``). The stores are migrated first (``cgic_data.store.prepare``).
Nothing here is a test: timings are printed, not asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, make_url  # noqa: E402

import cgic_ui.runtime as runtime  # noqa: E402
from bench.run import _record_queries, started_app, timed_run, views  # noqa: E402
from cgic_data.store import make_engine, prepare  # noqa: E402
from cgic_ui.context import ALL_DATES, DEFAULT_PERIOD  # noqa: E402

PAGE = "pages/backlog.py"


def store(backend: str, args: argparse.Namespace) -> Engine:
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{Path(args.sqlite).resolve()}")
    else:
        admin = os.environ.get("CGIC_BENCH_POSTGRES_URL") or os.environ["CGIC_TEST_POSTGRES_URL"]
        url = make_url(admin).set(database=args.postgres_db)
        engine = make_engine(url.render_as_string(hide_password=False))
    prepare(engine)
    return engine


def bench(engine: Engine, runs: int, spec: str) -> None:
    import streamlit as st

    os.environ["CGIC_DATABASE_URL"] = engine.url.render_as_string(hide_password=False)
    os.environ["CGIC_DEMO_ON_EMPTY"] = "never"
    os.environ.pop("CGIC_AUTH", None)
    for view in views(engine, spec):
        at = started_app(view)
        st.cache_data.clear()
        calls: list = []
        original, recording = _record_queries(calls)
        runtime._cached_call = recording  # type: ignore[assignment]
        try:
            cold, errors = timed_run(at, PAGE, {})
        finally:
            runtime._cached_call = original  # type: ignore[assignment]
        warm_runs = [timed_run(started_app(view), PAGE, {}) for _ in range(runs)]
        warm = statistics.median(s for s, _ in warm_runs)
        errors += [e for _, run_errors in warm_runs for e in run_errors]
        per_call = []
        for function, call_args, kwargs in calls:
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                function(engine, *call_args, **kwargs)
                times.append(time.perf_counter() - started)
            per_call.append((f"{function.__module__.split('.')[-1]}.{function.__name__}", times))
        sql = sum(statistics.median(t) for _, t in per_call)
        print(
            f"{engine.dialect.name:10s} {view.who[:24]:24s} {view.period:13s} "
            f"cold {cold:6.2f}s warm {warm:6.2f}s sql {sql:6.2f}s {' '.join(errors)[:200]}",
            flush=True,
        )
        for name, times in per_call:
            print(f"    {name:40s} {statistics.median(times):6.3f}s", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite", default=str(ROOT / "bench" / "out" / "bench-20.sqlite"))
    parser.add_argument("--postgres-db", default="cgic_backlog_20")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--views",
        default=f"lab:{DEFAULT_PERIOD},agency:{DEFAULT_PERIOD},lab:{ALL_DATES},agency:{ALL_DATES}",
    )
    args = parser.parse_args()
    for backend in args.backends.split(","):
        engine = store(backend, args)
        bench(engine, args.runs, args.views)
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
