"""``cgic import``, ``cgic export`` and ``cgic watch``: the feeds on the command line.

Exit codes: 0 everything loaded; 1 the file loaded with rejected rows (or was refused by
``--strict``, or could not be read); 2 bad arguments (unknown feed, bad mapping, missing file).
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import signal
import sys
import threading
from pathlib import Path

from cgic_data.feeds.formats import FEEDS
from cgic_data.scope import Viewer

SHOWN_PROBLEMS = 20


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    feeds = ", ".join(FEEDS)
    load = sub.add_parser(
        "import",
        help="import a feed file (CSV or JSON lines, optionally gzip)",
        description=f"Import FILE into the store as FEED ({feeds}). See docs/feeds.md.",
    )
    load.add_argument("feed", metavar="FEED", help=f"one of: {feeds}")
    load.add_argument("file", metavar="FILE", type=Path)
    load.add_argument("--mapping", type=Path, help="YAML mapping of a site's own layout")
    load.add_argument("--strict", action="store_true", help="refuse the whole file on any bad row")
    load.add_argument("--dry-run", action="store_true", help="validate and count; write nothing")
    load.add_argument(
        "--rejects-dir", type=Path, help="where the rejects file goes (default: beside FILE)"
    )
    load.add_argument("--database-url", help="store URL (default: CGIC_DATABASE_URL)")
    load.set_defaults(func=_import)

    out = sub.add_parser("export", help="export the store's rows in a feed format")
    out.add_argument("feed", metavar="FEED", help=f"one of: {feeds}")
    out.add_argument("file", metavar="FILE", type=Path, help=".csv or .jsonl, optionally .gz")
    out.add_argument("--database-url", help="store URL (default: CGIC_DATABASE_URL)")
    out.set_defaults(func=_export)

    watch = sub.add_parser("watch", help="import files as they land in a drop folder")
    watch.add_argument("folder", metavar="DIR", type=Path)
    watch.add_argument(
        "--mapping",
        type=Path,
        action="append",
        default=[],
        help="a mapping with `files:` patterns (repeatable; DIR/mappings/*.yaml too)",
    )
    watch.add_argument("--interval", type=float, default=5.0, help="seconds between passes")
    watch.add_argument(
        "--settle",
        type=float,
        default=2.0,
        help="a file is taken once unchanged for this many seconds",
    )
    watch.add_argument("--once", action="store_true", help="one pass, then exit")
    watch.add_argument("--max-cycles", type=int, help="stop after this many passes")
    watch.add_argument("--strict", action="store_true", help="refuse a whole file on any bad row")
    watch.add_argument("--database-url", help="store URL (default: CGIC_DATABASE_URL)")
    watch.set_defaults(func=_watch)


def _engine(url: str | None):  # type: ignore[no-untyped-def]
    from cgic_data.store import make_engine, prepare

    engine = make_engine(url)
    prepare(engine)
    return engine


def _viewer(suffix: str = "") -> Viewer:
    return Viewer.system(f"{getpass.getuser()}{suffix}")


def _import(args: argparse.Namespace) -> int:
    from cgic_data.feeds.load import OK, import_file
    from cgic_data.feeds.mapping import load_mapping

    if args.feed not in FEEDS:
        raise ValueError(f"unknown feed {args.feed!r}: expected one of {', '.join(FEEDS)}")
    mapping = load_mapping(args.mapping) if args.mapping else None
    result = import_file(
        _engine(args.database_url),
        args.feed,
        args.file,
        mapping=mapping,
        strict=args.strict,
        viewer=_viewer(" (cgic import)"),
        rejects_dir=args.rejects_dir,
        dry_run=args.dry_run,
    )
    print(("dry run: " if args.dry_run else "") + result.summary())
    if result.source_rows != result.rows_in:
        print(f"  {result.source_rows:,} data lines folded into {result.rows_in:,} records")
    if result.message:
        print(f"  {result.message}")
    for problem in result.problems[:SHOWN_PROBLEMS]:
        print(f"  {problem.describe(str(args.file))}", file=sys.stderr)
    if len(result.problems) > SHOWN_PROBLEMS:
        more = len(result.problems) - SHOWN_PROBLEMS
        print(f"  ... and {more:,} more problems", file=sys.stderr)
    for warning in result.row_warnings[:SHOWN_PROBLEMS]:  # loaded, but looks wrong
        print(f"  warning: {warning.describe(str(args.file))}", file=sys.stderr)
    if len(result.row_warnings) > SHOWN_PROBLEMS:
        more = len(result.row_warnings) - SHOWN_PROBLEMS
        print(f"  ... and {more:,} more warnings", file=sys.stderr)
    if result.rejects_path:
        print(
            f"  rejected rows: {result.rejects_path} (fix and import it again; held rows load "
            "once what they reference has arrived)"
        )
    return 0 if result.status in (OK, "checked") and not result.rejected else 1


def _export(args: argparse.Namespace) -> int:
    from cgic_data.feeds.export import export_feed

    if args.feed not in FEEDS:
        raise ValueError(f"unknown feed {args.feed!r}: expected one of {', '.join(FEEDS)}")
    count = export_feed(
        _engine(args.database_url), args.feed, args.file, viewer=_viewer(" (cgic export)")
    )
    print(f"{args.feed}: {count:,} rows written to {args.file}")
    return 0


def _watch(args: argparse.Namespace) -> int:
    from cgic_data.feeds.mapping import load_mapping
    from cgic_data.feeds.watch import CycleReport, DropFolder

    folder = DropFolder(
        _engine(args.database_url),
        args.folder,
        mappings=[load_mapping(m) for m in args.mapping],
        viewer=_viewer(" (cgic watch)"),
        strict=args.strict,
        settle_seconds=args.settle,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    def show(report: CycleReport) -> None:
        for name, result in [*report.results, *report.retried]:
            print(f"{name}: {result.summary()}", flush=True)
        for name in report.unroutable:
            print(f"{name}: no feed for this name, moved to failed/", flush=True)

    print(f"watching {args.folder} (every {args.interval:g} s; Ctrl-C stops)", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        folder.watch(
            interval=args.interval,
            max_cycles=1 if args.once else args.max_cycles,
            stop=stop,
            on_report=show,
        )
    print("stopped", flush=True)
    return 0
