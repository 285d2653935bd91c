"""What the Import page shows before anything is written: the file's first rows as they are and
as our columns, and which mapping files there are to choose from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cgic_data import settings
from cgic_data.feeds.formats import feed
from cgic_data.feeds.mapping import Mapper, Mapping, load_mapping
from cgic_data.feeds.problems import FeedFileError
from cgic_data.feeds.read import decode, format_of, parse
from cgic_data.feeds.validate import Checker

# Mapping files offered on the Import page: the shipped examples, and the site's own (git-ignored).
MAPPING_FOLDERS = (
    settings.PROJECT_ROOT / "examples" / "mappings",
    settings.PROJECT_ROOT / "data" / "mappings",
)


@dataclass
class Preview:
    format: str | None = None
    source_rows: int = 0
    raw: pd.DataFrame | None = None  # the first rows as the file has them
    mapped: pd.DataFrame | None = None  # the same rows in our columns, with their problems
    error: str | None = None  # why the file cannot be read at all


def preview(
    data: bytes, file_name: str, feed_name: str, mapping: Mapping | None = None, rows: int = 20
) -> Preview:
    """The first ``rows`` rows of a file, before and after mapping and typing."""
    target = feed(feed_name)
    try:
        fmt = format_of(file_name, mapping.format if mapping else None)
        source = parse(
            decode(data, mapping.encoding if mapping else "utf-8"),
            file_name,
            fmt,
            delimiter=mapping.delimiter if mapping else ",",
            require_final_newline=mapping.require_final_newline if mapping else True,
        )
        mapper = Mapper(target, source.header, mapping)
    except FeedFileError as exc:
        return Preview(error=str(exc))
    checker = Checker(target, mapper)
    head = sorted([*source.rows, *source.bad_rows], key=lambda r: r.line)[:rows]
    raw = pd.DataFrame([{"line": r.line, **r.values} for r in head])
    problems = {p.line: p.expected for p in source.problems}
    mapped_rows = []
    for row in head:
        if row.line in problems:
            mapped_rows.append({"line": row.line, "problems": problems[row.line]})
            continue
        values, found = mapper.map(row)
        typed, more = checker.check(values, row.line, set())
        shown = typed if typed is not None else values
        text = "; ".join(
            f"{p.column}: expected {p.expected}" if p.column else p.expected for p in found + more
        )
        mapped_rows.append(
            {"line": row.line, **{k: shown.get(k) for k in mapper.present}, "problems": text}
        )
    mapped = pd.DataFrame(mapped_rows).astype(object)
    return Preview(fmt, source.row_count, raw.astype(str), mapped)


def available_mappings(feed_name: str | None = None) -> dict[str, Path]:
    """Mapping files (label -> path) in the shipped and site folders, for ``feed_name`` if given."""
    found: dict[str, Path] = {}
    for folder in MAPPING_FOLDERS:
        for path in sorted(folder.glob("*.y*ml")):
            try:
                mapping = load_mapping(path)
            except ValueError:
                continue  # a broken site file is reported when someone picks it, not here
            if feed_name is None or mapping.feed == feed_name:
                found[f"{mapping.label} ({path.name})"] = path
    return found
