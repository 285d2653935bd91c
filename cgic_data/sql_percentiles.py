"""Exact percentiles as an SQL aggregate, on SQLite and PostgreSQL alike.

``percentile(value, q)`` is an aggregate like ``count``: the ``q`` quantile of the group's known
(non-null) values, by linear interpolation between the closest ranks (pandas' ``quantile``,
numpy's 'linear' method); ``q = 0.5`` is pandas' ``median`` (the middle value, or the mean of the
two middle ones). An empty group gives NULL.

Why an aggregate: the heavy pages took medians by bringing one row per incident or casing back
to pandas; most of their time was moving those rows. Grouped in the database only the figures come
back. PostgreSQL has it built in (``percentile_cont ... WITHIN GROUP``); SQLite has none, so
``register_sqlite`` adds ``cgic_percentile`` to each connection (``store.make_engine`` calls it):
it keeps the group's values and sorts them once at the end, cheaper than returning them.

Exactness: SQLite's aggregate follows numpy's arithmetic to the bit. PostgreSQL's interpolates as
``low + (high - low) × fraction``, which may differ from numpy's in the last binary digit (about
1e-16 of the value): the same figure, never a different rank or interpolation.
"""

from __future__ import annotations

import math
import sqlite3
from typing import Any

from sqlalchemy import ColumnElement, Float, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

SQLITE_NAME = "cgic_percentile"


class _percentile(FunctionElement[Any]):
    type = Float()
    inherit_cache = True
    name = "percentile"


def percentile(value: ColumnElement[Any], q: float) -> _percentile:
    """The aggregate ``q`` quantile (0 ≤ q ≤ 1) of ``value`` over a group; see the module."""
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"percentile: q must be between 0 and 1, not {q!r}")
    return _percentile(value, literal_column(repr(float(q)), Float()))


def median(value: ColumnElement[Any]) -> _percentile:
    """The aggregate median of ``value`` over a group, as pandas' ``median``."""
    return percentile(value, 0.5)


def _args(compiler: Any, element: FunctionElement[Any], **kw: Any) -> list[str]:
    return [compiler.process(arg, **kw) for arg in element.clauses]


@compiles(_percentile, "sqlite")
def _percentile_sqlite(element: _percentile, compiler: Any, **kw: Any) -> str:
    value, q = _args(compiler, element, **kw)
    return f"{SQLITE_NAME}({value}, {q})"


@compiles(_percentile, "postgresql")
def _percentile_pg(element: _percentile, compiler: Any, **kw: Any) -> str:
    value, q = _args(compiler, element, **kw)
    return f"percentile_cont({q}) WITHIN GROUP (ORDER BY CAST({value} AS DOUBLE PRECISION))"


def quantile_of_sorted(values: list[float], q: float) -> float:
    """The ``q`` quantile of ascending ``values`` (not empty) exactly as pandas computes it."""
    n = len(values)
    if q == 0.5:  # pandas' median: the mean of the two middle values
        return (float(values[(n - 1) // 2]) + float(values[n // 2])) / 2
    position = (n - 1) * q
    below = math.floor(position)
    fraction = position - below
    low, high = float(values[below]), float(values[min(below + 1, n - 1)])
    step = high - low
    # numpy's lerp: from the nearer end, so a fraction of 1 lands exactly on ``high``
    return high - step * (1 - fraction) if fraction >= 0.5 else low + step * fraction


class _SqlitePercentile:
    """SQLite's side of ``percentile``: collect the group's values, sort once, interpolate."""

    def __init__(self) -> None:
        self.values: list[float] = []
        self.q = 0.5

    def step(self, value: float | None, q: float) -> None:
        if value is not None:
            self.values.append(value)
        self.q = q

    def finalize(self) -> float | None:
        if not self.values:
            return None
        self.values.sort()
        return quantile_of_sorted(self.values, self.q)


def register_sqlite(connection: sqlite3.Connection) -> None:
    """Add ``cgic_percentile`` to a SQLite connection (``percentile`` compiles to it)."""
    connection.create_aggregate(SQLITE_NAME, 2, _SqlitePercentile)  # type: ignore[arg-type]
