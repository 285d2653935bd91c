"""Benchmark every page of the app on a store of a given scale, on SQLite and PostgreSQL.

usage: .venv/bin/python bench/run.py [--scale 100] [--backends sqlite,postgresql] [--runs 3]
                                     [--reuse] [--out bench/results.md]

For each backend it builds a demo store at ``--scale`` (timed; ``--reuse`` keeps an existing one),
then for every page in ``cgic_ui.navigation.PAGES``:
  * cold: the page script through ``streamlit.testing.v1.AppTest`` with empty caches;
  * warm: the same run again with caches filled (median of ``--runs``);
  * sql:  the page's own queries (recorded during the cold run) run directly on the engine, no
          Streamlit, no cache (median of ``--runs``);
and an empty Streamlit page as the floor. It prints one table and writes it to ``--out`` with the
machine, the backends and the scale. Nothing here is a test: timings are noisy, they are reported.

PostgreSQL: ``CGIC_BENCH_POSTGRES_URL`` (or ``CGIC_TEST_POSTGRES_URL``), a role that may create
databases; the bench store is the database ``cgic_bench_<scale>``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402
from sqlalchemy import Engine, create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

import cgic_ui.runtime as runtime  # noqa: E402
from cgic_data.metrics.series import series_membership  # noqa: E402
from cgic_data.scope import Viewer  # noqa: E402
from cgic_data.store import is_empty, make_engine, prepare  # noqa: E402
from cgic_ui.navigation import PAGES  # noqa: E402

APP = str(ROOT / "app.py")
TIMEOUT = 600


@dataclass
class PageTiming:
    title: str
    cold: float
    warm: float
    sql: float
    queries: int
    errors: list[str] = field(default_factory=list)

    @property
    def warm_target(self) -> float:
        """Issue 9's target for a warm run: 1.5 x the page's own SQL time + 0.2 s."""
        return 1.5 * self.sql + 0.2


def bench_store(backend: str, scale: float, reuse: bool) -> tuple[Engine, float | None]:
    """The store to measure, and how long building it took (None when reused)."""
    if backend == "sqlite":
        path = ROOT / "bench" / "out" / f"bench-{scale:g}.sqlite"
        if path.exists() and not reuse:
            path.unlink()
        engine = make_engine(f"sqlite:///{path}")
    else:
        admin_url = os.environ.get("CGIC_BENCH_POSTGRES_URL") or os.environ.get(
            "CGIC_TEST_POSTGRES_URL"
        )
        if not admin_url:
            raise SystemExit("PostgreSQL: set CGIC_BENCH_POSTGRES_URL (a role that may createdb)")
        name = f"cgic_bench_{str(scale).replace('.', '_')}"
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            exists = conn.execute(text("select 1 from pg_database where datname=:n"), {"n": name})
            if exists.first() and not reuse:
                conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
                exists = None
            if not exists or not reuse:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        engine = make_engine(url)
    prepare(engine)
    if not is_empty(engine):
        return engine, None
    from cgic_data.demo import seed_demo

    started = time.perf_counter()
    seed_demo(engine, seed=1, scale=scale)
    return engine, time.perf_counter() - started


def _record_queries(calls: list[tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]]):  # type: ignore[no-untyped-def]
    """Wrap the cached runner every ``cached()`` call goes through, so a page run lists its
    queries (module-level ``from cgic_ui.runtime import cached`` bindings included)."""
    original = runtime._cached_call

    def recording(url: str, module: str, name: str, args: Any, kwargs: Any) -> Any:
        function = getattr(importlib.import_module(module), name)
        calls.append((function, args, kwargs))
        return original(url, module, name, args, kwargs)

    return original, recording


def started_app() -> AppTest:
    """app.py run once (sign-in off, the default page): the session and shared filter exist.

    The sidebar period is "All dates": every page at its heaviest, the whole store in scope."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["period"] = "All dates"
    at.run()
    return at


def timed_run(at: AppTest, path: str, query: dict[str, str]) -> tuple[float, list[str]]:
    """Seconds for one run of the page ``path`` with URL ``query`` in ``at``, and its errors."""
    started = time.perf_counter()
    at.switch_page(path)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    elapsed = time.perf_counter() - started
    return elapsed, [str(e.value)[:200] for e in at.exception]


def floor_seconds(runs: int) -> float:
    """An empty Streamlit page through AppTest: the cost no page can go under."""
    times = []
    for _ in range(runs):
        at = AppTest.from_string("import streamlit as st\nst.write('')", default_timeout=TIMEOUT)
        started = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def page_queries(engine: Engine) -> dict[str, dict[str, str]]:
    """URL parameters that make the lead pages show the store's largest series (their heaviest
    view); the other pages open as a user lands on them."""
    membership = series_membership(engine, Viewer.system())
    if membership.empty:
        return {}
    largest = str(membership["series_id"].value_counts().idxmax())
    view = {"show": "Series", "series": largest}
    return {f"pages/{name}.py": view for name in ("packet", "timeline", "network")}


def bench_pages(engine: Engine, runs: int) -> list[PageTiming]:
    os.environ["CGIC_DATABASE_URL"] = engine.url.render_as_string(hide_password=False)
    os.environ["CGIC_DEMO_ON_EMPTY"] = "never"
    os.environ["CGIC_AUTH"] = "off"
    queries = page_queries(engine)
    results = []
    for spec in PAGES:
        at = started_app()
        st.cache_data.clear()  # cold: nothing of this page (or the default page) is cached
        calls: list[tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]] = []
        original, recording = _record_queries(calls)
        runtime._cached_call = recording  # type: ignore[assignment]
        try:
            cold, errors = timed_run(at, spec.path, queries.get(spec.path, {}))
        finally:
            runtime._cached_call = original  # type: ignore[assignment]
        warm = statistics.median(
            timed_run(at, spec.path, queries.get(spec.path, {}))[0] for _ in range(runs)
        )
        sql_times = []
        for _ in range(runs):
            started = time.perf_counter()
            for function, args, kwargs in calls:
                function(engine, *args, **kwargs)
            sql_times.append(time.perf_counter() - started)
        results.append(
            PageTiming(spec.title, cold, warm, statistics.median(sql_times), len(calls), errors)
        )
        print(f"  {spec.title:28s} cold {cold:6.2f}s warm {warm:6.2f}s sql {results[-1].sql:6.2f}s")
    return results


def table(backend: str, build: float | None, floor: float, pages: list[PageTiming]) -> str:
    lines = [
        f"### {backend}",
        "",
        f"Store build (demo generator): {'reused' if build is None else f'{build:.1f} s'}; "
        f"empty Streamlit page (floor): {floor:.2f} s",
        "",
        "| page | queries | SQL s | cold s | warm s | warm target s | warm/target | cold ≤ 3 s |",
        "|---|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for p in pages:
        ratio = p.warm / p.warm_target
        lines.append(
            f"| {p.title} | {p.queries} | {p.sql:.2f} | {p.cold:.2f} | {p.warm:.2f} | "
            f"{p.warm_target:.2f} | {ratio:.2f} | {'yes' if p.cold <= 3 else 'no'} |"
        )
        for error in p.errors:
            lines.append(f"| ↳ exception: {error} | | | | | | | |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=100.0)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="keep an existing bench store")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results.md"))
    args = parser.parse_args()

    sections = []
    for backend in args.backends.split(","):
        print(f"{backend}: building the store at scale {args.scale:g}…", flush=True)
        engine, build = bench_store(backend, args.scale, args.reuse)
        print(f"{backend}: built in {build:.1f} s" if build else f"{backend}: reused", flush=True)
        floor = floor_seconds(args.runs)
        pages = bench_pages(engine, args.runs)
        sections.append(table(backend, build, floor, pages))
        engine.dispose()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    header = [
        "# Benchmark results",
        "",
        f"Machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        f"Scale: {args.scale:g}; runs per median: {args.runs}; "
        f"peak memory of the benchmark process (app runtime + caches): {peak_mb:.0f} MB",
        "",
        "Targets (issue 9): warm ≤ 1.5 × SQL + 0.2 s (warm/target ≤ 1), cold ≤ 3 s.",
        "",
    ]
    report = "\n".join(header + sections) + "\n"
    Path(args.out).write_text(report)
    print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
