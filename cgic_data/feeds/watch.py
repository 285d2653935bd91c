"""The drop folder: files that land in DIR are imported, then moved to DIR/done or DIR/failed.

A file is routed to a feed by a mapping whose ``files:`` patterns match its name, else by its name
starting with a feed's name (``nibin_leads-2025-06-01.csv``, ``lab_items.jsonl.gz``). Files
dropped together load in feed order (agencies, incidents, requests, firearms, items, leads, ...),
so a night's exports may arrive in any order. A file is picked up once it has not changed for
``settle_seconds``; names starting with ``.`` or ending in ``.part``/``.tmp`` are never touched
(copy under such a name, then rename).

Where things go (``STAMP`` = when it was processed, so nightly files never collide):
``done/NAME.STAMP.csv`` (loaded, perhaps with rejects in ``done/NAME.STAMP.rejects.csv``),
``failed/NAME.STAMP.csv`` plus ``failed/NAME.STAMP.error.txt`` (unreadable — whatever the error,
once, never retried every pass — or refused by ``--strict``), and ``held/NAME.STAMP.held.csv``:
rows rejected only because what they reference has not arrived yet. After any cycle that loaded
something, held files are imported again; rows that now load leave the held file, which
disappears once empty, and a retry writes no rejects file of its own. Only an unreachable store
leaves a file in the drop folder for the next pass.

Polling (not inotify): portable, works on network shares, and bounded — ``run_once`` does one
pass; ``watch`` loops until ``stop`` is set or ``max_cycles`` passes have run.
"""

from __future__ import annotations

import fnmatch
import logging
import shutil
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from cgic_data.feeds.formats import FEEDS
from cgic_data.feeds.load import FAILED, REJECTED, ImportResult, import_bytes
from cgic_data.feeds.mapping import Mapping, load_mapping
from cgic_data.feeds.problems import FeedFileError
from cgic_data.feeds.read import format_of
from cgic_data.feeds.rejects import write_rejects
from cgic_data.scope import Viewer

log = logging.getLogger(__name__)

SKIPPED_SUFFIXES = (".part", ".partial", ".tmp", ".crdownload", ".filepart", ".swp")
_ORDER = {name: index for index, name in enumerate(FEEDS)}


@dataclass(frozen=True)
class Route:
    feed: str
    mapping: Mapping | None


def route(name: str, mappings: Sequence[Mapping]) -> Route | None:
    """Which feed (and mapping) a file named ``name`` belongs to; None if it fits none."""
    for mapping in mappings:
        if any(fnmatch.fnmatch(name, pattern) for pattern in mapping.files):
            return Route(mapping.feed, mapping)
    lowered = name.lower()
    for feed_name in sorted(FEEDS, key=len, reverse=True):
        if lowered.startswith(feed_name):
            return Route(feed_name, None)
    return None


def stamped(name: str, stamp: str, new_suffix: str | None = None) -> str:
    """``incidents.csv.gz`` -> ``incidents.STAMP.csv.gz`` (or ``incidents.STAMP<new_suffix>``)."""
    stem, dot, suffixes = name.partition(".")
    if new_suffix is not None:
        return f"{stem}.{stamp}{new_suffix}"
    return f"{stem}.{stamp}{dot}{suffixes}"


@dataclass
class CycleReport:
    """What one pass over the drop folder did."""

    results: list[tuple[str, ImportResult]] = field(default_factory=list)
    unroutable: list[str] = field(default_factory=list)
    retried: list[tuple[str, ImportResult]] = field(default_factory=list)

    @property
    def loaded_anything(self) -> bool:
        return any(r.inserted or r.updated for _, r in [*self.results, *self.retried])


class DropFolder:
    def __init__(
        self,
        engine: Engine,
        folder: str | Path,
        *,
        mappings: Sequence[Mapping] = (),
        viewer: Viewer | None = None,
        strict: bool = False,
        settle_seconds: float = 2.0,
    ) -> None:
        self.engine, self.folder = engine, Path(folder)
        if not self.folder.is_dir():
            raise FileNotFoundError(f"drop folder {self.folder} does not exist")
        self.done, self.failed, self.held = (self.folder / d for d in ("done", "failed", "held"))
        for sub in (self.done, self.failed, self.held):
            sub.mkdir(exist_ok=True)
        own = sorted((self.folder / "mappings").glob("*.y*ml"))
        self.mappings = [*mappings, *(load_mapping(p) for p in own)]
        self.viewer = viewer or Viewer.system("cgic watch")
        self.strict, self.settle_seconds = strict, settle_seconds

    def ready_files(self, now: float | None = None) -> list[Path]:
        """Landed files that have settled, in load order (feed order, then oldest first)."""
        now = time.time() if now is None else now
        ready = []
        for path in self.folder.iterdir():
            name = path.name
            if not path.is_file() or name.startswith((".", "~")):
                continue
            if name.lower().endswith(SKIPPED_SUFFIXES):
                continue
            if now - path.stat().st_mtime < self.settle_seconds:
                continue
            ready.append(path)
        return sorted(ready, key=self._order)

    def _order(self, path: Path) -> tuple[int, float, str]:
        found = route(path.name, self.mappings)
        return (_ORDER[found.feed] if found else -1, path.stat().st_mtime, path.name)

    def run_once(self) -> CycleReport:
        """Import every settled file once; retry held rows if anything new was loaded."""
        report = CycleReport()
        for path in self.ready_files():
            self._process(path, report)
        if report.loaded_anything:
            self._retry_held(report)
        return report

    def _process(self, path: Path, report: CycleReport) -> None:
        stamp = datetime.now().strftime("%Y%m%dT%H%M%S%f")
        found = route(path.name, self.mappings)
        if found is None:
            report.unroutable.append(path.name)
            self._fail(
                path,
                stamp,
                "no feed for this file name: start it with a feed's name "
                f"({', '.join(FEEDS)}) or give a mapping whose `files:` match it",
            )
            return
        # strict: a file with bad rows is refused, so its rejects go with it to failed/
        outcome_dir = self.failed if self.strict else self.done
        try:
            result = self._import(path, found, outcome_dir, stamp, strict=self.strict)
        except SQLAlchemyError:  # the store is unreachable: leave the file for the next pass
            log.exception("could not import %s; it stays in the drop folder", path.name)
            return
        except Exception as exc:  # the file itself (unreadable): to failed/ once, not every pass
            log.exception("could not import %s; moved to failed/", path.name)
            why = f"could not import the file: {type(exc).__name__}: {exc}"
            report.results.append(
                (path.name, ImportResult(found.feed, path.name, FAILED, message=why))
            )
            self._fail(path, stamp, why)
            return
        report.results.append((path.name, result))
        if result.status in (FAILED, REJECTED):
            note = "\n".join([result.message or result.status, *_problem_lines(result)])
            self._fail(path, stamp, note)
        else:
            shutil.move(path, self.done / stamped(path.name, stamp))
        held = result.held_rows()
        if held and result.source is not None and not self.strict:
            name = stamped(path.name, stamp, f".held.{_extension(result.source.format)}")
            write_rejects(self.held / name, result.source, held)

    def _import(
        self, path: Path, found: Route, rejects_dir: Path | None, stamp: str, *, strict: bool
    ) -> ImportResult:
        """Import ``path``; its rejects file goes to ``rejects_dir`` (None: no rejects file)."""
        mapping = found.mapping
        try:
            fmt = format_of(path.name, mapping.format if mapping else None)
            rejects: Path | None = (
                rejects_dir / stamped(path.name, stamp, f".rejects.{_extension(fmt)}")
                if rejects_dir is not None
                else None
            )
        except FeedFileError:
            rejects = None  # the import itself reports why the file cannot be read
        return import_bytes(
            self.engine,
            found.feed,
            path.read_bytes(),
            path.name,
            mapping=mapping,
            strict=strict,
            viewer=self.viewer,
            rejects_path=rejects,
        )

    def _fail(self, path: Path, stamp: str, note: str) -> None:
        try:
            shutil.move(path, self.failed / stamped(path.name, stamp))
        except FileNotFoundError:  # gone since it was listed (taken away by hand)
            log.warning("%s disappeared before it could be moved to failed/", path.name)
            return
        (self.failed / stamped(path.name, stamp, ".error.txt")).write_text(note + "\n", "utf-8")

    def _retry_held(self, report: CycleReport) -> None:
        """Passes over held/ while they make progress (items unblock leads, and so on)."""
        for _ in FEEDS:
            before = len(report.retried)
            self._retry_pass(report)
            if not any(r.inserted or r.updated for _, r in report.retried[before:]):
                return

    def _retry_pass(self, report: CycleReport) -> None:
        for path in sorted(self.held.iterdir(), key=self._order):
            found = route(path.name, self.mappings)
            if found is None or not path.is_file():
                continue
            stamp = datetime.now().strftime("%Y%m%dT%H%M%S%f")
            # no rejects file: the rows still waiting stay in the held file itself
            result = self._import(path, found, None, stamp, strict=False)
            report.retried.append((path.name, result))
            held = result.held_rows()
            if result.status == FAILED:
                shutil.move(path, self.failed / path.name)
                continue
            waiting = {row.line for row, _ in held}
            lost = [(row, why) for row, why in result.rejects if row.line not in waiting]
            if lost and result.source is not None:
                ext = _extension(result.source.format)
                write_rejects(
                    self.failed / stamped(path.name, stamp, f".rejects.{ext}"), result.source, lost
                )
                note = f"rows of held/{path.name} that can no longer load:"
                lines = [note, *_problem_lines(result)]
                (self.failed / stamped(path.name, stamp, ".error.txt")).write_text(
                    "\n".join(lines) + "\n", "utf-8"
                )
            if held and result.source is not None:
                write_rejects(path, result.source, held)
            else:
                path.unlink()

    def watch(
        self,
        *,
        interval: float = 5.0,
        max_cycles: int | None = None,
        stop: threading.Event | None = None,
        on_report: Callable[[CycleReport], None] | None = None,
    ) -> int:
        """Poll every ``interval`` seconds until ``stop`` is set or ``max_cycles`` have run."""
        stop = stop or threading.Event()
        cycles = 0
        while not stop.is_set():
            report = self.run_once()
            cycles += 1
            if on_report is not None:
                on_report(report)
            if max_cycles is not None and cycles >= max_cycles:
                break
            stop.wait(interval)
        return cycles


def _problem_lines(result: ImportResult, limit: int = 50) -> list[str]:
    lines = [p.describe(result.file_name) for p in result.problems[:limit]]
    if len(result.problems) > limit:
        lines.append(
            f"... and {len(result.problems) - limit} more (see import batch {result.batch_id})"
        )
    return lines


def _extension(fmt: str) -> str:
    return "csv" if fmt == "csv" else "jsonl"
