"""Reading a feed file as a stream of chunks of rows, so an import's memory does not grow with
the file: the bytes are never all in memory, nor the rows.

The file is opened again for each pass (``Opener``): the JSON-lines header (every key any row
has) needs a first pass, and a decoding error is located exactly by a second look at the bytes.
Everything a whole-file read reports (gzip damage, encoding, NUL bytes, the header, cut-off
rows) is reported the same way; errors that only show mid-file raise ``FeedFileError`` while
the chunks are read, and the import (one transaction) rolls back.
"""

from __future__ import annotations

import codecs
import gzip
import io
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO

from cgic_data.feeds.problems import FeedFileError
from cgic_data.feeds.read import (
    TRUNCATED_GZIP,
    RowsOf,
    Source,
    csv_rows,
    decode_error,
    jsonl_header,
    jsonl_rows,
    text_encoding,
)

Opener = Callable[[], BinaryIO]
CHUNK_ROWS = 20_000  # rows per chunk: ~60-100 MB of Python objects at most, whatever the file
_BLOCK = 1 << 20


@contextmanager
def _bytes_of(opener: Opener) -> Iterator[BinaryIO]:
    """The file's bytes, gunzipped if it is gzip."""
    with opener() as raw:
        zipped = raw.read(2) == b"\x1f\x8b"
        raw.seek(0)
        if not zipped:
            yield raw
            return
        with gzip.GzipFile(fileobj=raw) as unzipped:
            yield unzipped  # type: ignore[misc]


def _damaged(exc: Exception) -> FeedFileError:
    if isinstance(exc, EOFError):
        return FeedFileError(TRUNCATED_GZIP)
    return FeedFileError(f"the gzip file is damaged: {exc}")


def _read(stream: BinaryIO, size: int) -> bytes:
    try:
        return stream.read(size)
    except (EOFError, OSError, zlib.error) as exc:
        raise _damaged(exc) from None


def _locate(opener: Opener, encoding: str) -> FeedFileError:
    """The decoding error, on its line: the bytes decoded again, block by block."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    lines_before = 0
    with _bytes_of(opener) as stream:
        while True:
            block = _read(stream, _BLOCK)
            try:
                decoder.decode(block, final=not block)
            except UnicodeDecodeError as exc:
                line = lines_before + bytes(exc.object[: exc.start]).count(b"\n") + 1
                return decode_error(exc, encoding, line)
            if not block:
                return FeedFileError("the file could not be decoded")
            lines_before += block.count(b"\n")


def _text_lines(opener: Opener, encoding: str) -> Iterator[str]:
    """The file's lines, line breaks kept (as ``open(newline="")`` gives them)."""
    with (
        _bytes_of(opener) as stream,
        io.TextIOWrapper(stream, encoding=encoding, errors="strict", newline="") as text,  # type: ignore[type-var]
    ):
        try:
            yield from text
        except UnicodeDecodeError:
            raise _locate(opener, encoding) from None
        except (EOFError, OSError, zlib.error) as exc:
            raise _damaged(exc) from None


@dataclass
class Reading:
    """A file being read: its header now, its rows chunk by chunk (``chunks``)."""

    file_name: str
    format: str
    header: list[str]
    rows: RowsOf
    empty: bool = False  # a JSON-lines file without a row (it has no keys to check)
    source_rows: int = 0  # data rows read so far

    def chunks(self, size: int | None = CHUNK_ROWS) -> Iterator[Source]:
        """Sources of at most ``size`` rows each (None: the whole file as one)."""
        source = Source(self.file_name, self.format, self.header, [])
        for row, problem in self.rows:
            source.add(row, problem)
            self.source_rows += 1
            if size is not None and source.row_count >= size:
                yield source
                source = Source(self.file_name, self.format, self.header, [])
        if source.row_count or not self.source_rows:
            yield source


def open_reading(
    opener: Opener,
    file_name: str,
    fmt: str,
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
    require_final_newline: bool = True,
) -> Reading:
    """Check the file's start and read its header; its rows follow lazily."""
    with _bytes_of(opener) as stream:
        head = _read(stream, 4096)
    encoding = text_encoding(head, encoding)
    if fmt == "csv":
        header, rows = csv_rows(_text_lines(opener, encoding), delimiter, require_final_newline)
        return Reading(file_name, fmt, header, rows)
    header, count = jsonl_header(_text_lines(opener, encoding))
    return Reading(file_name, fmt, header, jsonl_rows(_text_lines(opener, encoding)), not count)
