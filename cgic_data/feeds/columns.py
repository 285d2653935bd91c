"""Columnar validation: a chunk's rows typed a column at a time, with the row model's results.

Typing a row through the feed's pydantic model (``validate.Checker``) costs more than loading it.
Here each column is checked and converted as a whole: vectorised gates (PyArrow regular
expressions, casts and bounds, cell sizes) decide which values are certainly valid and convert
them, exactly as the model would. Any value the gates do not vouch for — a bad value, but also
an unusual spelling the model may accept (`` 12 ``, ``1e3``, an offset) — sends its row to the
row model, which types it or reports its problems as before. So every row gets the same typed
values and the same problems (line, column, value, expected) as before; only the good majority
skips the per-row model. ``tests/feeds/test_columns.py`` holds the two paths to agreement.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from types import SimpleNamespace
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from cgic_data.feeds.formats import Column, ColumnType
from cgic_data.feeds.limits import FIELD_LIMIT, cell_problems
from cgic_data.feeds.read import SourceRow

MISSING: Any = object()  # a JSON row without the key: not a value at all
_BAD: Any = object()  # a value the gates do not vouch for: its row goes to the row model
# What pydantic strips from text (Rust's White_Space; Python's str.strip also takes \x1c-\x1f).
_WHITESPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B)))
_WHITESPACE += "\u2028\u2029\u202f\u205f\u3000"
_INT = r"^-?[0-9]{1,18}$"
_FLOAT = r"^-?[0-9]{1,17}(\.[0-9]{1,17})?$"
_DATETIME = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?)?$"
)
_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_BOOLS = {"0": False, "off": False, "f": False, "false": False, "n": False, "no": False}
_BOOLS |= {"1": True, "on": True, "t": True, "true": True, "y": True, "yes": True}

Converted = list[Any]  # per row: the typed value, None, MISSING or _BAD


def _texts(values: Sequence[Any]) -> pa.Array:
    """The string values as an Arrow array (anything else null); lone surrogates are null too."""
    strings = [v if type(v) is str else None for v in values]
    try:
        return pa.array(strings, type=pa.string())
    except (pa.ArrowException, UnicodeEncodeError):
        storable = [v if v is None or v.isascii() or _encodes(v) else None for v in strings]
        return pa.array(storable, type=pa.string())


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _cast(texts: pa.Array, pattern: str, to: pa.DataType) -> list[Any]:
    """Values matching ``pattern`` cast to ``to`` (None elsewhere); None for all if one fails
    (an impossible date like 2024-02-30): the caller converts them one by one then."""
    matches = pc.fill_null(pc.match_substring_regex(texts, pattern), False)
    try:
        return pc.cast(pc.if_else(matches, texts, None), to).to_pylist()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OverflowError):
        return [None] * len(texts)


def _numbers(column: Column, values: Sequence[Any]) -> Converted:
    integer = column.type is ColumnType.INT
    cast = _cast(
        _texts(values), _INT if integer else _FLOAT, pa.int64() if integer else pa.float64()
    )
    from cgic_data.feeds.validate import INT_MAX

    low, high = column.minimum, column.maximum
    if integer and high is None:
        high = INT_MAX
    out: Converted = []
    for value, number in zip(values, cast, strict=True):
        if value is None or value is MISSING:
            out.append(value)
            continue
        if number is None:
            kind = type(value)
            if kind is int or (kind is float and not integer and math.isfinite(value)):
                number = value if integer else float(value)
            else:
                out.append(_BAD)
                continue
        fits = (low is None or number >= low) and (high is None or number <= high)
        out.append(number if fits else _BAD)
    return out


def _text(column: Column, values: Sequence[Any]) -> Converted:
    pattern = re.compile(column.pattern) if column.pattern else None
    shortest = 1 if column.required else 0
    longest = column.max_length or math.inf
    out: Converted = []
    for value in values:
        if type(value) is not str:
            out.append(value if value is None or value is MISSING else _BAD)
            continue
        text = value.strip(_WHITESPACE)
        if not shortest <= len(text) <= longest or (pattern and not pattern.search(text)):
            out.append(_BAD)
        else:
            out.append(text or None)  # blank: no value
    return out


def _moments(column: Column, values: Sequence[Any], zone: Any) -> Converted:
    day_only = column.type is ColumnType.DATE
    texts = _texts(values)
    if day_only:
        cast = _cast(texts, _DATE, pa.date32())
    else:
        cast = _cast(texts, _DATETIME, pa.timestamp("us"))
    out: Converted = []
    for value, moment in zip(values, cast, strict=True):
        if moment is not None:
            out.append(moment)
        elif value is None or value is MISSING:
            out.append(value)
        elif type(value) is str:
            out.append(_one_moment(value, day_only))
        elif isinstance(value, datetime):
            if day_only:
                out.append(value.date())
            elif value.tzinfo is not None:
                out.append(value.astimezone(zone).replace(tzinfo=None))
            else:
                out.append(value)
        elif isinstance(value, date):
            out.append(value if day_only else datetime.combine(value, time.min))
        else:
            out.append(_BAD)
    return out


def _one_moment(text: str, day_only: bool) -> Any:
    """A string the cast could not take (the whole column fell back, or it did not match)."""
    if not re.fullmatch(_DATE if day_only else _DATETIME, text):
        return _BAD
    try:
        return date.fromisoformat(text) if day_only else datetime.fromisoformat(text)
    except ValueError:
        return _BAD


def _codes(column: Column, values: Sequence[Any]) -> Converted:
    assert column.enum is not None
    members = column.enum
    by_text = {m.value.casefold(): m for m in members}
    out: Converted = []
    for value in values:
        if type(value) is str:
            out.append(by_text.get(value.strip().casefold(), _BAD))
        elif value is None or value is MISSING or isinstance(value, members):
            out.append(value)
        else:
            out.append(_BAD)
    return out


def _flags(values: Sequence[Any]) -> Converted:
    out: Converted = []
    for value in values:
        if type(value) is str:
            out.append(_BOOLS.get(value.lower(), _BAD) if value.isascii() else _BAD)
        else:
            out.append(value if value is None or value is MISSING or type(value) is bool else _BAD)
    return out


def _item_lists(values: Sequence[Any], context: dict[str, Any]) -> Converted:
    from cgic_data.feeds.validate import _items  # the row model's own parser

    info = SimpleNamespace(context=context)
    out: Converted = []
    for value in values:
        if value is MISSING:
            out.append(value)
            continue
        try:
            out.append(_items(value, info))  # type: ignore[arg-type]
        except ValueError:
            out.append(_BAD)
    return out


def convert(column: Column, values: Sequence[Any], context: dict[str, Any]) -> Converted:
    """Each value typed as the row model types it, or ``_BAD`` where it might not be."""
    kind = column.type
    if kind in (ColumnType.INT, ColumnType.FLOAT):
        out = _numbers(column, values)
    elif kind is ColumnType.TEXT:
        out = _text(column, values)
    elif kind in (ColumnType.DATETIME, ColumnType.DATE):
        out = _moments(column, values, context["zone"])
    elif kind is ColumnType.ENUM:
        out = _codes(column, values)
    elif kind is ColumnType.BOOL:
        out = _flags(values)
    else:
        out = _item_lists(values, context)
    if column.required:  # a missing or empty required value: the row model says so
        out = [_BAD if v is None or v is MISSING else v for v in out]
    return out


def bad_cells(rows: Sequence[SourceRow], columns: Sequence[str]) -> list[bool]:
    """Rows with a cell ``limits.cell_problems`` would report (too big, NUL, not storable)."""
    bad = [False] * len(rows)
    for name in columns:
        values = [row.values.get(name) for row in rows]
        texts = _texts(values)
        big = pc.greater(pc.binary_length(texts), FIELD_LIMIT)
        nul = pc.match_substring(texts, "\x00")
        flagged = pc.fill_null(pc.or_(big, nul), False).to_pylist()
        for index in pc.indices_nonzero(texts.is_null()).to_pylist():  # not plain text
            value = values[index]
            if not (value is None or isinstance(value, bool | int | float)):
                flagged[index] = bool(cell_problems(0, {name: value}, [name]))
        bad = [a or b for a, b in zip(bad, flagged, strict=True)]
    return bad


def typed_columns(
    columns: Sequence[Column],
    mapped: Sequence[dict[str, Any] | None],
    context: dict[str, Any],
    finish: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]],
) -> list[dict[str, Any] | None]:
    """Each mapped row (None: already sent to the row model) typed, or None for the row model.

    ``finish`` completes a typed row as the row model's checker does (defaults, time known).
    """
    named = {name for m in mapped if m is not None for name in m}
    present = [c for c in columns if c.required or c.name in named]
    converted = {
        c.name: convert(
            c, [m.get(c.name, MISSING) if m is not None else None for m in mapped], context
        )
        for c in present
    }
    out: list[dict[str, Any] | None] = []
    for index, values in enumerate(mapped):
        if values is None:
            out.append(None)
            continue
        typed = {}
        for name, column in converted.items():
            value = column[index]
            if value is _BAD:
                typed = None
                break
            if value is not MISSING:
                typed[name] = value
        out.append(None if typed is None else finish(values, typed))
    return out
