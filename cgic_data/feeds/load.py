"""Importing a feed file: read, validate, upsert — one transaction, one recorded batch.

Every import, whatever becomes of it, leaves an ``import_batches`` row (who, when, file hash,
rows in / inserted / updated / unchanged / rejected / held) and one ``import_rejects`` row per
problem or warning (``feeds.record``), and is audited (action ``import``). Accounting always
balances:
``rows_in = inserted + updated + unchanged + rejected``, where a row is a record offered to the
store (rows folded by a mapping count once; ``source_rows`` counts the file's data lines).

Statuses: ``ok`` (everything loaded), ``partial`` (good rows loaded, bad rows rejected),
``rejected`` (``strict`` and a bad row: nothing loaded), ``failed`` (unreadable file or an error
while writing: nothing loaded — the transaction is rolled back and the store is as it was).
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, Engine, text

from cgic_data.feeds import plausible
from cgic_data.feeds.formats import feed
from cgic_data.feeds.mapping import Mapping
from cgic_data.feeds.problems import FeedFileError, Problem, ProblemKind
from cgic_data.feeds.read import Source, SourceRow, format_of
from cgic_data.feeds.record import audit_import, record_batch, record_failure, record_problems
from cgic_data.feeds.rejects import rejected_rows, rejects_path_for, rejects_text, write_rejects
from cgic_data.feeds.stream import CHUNK_ROWS, Opener, Reading, open_reading
from cgic_data.feeds.upsert import plan, resolve, write
from cgic_data.feeds.validate import Validated, Validation
from cgic_data.scope import Viewer
from cgic_data.store import BULK_ROWS, refresh_statistics

log = logging.getLogger(__name__)

OK, PARTIAL, REJECTED, FAILED, CHECKED = "ok", "partial", "rejected", "failed", "checked"
_PG_IMPORT_LOCK = 7_242_003  # imports into one PostgreSQL store run one at a time


@dataclass
class ImportResult:
    feed: str
    file_name: str
    status: str = OK
    batch_id: int | None = None
    source_rows: int = 0
    rows_in: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    held: int = 0
    agencies_created: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # about the file (an unknown column)
    row_warnings: list[Problem] = field(default_factory=list)  # rows loaded that look wrong
    message: str | None = None
    rejects_path: Path | None = None
    rejects: list[tuple[SourceRow, str]] = field(default_factory=list)
    source: Source | None = None

    @property
    def balanced(self) -> bool:
        return self.rows_in == self.inserted + self.updated + self.unchanged + self.rejected

    def rejects_text(self) -> str:
        """The rejects file's content (the same layout as the input, plus _line, _problems)."""
        return rejects_text(self.source, self.rejects) if self.source and self.rejects else ""

    def rejects_frame(self) -> pd.DataFrame:
        """The rejects file as a table (for a download): _line, _problems, the file's columns."""
        header = [h for h in (self.source.header if self.source else []) if h[:1] != "_"]
        return pd.DataFrame(
            [
                {"_line": row.line, "_problems": text, **{h: row.values.get(h) for h in header}}
                for row, text in self.rejects
            ],
            columns=["_line", "_problems", *header],
        )

    def held_rows(self) -> list[tuple[SourceRow, str]]:
        """Rejected rows whose only fault is naming a row the store does not have yet."""
        kinds: dict[int, set[ProblemKind]] = {}
        for problem in self.problems:
            kinds.setdefault(problem.line, set()).add(problem.kind)
        return [(r, t) for r, t in self.rejects if kinds.get(r.line) == {ProblemKind.REFERENCE}]

    def summary(self) -> str:
        counts = (
            f"{self.rows_in:,} rows in: {self.inserted:,} inserted, {self.updated:,} updated, "
            f"{self.unchanged:,} unchanged, {self.rejected:,} rejected"
        )
        held = f" ({self.held:,} held for missing references)" if self.held else ""
        flagged = f"; {self.flagged_note()}" if self.row_warnings else ""
        batch = f"batch {self.batch_id}: " if self.batch_id else ""
        return f"{batch}{self.feed} {self.file_name}: {self.status} — {counts}{held}{flagged}"

    def flagged_note(self) -> str:
        """``3 rows loaded with a warning``: rows that passed but look wrong (plausible.py)."""
        rows = len({w.line for w in self.row_warnings})
        return f"{rows:,} row{'s' if rows != 1 else ''} loaded with a warning"


def import_file(
    engine: Engine,
    feed_name: str,
    path: str | Path,
    *,
    mapping: Mapping | None = None,
    strict: bool = False,
    viewer: Viewer | None = None,
    rejects_dir: str | Path | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Import ``path``; rejected rows go to ``<name>.rejects.csv`` beside it (or in
    ``rejects_dir``; the current directory when the file's own is not writable).

    The file is streamed (``feeds.stream``): memory stays bounded whatever its size."""
    path = Path(path)
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    if rejects_dir is None:
        rejects_dir = path.parent if os.access(path.parent, os.W_OK) else Path.cwd()
    try:
        fmt = format_of(path.name, mapping.format if mapping else None)
        rejects_path: Path | None = rejects_path_for(Path(rejects_dir) / path.name, fmt)
    except FeedFileError:
        rejects_path = None  # the import reports why the file cannot be read
    return _import(
        engine,
        feed_name,
        lambda: path.open("rb"),
        sha.hexdigest(),
        path.name,
        mapping=mapping,
        strict=strict,
        viewer=viewer,
        rejects_path=rejects_path,
        dry_run=dry_run,
    )


def import_bytes(
    engine: Engine,
    feed_name: str,
    data: bytes,
    file_name: str,
    *,
    mapping: Mapping | None = None,
    strict: bool = False,
    viewer: Viewer | None = None,
    rejects_path: Path | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Import one file's bytes; rejected rows also go to ``rejects_path`` if given.

    ``dry_run`` is a rehearsal: the real import, rolled back — the same counts, problems and
    rejects file as the real run would give, nothing changed in the store (status ``checked``).

    Never raises for bad data or a failed write: the result (and the batch row) says what happened.
    """
    return _import(
        engine,
        feed_name,
        lambda: io.BytesIO(data),
        hashlib.sha256(data).hexdigest(),
        file_name,
        mapping=mapping,
        strict=strict,
        viewer=viewer,
        rejects_path=rejects_path,
        dry_run=dry_run,
    )


def _import(
    engine: Engine,
    feed_name: str,
    opener: Opener,
    digest: str,
    file_name: str,
    *,
    mapping: Mapping | None,
    strict: bool,
    viewer: Viewer | None,
    rejects_path: Path | None,
    dry_run: bool,
) -> ImportResult:
    target = feed(feed_name)
    if mapping is not None and mapping.feed != target.name:
        raise ValueError(f"the mapping is for the {mapping.feed} feed, not {target.name}")
    viewer = viewer or Viewer.system()
    started = datetime.now()
    result = ImportResult(target.name, file_name)

    def failed(message: str, problems: list[Problem]) -> ImportResult:
        result.status, result.message, result.problems = FAILED, message, problems
        result.rows_in = result.inserted = result.updated = result.unchanged = 0
        result.rejected = result.held = result.source_rows = 0
        result.rejects, result.row_warnings, result.rejects_path = [], [], None
        result.agencies_created = []
        if not dry_run:
            record_failure(engine, result, viewer, started, digest, mapping)
        return result

    try:
        fmt = format_of(file_name, mapping.format if mapping else None)
        reading = open_reading(
            opener,
            file_name,
            fmt,
            encoding=mapping.encoding if mapping else "utf-8",
            delimiter=mapping.delimiter if mapping else ",",
            require_final_newline=mapping.require_final_newline if mapping else True,
        )
        validation = Validation(target, reading.header, mapping, check=not reading.empty)
    except FeedFileError as exc:
        return failed(str(exc), [exc.problem])
    except Exception as exc:  # a reader's own limit or a bug: a failed batch, never a crash
        log.exception("could not read %s", file_name)
        return failed(f"could not read the file: {type(exc).__name__}: {exc}", [])
    source = Source(file_name, fmt, reading.header, [])  # the rows reports quote, only
    result.source = source
    result.warnings = list(validation.mapper.warnings)
    result.rejects_path = rejects_path
    try:
        with engine.begin() as conn:
            _load(conn, reading, validation, result, strict=strict, mapping=mapping)
            if not result.rejects:
                result.rejects_path = None
            if dry_run:  # the rows' writes were real, so every count is: now undo them
                if result.rejects_path is not None:
                    write_rejects(result.rejects_path, source, result.rejects)
                raise _Rehearsed  # (before the batch row: a rehearsal uses up no batch number)
            result.batch_id = record_batch(conn, result, viewer, started, digest, mapping)
            record_problems(conn, result.batch_id, result, source)
            if result.rejects_path is not None:
                write_rejects(result.rejects_path, source, result.rejects)
    except _Rehearsed:
        result.status, result.batch_id = CHECKED, None
        audit_import(engine, viewer, result, digest, mapping, strict)  # outcome "checked"
        _keep_only_rejects(result)
        return result
    except FeedFileError as exc:  # found mid-file (encoding, gzip): rolled back, as if at once
        return failed(str(exc), [exc.problem])
    except Exception as exc:  # the transaction is rolled back: nothing of this file is stored
        log.exception("import of %s failed", file_name)
        result.status, result.message = FAILED, f"{type(exc).__name__}: {exc}"
        result.inserted = result.updated = result.unchanged = 0
        result.rejected, result.rejects_path = result.rows_in, None
        if not dry_run:
            record_failure(engine, result, viewer, started, digest, mapping)
        return result
    if result.inserted >= BULK_ROWS:  # or the next import's key lookups may scan the table
        refresh_statistics(engine)
    audit_import(engine, viewer, result, digest, mapping, strict)
    _keep_only_rejects(result)
    return result


class _Rehearsed(Exception):
    """Raised at the end of a dry run's transaction so that it rolls back."""


def _keep_only_rejects(result: ImportResult) -> None:
    """Drop the loaded rows from the result (a page keeps it in its session); the rejects stay."""
    if result.source is not None:
        source = result.source
        result.source = Source(source.file_name, source.format, source.header, [])


def _load(
    conn: Connection,
    reading: Reading,
    validation: Validation,
    result: ImportResult,
    *,
    strict: bool,
    mapping: Mapping | None,
) -> None:
    """Each chunk in turn: check, resolve, plan and write it (``_chunk``); then the totals.

    ``strict``: the writes run in a savepoint, rolled back when a bad row was found; the
    chunks after the first bad row are checked, not written, so the report lists every one.
    """
    _one_import_at_a_time(conn)
    create = bool(mapping and mapping.create_agencies)
    folds = mapping is not None and mapping.fold is not None  # a group may span the whole file
    savepoint = conn.begin_nested() if strict else None
    new_agencies: set[str] = set()
    for source in reading.chunks(None if folds else CHUNK_ROWS):
        validated = validation.chunk(source)
        new_agencies |= _chunk(conn, validated, result, create=create, strict=strict)
    result.source_rows = reading.source_rows
    if strict and result.problems:
        if savepoint is not None and savepoint.is_active:
            savepoint.rollback()
        bad = result.rejected
        result.status, result.rejected = REJECTED, result.rows_in
        result.inserted = result.updated = result.unchanged = 0
        result.message = f"strict: {bad:,} bad rows, so nothing was loaded"
        result.row_warnings = []
        return
    if savepoint is not None:
        savepoint.commit()
    result.agencies_created = sorted(new_agencies)
    result.status = PARTIAL if result.rejected else OK
    notes = list(result.warnings)
    if result.row_warnings:
        notes.append(f"{result.flagged_note()} (the batch's problems of kind warning)")
    if new_agencies:
        codes = sorted(new_agencies)
        more = f" and {len(codes) - 10} more" if len(codes) > 10 else ""
        notes.append(f"created {len(codes)} agencies: {', '.join(codes[:10])}{more}")
    result.message = "; ".join(notes) or None


def _chunk(
    conn: Connection, v: Validated, result: ImportResult, *, create: bool, strict: bool
) -> set[str]:
    """One chunk through the pipeline; its counts, problems and rejects added to ``result``.

    Per-chunk store work belongs here, on the import's one transaction: after ``write``, for
    one chunk's records (the sharing table kept up to date for the incidents and leads written),
    or after the loop in ``_load`` for work done once per file. Per-row work on mapped values
    (villages -> towns) belongs in ``validate``, on both paths: ``Validation._columnar`` and
    ``_check_row``; on typed values, in ``Checker.finish``.
    """
    flagged = plausible.check(conn, v)  # rejects what cannot be true
    new_agencies = resolve(conn, v, create_agencies=create)
    problems = sorted(v.problems, key=lambda p: p.line)
    result.problems += problems
    result.rows_in += v.rows_in
    result.rejected += len(v.rejected)
    lines = [line for record_lines in v.rejected for line in record_lines]
    rejects = rejected_rows(v.source, lines, problems)
    result.rejects += rejects
    result.held += _held(v)
    gone = set(lines)  # a warned row may still be rejected later (a missing reference)
    warnings = [w for w in flagged if w.line not in gone]
    result.row_warnings += warnings
    _keep_quoted(result, v, problems, warnings)
    if strict and result.problems:  # nothing will be loaded: write no more
        return set()
    changes = plan(conn, v, new_agencies)
    result.inserted += changes.inserted
    result.updated += changes.updated
    result.unchanged += changes.unchanged
    write(conn, v, changes)
    return set(new_agencies)


def _keep_quoted(
    result: ImportResult, v: Validated, problems: list[Problem], warnings: list[Problem]
) -> None:
    """Keep the raw rows the batch's reports quote (problems and warnings), and no others."""
    assert result.source is not None
    wanted = {p.line for p in problems} | {w.line for w in warnings}
    if wanted:
        result.source.rows += [r for r in [*v.source.rows, *v.source.bad_rows] if r.line in wanted]


def _one_import_at_a_time(conn: Connection) -> None:
    """Take the store's import lock before the first read, so an import that waits for another
    then plans against its committed rows (every row unchanged) instead of inserting them again.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: ``BEGIN IMMEDIATE`` takes the write
    lock now (the driver would only begin at the first write, after planning on a stale read);
    a second import waits for it up to the engine's busy timeout (``store.make_engine``).
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_IMPORT_LOCK})
    elif conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _held(validated: Validated) -> int:
    kinds: dict[int, set[ProblemKind]] = {}
    for problem in validated.problems:
        kinds.setdefault(problem.line, set()).add(problem.kind)
    return sum(
        1
        for lines in validated.rejected
        if set().union(*(kinds.get(line, set()) for line in lines)) == {ProblemKind.REFERENCE}
    )
