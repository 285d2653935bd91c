"""Shared helpers of the feed tests: store snapshots by natural key, generated files."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, MetaData, insert, select

from cgic_data import schema as s

# Natural key of every table a feed fills (and towns, which feeds reference by name).
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "towns": ("name",),
    "agencies": ("code",),
    "incidents": ("agency_id", "incident_number"),
    "lab_requests": ("lab_case_number", "discipline"),
    "firearms": ("firearm_number",),
    "evidence_items": ("item_number",),
    "nibin_leads": ("lead_number",),
    "lead_items": ("lead_id", "item_id"),
    "forensic_results": ("result_number",),
    "traces": ("trace_number",),
    "case_events": ("event_number",),
}


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every feed table's rows with ids replaced by the natural keys they stand for.

    Independent of the exporter: it reads the tables through SQLAlchemy's metadata, so a column
    the exporter forgot would show up as a difference after a round trip.
    """
    meta = MetaData()
    meta.reflect(engine, only=list(NATURAL_KEYS))
    keys: dict[str, dict[int, tuple[Any, ...]]] = {}
    result: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for name in NATURAL_KEYS:  # referenced tables come first
            table = meta.tables[name]
            foreign = {fk.parent.name: fk.column.table.name for fk in table.foreign_keys}
            rows = []
            for row in conn.execute(select(table)).mappings():
                values = {
                    c: (keys[foreign[c]].get(v) if c in foreign and v is not None else v)
                    for c, v in row.items()
                    if c != "id"
                }
                if "id" in row:
                    keys.setdefault(name, {})[row["id"]] = tuple(
                        values[c] for c in NATURAL_KEYS[name]
                    )
                rows.append(tuple(sorted(values.items(), key=lambda kv: kv[0])))
            result[name] = sorted(rows, key=repr)
    return result


def copy_towns(source: Engine, target: Engine) -> None:
    """Towns are reference data, not a feed: a fresh store gets the source's towns."""
    with source.connect() as conn:
        rows = [dict(r) for r in conn.execute(select(s.Town.__table__)).mappings()]
    with target.begin() as conn:
        conn.execute(insert(s.Town), rows)


def write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


INCIDENT_HEADER = [
    "agency_code",
    "incident_number",
    "occurred_at",
    "kind",
    "victims_injured",
    "victims_killed",
    "lat",
    "lon",
]


def incident_rows(count: int, agency: str = "CT1", start: int = 0) -> list[list[Any]]:
    """``count`` valid incident rows of ``agency``, numbers INC-000000 upwards, dated 37 minutes
    apart from 2010 (100,000 rows end in 2017: never in the future, which is rejected)."""
    base = datetime(2010, 1, 1, 0, 0)
    kinds = ["shooting", "shots fired", "gun recovery"]
    return [
        [
            agency,
            f"INC-{n:06d}",
            (base + timedelta(minutes=37 * n)).isoformat(),
            kinds[n % 3],
            n % 3,
            int(n % 11 == 0),
            round(41.0 + (n % 1000) / 1000, 6),
            round(-73.0 + (n % 997) / 1000, 6),
        ]
        for n in range(start, start + count)
    ]
