"""Connecticut's 169 towns: reference data every store needs, not only demo stores.

Feeds name towns, and the map and filters group by them, so a store without towns would reject
every incident with a town. The towns come from the bundled ``resources/ct_towns.csv`` (see
``resources/CREDITS.md``), with ids 1..169 in alphabetical order, the same ids in every store.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from importlib import resources

from sqlalchemy import Connection, Engine, func, insert, select, text

from cgic_data.schema import Town


def _town_rows() -> list[dict[str, str]]:
    content = resources.files("cgic_data").joinpath("resources/ct_towns.csv").read_text("utf-8")
    return sorted(csv.DictReader(content.splitlines()), key=lambda r: r["town"])


@cache
def towns_state() -> str:
    """The store's state (two letters): the state of its towns, from the same reference data.

    Town names repeat across states (Brooklyn NY, Brooklyn CT): imports attach a town only to rows
    in this state, so the rule follows the towns shipped rather than a constant of its own.
    """
    states = {r.get("state") or "" for r in _town_rows()}
    if len(states) != 1 or not re.fullmatch(r"[A-Z]{2}", next(iter(states))):
        raise ValueError(f"resources/ct_towns.csv: one two-letter state expected, not {states}")
    return states.pop()


def bundled_towns() -> list[dict[str, object]]:
    """id, name, lat, lon, population of every town, ids 1..169 alphabetically."""
    rows = _town_rows()
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
