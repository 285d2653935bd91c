"""Match rules: one of our values from a cell that holds several of theirs.

Real exports pack several facts into one cell (``Shot - Wounded/Injured||Drive-by||Gang
involvement``), so ``codes``, which match whole cells, cannot name an incident kind. A column
rule with ``rules`` splits the cell on ``split`` (optional) and tries its rules in order: the first
rule that matches any part gives the value, else ``default``; with no default an unmatched cell is
a rejected row. Rules are checked when the mapping is read (a bad regular expression names its key).
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, PrivateAttr, model_validator


class MatchRule(BaseModel):
    """One rule: ``contains`` (case-insensitive text), ``equals`` (case-insensitive) or ``regex``."""

    model_config = ConfigDict(extra="forbid")

    contains: str | None = None
    equals: str | None = None
    regex: str | None = None
    value: Any
    _pattern: re.Pattern[str] | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _one_test(self) -> MatchRule:
        tests = [self.contains, self.equals, self.regex]
        if sum(t is not None for t in tests) != 1:
            raise ValueError("give exactly one of: contains, equals, regex (and a value)")
        if self.regex is not None:
            try:
                self._pattern = re.compile(self.regex)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression {self.regex!r}: {exc}") from None
        if self.value is None:
            raise ValueError("`value` is required (what the cell becomes when this rule matches)")
        return self

    def matches(self, part: str) -> bool:
        if self.contains is not None:
            return self.contains.casefold() in part.casefold()
        if self.equals is not None:
            return self.equals.strip().casefold() == part.strip().casefold()
        return self._pattern.search(part) is not None  # type: ignore[union-attr]

    def describe(self) -> str:
        if self.contains is not None:
            return f"contains {self.contains!r}"
        if self.equals is not None:
            return f"is {self.equals!r}"
        return f"matches /{self.regex}/"


def parts(value: str, split: str | None) -> list[str]:
    """The cell's non-empty parts, stripped (the whole cell without ``split``)."""
    pieces = value.split(split) if split else [value]
    return [p.strip() for p in pieces if p.strip()]


class NoMatch(Exception):
    """No rule matched and the column rule has no default."""

    def __init__(self, expected: str) -> None:
        super().__init__(expected)
        self.expected = expected


def first_match(rules: list[MatchRule], value: str, split: str | None, default: Any) -> Any:
    """The value of the first rule (in the mapping's order) that matches any part of the cell."""
    cell = parts(value, split)
    for rule in rules:
        if any(rule.matches(p) for p in cell):
            return rule.value
    if default is not None:
        return default
    raise NoMatch(
        "a value one of the mapping's rules matches: " + "; ".join(r.describe() for r in rules)
    )


def check_codes(column: str, rules: list[MatchRule], default: Any, allowed: list[str]) -> None:
    """A rule's value (or the default) for a code column must be one of our codes: a typo in the
    mapping is reported once, when it is read, not as every row rejected."""
    known = {a.casefold() for a in allowed}
    named = [(f"rules.{i}.value", r.value) for i, r in enumerate(rules)] + [("default", default)]
    for key, value in named:
        if value is not None and str(value).strip().casefold() not in known:
            raise ValueError(
                f"columns.{column}.{key}: {value!r} is not one of: {', '.join(allowed)}"
            )
