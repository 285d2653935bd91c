"""What settling town names costs an import: validation of one incidents file with the town
column empty, then naming towns, villages and a place in two towns (Mystic, decided by its
coordinates on the town boundaries).

usage: .venv/bin/python bench/town_names.py [--rows 50000] [--repeat 3]

Nothing here is a test: it prints the best time of each case (no store is touched).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cgic_data.feeds.formats import feed
from cgic_data.feeds.read import Source, SourceRow
from cgic_data.feeds.validate import validate_source

HEADER = ["agency_code", "incident_number", "occurred_at", "kind", "lat", "lon", "town", "state"]
CASES = {
    "no town": ("", "41.76", "-72.68"),
    "a town": ("Hartford", "41.76", "-72.68"),
    "a village (Willimantic)": ("Willimantic", "41.71", "-72.21"),
    "a form (Vernon Rockville (Vernon))": ("Vernon Rockville (Vernon)", "41.87", "-72.45"),
    "a place in two towns (Mystic)": ("Mystic", "41.3543", "-71.9665"),
}


def _source(rows: int, town: str, lat: str, lon: str) -> Source:
    values = ["CT1", "", "2025-06-01T21:15:00", "shooting", lat, lon, town, "CT"]
    lines = [
        SourceRow(i + 2, dict(zip(HEADER, [*values[:1], f"I{i}", *values[2:]], strict=True)))
        for i in range(rows)
    ]
    return Source("bench.csv", "csv", HEADER, lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    incidents = feed("incidents")
    for label, (town, lat, lon) in CASES.items():
        source = _source(args.rows, town, lat, lon)
        best = float("inf")
        for _ in range(args.repeat):
            start = time.perf_counter()
            result = validate_source(incidents, source, None)
            best = min(best, time.perf_counter() - start)
        assert not result.problems, result.problems[:3]
        per_row = best / args.rows * 1e6
        print(f"{label:38} {best:6.2f} s for {args.rows:,} rows ({per_row:5.1f} µs a row)")


if __name__ == "__main__":
    main()
