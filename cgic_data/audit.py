"""The audit trail: every sign-in, view, search, export, import and admin change, append-only.

CJIS practice asks who, when, what and outcome for each access to criminal justice information,
kept at least a year. The app only ever inserts here; nothing in the app updates or deletes a row.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, select

from cgic_data.schema import Agency, AuditEntry
from cgic_data.scope import Viewer


def record(
    engine: Engine,
    viewer: Viewer | None,
    action: str,
    *,
    target: str | None = None,
    detail: dict[str, Any] | None = None,
    outcome: str = "ok",
    purpose: str | None = None,
    username: str | None = None,
) -> None:
    """Append one audit row. ``detail`` (filters, row counts, ...) is stored as JSON."""
    agency_code = None
    if viewer is not None and viewer.agency_id is not None:
        with engine.connect() as conn:
            agency_code = conn.execute(
                select(Agency.code).where(Agency.id == viewer.agency_id)
            ).scalar_one_or_none()
    with engine.begin() as conn:
        conn.execute(
            insert(AuditEntry).values(
                at=datetime.now(),
                username=username or (viewer.username if viewer else None),
                agency_code=agency_code,
                action=action,
                target=target[:200] if target else None,
                detail=json.dumps(detail, default=str, sort_keys=True) if detail else None,
                purpose=purpose,
                outcome=outcome,
            )
        )


def cutoff(older_than_days: int, now: datetime | None = None) -> datetime:
    """``now`` less ``older_than_days`` days, for a retention prune. The calendar starts at year 1:
    a number of days reaching further back is refused with the largest one there is, where
    ``datetime`` arithmetic would raise a bare OverflowError."""
    now = now or datetime.now()
    most = (now - datetime.min).days
    if older_than_days > most:
        raise ValueError(
            f"--older-than-days can be at most {most:,} days (back to 1 January of year 1); "
            f"{older_than_days:,} asked"
        )
    return now - timedelta(days=older_than_days)
