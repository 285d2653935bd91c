"""Connecticut's 169 towns: reference data every store needs, not only demo stores.

Feeds name towns, and the map and filters group by them, so a store without towns would reject
every incident with a town. The towns come from the bundled ``resources/ct_towns.csv`` (see
``resources/CREDITS.md``), with ids 1..169 in alphabetical order, the same ids in every store.
"""

from __future__ import annotations

import csv
from importlib import resources

from sqlalchemy import Connection, Engine, func, insert, select, text

from cgic_data.schema import Town


def bundled_towns() -> list[dict[str, object]]:
    """id, name, lat, lon, population of every town, ids 1..169 alphabetically."""
    content = resources.files("cgic_data").joinpath("resources/ct_towns.csv").read_text("utf-8")
    rows = sorted(csv.DictReader(content.splitlines()), key=lambda r: r["town"])
    return [
        {
            "id": i,
            "name": r["town"],
            "lat": float(r["lat"]),
            "lon": float(r["lon"]),
            "population": int(r["pop2010"]),
        }
        for i, r in enumerate(rows, start=1)
    ]


def has_bundled_towns(conn: Connection) -> bool:
    """Whether the store's towns are exactly the bundled ones (same ids and names)."""
    stored = conn.execute(select(Town.id, Town.name).order_by(Town.id)).all()
    return [tuple(row) for row in stored] == [(t["id"], t["name"]) for t in bundled_towns()]


def ensure_towns(engine: Engine) -> int:
    """Load the bundled towns into a store that has none; returns how many were inserted."""
    with engine.begin() as conn:
        if conn.execute(select(func.count()).select_from(Town)).scalar_one():
            return 0
        rows = bundled_towns()
        conn.execute(insert(Town), rows)
        if conn.dialect.name == "postgresql":
            conn.execute(
                text("SELECT setval(pg_get_serial_sequence('towns', 'id'), :top)"),
                {"top": len(rows)},
            )
        return len(rows)
