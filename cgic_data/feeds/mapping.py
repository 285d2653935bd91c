"""Mapping files: how a site's own export becomes one of our feeds, without code.

A mapping (YAML) names our feed and says, for each of our columns, where its value comes from:
a column of theirs (renamed, its codes translated, its dates parsed with their format), a constant,
a template over their columns, or a date column combined with a time column. ``fold`` merges rows
that describe one record (one row per victim -> one incident, victims summed). Columns of theirs
that already carry our names pass through. See docs/feeds.md for the format and examples/mappings/.
"""

from __future__ import annotations

import string
from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from cgic_data import settings
from cgic_data.feeds.formats import ColumnType, Feed, feed
from cgic_data.feeds.problems import FeedFileError, Problem, ProblemKind, shown
from cgic_data.feeds.read import SourceRow
from cgic_data.feeds.rules import MatchRule, NoMatch, check_codes, first_match
from cgic_data.feeds.town_names import check_from_town, town_reference


class MappingError(ValueError):
    """The mapping file itself is wrong (not the data it reads)."""


class ColumnRule(BaseModel):
    """Where one of our columns comes from: one of column / value / template / date / from_town."""

    model_config = ConfigDict(extra="forbid")

    column: str | None = None
    value: Any = None
    template: str | None = None
    date: str | None = None
    time: str | None = None
    format: str | None = None  # strptime format of `column` (a date or date-time)
    date_format: str = "%Y-%m-%d"
    time_format: str = "%H:%M:%S"
    time_optional: bool = False  # an empty time column means midnight instead of an error
    codes: dict[Any, Any] | None = None  # their code -> our value (case-insensitive)
    other_codes: Literal["reject", "keep"] = "reject"
    separator: str | None = None  # splits `column` into an item list
    split: str | None = None  # splits `column` into parts for `rules` (multi-valued cells)
    rules: list[MatchRule] | None = None  # first rule matching a part gives the value (rules.py)
    default: Any = None  # when their value is empty (with `rules`: also when none matches)
    # from the row's town (the agency rule): a template over {town}, or a table town -> value
    from_town: str | dict[str, Any] | None = None

    @model_validator(mode="after")
    def _one_source(self) -> ColumnRule:
        sources = [self.column, self.value, self.template, self.date, self.from_town]
        if sum(s is not None for s in sources) != 1:
            raise ValueError(
                "give exactly one of: column, value, template, date (+ time), from_town"
            )
        if self.time is not None and self.date is None:
            raise ValueError("`time` goes with `date`")
        if self.rules is not None or self.split is not None:
            if self.column is None or not self.rules:
                raise ValueError("`rules` (a non-empty list) and `split` go with `column`")
            if self.codes is not None or self.separator is not None or self.format is not None:
                raise ValueError("`rules` replace `codes`, `separator` and `format`: give one")
        return self


class FoldRule(BaseModel):
    """Rows with the same ``key`` become one record; other columns keep the first row's value."""

    model_config = ConfigDict(extra="forbid")

    key: list[str] | None = None  # our columns; default: the feed's natural key
    sum: list[str] = []
    count: list[str] = []  # the number of rows folded
    min: list[str] = []
    max: list[str] = []
    last: list[str] = []
    join: list[str] = []  # item lists: the union, in order


class Mapping(BaseModel):
    model_config = ConfigDict(extra="forbid")

    feed: str
    name: str | None = None
    description: str | None = None
    files: list[str] = []  # file-name patterns the drop folder routes to this mapping
    format: Literal["csv", "jsonl"] | None = None
    encoding: str = "utf-8"
    delimiter: str = ","
    time_zone: str | None = None  # of their local times; default CGIC_TIME_ZONE
    require_final_newline: bool = True
    create_agencies: bool = False  # incidents: create agencies the store does not know yet
    columns: dict[str, ColumnRule] = {}
    fold: FoldRule | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        """``our_column: THEIR_COLUMN`` is short for ``our_column: {column: THEIR_COLUMN}``."""
        if isinstance(data, dict) and isinstance(data.get("columns"), dict):
            data = dict(data)
            data["columns"] = {
                k: {"column": v} if isinstance(v, str) else v for k, v in data["columns"].items()
            }
        return data

    @model_validator(mode="after")
    def _fits_feed(self) -> Mapping:
        target = feed(self.feed)
        known = set(target.column_names)
        unknown = sorted(set(self.columns) - known)
        if unknown:
            raise ValueError(f"columns not in the {self.feed} feed: {', '.join(unknown)}")
        if self.fold is not None:
            named = [*(self.fold.key or []), *self.fold.sum, *self.fold.count, *self.fold.min]
            named += [*self.fold.max, *self.fold.last, *self.fold.join]
            if set(named) - known:
                raise ValueError(f"fold names unknown columns: {sorted(set(named) - known)}")
            for name in [*self.fold.sum, *self.fold.count]:
                if target.column(name).type is not ColumnType.INT:
                    raise ValueError(f"fold sum/count needs a whole-number column, not {name}")
            for name in self.fold.join:
                if target.column(name).type is not ColumnType.ITEM_LIST:
                    raise ValueError(f"fold join needs an item-list column, not {name}")
        for name, rule in self.columns.items():
            if rule.from_town is not None:
                check_from_town(target, name, rule.from_town)
            enum_ = target.column(name).enum
            if rule.rules and enum_ is not None:
                check_codes(name, rule.rules, rule.default, [m.value for m in enum_])
        if self.time_zone:
            try:
                ZoneInfo(self.time_zone)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {self.time_zone!r}") from None
        return self

    @property
    def label(self) -> str:
        return self.name or f"{self.feed} mapping"


def load_mapping(path: str | Path) -> Mapping:
    """Read and check a mapping file; a MappingError says what is wrong and where."""
    path = Path(path)
    return mapping_from_text(path.read_text(encoding="utf-8"), str(path))


def mapping_from_text(text: str, origin: str = "mapping") -> Mapping:
    """A mapping from YAML text (an uploaded file); ``origin`` names it in errors."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise MappingError(f"{origin}: not valid YAML: {exc}") from None
    return parse_mapping(data, origin)


def parse_mapping(data: Any, origin: str = "mapping") -> Mapping:
    try:
        mapping = Mapping.model_validate(data)
    except ValidationError as exc:
        details = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'file'}: {e['msg']}" for e in exc.errors()
        )
        raise MappingError(f"{origin}: {details}") from None
    if mapping.name is None:
        mapping.name = Path(origin).name
    return mapping


# --- applying a mapping to rows ----------------------------------------------------------------


@lru_cache(maxsize=65536)
def _strptime(value: str, fmt: str) -> datetime:
    return datetime.strptime(value, fmt)


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


_TIME_CODES = ("%H", "%I", "%M", "%S", "%X", "%c", "%T", "%p")


def _date_only(fmt: str) -> bool:
    """A ``strptime`` format without a time of day (``%m/%d/%Y``)."""
    return not any(code in fmt for code in _TIME_CODES)


def _code_key(code: Any) -> str:
    """YAML reads TRUE/yes as booleans: compare codes as lower-case text either way."""
    if isinstance(code, bool):
        return "true" if code else "false"
    return str(code).strip().casefold()


class Mapper:
    """Turns a source row into our columns' raw values (validation types them afterwards)."""

    def __init__(
        self, target: Feed, header: list[str], mapping: Mapping | None, *, check: bool = True
    ) -> None:
        self.feed = target
        self.mapping = mapping
        rules = dict(mapping.columns) if mapping else {}
        ours = set(target.column_names)
        passed = [c for c in header if c in ours and c not in rules]
        for name in passed:
            rules[name] = ColumnRule(column=name)
        self.rules = rules
        self._sources = {ours: self._sources_of(rule) for ours, rule in rules.items()}
        town = town_reference(target)
        for ours, rule in rules.items():  # the agency rule reads the town's columns
            if rule.from_town is not None and town is not None:
                self._sources[ours] = self._sources.get(town.columns[0], [])
        self.present = [c for c in target.column_names if c in rules]
        self.warnings = [
            f"column {c!r} is not part of the {target.name} feed and was ignored"
            for c in header
            if c not in ours and not c.startswith("_") and mapping is None
        ]
        zone = mapping.time_zone if mapping else None
        self.zone = ZoneInfo(zone) if zone and zone != settings.TIME_ZONE.value() else None
        if check:  # (an empty JSON-lines file has no keys to check)
            self._check(header)
        self._codes = {
            name: {_code_key(k): v for k, v in rule.codes.items()}
            for name, rule in rules.items()
            if rule.codes is not None
        }

    def _check(self, header: list[str]) -> None:
        have = set(header)
        for ours in self.rules:
            for theirs in self.sources(ours):
                if theirs not in have:
                    raise FeedFileError(
                        f"the mapping takes {ours} from column {theirs!r}, which the file does not "
                        f"have (it has: {', '.join(header)})",
                        column=theirs,
                    )
        missing = [c for c in self.feed.required if c not in self.rules]
        if missing:
            how = "the mapping gives" if self.mapping else "the header has"
            raise FeedFileError(
                f"missing required column(s): {', '.join(missing)} — neither {how} them "
                f"(the {self.feed.name} feed needs: {', '.join(self.feed.required)})",
                column=missing[0],
            )

    def sources(self, ours: str) -> list[str]:
        """Their columns that ``ours`` is made from (for checks and reject reports)."""
        return self._sources[ours]

    @staticmethod
    def _sources_of(rule: ColumnRule) -> list[str]:
        if rule.column is not None:
            return [rule.column]
        if rule.date is not None:
            return [rule.date] + ([rule.time] if rule.time else [])
        if rule.template is not None:
            return [f for _, f, _, _ in string.Formatter().parse(rule.template) if f]
        return []

    def label(self, ours: str) -> str:
        """How a reject report names the column: theirs (and ours, when they differ)."""
        theirs = self.sources(ours)
        if theirs == [ours]:
            return ours
        return f"{'+'.join(theirs)} → {ours}" if theirs else ours

    def map(self, row: SourceRow) -> tuple[dict[str, Any], list[Problem]]:
        if self.mapping is None:  # our own format: take our columns as they are
            raw = row.values
            return {c: (None if raw[c] == "" else raw[c]) for c in self.present if c in raw}, []
        values: dict[str, Any] = {}
        problems: list[Problem] = []
        for ours, rule in self.rules.items():
            if rule.column is not None and rule.column not in row.values:
                continue  # JSON lines: a key absent from this row is left as it is
            try:
                values[ours] = self._value(ours, rule, row.values)
            except _BadValue as bad:
                problems.append(
                    Problem(row.line, bad.column, shown(bad.value), bad.expected, ProblemKind.VALUE)
                )
        return values, problems

    def _value(self, ours: str, rule: ColumnRule, raw: dict[str, Any]) -> Any:
        if rule.from_town is not None:
            return None  # filled once the town is settled (feeds.town_names)
        if rule.value is not None:
            return rule.value
        if rule.template is not None:
            fields = {f: raw.get(f) for f in self.sources(ours)}
            if any(_empty(v) for v in fields.values()):
                return rule.default
            return rule.template.format_map({k: str(v).strip() for k, v in fields.items()})
        if rule.date is not None:
            return self._date_time(rule, raw)
        value = raw.get(rule.column)  # type: ignore[arg-type]
        if _empty(value):
            return rule.default
        if rule.rules is not None:
            try:
                return first_match(rule.rules, str(value), rule.split, rule.default)
            except NoMatch as bad:
                raise _BadValue(rule.column, value, bad.expected) from None
        if ours in self._codes:
            key = _code_key(value)
            if key in self._codes[ours]:
                value = self._codes[ours][key]
            elif rule.other_codes == "reject":
                codes = ", ".join(str(k) for k in rule.codes or {})
                raise _BadValue(rule.column, value, f"one of the codes the mapping knows: {codes}")
        if rule.separator is not None and isinstance(value, str):
            return [part.strip() for part in value.split(rule.separator) if part.strip()]
        if rule.format is not None and isinstance(value, str):
            try:
                parsed = _strptime(value.strip(), rule.format)
                return parsed.date() if _date_only(rule.format) else self._zoned(parsed)
            except ValueError:
                raise _BadValue(rule.column, value, f"a date like {rule.format}") from None
        return value

    def _date_time(self, rule: ColumnRule, raw: dict[str, Any]) -> date | datetime | None:
        """A date-time; a date alone (no time column, or an optional one left empty) stays a date,
        so validation records that the time of day is unknown instead of inventing midnight."""
        day_text, time_text = raw.get(rule.date), raw.get(rule.time) if rule.time else None  # type: ignore[arg-type]
        if _empty(day_text):
            return rule.default
        try:
            day: date = _strptime(str(day_text).strip(), rule.date_format).date()
        except ValueError:
            raise _BadValue(rule.date, day_text, f"a date like {rule.date_format}") from None
        if rule.time is None or _empty(time_text):
            if rule.time is not None and not rule.time_optional:
                raise _BadValue(rule.time, time_text, f"a time like {rule.time_format}")
            return day
        try:
            at: time = _strptime(str(time_text).strip(), rule.time_format).time()
        except ValueError:
            raise _BadValue(rule.time, time_text, f"a time like {rule.time_format}") from None
        return self._zoned(datetime.combine(day, at))

    def _zoned(self, value: datetime) -> datetime:
        """Their local time, marked with their zone when it is not ours (validation converts)."""
        if self.zone is not None and value.tzinfo is None:
            return value.replace(tzinfo=self.zone)
        return value

    def fold_key(self, values: dict[str, Any]) -> tuple[str, ...] | None:
        """The group a mapped row belongs to (None: no fold, or a key column is empty)."""
        if self.mapping is None or self.mapping.fold is None:
            return None
        columns = self.mapping.fold.key or list(self.feed.key)
        key = tuple(str(values.get(c) or "").strip() for c in columns)
        return None if any(not part for part in key) else key


class _BadValue(Exception):
    def __init__(self, column: str | None, value: Any, expected: str) -> None:
        self.column, self.value, self.expected = column, value, expected


def fold(rule: FoldRule, records: list[dict[str, Any]]) -> dict[str, Any]:
    """One record from the typed records of one group (in file order)."""
    merged = dict(records[0])
    for name in rule.sum:
        merged[name] = sum(r.get(name) or 0 for r in records)
    for name in rule.count:
        merged[name] = len(records)
    for name in rule.min:
        present = [r[name] for r in records if r.get(name) is not None]
        merged[name] = min(present) if present else None
    for name in rule.max:
        present = [r[name] for r in records if r.get(name) is not None]
        merged[name] = max(present) if present else None
    for name in rule.last:
        merged[name] = records[-1].get(name)
    for name in rule.join:
        joined: dict[str, Any] = {}
        for r in records:
            for item, added in r.get(name) or ():
                joined.setdefault(item, added)
        merged[name] = tuple(joined.items())
    return merged
