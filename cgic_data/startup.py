"""Getting the store ready for the app, and ``cgic prepare``, which does it before the server starts.

One sequence, two callers: ``make run`` runs ``cgic prepare`` first, so the demo data and the demo
accounts file exist before anyone opens the page (and the first visit does not wait ~10 s for
seeding); a bare ``streamlit run app.py`` (other tools start the app that way) does the same on
its first page run (``cgic_ui/runtime.py``). Both read ``CGIC_DATABASE_URL`` and
``CGIC_DEMO_ON_EMPTY`` (``cgic_data.settings``), so they always agree on what to seed. On a ready
store it only checks the schema: quick, and safe to run at every start.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from cgic_data import settings
from cgic_data.demo_accounts import accounts_file_for, ensure_demo_accounts, has_accounts
from cgic_data.store import is_demo, is_empty, make_engine, prepare


@dataclass(frozen=True)
class Readiness:
    """What preparing found or did. seeded_seconds: demo data generated now (None: not now);
    accounts_written: the demo accounts file written now (None: not now)."""

    demo: bool
    empty: bool
    has_accounts: bool
    seeded_seconds: float | None
    accounts_written: Path | None


def prepare_store(
    engine: Engine,
    *,
    demo_when_empty: bool,
    scale: float = 1.0,
    seeding: Callable[[], AbstractContextManager[object]] = nullcontext,
) -> Readiness:
    """Migrate; if allowed, seed an empty store with demo data and give a demo store without
    accounts its demo accounts (passwords to the owner-only file; the log says where).
    ``seeding`` wraps the slow part (the app shows a spinner)."""
    prepare(engine)
    seeded = None
    if demo_when_empty and is_empty(engine):
        from cgic_data.demo import seed_demo

        with seeding():
            started = time.perf_counter()
            seed_demo(engine, scale=scale)
            seeded = time.perf_counter() - started
    written = ensure_demo_accounts(engine) if demo_when_empty else None
    return Readiness(is_demo(engine), is_empty(engine), has_accounts(engine), seeded, written)


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "prepare",
        help="get the app's store ready before the server starts (make run does this)",
        description="Bring the store of CGIC_DATABASE_URL to the newest schema; where "
        "CGIC_DEMO_ON_EMPTY allows, fill an empty store with synthetic demo data and write the "
        "demo accounts file. Quick and changes nothing on a store that is already ready.",
    )
    parser.add_argument(
        "--demo-scale", type=float, default=1.0, help="size of demo data, if seeded (default 1)"
    )
    parser.set_defaults(func=run)


def _shown(path: Path) -> str:
    """A path as the user typed their way to it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


@contextmanager
def _announced() -> Iterator[None]:
    """Say what the pause is for (a terminal would otherwise sit silent) and how long it took."""
    print("Empty store: generating synthetic demo data (first start only)…", flush=True)
    started = time.perf_counter()
    yield
    print(f"Demo data generated in {time.perf_counter() - started:.1f} s.", flush=True)


def run(args: argparse.Namespace) -> int:
    # The accounts file's location is logged (as the app logs it): here a plain line in order.
    logging.basicConfig(format="%(message)s", stream=sys.stdout)
    engine = make_engine()
    try:
        print(f"Store: {engine.url.render_as_string(hide_password=True)}", flush=True)
        ready = prepare_store(
            engine,
            demo_when_empty=settings.seed_demo_when_empty(),
            scale=args.demo_scale,
            seeding=_announced,
        )
        accounts = accounts_file_for(engine)
    finally:
        engine.dispose()
    for line in _next_steps(ready, accounts):
        print(line, flush=True)
    return 0


def _next_steps(ready: Readiness, accounts: Path) -> list[str]:
    """What the person starting the app needs to know next: how to sign in, or what is missing."""
    lines = []
    if ready.empty:
        lines.append(
            "The store holds no incidents yet: load data with `cgic import` (or demo data with "
            f"`cgic demo`; {settings.DEMO_ON_EMPTY.env} did not allow it here)."
        )
    if ready.demo and accounts.is_file() and os.access(accounts, os.R_OK):
        lines.append(f"Sign in with a username and password from {_shown(accounts)}.")
    elif ready.demo and ready.has_accounts:
        lines.append(
            f"The demo accounts exist but {_shown(accounts)} does not: "
            "`cgic user reset admin` gives admin a new password."
        )
    elif not ready.has_accounts:
        lines.append("No account yet: create one with `cgic user add NAME --role admin`.")
    return lines
