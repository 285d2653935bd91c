"""Bulk load: chunked ``bulk_insert`` (COPY / raw executemany) with explicit ids, all in ONE
transaction.

The materialized sharing rule (``cgic_data.sharing``) is rebuilt in the same transaction. One
transaction means a failed load leaves the store as it was (empty), never half a demo. Rows
carry the ids the generator assigned, so PostgreSQL's id sequences are moved past them afterwards,
or the next ordinary insert (an import, a new lead) would collide.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import islice

from sqlalchemy import Connection, Engine, Table, func, insert, select, text

from cgic_data import schema as s
from cgic_data import sharing
from cgic_data.bulk import bulk_insert

CHUNK_ROWS = 20_000

# The tables the demo fills, in foreign-key order.
DATA_MODELS: list[type[s.Base]] = [
    s.Town,
    s.Agency,
    s.Incident,
    s.LabRequest,
    s.Firearm,
    s.EvidenceItem,
    s.NibinLead,
    s.LeadItem,
    s.ForensicResult,
    s.Trace,
    s.CaseEvent,
]
DATA_TABLES: list[Table] = [m.__table__ for m in DATA_MODELS]  # type: ignore[misc]


def occupied_tables(conn: Connection) -> list[str]:
    """Names of the data tables that already hold rows."""
    return [t.name for t in DATA_TABLES if conn.execute(select(t).limit(1)).first() is not None]


def insert_rows(
    conn: Connection, table: Table, rows: Iterable[dict[str, object]], chunk: int = CHUNK_ROWS
) -> int:
    """Insert ``rows`` in chunks (executemany); returns how many."""
    iterator = iter(rows)
    total = 0
    while batch := list(islice(iterator, chunk)):
        bulk_insert(conn, table, batch)
        total += len(batch)
    return total


def reset_sequences(conn: Connection, tables: Iterable[Table]) -> None:
    """PostgreSQL: move each serial ``id`` sequence past the highest explicit id."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        if "id" not in table.c or not table.c.id.primary_key:
            continue
        top = conn.execute(select(func.max(table.c.id))).scalar()
        if top is None:
            continue
        conn.execute(
            text("SELECT setval(pg_get_serial_sequence(:table, 'id'), :top)"),
            {"table": table.name, "top": top},
        )


def load(
    engine: Engine,
    tables: list[tuple[Table, Callable[[], Iterable[dict[str, object]]]]],
    store_info: dict[str, str],
) -> dict[str, int]:
    """Insert every table's rows and the ``store_info`` facts in one transaction."""
    counts: dict[str, int] = {}
    with engine.begin() as conn:
        for table, rows in tables:
            counts[table.name] = insert_rows(conn, table, rows())
        reset_sequences(conn, [t for t, _ in tables])
        sharing.refresh_all(conn)
        info = s.StoreInfo.__table__
        conn.execute(info.delete().where(info.c.key.in_(list(store_info))))
        conn.execute(insert(info), [{"key": k, "value": v} for k, v in store_info.items()])
    return counts
