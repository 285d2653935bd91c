"""Deterministic synthetic demo data: three years of Connecticut-shaped gun crime up to a day.

``seed_demo(engine)`` fills an empty, migrated store and marks it as demo data (``store_info``:
``demo = true``, the seed, the scale and the day it was generated for) so every page can show the
synthetic-data banner. Every incident, lead, person and case is invented; towns are real.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy import Engine

from cgic_data.demo.generator import generate
from cgic_data.demo.loader import load, occupied_tables
from cgic_data.store import refresh_statistics
from cgic_data.towns import has_bundled_towns


@dataclass(frozen=True)
class DemoSummary:
    """Rows written per table."""

    towns: int
    agencies: int
    incidents: int
    lab_requests: int
    firearms: int
    evidence_items: int
    nibin_leads: int
    lead_items: int
    forensic_results: int
    traces: int
    case_events: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    @property
    def total(self) -> int:
        return sum(self.as_dict().values())


def seed_demo(
    engine: Engine, *, seed: int = 1, scale: float = 1.0, today: date | None = None
) -> DemoSummary:
    """Fill an EMPTY store with demo data ending at ``today`` (default: the real today).

    Scale 1 is about 800 incidents a year for three years; the same seed, scale and day always
    produce identical rows. Raises ValueError when the store already holds data.
    """
    if not scale > 0:
        raise ValueError(f"scale must be positive, not {scale}")
    with engine.connect() as conn:
        occupied = occupied_tables(conn)
        towns_loaded = "towns" in occupied
        if towns_loaded and not has_bundled_towns(conn):
            raise ValueError("the store's towns are not Connecticut's bundled 169 towns")
    occupied = [name for name in occupied if name != "towns"]  # reference data, shared
    if occupied:
        raise ValueError(
            f"the store is not empty ({', '.join(occupied)} already hold rows): demo data only "
            "goes into an empty store (`cgic demo --replace` empties it first)"
        )
    today = today or date.today()
    world = generate(seed=seed, scale=scale, today=today)
    info = {
        "demo": "true",
        "demo_seed": str(seed),
        "demo_scale": str(scale),
        "demo_generated_for": today.isoformat(),
    }
    tables = [(t, rows) for t, rows in world.tables() if not (towns_loaded and t.name == "towns")]
    counts = {"towns": 0} | load(engine, tables, info)
    refresh_statistics(engine)
    return DemoSummary(**counts)


__all__ = ["DemoSummary", "seed_demo"]
