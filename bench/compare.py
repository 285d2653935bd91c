"""Put two ``bench/run.py`` reports side by side: before → after, cold and warm, per page.

usage: .venv/bin/python bench/compare.py BEFORE.md AFTER.md [--out FILE]

Both files are the markdown ``bench/run.py`` writes (older reports, with fewer columns, read the
same way: only page, who, period, cold and warm are used). A page is matched on backend, page,
viewer kind (lab-wide or an agency's commander) and period; a row present on one side only is shown
with "—" on the other. Nothing is judged here beyond the issue 16 targets, marked per cell.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

COLD_TARGET, WARM_TARGET = 1.5, 0.3
Key = tuple[str, str, str, str]


def read_report(path: Path) -> dict[Key, tuple[float, float | None]]:
    """(backend, page, viewer kind, period) → (cold s, warm s) from a report's tables."""
    rows: dict[Key, tuple[float, float | None]] = {}
    backend = ""
    header: list[str] = []
    key: Key | None = None
    for line in path.read_text().splitlines():
        if line.startswith("### "):
            backend, header = line[4:].strip(), []
        elif line.startswith("| page |"):
            header = [cell.strip() for cell in line.strip("|").split("|")]
            if "cold s" not in header:  # another table (e.g. an earlier before → after)
                header = []
        elif line.startswith("| ↳ exception: warm: AppTest") and key in rows:
            rows[key] = (rows[key][0], None)  # the warm run failed: its seconds mean nothing
        elif header and line.startswith("| ") and not line.startswith("| ↳"):
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            record = dict(zip(header, cells, strict=False))
            if len(cells) != len(header) or not re.fullmatch(r"[\d.]+", record["cold s"]):
                continue
            who = "lab-wide" if record["who"] == "lab-wide" else "commander"
            key = (backend, record["page"], who, record["period"])
            rows[key] = (float(record["cold s"]), float(record["warm s"]))
    return rows


def _cell(value: float | None, target: float) -> str:
    if value is None:
        return "—"
    return f"{value:.2f}" + ("" if value <= target else " ✗")


def side_by_side(
    before: dict[Key, tuple[float, float]], after: dict[Key, tuple[float, float]]
) -> str:
    keys = sorted(set(before) | set(after))
    lines = [
        f"Cells over the issue 16 target (cold ≤ {COLD_TARGET:g} s, warm ≤ {WARM_TARGET:g} s) "
        "are marked ✗.",
        "",
        "| backend | page | who | period | cold before | cold after | warm before | warm after |",
        "|---|---|---|---|---:|---:|---:|---:|",
    ]
    for key in keys:
        b, a = before.get(key), after.get(key)
        lines.append(
            f"| {' | '.join(key)} | {_cell(b and b[0], COLD_TARGET)} | "
            f"{_cell(a and a[0], COLD_TARGET)} | {_cell(b and b[1], WARM_TARGET)} | "
            f"{_cell(a and a[1], WARM_TARGET)} |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    table = side_by_side(read_report(args.before), read_report(args.after))
    if args.out:
        args.out.write_text(table)
    sys.stdout.write(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
