"""Reading a feed file's bytes into numbered source rows: gzip, encoding, CSV or JSON lines.

The whole file is decoded before any row is read, so an encoding problem fails the file before
anything is stored, and names the line it is on. A file cut off mid-row (an interrupted copy)
shows as a last line without a line break; that row is reported, never loaded half-read.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import zlib
from dataclasses import dataclass, field
from typing import Any

from cgic_data.feeds.problems import FeedFileError, Problem, ProblemKind, shown
from cgic_data.safe_cells import restore

FORMATS = ("csv", "jsonl")
_SUFFIXES = {".csv": "csv", ".txt": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}
_UTF8 = {"utf-8", "utf8", "utf-8-sig", "utf_8"}
# The text is in memory already: read fields of any size, and let ``limits`` reject an oversized
# one by its row (the csv module's default, 131,072 characters, raised in the middle of a file).
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
            raise FeedFileError(
                "the gzip file is truncated (it ends before the end of its compressed stream): "
                "the copy was interrupted; send the whole file again"
            ) from None
        except (OSError, zlib.error) as exc:
            raise FeedFileError(f"the gzip file is damaged: {exc}") from None
    if encoding.lower().replace("_", "-") in _UTF8:
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise FeedFileError(
                "the file is UTF-16 encoded: save it as UTF-8, or set `encoding: utf-16` in a mapping"
            )
        if b"\x00" in data[:4096]:
            raise FeedFileError(
                "the file holds NUL bytes: it is binary or UTF-16/UTF-32, not UTF-8 text",
                line=data[: data.index(b"\x00")].count(b"\n") + 1,
            )
        encoding = "utf-8-sig"
    try:
        return data.decode(encoding)
    except LookupError:
        raise FeedFileError(f"unknown encoding {encoding!r} in the mapping") from None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        byte = data[exc.start : exc.start + 1].hex().upper()
        hint = (
            " (it looks like Latin-1/Windows-1252: save it as UTF-8, or set `encoding: cp1252` "
            "in a mapping)"
            if encoding == "utf-8-sig"
            else ""
        )
        raise FeedFileError(
            f"the file is not valid {exc.encoding}: byte 0x{byte} on line {line}{hint}", line=line
        ) from None


def parse(
    text: str,
    file_name: str,
    fmt: str,
    *,
    delimiter: str = ",",
    require_final_newline: bool = True,
) -> Source:
    """Rows of ``text``; malformed rows become problems, never exceptions."""
    if fmt == "csv":
        return _parse_csv(text, file_name, delimiter, require_final_newline)
    return _parse_jsonl(text, file_name)


def _cut_off(line: int) -> Problem:
    return Problem(
        line,
        None,
        None,
        "the file ends in the middle of this row (no line break after it): it may have been cut "
        "off; the row was not loaded",
        ProblemKind.ROW,
    )


def _parse_csv(text: str, file_name: str, delimiter: str, require_final_newline: bool) -> Source:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    first = next(reader, None)
    if first is None:
        raise FeedFileError("the file is empty: expected a header line (and rows)")
    header = [name.strip() for name in first]
    if not any(header):
        raise FeedFileError("the first line is empty: expected the header line")
    duplicates = sorted({n for n in header if header.count(n) > 1})
    if duplicates:
        raise FeedFileError(f"the header names a column twice: {', '.join(duplicates)}")
    source = Source(file_name, "csv", header, [])
    unterminated = require_final_newline and not text.endswith(("\n", "\r"))
    rows: list[tuple[int, list[str]]] = []
    end = reader.line_num
    for fields in reader:  # a record starts on the line after the previous one ended
        if fields and fields != [""]:
            rows.append((end + 1, fields))
        end = reader.line_num
    for index, (start, fields) in enumerate(rows):
        cells = map(restore, fields)  # undo the export's formula neutralising (safe_cells)
        row = SourceRow(start, dict(zip(header, cells, strict=False)))
        if unterminated and index == len(rows) - 1:
            source.problems.append(_cut_off(start))
            source.bad_rows.append(row)
        elif len(fields) != len(header):
            source.problems.append(
                Problem(
                    start,
                    None,
                    shown(delimiter.join(fields)),
                    f"{len(header)} fields as in the header; this row has {len(fields)}",
                    ProblemKind.ROW,
                )
            )
            source.bad_rows.append(row)
        else:
            source.rows.append(row)
    return source


def _parse_jsonl(text: str, file_name: str) -> Source:
    source = Source(file_name, "jsonl", [], [])
    seen: dict[str, None] = {}
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except (ValueError, RecursionError) as exc:  # also: too many digits, nested too deep
            last = number == len(lines) and not text.endswith("\n")
            problem = (
                _cut_off(number)
                if last
                else Problem(
                    number, None, shown(line), f"a JSON object ({_why(exc)})", ProblemKind.ROW
                )
            )
            source.problems.append(problem)
            source.bad_rows.append(SourceRow(number, {"_raw": line}))
            continue
        if not isinstance(value, dict):
            source.problems.append(
                Problem(number, None, shown(line), "a JSON object {...}", ProblemKind.ROW)
            )
            source.bad_rows.append(SourceRow(number, {"_raw": line}))
            continue
        seen.update(dict.fromkeys(value))
        source.rows.append(SourceRow(number, value))
    source.header = list(seen)
    return source


def _why(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return exc.msg
    if isinstance(exc, RecursionError):
        return "nested too deeply to read"
    return "a number too long to read" if "digits" in str(exc) else str(exc)
