"""The rejects file: every rejected source row, as the file had it, with what was wrong.

It has the input's own layout (CSV in, CSV out; JSON lines in, JSON lines out) plus two leading
columns, ``_line`` and ``_problems``, which imports ignore. So a rejects file is itself importable:
fix the rows (or load what they referenced) and import it again with the same feed and mapping.
Rows rejected only because a referenced row was missing are *held* this way until it arrives.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from pathlib import Path

from cgic_data.feeds.problems import Problem, ProblemKind
from cgic_data.feeds.read import Source, SourceRow
from cgic_data.safe_cells import neutralise, neutralise_cell


def rejects_path_for(path: Path, fmt: str) -> Path:
    """``incidents.csv.gz`` -> ``incidents.rejects.csv`` (a rejects file keeps its own name)."""
    name = path.name
    for suffix in (".gz", ".csv", ".txt", ".jsonl", ".ndjson", ".json", ".rejects"):
        name = name.removesuffix(suffix)
    return path.with_name(f"{name}.rejects.{'csv' if fmt == 'csv' else 'jsonl'}")


def _problem_text(problem: Problem) -> str:
    if problem.column is None:
        return problem.expected
    value = "empty" if problem.value in (None, "") else repr(problem.value)
    return f"{problem.column} = {value}: expected {problem.expected}"


def rejected_rows(
    source: Source, lines: Iterable[int], problems: list[Problem]
) -> list[tuple[SourceRow, str]]:
    """The source rows on ``lines`` with their problems as text, in file order."""
    wanted = set(lines)
    text: dict[int, list[str]] = {}
    for problem in problems:
        if problem.kind is not ProblemKind.FILE:
            text.setdefault(problem.line, []).append(_problem_text(problem))
    rows = [r for r in [*source.rows, *source.bad_rows] if r.line in wanted]
    return [(r, "; ".join(text.get(r.line, []))) for r in sorted(rows, key=lambda r: r.line)]


def rejects_text(source: Source, rows: list[tuple[SourceRow, str]]) -> str:
    """The rejects file's content for ``rows`` (see ``rejected_rows``)."""
    buffer = io.StringIO(newline="")
    if source.format == "csv":
        writer = csv.writer(buffer, lineterminator="\r\n")  # quotes a cell holding a bare \r
        header = [h for h in source.header if not h.startswith("_")]
        writer.writerow(["_line", "_problems", *header])
        for row, problems in rows:
            cells = (neutralise_cell(row.values.get(h, "")) for h in header)  # read back exactly
            writer.writerow([row.line, neutralise(problems), *cells])
    else:
        for row, problems in rows:
            values = {k: v for k, v in row.values.items() if k not in ("_line", "_problems")}
            payload = {"_line": row.line, "_problems": problems, **values}
            buffer.write(json.dumps(payload, ensure_ascii=False, default=str) + "\n")
    return buffer.getvalue()


def write_rejects(path: Path, source: Source, rows: list[tuple[SourceRow, str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    # a lone surrogate (from a JSON "\ud800") is written as its escape, not a crash
    path.write_text(rejects_text(source, rows), encoding="utf-8", errors="backslashreplace")
    return path
