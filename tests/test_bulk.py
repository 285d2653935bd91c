"""bulk_insert stores exactly what a Core insert would, inside the caller's transaction."""

from datetime import datetime

import pytest
from sqlalchemy import Engine, insert, select

from cgic_data import schema as s
from cgic_data.bulk import bulk_insert
from tests.factory import Builder

INCIDENT_COLUMNS = ["incident_number", "occurred_at", "kind", "victims_injured", "lat"]


def _incidents(agency_id: int, prefix: str) -> list[dict[str, object]]:
    return [
        {
            "agency_id": agency_id,
            "incident_number": f"{prefix}-{n}",
            "occurred_at": datetime(2025, 3, n + 1, 22, 15, 30),
            "kind": s.IncidentKind.SHOTS_FIRED if n % 2 else s.IncidentKind.SHOOTING,
            "lat": 41.5 + n / 10,
        }
        for n in range(3)
    ]


def _stored(engine: Engine, prefix: str) -> list[tuple[object, ...]]:
    table = s.Incident.__table__
    columns = [table.c[name] for name in INCIDENT_COLUMNS]
    with engine.connect() as conn:
        rows = conn.execute(
            select(*columns)
            .where(table.c.incident_number.like(f"{prefix}-%"))
            .order_by(table.c.incident_number)
        ).all()
    return [(row[0].split("-")[1], *row[1:]) for row in rows]  # the number without its prefix


def test_rows_read_back_as_a_core_insert_stores_them(engine: Engine) -> None:
    agency = Builder(engine).agency()
    with engine.begin() as conn:
        conn.execute(insert(s.Incident), _incidents(agency, "CORE"))
        bulk_insert(conn, s.Incident.__table__, _incidents(agency, "BULK"))
    bulk = _stored(engine, "BULK")
    assert bulk == _stored(engine, "CORE")
    # enum, datetime and the left-out victims_injured (scalar default 0) all came back typed
    assert bulk[0] == ("0", datetime(2025, 3, 1, 22, 15, 30), s.IncidentKind.SHOOTING, 0, 41.5)


def test_a_failed_transaction_leaves_nothing_behind(engine: Engine) -> None:
    agency = Builder(engine).agency()
    with pytest.raises(RuntimeError), engine.begin() as conn:
        bulk_insert(conn, s.Incident.__table__, _incidents(agency, "GONE"))
        raise RuntimeError("the import failed after the insert")
    assert _stored(engine, "GONE") == []


def test_rows_naming_different_columns_are_refused(engine: Engine) -> None:
    agency = Builder(engine).agency()
    rows = _incidents(agency, "ODD")
    rows[1]["town_id"] = None
    with pytest.raises(ValueError, match="same columns"), engine.begin() as conn:
        bulk_insert(conn, s.Incident.__table__, rows)
