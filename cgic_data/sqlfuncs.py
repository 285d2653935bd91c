"""Portable SQL date functions: one expression, compiled for SQLite or PostgreSQL.

Metrics bucket by week and month and measure hours between events in SQL, so the database does the
work on millions of rows; the two backends spell those functions differently, so they live here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Date, Float, Integer
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement


class week_start(FunctionElement[Any]):
    """The Monday (as a date) of the week a timestamp falls in."""

    type = Date()
    inherit_cache = True
    name = "week_start"


class month_start(FunctionElement[Any]):
    """The first day (as a date) of the month a timestamp falls in."""

    type = Date()
    inherit_cache = True
    name = "month_start"


class hours_between(FunctionElement[Any]):
    """``hours_between(start, end)``: hours from ``start`` to ``end`` (negative if earlier)."""

    type = Float()
    inherit_cache = True
    name = "hours_between"


class days_between(FunctionElement[Any]):
    """``days_between(start, end)``: days (fractional) from ``start`` to ``end``."""

    type = Float()
    inherit_cache = True
    name = "days_between"


class calendar_days_between(FunctionElement[Any]):
    """``calendar_days_between(a_date, a_timestamp)``: whole calendar days, negative if earlier."""

    type = Integer()
    inherit_cache = True
    name = "calendar_days_between"


def _args(compiler: Any, element: FunctionElement[Any], **kw: Any) -> list[str]:
    return [compiler.process(arg, **kw) for arg in element.clauses]


@compiles(week_start, "sqlite")
def _week_start_sqlite(element: week_start, compiler: Any, **kw: Any) -> str:
    (ts,) = _args(compiler, element, **kw)
    # 'weekday 0' moves forward to Sunday; six days back is the Monday on or before ts.
    return f"date({ts}, '-6 days', 'weekday 1')"


@compiles(week_start, "postgresql")
def _week_start_pg(element: week_start, compiler: Any, **kw: Any) -> str:
    (ts,) = _args(compiler, element, **kw)
    return f"CAST(date_trunc('week', {ts}) AS DATE)"


@compiles(month_start, "sqlite")
def _month_start_sqlite(element: month_start, compiler: Any, **kw: Any) -> str:
    (ts,) = _args(compiler, element, **kw)
    return f"date({ts}, 'start of month')"


@compiles(month_start, "postgresql")
def _month_start_pg(element: month_start, compiler: Any, **kw: Any) -> str:
    (ts,) = _args(compiler, element, **kw)
    return f"CAST(date_trunc('month', {ts}) AS DATE)"


@compiles(hours_between, "sqlite")
def _hours_sqlite(element: hours_between, compiler: Any, **kw: Any) -> str:
    start, end = _args(compiler, element, **kw)
    return f"((julianday({end}) - julianday({start})) * 24.0)"


@compiles(hours_between, "postgresql")
def _hours_pg(element: hours_between, compiler: Any, **kw: Any) -> str:
    start, end = _args(compiler, element, **kw)
    return f"(EXTRACT(EPOCH FROM ({end} - {start})) / 3600.0)"


@compiles(days_between, "sqlite")
def _days_sqlite(element: days_between, compiler: Any, **kw: Any) -> str:
    start, end = _args(compiler, element, **kw)
    return f"(julianday({end}) - julianday({start}))"


@compiles(days_between, "postgresql")
def _days_pg(element: days_between, compiler: Any, **kw: Any) -> str:
    start, end = _args(compiler, element, **kw)
    return f"(EXTRACT(EPOCH FROM ({end} - {start})) / 86400.0)"


@compiles(calendar_days_between, "sqlite")
def _calendar_days_sqlite(element: calendar_days_between, compiler: Any, **kw: Any) -> str:
    start, end = _args(compiler, element, **kw)
    return f"CAST(julianday(date({end})) - julianday({start}) AS INTEGER)"


@compiles(calendar_days_between, "postgresql")
def _calendar_days_pg(element: calendar_days_between, compiler: Any, **kw: Any) -> str:
    start, end = _args(compiler, element, **kw)
    return f"(CAST({end} AS DATE) - {start})"
