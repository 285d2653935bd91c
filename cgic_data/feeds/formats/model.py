"""The vocabulary of feed declarations: column types, columns, references, feeds.

A feed's declaration (``police.py``, ``lab.py``) lists its columns with these; ``markdown_table``
renders one as docs/feeds.md shows it (a test keeps the two in step).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from cgic_data import schema as s


class ColumnType(enum.StrEnum):
    TEXT = "text"
    INT = "whole number"
    FLOAT = "number"
    BOOL = "true/false"
    DATETIME = "date-time"
    DATE = "date"
    ENUM = "code"
    ITEM_LIST = "item list"


@dataclass(frozen=True)
class Column:
    """One column of a feed. ``store`` is the table column it fills (None: read by the loader)."""

    name: str
    type: ColumnType
    meaning: str
    required: bool = False
    max_length: int | None = None
    enum: type[enum.StrEnum] | None = None
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None
    default: object = None  # used when the value is absent or empty
    store: str | None = ""  # "" = same name as the column; None = not a table column
    time_known: str | None = None  # date-time: the true/false column saying a time was given

    @property
    def store_column(self) -> str | None:
        return self.name if self.store == "" else self.store

    @property
    def expected(self) -> str:
        """What a valid value looks like, in the words a rejects report uses."""
        if self.enum is not None:
            return "one of: " + ", ".join(m.value for m in self.enum)
        if self.type is ColumnType.DATETIME:
            return "an ISO 8601 date-time, e.g. 2025-06-01T22:15:00-04:00 (no offset: local time)"
        if self.type is ColumnType.DATE:
            return "an ISO 8601 date, e.g. 2021-03-15"
        if self.type is ColumnType.BOOL:
            return "true or false (also yes/no, 1/0)"
        if self.type is ColumnType.ITEM_LIST:
            return "lab item numbers separated by ';', each optionally as ITEM@ISO-date-time"
        if self.type in (ColumnType.INT, ColumnType.FLOAT):
            kind = "a whole number" if self.type is ColumnType.INT else "a number"
            if self.minimum is not None and self.maximum is not None:
                return f"{kind} from {self.minimum:g} to {self.maximum:g}"
            if self.minimum is not None:
                return f"{kind} of at least {self.minimum:g}"
            return kind
        if self.pattern == r"^[A-Z]{2}$":
            return "a two-letter state code, e.g. CT"
        return f"text of at most {self.max_length} characters" if self.max_length else "text"


@dataclass(frozen=True)
class Reference:
    """Feed columns that name a row of another table by its natural key.

    ``target`` names a key index in ``keys.INDEXES``. ``fallback`` fills an empty key column from
    another column (a lab request's incident belongs to the submitting agency unless stated). An
    optional reference is absent when all its own columns are empty; a partial one is an error.
    """

    columns: tuple[str, ...]
    target: str
    store_column: str
    required: bool = False
    fallback: dict[str, str] = field(default_factory=dict)
    # A town is looked up only in the store's state: a row whose ``state_column`` names another
    # state keeps the name as text in ``keep_as`` (Brooklyn NY is not Brooklyn CT).
    state_column: str | None = None
    keep_as: str | None = None


@dataclass(frozen=True)
class Feed:
    name: str
    title: str
    description: str
    table: type[s.Base]
    key: tuple[str, ...]  # feed columns of the natural key
    store_key: tuple[str, ...]  # the same key in table columns, most selective first
    columns: tuple[Column, ...]
    references: tuple[Reference, ...] = ()

    def column(self, name: str) -> Column:
        return self._by_name[name]

    @property
    def _by_name(self) -> dict[str, Column]:
        return {c.name: c for c in self.columns}

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]


CODE = 120  # agency codes: ORI or ORI-like, as long as a name (schema.Agency.code)


def _text(name: str, length: int | None, meaning: str, **kw: object) -> Column:
    return Column(name, ColumnType.TEXT, meaning, max_length=length, **kw)  # type: ignore[arg-type]


def _when(name: str, meaning: str, **kw: object) -> Column:
    return Column(name, ColumnType.DATETIME, meaning, **kw)  # type: ignore[arg-type]


def _code(name: str, values: type[enum.StrEnum], meaning: str, **kw: object) -> Column:
    return Column(name, ColumnType.ENUM, meaning, enum=values, **kw)  # type: ignore[arg-type]


def _ref(name: str, length: int, meaning: str, required: bool = False) -> Column:
    """A key column of a referenced row: read by the loader, not stored as such."""
    return _text(name, length, meaning, required=required, store=None)


def markdown_table(f: Feed) -> str:
    """The column table of ``f`` as docs/feeds.md shows it (a test keeps the two in step)."""
    lines = ["| column | type | required | meaning |", "|---|---|---|---|"]
    for c in f.columns:
        kind = str(c.type)
        if c.enum is not None:
            kind = "code: " + " / ".join(f"`{m.value}`" for m in c.enum)
        elif c.max_length:
            kind = f"text ≤ {c.max_length}"
        if c.minimum is not None and c.maximum is not None:
            kind += f", {c.minimum:g} to {c.maximum:g}"
        elif c.minimum is not None:
            kind += f", ≥ {c.minimum:g}"
        if c.pattern == r"^[A-Z]{2}$":
            kind += ", two capital letters"
        required = "**yes**" if c.required else ""
        if c.default is not None:
            shown = c.default.value if isinstance(c.default, enum.Enum) else c.default
            required = f"default `{str(shown).lower() if isinstance(shown, bool) else shown}`"
        key = " (key)" if c.name in f.key else ""
        lines.append(f"| `{c.name}`{key} | {kind} | {required} | {c.meaning} |")
    return "\n".join(lines)
