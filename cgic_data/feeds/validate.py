"""Validation: one pydantic model per feed, built from its column declarations in ``formats``.

``validate_source`` maps every source row (``mapping``), types it through the feed's model, folds
groups and checks natural keys are unique in the file. Nothing here touches the store: a bad row
becomes a ``Problem`` naming line, column, value and what was expected, and its source rows are
kept for the rejects file. Rows that pass become ``Record``s for the loader.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import cache
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    create_model,
)

from cgic_data import settings
from cgic_data.feeds.columns import bad_cells, typed_columns
from cgic_data.feeds.formats import Column, ColumnType, Feed, Reference, feed
from cgic_data.feeds.limits import cell_problems
from cgic_data.feeds.mapping import FoldRule, Mapper, Mapping, fold
from cgic_data.feeds.problems import Problem, ProblemKind, shown
from cgic_data.feeds.read import Source, SourceRow
from cgic_data.feeds.seen import SeenKeys, digest
from cgic_data.feeds.town_names import town_names
from cgic_data.towns import towns_state

Items = tuple[tuple[str, datetime | None], ...]
INT_MAX = 2**31 - 1  # the stores' INTEGER columns (PostgreSQL's are 32-bit): more is a bad value


def _local_datetime(value: Any, info: ValidationInfo) -> datetime | None:
    """ISO 8601 only (never a bare number as epoch seconds); with an offset it is converted to
    the store's wall-clock zone, without one it already is local time."""
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if text.replace(".", "").isdigit():
            raise ValueError("a bare number is not a date")
        value = datetime.fromisoformat(text)
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value, time.min)  # a date alone: the time is unknown
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            zone: ZoneInfo = (info.context or {}).get("zone") or ZoneInfo(
                settings.TIME_ZONE.value()
            )
            value = value.astimezone(zone).replace(tzinfo=None)
        return value
    if value is None:
        return None
    raise ValueError("not a date-time")


_ISO_DAY = re.compile(r"\s*\d{4}-\d{2}-\d{2}\s*")


def _date_only(value: Any) -> bool:
    """A date without a time of day (ISO ``2025-06-01``, or a mapping's date-only format)."""
    if isinstance(value, datetime):
        return False
    if isinstance(value, date):
        return True
    return isinstance(value, str) and _ISO_DAY.fullmatch(value) is not None


def _keep_out_of_state(ref: Reference, typed: dict[str, Any]) -> None:
    """Another state's place: no town of ours, its name kept as text (``keep_as``)."""
    state = typed.get(ref.state_column)  # type: ignore[arg-type]
    if state is None or state == towns_state():
        return
    for column in ref.columns:
        if column in typed:
            name = typed[column]
            typed[column] = None
            if ref.keep_as and name is not None and typed.get(ref.keep_as) is None:
                typed[ref.keep_as] = name


def _iso_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        text = value.strip()
        return date.fromisoformat(text) if text else None
    return value


def _enum_member(values: type[enum.StrEnum]) -> Any:
    by_text = {m.value.casefold(): m for m in values}

    def member(value: Any) -> Any:
        if isinstance(value, str):
            found = by_text.get(value.strip().casefold())
            if found is None:
                raise ValueError("not a known code")
            return found
        return value

    return member


def _items(value: Any, info: ValidationInfo) -> Items | None:
    """``A;B@2025-06-03T09:00:00`` or a JSON array of numbers / {item_number, added_at}."""
    if value is None:
        return None
    if isinstance(value, str):
        value = [part for part in value.split(";") if part.strip()]
    if not isinstance(value, list | tuple):
        raise ValueError("not a list of item numbers")
    items: dict[str, datetime | None] = {}
    for part in value:
        added: Any = None
        if isinstance(part, dict):
            number, added = part.get("item_number"), part.get("added_at")
        elif isinstance(part, tuple):
            number, added = part
        else:
            number = str(part)
            if "@" in number:
                number, added = number.rsplit("@", 1)
        number = str(number or "").strip()
        if not number or len(number) > 40:
            raise ValueError(f"bad item number {number!r}")
        try:
            items.setdefault(number, _local_datetime(added, info))
        except ValueError:
            raise ValueError(f"bad date {added!r} for item {number}") from None
    return tuple(items.items()) or None


def _annotation(column: Column) -> Any:
    kind = column.type
    if kind is ColumnType.TEXT:  # trimmed; a JSON number is read as its digits
        text = StringConstraints(
            strip_whitespace=True,
            min_length=1 if column.required else None,
            max_length=column.max_length,
            pattern=column.pattern,
        )
        return Annotated[str, text]
    if kind is ColumnType.INT:
        top = INT_MAX if column.maximum is None else column.maximum
        return Annotated[int, Field(ge=column.minimum, le=top)]
    if kind is ColumnType.FLOAT:
        return Annotated[float, Field(ge=column.minimum, le=column.maximum, allow_inf_nan=False)]
    if kind is ColumnType.BOOL:
        return bool
    if kind is ColumnType.DATETIME:
        return Annotated[datetime, BeforeValidator(_local_datetime)]
    if kind is ColumnType.DATE:
        return Annotated[date, BeforeValidator(_iso_date)]
    if kind is ColumnType.ENUM:
        assert column.enum is not None
        return Annotated[column.enum, BeforeValidator(_enum_member(column.enum))]
    return Annotated[Items, BeforeValidator(_items)]


def row_model(target: Feed) -> type[BaseModel]:
    """The pydantic model of one row of ``target``: required columns need a value."""
    return _row_model(target.name)


@cache
def _row_model(name: str) -> type[BaseModel]:
    target = feed(name)
    fields: dict[str, Any] = {}
    for column in target.columns:
        annotation = _annotation(column)
        fields[column.name] = (annotation, ...) if column.required else (annotation | None, None)
    config = ConfigDict(extra="ignore", protected_namespaces=(), coerce_numbers_to_str=True)
    return create_model(f"{target.name}_row", __config__=config, **fields)


@dataclass
class Record:
    """A row (or folded group of rows) ready to load: our columns -> typed values."""

    lines: tuple[int, ...]
    values: dict[str, Any]
    store: dict[str, Any] = field(default_factory=dict)  # table columns, filled by the loader


@dataclass
class Validated:
    feed: Feed
    source: Source
    mapper: Mapper
    records: list[Record] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rejected: list[tuple[int, ...]] = field(default_factory=list)  # lines of each rejected record

    @property
    def rows_in(self) -> int:
        """Records offered: loaded or rejected (a folded group counts once)."""
        return len(self.records) + len(self.rejected)

    def reject(self, record: Record, problems: list[Problem]) -> None:
        self.problems.extend(problems)
        self.rejected.append(record.lines)


class Checker:
    """Types mapped values through the feed's model; reports with their column names."""

    def __init__(self, target: Feed, mapper: Mapper) -> None:
        self.feed, self.mapper, self.model = target, mapper, row_model(target)
        self.context = {"zone": ZoneInfo(settings.TIME_ZONE.value())}
        self.defaults = {c.name: c.default for c in target.columns if c.default is not None}
        self.read = list(dict.fromkeys(c for o in mapper.rules for c in mapper.sources(o)))
        self.time_known = [(c.name, c.time_known) for c in target.columns if c.time_known]
        self.out_of_state = [r for r in target.references if r.state_column]
        self.towns = town_names(target, mapper)

    def check(self, values: dict[str, Any], line: int, skip: set[str]) -> tuple[Any, list[Problem]]:
        try:
            row = self.model.model_validate(values, context=self.context)
        except ValidationError as exc:
            return None, self._problems(exc, values, line, skip)
        fields = row.__dict__
        typed = {n: (None if fields[n] == "" else fields[n]) for n in values}  # blank: no value
        return self.finish(values, typed), []

    def finish(self, values: dict[str, Any], typed: dict[str, Any]) -> dict[str, Any]:
        """Defaults, whether a time of day was given, another state's places."""
        for name, default in self.defaults.items():
            if typed.get(name, default) is None:
                typed[name] = default
        for name, known in self.time_known:
            if name in typed and typed.get(known) is None:
                typed[known] = not _date_only(values.get(name))
        for ref in self.out_of_state:
            _keep_out_of_state(ref, typed)
        return typed

    def _problems(
        self, exc: ValidationError, values: dict[str, Any], line: int, skip: set[str]
    ) -> list[Problem]:
        problems = []
        for error in exc.errors(include_url=False):
            name = str(error["loc"][0])
            if name in skip:
                continue  # already reported by the mapping, in their column's name
            column = self.feed.column(name)
            value = values.get(name)
            blank = value is None or (isinstance(value, str) and not value.strip())
            if blank and column.required:
                expected = f"a value: {name} is required"
            else:
                expected = column.expected
                reason = (error.get("ctx") or {}).get("error")
                if column.type is ColumnType.ITEM_LIST and reason:
                    expected = f"{expected} ({reason})"
            label = self.mapper.label(name) if name in self.mapper.rules else name
            problems.append(Problem(line, label, shown(value), expected, ProblemKind.VALUE))
        return problems


class Validation:
    """Validating one file chunk by chunk: one mapper and checker, and the keys every chunk so
    far has used (a key used again in a later chunk is a duplicate too)."""

    def __init__(
        self, target: Feed, header: list[str], mapping: Mapping | None, *, check: bool = True
    ) -> None:
        self.feed, self.mapping = target, mapping
        self.mapper = Mapper(target, header, mapping, check=check)  # FeedFileError: the header
        self.checker = Checker(target, self.mapper)
        self.seen = SeenKeys()

    def chunk(self, source: Source) -> Validated:
        """Map, type, fold and de-duplicate ``source``'s rows."""
        result = Validated(self.feed, source, self.mapper)
        for problem, row in zip(source.problems, source.bad_rows, strict=True):
            result.reject(Record((row.line,), {}), [problem])
        if self.mapping is not None and self.mapping.fold is not None:
            _fold_rows(result, self.checker, source.rows, self.mapping.fold)
        else:
            for row, typed in zip(source.rows, self._columnar(source.rows), strict=True):
                problems: list[Problem] = []
                if typed is None:  # the columns did not vouch for it: the row model decides
                    _, typed, problems = _check_row(self.checker, row)
                if problems:
                    result.reject(Record((row.line,), {}), problems)
                else:
                    result.records.append(Record((row.line,), typed))
        _reject_duplicates(result, self.seen)
        return result

    def _columnar(self, rows: list[SourceRow]) -> list[dict[str, Any] | None]:
        """Rows typed column by column (``feeds.columns``); None: a row for the row model."""
        mapper, checker = self.mapper, self.checker
        if mapper.mapping is None:
            mapped: list[dict[str, Any] | None] = [
                {
                    c: (None if v == "" else v)
                    for c in mapper.present
                    if (v := r.values.get(c, _NO)) is not _NO
                }
                for r in rows
            ]
        else:
            mapped = [
                values if not problems else None for values, problems in map(mapper.map, rows)
            ]
        if checker.towns is not None:  # villages -> towns, the agency rule (feeds/town_names.py)
            mapped = [
                None if values is None or checker.towns.settle(values, row.line) else values
                for values, row in zip(mapped, rows, strict=True)
            ]
        bad = bad_cells(rows, checker.read)
        mapped = [None if flagged else values for values, flagged in zip(mapped, bad, strict=True)]
        return typed_columns(self.feed.columns, mapped, checker.context, checker.finish)


_NO: Any = object()


def validate_source(target: Feed, source: Source, mapping: Mapping | None) -> Validated:
    """Map, type, fold and de-duplicate ``source``'s rows (raises FeedFileError on the header)."""
    empty = source.format == "jsonl" and not source.row_count
    return Validation(target, source.header, mapping, check=not empty).chunk(source)


def _check_row(checker: Checker, row: SourceRow) -> tuple[dict[str, Any], Any, list[Problem]]:
    """(mapped values, typed values or None, problems) of one source row."""
    mapper = checker.mapper
    values, problems = mapper.map(row)
    if checker.towns is not None:  # villages -> towns, the agency rule (feeds/town_names.py)
        problems += checker.towns.settle(values, row.line)
    cells = cell_problems(row.line, row.values, checker.read)
    if cells:  # too big or not storable: reported as is, not typed (the fold key still counts)
        return values, None, cells
    skip: set[str] = set()
    if problems:  # mapping problems are reported once, in their column's name
        named = {p.column for p in problems}
        skip = {
            o
            for o in mapper.rules
            if named.intersection(mapper.sources(o)) or mapper.label(o) in named
        }
    typed, more = checker.check(values, row.line, skip)
    return values, typed, problems + more


def _fold_rows(result: Validated, checker: Checker, rows: list[SourceRow], rule: FoldRule) -> None:
    """Rows with one fold key become one record — or one reject, if any of them is bad."""
    groups: dict[Any, list[tuple[SourceRow, Any, list[Problem]]]] = {}
    for row in rows:
        values, typed, problems = _check_row(checker, row)
        key = checker.mapper.fold_key(values) or ("line", row.line)
        groups.setdefault(key, []).append((row, typed, problems))
    for members in groups.values():
        lines = tuple(row.line for row, _, _ in members)
        bad = [row.line for row, _, problems in members if problems]
        if not bad:
            result.records.append(Record(lines, fold(rule, [t for _, t, _ in members])))
            continue
        problems = [p for _, _, ps in members for p in ps]
        problems += [
            Problem(
                row.line,
                None,
                None,
                f"rows of one record fold together: line(s) {', '.join(map(str, bad))} "
                "of this record are invalid, so none of its rows was loaded",
                ProblemKind.GROUP,
            )
            for row, _, ps in members
            if not ps
        ]
        result.reject(Record(lines, {}), problems)


def _reject_duplicates(result: Validated, seen: SeenKeys) -> None:
    """The same natural key twice in one file: the first row stands, later ones are rejected
    (the first may be in an earlier chunk: ``seen``)."""
    key_columns = result.feed.key
    keys = [tuple(record.values.get(c) for c in key_columns) for record in result.records]
    unique = list(dict.fromkeys(keys))
    digests = [digest(key) for key in unique]
    earlier = seen.first_lines(digests)
    first = {key: line for key, line in zip(unique, earlier, strict=True) if line is not None}
    kept: list[Record] = []
    for record, key in zip(result.records, keys, strict=True):
        if key in first:
            result.reject(record, [_duplicate(record, key_columns, key, first[key])])
        else:
            first[key] = record.lines[0]
            kept.append(record)
    new = [(d, first[k]) for d, k, e in zip(digests, unique, earlier, strict=True) if e is None]
    seen.add([d for d, _ in new], [line for _, line in new])
    result.records = kept


def _duplicate(
    record: Record, key_columns: tuple[str, ...], key: tuple[Any, ...], line: int
) -> Problem:
    return Problem(
        record.lines[0],
        "+".join(key_columns),
        " / ".join(str(k) for k in key),
        f"a key not already used on line {line} (the file holds each "
        "record once; rows of one record need a mapping `fold:`)",
        ProblemKind.DUPLICATE,
    )
