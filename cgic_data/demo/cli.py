"""``cgic demo``: migrate a store and fill it with synthetic demo data.

Hooks for other areas (kept as plain lists so they need no change here):

* ``BEFORE_REPLACE``: called with the open connection inside the ``--replace`` transaction, before
  the data tables are emptied (e.g. to remove demo accounts that belong to demo agencies).
* ``AFTER_SEED``: called with the engine and the parsed arguments after seeding; each returns
  lines to print under the summary (e.g. the demo accounts and their passwords).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import date

from sqlalchemy import Connection, Engine, func, select, text

from cgic_data import schema as s

BEFORE_REPLACE: list[Callable[[Connection], None]] = []
AFTER_SEED: list[Callable[[Engine, argparse.Namespace], list[str]]] = []

# Emptied by --replace, children first. Import history goes too, so files can be re-imported;
# users and the audit log stay (the audit log is append-only).
REPLACED_TABLES = [
    s.AgencyIncidentAccess.__table__,
    s.AgencyLeadAccess.__table__,
    s.LeadView.__table__,
    s.CaseEvent.__table__,
    s.Trace.__table__,
    s.ForensicResult.__table__,
    s.LeadItem.__table__,
    s.NibinLead.__table__,
    s.EvidenceItem.__table__,
    s.Firearm.__table__,
    s.LabRequest.__table__,
    s.Incident.__table__,
    s.ImportReject.__table__,
    s.ImportBatch.__table__,
    s.Agency.__table__,
    s.Town.__table__,
]


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "demo",
        help="fill the store with synthetic demo data",
        description="Migrate the store and fill it with deterministic synthetic demo data: three "
        "years of Connecticut-shaped incidents, evidence, NIBIN leads and lab work up to a day.",
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--scale", type=float, default=1.0, help="1 = about 800 incidents a year (default 1)"
    )
    parser.add_argument(
        "--today",
        type=date.fromisoformat,
        default=None,
        help="last day of the data, YYYY-MM-DD (default: today)",
    )
    parser.add_argument("--database-url", default=None, help="default: CGIC_DATABASE_URL")
    parser.add_argument(
        "--replace",
        action="store_true",
        help="delete all incidents, evidence, leads, lab and reference rows first",
    )
    parser.set_defaults(func=run)


def replace(engine: Engine) -> None:
    """Empty the data tables in one transaction (users and the audit log are kept)."""
    with engine.begin() as conn:
        for hook in BEFORE_REPLACE:
            hook(conn)
        bound = conn.execute(
            select(func.count()).select_from(s.User).where(s.User.agency_id.is_not(None))
        ).scalar_one()
        if bound:
            raise ValueError(
                f"{bound} user account(s) belong to agencies; --replace would delete those "
                "agencies. Remove the accounts first, or use a fresh store."
            )
        if conn.dialect.name == "postgresql":  # TRUNCATE: seconds, not minutes, at scale 100
            referenced_by_users = {s.Agency.__table__.name, s.Town.__table__.name}
            quick = [t.name for t in REPLACED_TABLES if t.name not in referenced_by_users]
            conn.execute(text(f"TRUNCATE {', '.join(quick)}"))
        for table in REPLACED_TABLES:
            conn.execute(table.delete())
        info = s.StoreInfo.__table__
        conn.execute(info.delete().where(info.c.key.like("demo%")))


def run(args: argparse.Namespace) -> int:
    from cgic_data.demo import seed_demo
    from cgic_data.store import is_empty, make_engine, prepare

    engine = make_engine(args.database_url)
    try:
        prepare(engine)
        if args.replace:
            replace(engine)
        elif not is_empty(engine):
            raise ValueError(
                "the store already holds incidents; refusing to add demo data to it "
                "(use --replace to delete all data rows first)"
            )
        started = time.perf_counter()
        summary = seed_demo(engine, seed=args.seed, scale=args.scale, today=args.today)
        seconds = time.perf_counter() - started
        print(f"demo data (seed {args.seed}, scale {args.scale}) loaded in {seconds:.1f} s:")
        for table, count in summary.as_dict().items():
            print(f"  {table:<17} {count:>9,}")
        for hook in AFTER_SEED:
            for line in hook(engine, args):
                print(line)
    finally:
        engine.dispose()
    return 0
