"""The import history the Import page lists: recent batches and the problems of one batch.

Imports are an administrator's business (they show file names and raw rejected rows), so these
refuse any other viewer rather than trusting the page to hide them.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, func, select

from cgic_data.frames import query_frame, read_frame
from cgic_data.schema import ImportBatch, ImportReject, Role
from cgic_data.scope import Viewer

BATCH_COLUMNS = [
    "id",
    "started_at",
    "feed",
    "file_name",
    "status",
    "rows_in",
    "inserted",
    "updated",
    "unchanged",
    "rejected",
    "held",
    "source_rows",
    "mapping",
    "imported_by",
    "message",
]
REJECT_COLUMNS = ["line", "column", "value", "kind", "message"]


def _admin_only(viewer: Viewer) -> None:
    if viewer.role is not Role.ADMIN:
        raise PermissionError("the import history is for administrators")


def recent_batches(engine: Engine, viewer: Viewer, limit: int = 50) -> pd.DataFrame:
    """The last ``limit`` import batches, newest first."""
    _admin_only(viewer)
    stmt = (
        select(*(getattr(ImportBatch, c) for c in BATCH_COLUMNS))
        .order_by(ImportBatch.id.desc())
        .limit(limit)
    )
    return query_frame(engine, stmt, BATCH_COLUMNS)


def batch_rejects(
    engine: Engine, viewer: Viewer, batch_id: int, limit: int = 1000
) -> tuple[pd.DataFrame, int]:
    """The first ``limit`` problems of one batch, by line, and how many there are in all."""
    _admin_only(viewer)
    where = ImportReject.batch_id == batch_id
    stmt = (
        select(*(getattr(ImportReject, c) for c in REJECT_COLUMNS))
        .where(where)
        .order_by(ImportReject.line, ImportReject.id)
        .limit(limit)
    )
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).where(where)).scalar_one()
        return read_frame(conn, stmt, REJECT_COLUMNS), total
