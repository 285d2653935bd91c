"""Reading the audit log: search by user, action, outcome and dates, for lab-wide admins only.

The audit log holds who looked at what across all agencies, so only an admin without an agency
may read it; anyone else gets ``PermissionError``. Reading it is itself audited by the caller
(the Audit page records an 'audit-view' row with the search it ran).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import ColumnElement, Engine, func, select

from cgic_data.frames import query_frame
from cgic_data.schema import AuditEntry, Role
from cgic_data.scope import Viewer, date_conditions

COLUMNS = ["at", "username", "agency_code", "action", "target", "outcome", "purpose", "detail"]


@dataclass(frozen=True)
class AuditQuery:
    """What to look for. Empty text and tuples mean 'any'; ``end`` is inclusive.

    ``username`` matches the start of a username, case-insensitively ('hart' finds
    'hartford.analyst'); LIKE wildcards typed into it are taken literally.
    """

    username: str = ""
    actions: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()
    start: date | None = None
    end: date | None = None


def require_auditor(viewer: Viewer) -> None:
    if viewer.role is not Role.ADMIN or not viewer.sees_all_agencies:
        raise PermissionError("only a lab-wide admin may read the audit log")


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _conditions(query: AuditQuery) -> list[ColumnElement[bool]]:
    conditions = date_conditions(AuditEntry.at, query.start, query.end)
    name = query.username.strip().lower()
    if name:
        conditions.append(
            func.lower(AuditEntry.username).like(_escape_like(name) + "%", escape="\\")
        )
    if query.actions:
        conditions.append(AuditEntry.action.in_(query.actions))
    if query.outcomes:
        conditions.append(AuditEntry.outcome.in_(query.outcomes))
    return conditions


def search_audit(
    engine: Engine, viewer: Viewer, query: AuditQuery, limit: int = 1000
) -> pd.DataFrame:
    """Matching rows, newest first, at most ``limit`` of them (columns: ``COLUMNS``)."""
    require_auditor(viewer)
    stmt = (
        select(*(getattr(AuditEntry, c) for c in COLUMNS))
        .where(*_conditions(query))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
    )
    return query_frame(engine, stmt, COLUMNS)


def count_audit(engine: Engine, viewer: Viewer, query: AuditQuery) -> int:
    """How many rows match (the page shows the newest ``limit`` of them)."""
    require_auditor(viewer)
    stmt = select(func.count()).select_from(AuditEntry).where(*_conditions(query))
    with engine.connect() as conn:
        return conn.execute(stmt).scalar_one()


def audit_vocabulary(engine: Engine, viewer: Viewer) -> tuple[list[str], list[str]]:
    """The actions and outcomes present in the log, for the search's pick lists."""
    require_auditor(viewer)
    with engine.connect() as conn:
        actions = conn.execute(select(AuditEntry.action).distinct().order_by(AuditEntry.action))
        outcomes = conn.execute(select(AuditEntry.outcome).distinct().order_by(AuditEntry.outcome))
        return list(actions.scalars()), list(outcomes.scalars())
