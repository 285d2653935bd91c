"""Before/after of the materialized sharing rule (issue 16): the busiest agency commander's pages.

usage:
  # the pages as a commander opens them, with the code in --code (default: this checkout)
  .venv/bin/python bench/sharing.py pages --url URL [--code DIR] [--runs 1]
                                    [--views "agency:Last 28 days,agency:All dates"] --out F.json
  # the rule alone: scope's conditions for the busiest agency (median of --runs)
  .venv/bin/python bench/sharing.py rule --url URL [--code DIR] [--runs 5]
  # cost of keeping the tables exact (this checkout's cgic_data.sharing)
  .venv/bin/python bench/sharing.py upkeep --url URL
  # one table from two ``pages`` runs
  .venv/bin/python bench/sharing.py compare BEFORE.json AFTER.json

``pages`` reuses ``bench/run.py`` (cold page through AppTest, warm, and the page's own SQL) without
migrating the store, so the code before the change (``--code /path/to/old/checkout``) can run on a
copy of the same store taken before ``cgic migrate`` added the tables. Timings are noisy (a shared
machine): they are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def pages(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(Path(args.code).resolve() if args.code else ROOT))
    import cgic_data
    from bench import run
    from cgic_data.store import make_engine

    print(f"code: {Path(cgic_data.__file__).parent}", flush=True)
    engine = make_engine(args.url)
    results = run.bench_pages(engine, args.runs, args.views)
    rows = [
        {
            "page": r.title,
            "who": r.who,
            "period": r.period,
            "cold": r.cold,
            "warm": r.warm,
            "sql": r.sql,
            "slowest": r.slowest,
            "errors": r.errors,
        }
        for r in results
    ]
    Path(args.out).write_text(json.dumps(rows, indent=1))
    return 0


def rule(args: argparse.Namespace) -> int:
    """The rule alone: scope's conditions for the busiest agency in four typical shapes."""
    sys.path.insert(0, str(Path(args.code).resolve() if args.code else ROOT))
    from sqlalchemy import func, select

    from cgic_data import scope
    from cgic_data.schema import Agency, EvidenceItem, Incident, NibinLead, Role
    from cgic_data.store import make_engine

    engine = make_engine(args.url)
    with engine.connect() as conn:
        busiest = conn.execute(
            select(Agency.id)
            .join(Incident, Incident.agency_id == Agency.id)
            .group_by(Agency.id)
            .order_by(func.count().desc())
            .limit(1)
        ).scalar_one()
    viewer = scope.Viewer("bench-commander", Role.COMMANDER, busiest)
    everything = scope.IncidentFilter()
    shapes = {
        "incidents visible": select(func.count())
        .select_from(Incident)
        .where(scope.incident_conditions(viewer, everything)),
        "items of visible incidents": select(func.count())
        .select_from(EvidenceItem)
        .where(scope.in_incident_scope(EvidenceItem.incident_id, viewer, everything)),
        "leads listed (lead_visibility)": select(func.count())
        .select_from(NibinLead)
        .where(scope.lead_visibility(viewer)),
        "leads followed (lead_in_scope)": select(func.count())
        .select_from(NibinLead)
        .where(scope.lead_in_scope(viewer)),
    }
    for label, stmt in shapes.items():
        times, n = [], None
        for _ in range(args.runs):
            with engine.connect() as conn:
                started = time.perf_counter()
                n = conn.execute(stmt).scalar_one()
                times.append(time.perf_counter() - started)
        print(f"  {label:34s} {n:>8,} rows  {statistics.median(times) * 1000:9.1f} ms", flush=True)
    return 0


def upkeep(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import func, select

    from cgic_data import schema as s
    from cgic_data import sharing
    from cgic_data.store import make_engine

    engine = make_engine(args.url)
    with engine.connect() as conn:
        counts = {
            t.__tablename__: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (s.Incident, s.NibinLead, s.AgencyLeadAccess, s.AgencyIncidentAccess)
        }
        # the lead touching the most agencies' incidents: the widest single-lead refresh
        widest = conn.execute(
            select(s.AgencyLeadAccess.lead_id)
            .group_by(s.AgencyLeadAccess.lead_id)
            .order_by(func.count().desc())
            .limit(1)
        ).scalar_one()
    print(", ".join(f"{name} {n:,}" for name, n in counts.items()))

    def timed(label: str, work) -> None:  # type: ignore[no-untyped-def]
        times = []
        for _ in range(args.runs):
            with engine.begin() as conn:
                started = time.perf_counter()
                work(conn)
                times.append(time.perf_counter() - started)
        print(f"  {label:48s} {statistics.median(times):8.3f} s", flush=True)

    timed("refresh_all (demo seed, --repair)", sharing.refresh_all)
    timed(
        f"refresh_leads([{widest}]) (one lead re-imported)",
        lambda c: sharing.refresh_leads(c, [widest]),
    )
    timed("check (cgic check-sharing)", sharing.check)
    return 0


def compare(args: argparse.Namespace) -> int:
    before = {(r["page"], r["period"]): r for r in json.loads(Path(args.before).read_text())}
    after = {(r["page"], r["period"]): r for r in json.loads(Path(args.after).read_text())}
    print("| page | period | cold before | cold after | SQL before | SQL after | slowest after |")
    print("|---|---|---:|---:|---:|---:|---|")
    for key, b in before.items():
        a = after.get(key)
        if a is None:
            continue
        print(
            f"| {key[0]} | {key[1]} | {b['cold']:.2f} | {a['cold']:.2f} | {b['sql']:.2f} "
            f"| {a['sql']:.2f} | {a['slowest']} |"
        )
    for label, rows in (("before", before), ("after", after)):
        print(
            f"{label}: cold {sum(r['cold'] for r in rows.values()):.1f} s, "
            f"SQL {sum(r['sql'] for r in rows.values()):.1f} s over {len(rows)} page views"
        )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("pages")
    p.add_argument("--url", required=True)
    p.add_argument("--code", default=None, help="checkout whose cgic_data/cgic_ui to run")
    p.add_argument("--runs", type=int, default=1)
    p.add_argument("--views", default="agency:Last 28 days,agency:All dates")
    p.add_argument("--out", required=True)
    p.set_defaults(func=pages)
    r = sub.add_parser("rule")
    r.add_argument("--url", required=True)
    r.add_argument("--code", default=None, help="checkout whose cgic_data to run")
    r.add_argument("--runs", type=int, default=5)
    r.set_defaults(func=rule)
    u = sub.add_parser("upkeep")
    u.add_argument("--url", required=True)
    u.add_argument("--runs", type=int, default=3)
    u.set_defaults(func=upkeep)
    c = sub.add_parser("compare")
    c.add_argument("before")
    c.add_argument("after")
    c.set_defaults(func=compare)
    args = parser.parse_args()
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
