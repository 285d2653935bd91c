"""From the statewide map of a store above the point cap to one incident: each step's time and bytes,
clustered on the server (what the app does) and, for comparison, on the client.

usage: .venv/bin/python bench/map_drill.py [--size 240000] [--keep DIR [--reuse]] [--browser-points N]
                                           [--postgresql [--reuse]]

The store is ``bench/map_payload.py``'s (synthetic incidents around Connecticut's towns by
population; ``--keep``/``--reuse`` share its files, e.g. ``map-240000.sqlite``). ``--postgresql``:
the database ``cgic_map_drill_<size>`` on ``CGIC_BENCH_POSTGRES_URL`` (or
``CGIC_TEST_POSTGRES_URL``), a role that may create databases.

Server (``cgic_data.queries.map_view`` + ``cgic_ui.map_drill``): the base map is sent once, then
each view sends one layer. The walk: the statewide view; a click on the largest count, which fits
the map to that cell's incidents (Leaflet's ``fitBounds`` on a 980 x 560 px map, as the page
draws it at 1440 px wide); again until the view holds single incidents; then the detail of one.
Per step: the query on a fresh process-level connection (``cold``) and repeated (``warm``: the
database's pages in memory, the app's result cache not used), the layer's build, its bytes.

Client: every matching incident sent once (coordinates and id), clustered in the browser: the
query, the JSON bytes, a denser fixed-point encoding, and (with Chromium) the seconds
Leaflet.markercluster takes to index ``--browser-points`` of them in headless Chromium.

Nothing here is a test; timings are printed, not asserted.
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import os
import random
import struct
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import folium  # noqa: E402
from sqlalchemy import Engine, create_engine, make_url, select, text  # noqa: E402
from streamlit_folium import _get_feature_group_string, _get_map_string  # noqa: E402

from bench.map_payload import fill  # noqa: E402
from cgic_data.queries import incident_detail, incidents, map_view  # noqa: E402
from cgic_data.queries.map_view import Viewport  # noqa: E402
from cgic_data.schema import Incident  # noqa: E402
from cgic_data.scope import IncidentFilter, Viewer  # noqa: E402
from cgic_data.store import make_engine, migrate  # noqa: E402
from cgic_ui import map_drill, maps  # noqa: E402
from cgic_ui.offline import MapAssets  # noqa: E402

WIDTH, HEIGHT = 980, 560  # the map on a 1440 px wide window
PADDING = 48  # ViewLayer's fitBounds padding
VIEWER, ALL, EVERYTHING = Viewer.system(), IncidentFilter(), incidents.MapFilter()


def _mercator_y(lat: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def fit(south: float, west: float, north: float, east: float, max_zoom: float) -> Viewport:
    """The view Leaflet shows after ``fitBounds`` (zoomSnap 0.25) on the page's map."""
    room_x, room_y = WIDTH - 2 * PADDING, HEIGHT - 2 * PADDING
    span_x = max(east - west, 1e-9) / 360 * 256
    span_y = max(_mercator_y(north) - _mercator_y(south), 1e-9) / (2 * math.pi) * 256
    zoom = min(math.log2(room_x / span_x), math.log2(room_y / span_y), max_zoom)
    zoom = math.floor(zoom * 4) / 4
    scale = 256 * 2**zoom
    half_lon = WIDTH / 2 / scale * 360
    centre_y = (_mercator_y(north) + _mercator_y(south)) / 2
    half_y = HEIGHT / 2 / scale * 2 * math.pi

    def lat(y: float) -> float:
        return math.degrees(2 * math.atan(math.exp(y)) - math.pi / 2)

    centre_lon = (east + west) / 2
    return Viewport(
        round(lat(centre_y - half_y), 4),
        round(centre_lon - half_lon, 4),
        round(lat(centre_y + half_y), 4),
        round(centre_lon + half_lon, 4),
        zoom,
    )


def timed(function, *args):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - started


def server_walk(url: str, view_points: int) -> None:
    print("\nserver clustering (the app): base map once, then one layer per view")
    engine = make_engine(url)
    data, seconds = timed(incidents.incident_map_data, engine, VIEWER, ALL, EVERYTHING)
    base = map_drill.drill_map(data, MapAssets())
    base.get_root().render()
    base_bytes = len(_get_map_string(base).encode())
    print(
        f"  filter total {data.total:,}: query {seconds:.2f} s, base map {base_bytes / 1e3:.0f} KB"
    )
    print(f"  {'step':<34} {'zoom':>5} {'in view':>8} {'cells':>6} {'points':>6} "
          f"{'cold s':>7} {'warm s':>7} {'build s':>7} {'sent KB':>8}")  # fmt: skip
    view = fit(*maps.CT_BOUNDS.as_bounds()[0], *maps.CT_BOUNDS.as_bounds()[1], 18)
    step, label = 0, "statewide"
    while True:
        engine.dispose()  # a fresh connection: nothing of the last step's query in SQLite's cache
        shown, cold = timed(map_view.view_data, engine, VIEWER, ALL, EVERYTHING, view, view_points)
        _, warm = timed(map_view.view_data, engine, VIEWER, ALL, EVERYTHING, view, view_points)
        started = time.perf_counter()
        layer = map_drill.ViewLayer(shown)
        sent = len(_get_feature_group_string(layer, folium.Map(tiles=None)).encode())
        built = time.perf_counter() - started
        cells = 0 if shown.cells is None else len(shown.cells)
        print(f"  {label:<34} {view.zoom:>5.2f} {shown.in_view:>8,} {cells:>6,} "
              f"{len(shown.points):>6,} {cold:>7.2f} {warm:>7.2f} {built:>7.2f} {sent / 1e3:>8.1f}")  # fmt: skip
        if shown.cells is None or shown.cells.empty or step == 4:
            break
        biggest = shown.cells.loc[shown.cells["incidents"].idxmax()]
        step += 1
        label = f"click {step}: a count of {int(biggest['incidents']):,}"
        view = fit(
            biggest["south"], biggest["west"], biggest["north"], biggest["east"],
            map_drill.CELL_MAX_ZOOM,
        )  # fmt: skip
    incident = int(shown.points["incident_id"].iloc[0])
    _, seconds = timed(incident_detail.incident_detail, engine, VIEWER, incident)
    print(f"  {f'click {step + 1}: one incident, its detail':<34} {'':>5} {'':>8} {'':>6} {'':>6} "
          f"{seconds:>7.2f}")  # fmt: skip
    engine.dispose()


def client_payload(url: str, browser_points: int) -> None:
    print(
        "\nclient clustering (for comparison): every incident sent once, clustered in the browser"
    )
    engine = make_engine(url)
    started = time.perf_counter()
    with engine.connect() as conn:
        where = incidents.map_conditions(conn, VIEWER, ALL, EVERYTHING)
        rows = conn.execute(
            select(Incident.lat, Incident.lon, Incident.id).where(
                where, Incident.lat.is_not(None), Incident.lon.is_not(None)
            )
        ).all()
    queried = time.perf_counter() - started
    as_json = json.dumps([[round(a, 5), round(o, 5), i] for a, o, i in rows], separators=(",", ":"))
    # Fixed point (1e-5 degrees, ~1 m) as int32 offsets, ids as uint32, then base64: 12 bytes.
    packed = b"".join(
        struct.pack("<iiI", round((a - 40) * 1e5), round((o + 74) * 1e5), i) for a, o, i in rows
    )
    encoded = base64.b64encode(packed)
    print(f"  {len(rows):,} incidents: query {queried:.2f} s, JSON {len(as_json) / 1e6:.2f} MB, "
          f"packed {len(encoded) / 1e6:.2f} MB (base64 of 12 bytes each)")  # fmt: skip
    if browser_points:
        sample = [[a, o] for a, o, _ in rows[:browser_points]]
        seconds = browser_cluster_seconds(sample)
        if seconds is not None:
            print(f"  Leaflet.markercluster indexing {len(sample):,} of them in headless Chromium: "
                  f"{seconds:.1f} s")  # fmt: skip
    engine.dispose()


def browser_cluster_seconds(points: list[list[float]]) -> float | None:
    """Seconds markercluster's ``addLayers`` takes for ``points`` in headless Chromium."""
    chromium = Path("/usr/bin/chromium")
    try:
        from playwright.sync_api import sync_playwright
        from xstatic.pkg import leaflet, leaflet_markercluster
    except ImportError:
        return None
    if not chromium.exists():
        return None
    leaflet_dir, cluster_dir = Path(leaflet.BASE_DIR), Path(leaflet_markercluster.BASE_DIR)
    page = f"""<html><body><div id="m" style="width:{WIDTH}px;height:{HEIGHT}px"></div>
    <script>{(leaflet_dir / "leaflet.js").read_text()}</script>
    <script>{(cluster_dir / "leaflet.markercluster.js").read_text()}</script></body></html>"""
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        html = Path(folder) / "cluster.html"
        html.write_text(page)
        browser = playwright.chromium.launch(executable_path=str(chromium), args=["--no-sandbox"])
        tab = browser.new_page()
        tab.goto(html.as_uri())
        seconds = tab.evaluate(
            """points => {
                var map = L.map("m", {maxZoom: 18}).setView([41.6, -72.7], 9);
                var started = performance.now();
                var cluster = L.markerClusterGroup();
                cluster.addLayers(points.map(function (p) { return L.circleMarker(p); }));
                map.addLayer(cluster);
                return (performance.now() - started) / 1000;
            }""",
            points,
        )
        browser.close()
    return float(seconds)


def postgres_store(name: str, reuse: bool) -> tuple[str, bool]:
    """The URL of database ``name`` (created, or dropped and created unless ``reuse``) and
    whether it is new."""
    admin_url = os.environ.get("CGIC_BENCH_POSTGRES_URL") or os.environ.get(
        "CGIC_TEST_POSTGRES_URL"
    )
    if not admin_url:
        raise SystemExit("PostgreSQL: set CGIC_BENCH_POSTGRES_URL (a role that may createdb)")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("select 1 from pg_database where datname=:n"), {"n": name})
        fresh = not (exists.first() and reuse)
        if fresh:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False), fresh


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=240_000)
    parser.add_argument("--keep", type=Path, default=None, help="keep the store in this folder")
    parser.add_argument("--reuse", action="store_true", help="reuse a store kept by --keep")
    parser.add_argument("--postgresql", action="store_true", help="a PostgreSQL store instead")
    parser.add_argument("--view-points", type=int, default=map_view.VIEW_POINTS)
    parser.add_argument(
        "--browser-points", type=int, default=50_000,
        help="how many incidents markercluster indexes in Chromium (0: skip; all 240k: minutes)",
    )  # fmt: skip
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="cgic-map-drill-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"map-{args.size}.sqlite"
    url, fresh = f"sqlite:///{path}", not (args.reuse and path.exists())
    if args.postgresql:
        url, fresh = postgres_store(f"cgic_map_drill_{args.size}", args.reuse)
    elif fresh:
        path.unlink(missing_ok=True)
    if fresh:
        engine: Engine = make_engine(url)
        migrate(engine)
        _, seconds = timed(fill, engine, args.size, random.Random(args.size))
        engine.dispose()
        print(f"filled {args.size:,} incidents in {seconds:.0f} s")
    server_walk(url, args.view_points)
    client_payload(url, args.browser_points)
    if args.keep is None and not args.postgresql:
        path.unlink()


if __name__ == "__main__":
    main()
