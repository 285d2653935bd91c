"""How big and how slow is the incident map at 1k, 15k (the most points it draws), 20k and 200k
matching incidents?

usage: .venv/bin/python bench/map_payload.py [--sizes 1000,15000,20000,200000] [--keep DIR [--reuse]]

For each size it fills a fresh SQLite store with that many synthetic incidents (placed around
Connecticut's towns by population, one cartridge case each, a third of them linked in NIBIN leads of
two to six incidents), then times, with the whole store matching the filter:

* query: ``incidents.incident_map_data`` (points up to ``MAX_POINTS``, grid cells above);
* build: ``maps.incident_map`` (the folium map, with every layer);
* send:  what ``st_folium`` does before sending it (render, rename variables, hash), and the bytes
         it sends to the browser (the town boundaries are a separate, cached static file: 370 KB);
* lead:  the same two steps for one typed lead number (the analyst's case at that scale).

Nothing here is a test; timings are noisy and are printed, not asserted. ``--keep DIR`` leaves the
stores in DIR (``map-<size>.sqlite``) to open in the app: CGIC_DATABASE_URL=sqlite:///DIR/map-200000.sqlite
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import folium  # noqa: E402
from sqlalchemy import Engine, insert  # noqa: E402
from streamlit_folium import (  # noqa: E402
    _get_header,
    _get_html,
    _get_map_string,
    generate_js_hash,
)

from cgic_data import schema as s  # noqa: E402
from cgic_data.queries import incidents  # noqa: E402
from cgic_data.scope import IncidentFilter, Viewer  # noqa: E402
from cgic_data.store import make_engine, migrate  # noqa: E402
from cgic_ui import maps  # noqa: E402
from cgic_ui.offline import MapAssets  # noqa: E402

TOWNS = ROOT / "cgic_data" / "resources" / "ct_towns.csv"
CALIBERS = ["9mm Luger", "9mm Luger", "9mm Luger", ".40 S&W", ".45 Auto", ".380 Auto", ".22 LR"]
KINDS = list(s.IncidentKind)
START = datetime(2023, 1, 1)


def fill(engine: Engine, size: int, rng: random.Random) -> None:
    """Insert ``size`` synthetic incidents with items and leads (LEAD-000001 links 2 to 6)."""
    with TOWNS.open() as handle:
        towns = list(csv.DictReader(handle))
    weights = [int(t["pop2010"]) for t in towns]
    with engine.begin() as conn:
        conn.execute(
            insert(s.Town),
            [
                {"id": i + 1, "name": t["town"], "lat": float(t["lat"]), "lon": float(t["lon"])}
                for i, t in enumerate(towns)
            ],
        )
        conn.execute(
            insert(s.Agency),
            [
                {"id": i + 1, "code": f"CT{i + 1:05d}", "name": f"{t['town']} PD", "kind": "local"}
                for i, t in enumerate(towns)
            ],
        )
        rows, items = [], []
        for i in range(1, size + 1):
            town = rng.choices(range(len(towns)), weights)[0]
            rows.append(
                {
                    "id": i,
                    "agency_id": town + 1,
                    "incident_number": f"INC-{i:07d}",
                    "occurred_at": START + timedelta(minutes=rng.randrange(3 * 365 * 24 * 60)),
                    "kind": rng.choice(KINDS).value,
                    "victims_injured": rng.choice([0, 0, 0, 1, 1, 2]),
                    "victims_killed": rng.choice([0] * 9 + [1]),
                    "lat": float(towns[town]["lat"]) + rng.gauss(0, 0.02),
                    "lon": float(towns[town]["lon"]) + rng.gauss(0, 0.025),
                    "town_id": town + 1,
                }
            )
            items.append(
                {
                    "id": i,
                    "item_number": f"ITEM-{i:07d}",
                    "incident_id": i,
                    "kind": "cartridge case",
                    "caliber": rng.choice(CALIBERS),
                }
            )
        conn.execute(insert(s.Incident), rows)
        conn.execute(insert(s.EvidenceItem), items)
        linked = rng.sample(range(1, size + 1), size // 3)
        leads, members, lead_id, at = [], [], 0, 0
        while at < len(linked) - 1:
            lead_id += 1
            group = linked[at : at + rng.randint(2, 6)]
            at += len(group)
            status = rng.choice(["open", "open", "confirmed hit"])
            leads.append(
                {
                    "id": lead_id,
                    "lead_number": f"LEAD-{lead_id:06d}",
                    "issued_at": START,
                    "status": status,
                }
            )
            members += [{"lead_id": lead_id, "item_id": item, "added_at": START} for item in group]
        conn.execute(insert(s.NibinLead), leads)
        conn.execute(insert(s.LeadItem), members)


def component_args(folium_map: folium.Map) -> tuple[float, int]:
    """What ``st_folium`` does before sending the map (render, rename, hash): seconds and bytes.

    Mirrors ``streamlit_folium.st_folium`` with its private helpers: the bytes are the script,
    header and HTML it sends to the browser for this map.
    """
    started = time.perf_counter()
    folium_map.get_root().render()
    folium_map.render()
    html, header = _get_html(folium_map), _get_header(folium_map)
    script = _get_map_string(folium_map)
    generate_js_hash(script, "incident_map", False)
    size = sum(len(part.encode("utf-8")) for part in (script, header, html))
    return time.perf_counter() - started, size


def measure(engine: Engine, mf: incidents.MapFilter) -> tuple[float, float, float, int, str]:
    """Seconds to query, to build the folium map and to prepare it for the browser; bytes sent."""
    started = time.perf_counter()
    data = incidents.incident_map_data(engine, Viewer.system(), IncidentFilter(), mf)
    queried = time.perf_counter()
    folium_map = maps.incident_map(data, MapAssets(), focus=mf.has_selection)
    built = time.perf_counter()
    prepared, size = component_args(folium_map)
    shown = (
        f"{len(data.points):,} points" if data.points is not None else f"{len(data.cells):,} cells"
    )
    return queried - started, built - queried, prepared, size, shown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,15000,20000,200000")
    parser.add_argument("--keep", type=Path, default=None, help="keep the stores in this folder")
    parser.add_argument("--reuse", action="store_true", help="reuse stores kept by --keep")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="cgic-map-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(
        f"{'incidents':>10} {'fill s':>7} {'query s':>8} {'build s':>8} {'send s':>7} "
        f"{'sent':>9}  shown"
    )
    for size in (int(n) for n in args.sizes.split(",")):
        path = folder / f"map-{size}.sqlite"
        reuse = args.reuse and args.keep is not None and path.exists()
        if not reuse:
            path.unlink(missing_ok=True)
        engine = make_engine(f"sqlite:///{path}")
        started = time.perf_counter()
        if not reuse:
            migrate(engine)
            fill(engine, size, random.Random(size))
        filled = time.perf_counter() - started
        lead = "LEAD-000001"
        for label, mf in [
            ("all", incidents.MapFilter()),
            (f"lead {lead}", incidents.MapFilter(lead_numbers=(lead,))),
        ]:
            query, build, prepared, sent, shown = measure(engine, mf)
            print(
                f"{size:>10,} {filled:>7.1f} {query:>8.2f} {build:>8.2f} {prepared:>7.2f} "
                f"{sent / 1e6:>7.2f}MB  {shown} ({label})"
            )
        engine.dispose()
        if args.keep is None:
            path.unlink()


if __name__ == "__main__":
    main()
