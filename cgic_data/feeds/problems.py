"""What can be wrong with a feed file, in one shape: every problem names its line, column, value
and what was expected, so a site can fix its export without reading our code."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any


class ProblemKind(enum.StrEnum):
    FILE = "file"  # the file as a whole: encoding, gzip, header, mapping; nothing loads
    ROW = "row"  # a malformed row: wrong number of fields, bad JSON, cut off
    VALUE = "value"  # a value: missing, bad date, bad code, bad number, too long
    DUPLICATE = "duplicate"  # the same natural key twice in one file
    REFERENCE = "reference"  # names a row the store does not have (yet): held, retry later
    GROUP = "group"  # a good row rejected with the folded group a bad row belongs to
    WARNING = "warning"  # not a reject: the row loaded, but looks wrong (feeds.plausible)


@dataclass(frozen=True)
class Problem:
    line: int
    column: str | None
    value: str | None
    expected: str
    kind: ProblemKind

    def describe(self, file_name: str) -> str:
        """``file:line: column 'x' = 'value': expected ...`` (the compiler-error shape)."""
        where = f"{file_name}:{self.line}"
        if self.column is None:
            return f"{where}: {self.expected}"
        value = "empty" if self.value in (None, "") else repr(self.value)
        return f"{where}: {self.column} = {value}: expected {self.expected}"


def shown(value: Any, limit: int = 200) -> str | None:
    """A raw value as a reject report shows it (None stays None; long values are cut)."""
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class FeedFileError(ValueError):
    """The file cannot be read as a whole (encoding, gzip, header, mapping): nothing loads."""

    def __init__(
        self, message: str, *, line: int = 1, column: str | None = None, value: str | None = None
    ) -> None:
        super().__init__(message)
        self.problem = Problem(line, column, value, message, ProblemKind.FILE)
