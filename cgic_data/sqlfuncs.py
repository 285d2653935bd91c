"""Portable SQL date functions: one expression, compiled for SQLite or PostgreSQL.

Metrics bucket by week and month and measure hours between events in SQL, so the database does the
work on millions of rows; the two backends spell those functions differently, so they live here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Date, Float, Integer, literal_column
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


class whole_days_between(FunctionElement[Any]):
    """``whole_days_between(start, end)``: calendar days from the date of ``start`` to the date of
    ``end`` (same day: 0), computed without building date strings."""

    type = Integer()
    inherit_cache = True
    name = "whole_days_between"


class _date_plus_days(FunctionElement[Any]):
    type = Date()
    inherit_cache = True
    name = "date_plus_days"


def date_plus_days(ts: Any, days: int) -> _date_plus_days:
    """The date ``days`` whole days after the date ``ts`` falls on (its midnight, compared with a
    timestamp). ``days`` is written into the SQL (a constant: SQLite's date modifier)."""
    return _date_plus_days(ts, literal_column(str(int(days)), Integer()))


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


@compiles(_date_plus_days, "sqlite")
def _date_plus_days_sqlite(element: _date_plus_days, compiler: Any, **kw: Any) -> str:
    ts, days = _args(compiler, element, **kw)
    return f"date({ts}, '+{days} days')"


@compiles(_date_plus_days, "postgresql")
def _date_plus_days_pg(element: _date_plus_days, compiler: Any, **kw: Any) -> str:
    ts, days = _args(compiler, element, **kw)
    return f"(CAST({ts} AS DATE) + {days})"


@compiles(whole_days_between, "sqlite")
def _whole_days_sqlite(element: whole_days_between, compiler: Any, **kw: Any) -> str:
    start, end = _args(compiler, element, **kw)
    # both are midnights' julian days (x.5, exact), so the difference is an exact integer
    return f"CAST(julianday({end}, 'start of day') - julianday({start}, 'start of day') AS INTEGER)"


@compiles(whole_days_between, "postgresql")
def _whole_days_pg(element: whole_days_between, compiler: Any, **kw: Any) -> str:
    start, end = _args(compiler, element, **kw)
    return f"(CAST({end} AS DATE) - CAST({start} AS DATE))"
