"""`cgic`: the command line. Each area adds its own subcommands through a ``register`` function."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

# Modules with a ``register(subparsers)`` that adds their subcommands; each subcommand sets
# ``func`` (taking the parsed args, returning an exit code).
COMMAND_MODULES = [
    "cgic_data.startup",
    "cgic_data.demo.cli",
    "cgic_data.access_cli",
    "cgic_data.feeds.cli",
    "cgic_data.briefing_cli",
    "cgic_data.places_cli",
    "cgic_data.sharing_cli",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cgic", description="CGIC dashboard store tools")
    sub = parser.add_subparsers(dest="command", required=True)
    migrate = sub.add_parser(
        "migrate", help="bring the store's schema up to date and load the reference towns"
    )
    migrate.set_defaults(func=_migrate)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def _migrate(args: argparse.Namespace) -> int:
    from cgic_data.store import make_engine, prepare

    prepare(make_engine())
    print("store is at the newest schema, with its reference towns")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except (ValueError, FileNotFoundError) as exc:
        print(f"cgic {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
