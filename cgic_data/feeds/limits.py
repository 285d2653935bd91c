"""Limits on one cell: what no column of ours can hold is a rejected value, never a crash.

A feed file is read whole into memory, so the CSV reader is allowed fields of any size (see
``read``) and the limit is applied here, per cell, with the row's line and column: a 200 KB
address is one rejected row, and the rest of the file loads. The limit is far above any
declared width (the widest bounded column is 200 characters) and leaves free-text columns
(notes, outcome, summary) room for pages of text. Text the stores cannot keep is refused the
same way: NUL characters (PostgreSQL refuses them in text) and lone UTF-16 surrogates from JSON
escapes like ``"\\ud800"`` (not encodable as UTF-8).
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from cgic_data.feeds.problems import Problem, ProblemKind, shown

FIELD_LIMIT = 64 * 1024  # bytes of UTF-8 in one cell (docs/feeds.md, "Limits")


def printable(text: str) -> str:
    """The value as a report can store it: NULs and lone surrogates escaped."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")


def _as_text(value: Any) -> str | None:
    """A cell's text as the store would receive it (JSON lists and objects as JSON)."""
    if value is None or isinstance(value, bool | int | float):
        return None  # JSON scalars: bounded by the JSON reader and typed by validation
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def cell_problems(line: int, values: dict[str, Any], read: Collection[str]) -> list[Problem]:
    """Problems of the cells in ``read`` (the columns the import takes) of one source row."""
    problems = []
    for column in read:
        try:
            text = _as_text(values.get(column))
        except (RecursionError, ValueError):
            problems.append(_problem(line, column, "", "a value nested less deeply"))
            continue
        if text is None:
            continue
        try:
            size = len(text.encode("utf-8"))
        except UnicodeEncodeError:
            expected = (
                "valid Unicode text: this holds a lone surrogate (a JSON escape \\ud800-\\udfff "
                "without its pair), which UTF-8 cannot store"
            )
            problems.append(_problem(line, column, text, expected))
            continue
        if size > FIELD_LIMIT:
            expected = (
                f"a shorter field: the field is {size:,} bytes, the limit is {FIELD_LIMIT:,} "
                "(docs/feeds.md, Limits)"
            )
            problems.append(_problem(line, column, text[:60], expected))
        elif "\x00" in text:
            expected = "text without NUL (0x00) characters, which the store cannot keep in text"
            problems.append(_problem(line, column, text, expected))
    return problems


def _problem(line: int, column: str, value: str, expected: str) -> Problem:
    return Problem(line, column, shown(printable(value)), expected, ProblemKind.VALUE)
