"""Bulk insert the backend's fastest way, inside the caller's transaction.

A Core ``insert(table), rows`` spends most of its time in SQLAlchemy building parameters row by
row. For the demo seed and large imports this module hands the driver ready-made tuples instead:
PostgreSQL ``COPY ... FROM STDIN`` (psycopg), SQLite ``executemany`` on the raw connection. The
values still go through each column's own SQLAlchemy type (``bind_processor``: enums to their
stored names, datetimes to SQLite's text form), and columns a row leaves out get their scalar
Python default, so the stored rows are exactly what ``insert(table)`` would have stored. The raw
connection is the one under ``conn``: same transaction, same rollback.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Table, insert


def bulk_insert(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table`` on ``conn``'s transaction."""
    if not rows:
        return
    given = list(rows[0])
    defaults = _scalar_defaults(table, given)
    if defaults is None:  # a column computes its default per row: let SQLAlchemy do it
        conn.execute(insert(table), list(rows))
        return
    columns = [*given, *defaults]
    constant = list(defaults.values())
    convert = [(n, p) for n, p in enumerate(_processors(conn, table, columns)) if p is not None]
    width = len(given)
    values = []
    for row in rows:
        if len(row) != width:
            raise ValueError(f"{table.name}: every row must name the same columns as the first")
        value = [row[c] for c in given]
        value += constant
        for n, process in convert:
            value[n] = process(value[n])
        values.append(value)
    quote = conn.dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in columns)
    target = quote(table.name)
    raw = conn.connection.dbapi_connection
    assert raw is not None
    if conn.dialect.name == "postgresql":
        with raw.cursor() as cursor, cursor.copy(f"COPY {target} ({names}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            for value in values:
                copy.write_row(value)
    else:
        marks = ", ".join("?" * len(columns))
        cursor = raw.cursor()
        try:
            cursor.executemany(f"INSERT INTO {target} ({names}) VALUES ({marks})", values)
        finally:
            cursor.close()


def _scalar_defaults(table: Table, given: list[str]) -> dict[str, Any] | None:
    """Constant Python defaults of the columns the rows leave out (None: one is not constant)."""
    defaults: dict[str, Any] = {}
    for column in table.columns:
        if column.name in given or column.default is None:
            continue
        if not column.default.is_scalar:
            return None
        defaults[column.name] = column.default.arg  # type: ignore[attr-defined]
    return defaults


def _processors(
    conn: Connection, table: Table, columns: list[str]
) -> list[Callable[[Any], Any] | None]:
    """Each column's own conversion of a Python value to what the driver stores."""
    dialect = conn.dialect
    return [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns]
