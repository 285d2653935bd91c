"""What an import leaves behind: its ``import_batches`` row, one ``import_rejects`` row per
problem (and per warning, kind ``warning``), and its audit entry.

Reports quote the file, and a hostile file can hold text no store keeps (a NUL in a column name,
a lone surrogate in a JSON key): everything written here goes through ``storable`` first, so
recording why an import failed can never fail in turn.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, insert

from cgic_data import audit
from cgic_data.feeds.limits import printable
from cgic_data.feeds.mapping import Mapping
from cgic_data.feeds.problems import Problem, ProblemKind
from cgic_data.feeds.read import Source
from cgic_data.schema import ImportBatch, ImportReject
from cgic_data.scope import Viewer

if TYPE_CHECKING:
    from cgic_data.feeds.load import ImportResult


def storable(text: str | None, limit: int | None = None) -> str | None:
    """``text`` as both stores keep it: NULs and lone surrogates escaped, cut to ``limit``."""
    if text is None:
        return None
    text = printable(text)
    return text[:limit] if limit else text


def _batch_row(
    result: ImportResult,
    viewer: Viewer,
    started: datetime,
    digest: str,
    mapping: Mapping | None,
) -> dict[str, Any]:
    return {
        "feed": result.feed,
        "file_name": storable(result.file_name, 255),
        "file_sha256": digest,
        "imported_by": viewer.username,
        "started_at": started,
        "finished_at": datetime.now(),
        "rows_in": result.rows_in,
        "inserted": result.inserted,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "rejected": result.rejected,
        "status": result.status,
        "mapping": storable(mapping.label, 120) if mapping else None,
        "source_rows": result.source_rows,
        "held": result.held,
        "message": storable(result.message),
        "rejects_file": storable(str(result.rejects_path), 500) if result.rejects_path else None,
    }


def record_batch(
    conn: Connection,
    result: ImportResult,
    viewer: Viewer,
    started: datetime,
    digest: str,
    mapping: Mapping | None,
) -> int:
    row = _batch_row(result, viewer, started, digest, mapping)
    return conn.execute(insert(ImportBatch).returning(ImportBatch.id), row).scalar_one()


def record_problems(
    conn: Connection, batch_id: int, result: ImportResult, source: Source | None
) -> None:
    """One ``import_rejects`` row per problem and per warning, with the raw row as JSON."""
    raw: dict[int, dict[str, Any]] = {}
    if source is not None:
        raw = {r.line: r.values for r in [*source.rows, *source.bad_rows]}
    rows = [
        {
            "batch_id": batch_id,
            "line": p.line,
            "column": storable(p.column, 80),
            "value": storable(p.value),
            "message": storable(p.expected),
            "raw": storable(json.dumps(raw[p.line], default=str, ensure_ascii=False))
            if p.line in raw
            else None,
            "kind": str(p.kind),
        }
        for p in [*result.problems, *result.row_warnings]
    ]
    for start in range(0, len(rows), 5000):
        conn.execute(insert(ImportReject), rows[start : start + 5000])


def record_failure(
    engine: Engine,
    result: ImportResult,
    viewer: Viewer,
    started: datetime,
    digest: str,
    mapping: Mapping | None,
) -> None:
    """A failed import still leaves its batch row (and why) — in a transaction of its own."""
    problems = [p for p in result.problems if p.kind is ProblemKind.FILE]
    if not problems:
        problems = [Problem(1, None, None, result.message or "failed", ProblemKind.FILE)]
    result.problems, result.row_warnings = problems, []
    with engine.begin() as conn:
        result.batch_id = record_batch(conn, result, viewer, started, digest, mapping)
        record_problems(conn, result.batch_id, result, None)
    audit_import(engine, viewer, result, digest, mapping, strict=False)


def audit_import(
    engine: Engine,
    viewer: Viewer,
    result: ImportResult,
    digest: str,
    mapping: Mapping | None,
    strict: bool,
) -> None:
    audit.record(
        engine,
        viewer,
        "import",
        target=storable(f"{result.feed}: {result.file_name}"),
        detail={
            "batch_id": result.batch_id,
            "sha256": digest,
            "mapping": mapping.label if mapping else None,
            "strict": strict,
            "rows_in": result.rows_in,
            "inserted": result.inserted,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "rejected": result.rejected,
            "held": result.held,
            "warnings": len(result.row_warnings),
        },
        outcome=result.status,
    )
