"""Reading a feed file's bytes into numbered source rows: gzip, encoding, CSV or JSON lines.

Rows come lazily (``csv_rows``, ``jsonl_rows``), so an import can stream a file in chunks
(``feeds.stream``); ``parse`` reads a whole text at once (the preview). An encoding problem fails
the file and names the line it is on; an import met with one mid-file rolls back, so nothing is
stored. A file cut off mid-row (an interrupted copy) shows as a last line without a line break;
that row is reported, never loaded half-read.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from cgic_data.feeds.problems import FeedFileError, Problem, ProblemKind, shown
from cgic_data.safe_cells import restore

FORMATS = ("csv", "jsonl")
_SUFFIXES = {".csv": "csv", ".txt": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}
_UTF8 = {"utf-8", "utf8", "utf-8-sig", "utf_8"}
# Read fields of any size, and let ``limits`` reject an oversized one by its row (the csv
# module's default, 131,072 characters, raised in the middle of a file).
csv.field_size_limit(2**31 - 1)


@dataclass
class SourceRow:
    """One data row as the file has it: source column -> raw value (CSV: text; JSON: any)."""

    line: int
    values: dict[str, Any]


@dataclass
class Source:
    file_name: str
    format: str
    header: list[str]
    rows: list[SourceRow]
    problems: list[Problem] = field(default_factory=list)  # malformed rows (kind ROW)
    bad_rows: list[SourceRow] = field(default_factory=list)  # their raw contents

    @property
    def row_count(self) -> int:
        return len(self.rows) + len(self.bad_rows)

    def add(self, row: SourceRow, problem: Problem | None) -> None:
        if problem is None:
            self.rows.append(row)
        else:
            self.problems.append(problem)
            self.bad_rows.append(row)


def format_of(file_name: str, declared: str | None = None) -> str:
    """``csv`` or ``jsonl``: as declared (by a mapping), else from the name (``.gz`` ignored)."""
    if declared:
        if declared not in FORMATS:
            raise FeedFileError(f"unknown format {declared!r}: expected csv or jsonl")
        return declared
    name = file_name.lower().removesuffix(".gz")
    for suffix, fmt in _SUFFIXES.items():
        if name.endswith(suffix):
            return fmt
    raise FeedFileError(
        f"cannot tell the format of {file_name!r}: name it .csv or .jsonl (optionally .gz), "
        "or set `format:` in a mapping"
    )


def decode(data: bytes, encoding: str = "utf-8") -> str:
    """The file's text: gunzipped if gzip, decoded strictly; any doubt is a FeedFileError."""
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except EOFError:
            raise FeedFileError(TRUNCATED_GZIP) from None
        except (OSError, zlib.error) as exc:
            raise FeedFileError(f"the gzip file is damaged: {exc}") from None
    encoding = text_encoding(data[:4096], encoding)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise decode_error(exc, encoding, data[: exc.start].count(b"\n") + 1) from None


TRUNCATED_GZIP = (
    "the gzip file is truncated (it ends before the end of its compressed stream): "
    "the copy was interrupted; send the whole file again"
)


def text_encoding(head: bytes, encoding: str) -> str:
    """The codec to decode with, after the checks the file's first bytes allow (UTF-16, NUL)."""
    if encoding.lower().replace("_", "-") in _UTF8:
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise FeedFileError(
                "the file is UTF-16 encoded: save it as UTF-8, or set `encoding: utf-16` in a mapping"
            )
        if b"\x00" in head[:4096]:
            raise FeedFileError(
                "the file holds NUL bytes: it is binary or UTF-16/UTF-32, not UTF-8 text",
                line=head[: head.index(b"\x00")].count(b"\n") + 1,
            )
        return "utf-8-sig"
    try:
        if codecs.lookup(encoding)._is_text_encoding:
            return encoding
    except LookupError:
        pass
    raise FeedFileError(f"unknown encoding {encoding!r} in the mapping")


def decode_error(exc: UnicodeDecodeError, encoding: str, line: int) -> FeedFileError:
    """What a byte the encoding cannot read means, on its line."""
    byte = exc.object[exc.start : exc.start + 1].hex().upper()
    hint = (
        " (it looks like Latin-1/Windows-1252: save it as UTF-8, or set `encoding: cp1252` "
        "in a mapping)"
        if encoding == "utf-8-sig"
        else ""
    )
    return FeedFileError(
        f"the file is not valid {exc.encoding}: byte 0x{byte} on line {line}{hint}", line=line
    )


def parse(
    text: str,
    file_name: str,
    fmt: str,
    *,
    delimiter: str = ",",
    require_final_newline: bool = True,
) -> Source:
    """Rows of ``text``; malformed rows become problems, never exceptions."""
    lines = io.StringIO(text, newline="")
    if fmt == "csv":
        header, rows = csv_rows(lines, delimiter, require_final_newline)
    else:
        header, rows = jsonl_header(io.StringIO(text, newline=""))[0], jsonl_rows(lines)
    source = Source(file_name, fmt, header, [])
    for row, problem in rows:
        source.add(row, problem)
    return source


def _cut_off(line: int) -> Problem:
    return Problem(
        line,
        None,
        None,
        "the file ends in the middle of this row (no line break after it): it may have been cut "
        "off; the row was not loaded",
        ProblemKind.ROW,
    )


class _Tracked:
    """Lines as they are read, remembering the last one (did the file end with a line break?)."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._lines, self.last = iter(lines), ""

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        self.last = next(self._lines)
        return self.last


RowsOf = Iterator[tuple[SourceRow, Problem | None]]


def csv_rows(
    lines: Iterable[str], delimiter: str = ",", require_final_newline: bool = True
) -> tuple[list[str], RowsOf]:
    """The header, and a lazy stream of (row, its ROW problem or None). ``lines`` keep their
    line breaks (a text file opened with ``newline=""``)."""
    tracked = _Tracked(lines)
    reader = csv.reader(tracked, delimiter=delimiter)
    first = next(reader, None)
    if first is None:
        raise FeedFileError("the file is empty: expected a header line (and rows)")
    header = [name.strip() for name in first]
    if not any(header):
        raise FeedFileError("the first line is empty: expected the header line")
    duplicates = sorted({n for n in header if header.count(n) > 1})
    if duplicates:
        raise FeedFileError(f"the header names a column twice: {', '.join(duplicates)}")
    return header, _csv_records(reader, tracked, header, delimiter, require_final_newline)


def _csv_records(
    reader: Any, tracked: _Tracked, header: list[str], delimiter: str, require_final_newline: bool
) -> RowsOf:
    width = len(header)

    def row_of(start: int, fields: list[str], last: bool) -> tuple[SourceRow, Problem | None]:
        cells = [restore(f) if f[:1] == "'" else f for f in fields]  # undo neutralise (safe_cells)
        row = SourceRow(start, dict(zip(header, cells, strict=False)))
        if last and require_final_newline and not tracked.last.endswith(("\n", "\r")):
            return row, _cut_off(start)
        if len(fields) != width:
            expected = f"{width} fields as in the header; this row has {len(fields)}"
            shown_row = shown(delimiter.join(fields))
            return row, Problem(start, None, shown_row, expected, ProblemKind.ROW)
        return row, None

    pending: tuple[int, list[str]] | None = None  # one row behind: is it the file's last?
    end = reader.line_num
    for fields in reader:  # a record starts on the line after the previous one ended
        if fields and fields != [""]:
            if pending is not None:
                yield row_of(*pending, last=False)
            pending = (end + 1, fields)
        end = reader.line_num
    if pending is not None:
        yield row_of(*pending, last=True)


def _json_lines(lines: Iterable[str]) -> Iterator[tuple[int, str, bool]]:
    """(number, text, ended): lines split at \n only (a lone \r stays inside a line)."""
    number, buffer = 0, ""
    for piece in lines:
        if piece.endswith("\n"):
            number += 1
            yield number, buffer + piece[:-1], True
            buffer = ""
        else:
            buffer += piece
    if buffer:
        yield number + 1, buffer, False


def jsonl_header(lines: Iterable[str]) -> tuple[list[str], int]:
    """Every key any row has, in order of first appearance (a first pass over the file), and
    how many rows (non-blank lines) it has."""
    seen: dict[str, None] = {}
    count = 0
    for _, line, _ in _json_lines(lines):
        if not line.strip():
            continue
        count += 1
        try:
            value = json.loads(line)
        except (ValueError, RecursionError):
            continue
        if isinstance(value, dict):
            seen.update(dict.fromkeys(value))
    return list(seen), count


def jsonl_rows(lines: Iterable[str]) -> RowsOf:
    """A lazy stream of (row, its ROW problem or None), one JSON object per line."""
    for number, line, ended in _json_lines(lines):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except (ValueError, RecursionError) as exc:  # also: too many digits, nested too deep
            problem = (
                _cut_off(number)
                if not ended
                else Problem(
                    number, None, shown(line), f"a JSON object ({_why(exc)})", ProblemKind.ROW
                )
            )
            yield SourceRow(number, {"_raw": line}), problem
            continue
        if not isinstance(value, dict):
            problem = Problem(number, None, shown(line), "a JSON object {...}", ProblemKind.ROW)
            yield SourceRow(number, {"_raw": line}), problem
            continue
        yield SourceRow(number, value), None


def _why(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return exc.msg
    if isinstance(exc, RecursionError):
        return "nested too deeply to read"
    return "a number too long to read" if "digits" in str(exc) else str(exc)
