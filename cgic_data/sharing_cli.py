"""``cgic check-sharing``: recompute the sharing rule from scratch and compare it with the stored
tables (``cgic_data.sharing``), for operators who want proof that what each agency sees is exact.

Exit code 0 when they agree, 1 on any difference (each printed: agency, lead or incident, missing
or extra); ``--repair`` then rebuilds the tables in one transaction.
"""

from __future__ import annotations

import argparse

from cgic_data import sharing

SHOWN = 50  # differences printed one per line; the rest are counted


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "check-sharing",
        help="check the stored sharing rule against the data (exit 1 on any difference)",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    parser.add_argument("--repair", action="store_true", help="rebuild the tables when they differ")
    parser.add_argument("--database-url", default=None, help="default: CGIC_DATABASE_URL")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from cgic_data.store import make_engine, migrate

    engine = make_engine(args.database_url)
    try:
        migrate(engine)  # an older store gets (and backfills) the tables first
        with engine.connect() as conn:
            differences = sharing.check(conn)
        if not differences:
            print("sharing tables agree with the rule: no differences")
            return 0
        for difference in differences[:SHOWN]:
            print(difference.describe())
        if len(differences) > SHOWN:
            print(f"... and {len(differences) - SHOWN:,} more")
        print(f"{len(differences):,} difference(s) between the sharing tables and the rule")
        if args.repair:
            with engine.begin() as conn:
                sharing.refresh_all(conn)
                left = sharing.check(conn)
            print("repaired: tables rebuilt from the data" if not left else "repair FAILED")
        return 1
    finally:
        engine.dispose()
