"""Time the heavy metrics (medians and percentiles) directly, without Streamlit, on a bench store.

usage: .venv/bin/python bench/metrics.py [--scale 20] [--backends sqlite,postgresql] [--runs 3]
                                         [--views "lab:All dates,agency:All dates"] [--profile]

Each metric is called as its page calls it (the overview, the lab backlog, the scorecard, the
trace page) for a lab-wide admin and the busiest agency's commander. Prints the median seconds of
``--runs`` calls per metric and view (the first call also reported: a cold database cache);
``--profile`` adds the top functions of a cProfile of one call. The store is bench/run.py's
(``bench_store``, reused if it exists). Nothing here is a test: timings are printed, not asserted.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine  # noqa: E402

from bench.run import bench_store, views  # noqa: E402
from cgic_data.metrics import nibin_timeliness, scorecard, time_to_crime, turnaround  # noqa: E402
from cgic_data.metrics.backlog import LabFilter, snapshot_date  # noqa: E402
from cgic_data.queries import overview  # noqa: E402
from cgic_data.queries.statewide import statewide_counts  # noqa: E402
from cgic_data.scope import IncidentFilter, Viewer  # noqa: E402
from cgic_data.store import reference_day, store_info  # noqa: E402
from cgic_ui.context import period_dates  # noqa: E402

TREND_DAYS = 365  # as pages/backlog.py


def metric_calls(engine: Engine, viewer: Viewer, period: str) -> dict[str, Callable[[], Any]]:
    """The page calls of each heavy metric, for ``viewer`` at the sidebar ``period``."""
    today = reference_day(store_info(engine))
    start, end = period_dates(period, today)
    filt = IncidentFilter(start=start, end=end)
    lab = LabFilter()
    as_of = snapshot_date(filt, today)
    widened = filt.start and min(filt.start, as_of - timedelta(days=TREND_DAYS))
    trend_start = widened and widened.replace(day=1)
    window = scorecard.scorecard_window(filt, today)
    return {
        "overview.nibin_timeliness_by_agency": lambda: overview.nibin_timeliness_by_agency(
            engine, viewer, filt
        ),
        "overview.period_counts": lambda: overview.period_counts(engine, viewer, filt),
        "statewide.statewide_counts": lambda: statewide_counts(engine, viewer, filt),
        "scorecard.scorecard": lambda: scorecard.scorecard(engine, viewer, window),
        "turnaround.turnaround_summary": lambda: turnaround.turnaround_summary(
            engine, viewer, filt, lab, trend_start, filt.start, as_of
        ),
        "nibin_timeliness.timeliness": lambda: nibin_timeliness.timeliness(
            engine, viewer, filt, lab, trend_start, filt.start, as_of
        ),
        "time_to_crime.time_to_crime": lambda: time_to_crime.time_to_crime(engine, viewer, filt),
    }


def timed(call: Callable[[], Any], runs: int) -> tuple[float, float, float, float]:
    """(first call's seconds, median and fastest of ``runs`` further calls, this process's least
    CPU seconds of those calls). The machine is shared: the fastest run is the least disturbed,
    and CPU time is what the work costs when nobody else runs (on SQLite it includes the
    database's work, which runs in this process; on PostgreSQL only the client's)."""
    seconds, cpu = [], []
    for _ in range(runs + 1):
        started, started_cpu = time.perf_counter(), time.process_time()
        call()
        seconds.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return seconds[0], statistics.median(seconds[1:]), min(seconds[1:]), min(cpu[1:])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=20)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--runs", type=int, default=3, help="at least 1")
    parser.add_argument("--views", default="lab:All dates,agency:All dates")
    parser.add_argument("--only", default="", help="comma-separated metric names to time")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    only = [name for name in args.only.split(",") if name]
    print(f"scale {args.scale:g}; median of {args.runs} runs after a first one")
    print("| backend | who | period | metric | first s | median s | fastest s | cpu s |")
    print("|---|---|---|---|---:|---:|---:|---:|")
    for backend in args.backends.split(","):
        engine, _ = bench_store(backend, args.scale, reuse=True)
        for view in views(engine, args.views):
            calls = metric_calls(engine, view.viewer, view.period)
            for name, call in calls.items():
                if only and not any(o in name for o in only):
                    continue
                first, median, fastest, cpu = timed(call, args.runs)
                print(
                    f"| {backend} | {view.who} | {view.period} | {name} | {first:.2f} | "
                    f"{median:.2f} | {fastest:.2f} | {cpu:.2f} |",
                    flush=True,
                )
                if args.profile:
                    profile = cProfile.Profile()
                    profile.runcall(call)
                    pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
