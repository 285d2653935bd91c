"""Folium builders for the incident map: pure functions from query results to a ``folium.Map``.

Built to work in a closed network and to stay light at scale (see ``../shared/STREAMLIT-NOTES.md``):

* Every script and stylesheet comes from the app (``cgic_ui.offline.MapAssets``); folium's CDN
  defaults are replaced on each element. No branca colour map (it pulls d3 from CDNs): the legend is
  drawn by the page, outside the map, from ``cgic_ui.map_legend`` with the colours the map uses.
* The basemap is Connecticut's town boundaries, fetched by the browser from the app's static files
  (cached there, not re-sent with every map) into their own lower pane, with place names that
  appear as the user zooms in (``cgic_ui.map_reference``) and the site's own GeoJSON layers; a site
  tile server is used under them when configured.
* Incidents are one compact JSON array drawn client-side by Leaflet.markercluster through a plain
  ``L.circleMarker`` callback; repeated strings (agencies, calibers, leads) go in lookup tables.
  The heat layer reads the same array, so points are sent once. Above the query's point cap the
  rows are grid cells with counts, and the clusters add those counts up.
* Each incident's tooltip carries a hidden ``[[incident:<id>]]`` token: ``st_folium`` returns the
  clicked marker's tooltip text, and ``clicked_incident_id`` reads the id back.
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from typing import Any

import folium
import pandas as pd
from branca.element import Element

from cgic_data.lead_labels import CONFIRMED_LABEL, UNCONFIRMED_LABEL
from cgic_data.queries.incidents import CELL_COLUMNS, Extent, HitStatus, MapData
from cgic_ui.figures import KIND_COLOURS
from cgic_ui.map_layers import (
    ClientCluster,
    ClientHeat,
    FitView,
    Graticule,
    ReferenceGeoJson,
    SteadyFocus,
    ZoomLabels,
)
from cgic_ui.map_legend import KINDS, MAP_CSS, SERIES_COLOUR
from cgic_ui.map_reference import LABEL_MIN_ZOOMS, TOWN_ATTRIBUTION, SiteLayer, place_labels
from cgic_ui.offline import MapAssets

CT_CENTRE = (41.6, -72.7)
CT_BOUNDS = Extent(south=40.95, west=-73.75, north=42.06, east=-71.78)
# Where a selection may take the map: the Northeast, so incidents outside Connecticut (a series
# crossing into New York or Massachusetts) are shown, while one incident geocoded to the wrong
# continent cannot zoom the map out to the world.
REGION_BOUNDS = Extent(south=37.0, west=-82.0, north=47.5, east=-66.5)
MIN_ZOOM = 5  # the Northeast fits; Connecticut is the default view, not a limit
MAX_ZOOM = 18
MAX_SERIES_LINES = 500
INCIDENT_TOKEN = re.compile(r"\[\[incident:(\d+)\]\]")

POINT_CALLBACK = """function (r, T) {
  var kind = T.kinds[r[3]], victims = r[4] + r[5];
  var marker = L.circleMarker([r[0], r[1]], {
    pane: "markerPane", radius: victims > 0 ? Math.min(6 + 2 * victims, 10) : 5,
    color: r[5] > 0 ? "#111" : "#fff", weight: r[5] > 0 ? 2.5 : 1,
    fillColor: kind[1], fillOpacity: 0.9
  });
  var lines = ["<b>" + kind[0] + "</b> · " + r[8], T.agencies[r[6]] + " · " + r[7],
    victims > 0 ? r[4] + " injured, " + r[5] + " killed" : "no victims shot"];
  if (r[9] >= 0) lines.push("Calibers: " + T.calibers[r[9]]);
  if (r[10] >= 0) lines.push("Leads: " + T.leads[r[10]]);
  if (r[12] >= 0) lines.push("Series " + T.series[r[12]]);
  lines.push(T.links[r[11]]);
  marker.bindTooltip('<div class="cgic-tip">' + lines.join("<br>") +
    '<span style="display:none">[[incident:' + r[2] + ']]</span></div>', {direction: "auto"});
  return marker;
}"""

CELL_CALLBACK = """function (r, T) {
  var size = Math.round(22 + 6 * Math.log10(r[2]));
  var marker = L.marker([r[0], r[1]], {
    count: r[2],
    icon: L.divIcon({html: "<div>" + r[2].toLocaleString() + "</div>",
      className: "cgic-cell", iconSize: [size, size]})
  });
  marker.bindTooltip("<b>" + r[2].toLocaleString() + " incidents</b> in this ~2 km cell<br>" +
    r[3] + " shootings, " + r[4] + " shots fired, " + r[5] + " gun recoveries<br>" +
    r[6] + " victims shot", {direction: "auto"});
  return marker;
}"""

CELL_CLUSTER_ICON = """function (cluster) {
  var n = 0;
  cluster.getAllChildMarkers().forEach(function (m) { n += m.options.count || 1; });
  var size = n < 100 ? "small" : n < 1000 ? "medium" : "large";
  return L.divIcon({html: "<div><span>" + n.toLocaleString() + "</span></div>",
    className: "marker-cluster marker-cluster-" + size, iconSize: new L.Point(44, 44)});
}"""


class _Table:
    """Distinct strings -> index, so a string repeated on many rows travels (and is escaped) once."""

    def __init__(self) -> None:
        self.values: list[str] = []
        self._index: dict[str, int] = {}

    def index(self, value: str | None) -> int:
        if not value:
            return -1
        found = self._index.get(value)
        if found is None:
            found = self._index[value] = len(self.values)
            self.values.append(html.escape(value))
        return found


# The NIBIN status line of a tooltip: unconfirmed leads always say they are not proof.
LINK_TEXTS = [
    "No NIBIN lead",
    f'<span class="lead">{UNCONFIRMED_LABEL.capitalize()}</span>',
    f'<span class="hit">{CONFIRMED_LABEL.capitalize()}</span>',
    f'<span class="hit">{CONFIRMED_LABEL.capitalize()}</span><br>'
    f'<span class="lead">Open leads: {UNCONFIRMED_LABEL}</span>',
]


def link_code(hit: str, leads: str | None) -> int:
    """Index into ``LINK_TEXTS`` for an incident's hit status and lead list."""
    if hit == HitStatus.HIT.value:
        return 3 if leads and "(open)" in leads else 2
    return 1 if hit == HitStatus.LEAD.value else 0


def _columns(frame: pd.DataFrame, names: list[str]) -> list[list[Any]]:
    """Plain Python lists per column (missing values as None): iterating pandas rows is ten times
    slower at 20k rows."""
    return [frame[name].astype(object).where(frame[name].notna(), None).tolist() for name in names]


def point_rows(points: pd.DataFrame) -> tuple[list[list[Any]], dict[str, Any]]:
    """Compact rows for ``POINT_CALLBACK`` and their lookup tables (strings HTML-escaped).

    Row: lat, lon, id, kind, injured, killed, agency, number, date, calibers, leads, links, series.
    Incidents without coordinates are left out.
    """
    agencies, calibers, leads, series = _Table(), _Table(), _Table(), _Table()
    kind_index = {kind: i for i, kind in enumerate(KINDS)}
    esc = html.escape
    mapped = points.dropna(subset=["lat", "lon"])
    dates = mapped["occurred_at"].dt.strftime("%Y-%m-%d %H:%M").tolist()
    if "time_known" in mapped:  # a date alone reads as the date, never as 00:00
        known = mapped["time_known"].astype(bool).tolist()
        dates = [d if k else d[:10] for d, k in zip(dates, known, strict=True)]
    columns = _columns(
        mapped,
        [
            "lat", "lon", "incident_id", "kind", "injured", "killed", "agency",
            "incident_number", "calibers", "leads", "hit", "series_id",
        ],
    )  # fmt: skip
    rows = [
        [
            lat, lon, int(incident), kind_index[kind], int(injured), int(killed),
            agencies.index(agency), esc(str(number)), when,
            calibers.index(cal), leads.index(led), link_code(hit, led), series.index(ser),
        ]
        for (lat, lon, incident, kind, injured, killed, agency, number, cal, led, hit, ser), when
        in zip(zip(*columns, strict=True), dates, strict=True)
    ]  # fmt: skip
    tables = {
        "kinds": [[kind.capitalize(), KIND_COLOURS[kind]] for kind in KINDS],
        "agencies": agencies.values,
        "calibers": calibers.values,
        "leads": leads.values,
        "links": LINK_TEXTS,
        "series": series.values,
    }
    return rows, tables


def cell_rows(cells: pd.DataFrame) -> list[list[Any]]:
    """Rows for ``CELL_CALLBACK``: lat, lon, incidents, shootings, shots fired, recoveries, victims."""
    columns = _columns(cells, ["lat", "lon", *CELL_COLUMNS[2:]])
    return [[lat, lon, *(int(v) for v in rest)] for lat, lon, *rest in zip(*columns, strict=True)]


def series_lines(points: pd.DataFrame, limit: int = MAX_SERIES_LINES) -> dict[str, Any]:
    """A GeoJSON FeatureCollection: one line per series through its shown incidents by date.

    Only series with at least two shown incidents; the ``limit`` largest (most incidents) if more.
    """
    in_series = points.dropna(subset=["series_id", "lat", "lon"])
    stops: dict[str, list[tuple[Any, int, float, float]]] = defaultdict(list)
    for series_id, when, incident, lat, lon in zip(
        *_columns(in_series, ["series_id", "occurred_at", "incident_id", "lat", "lon"]),
        strict=True,
    ):
        stops[series_id].append((when, incident, lon, lat))
    largest = sorted(
        (item for item in stops.items() if len(item[1]) >= 2), key=lambda i: (-len(i[1]), i[0])
    )
    features = []
    for series_id, group in largest[:limit]:
        group.sort()
        first, last = group[0][0], group[-1][0]
        tooltip = (
            f"<b>Series {html.escape(series_id)}</b>: {len(group)} incidents shown, "
            f"{first:%Y-%m-%d} → {last:%Y-%m-%d}"
        )
        features.append(
            {
                "type": "Feature",
                "properties": {"series_id": series_id, "tooltip": tooltip},
                "geometry": {
                    "type": "LineString",
                    "coordinates": [[lon, lat] for _, _, lon, lat in group],
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


# --- the map -------------------------------------------------------------------------------------


def base_map(
    assets: MapAssets,
    tile_url: str = "",
    tile_attribution: str = "",
    site_layers: tuple[SiteLayer, ...] | list[SiteLayer] = (),
) -> folium.Map:
    """Centred on Connecticut, Leaflet from the app, town boundaries in a pane below the rest,
    place names over them by zoom, then the site's own layers (each one overlay)."""
    m = folium.Map(
        location=CT_CENTRE,
        zoom_start=9,
        tiles=None,
        control_scale=True,
    )
    # folium passes min/max zoom only to its tile layer; markercluster needs the map's own maxZoom
    # ("Map has no maxZoom specified" otherwise, and the map stays blank).
    m.options.update(maxZoom=MAX_ZOOM, minZoom=MIN_ZOOM, zoomSnap=0.25)
    m.default_js = [("leaflet", assets.js["leaflet"])]
    m.default_css = [("leaflet_css", assets.css["leaflet_css"])]
    m.get_root().header.add_child(Element(MAP_CSS), name="cgic_map_css")
    if tile_url:
        folium.TileLayer(
            tiles=tile_url, attr=tile_attribution or "Site tile server", name="Site tiles",
            max_zoom=MAX_ZOOM,
            overlay=False, control=False,
        ).add_to(m)  # fmt: skip
    # Beyond Connecticut there is no basemap: a half-degree grid under the towns still shows
    # where an incident lies.
    folium.map.CustomPane("grid", z_index=240, pointer_events=False).add_to(m)
    Graticule(REGION_BOUNDS.as_bounds()).add_to(m)
    # Below the overlay pane (400), so heat and lines draw over the towns.
    folium.map.CustomPane("towns", z_index=250, pointer_events=True).add_to(m)
    ReferenceGeoJson(
        "Town boundaries",
        {
            "color": "#7f8c8d",
            "weight": 0.8,
            "fillColor": "#fbfbf8",
            "fillOpacity": 0.25 if tile_url else 1.0,
        },
        url=assets.towns_geojson,
        pane="towns",
        tooltip_property="name",
        attribution=TOWN_ATTRIBUTION,
    ).add_to(m)
    # Over heat and lines, under markers, never taking a click.
    folium.map.CustomPane("labels", z_index=450, pointer_events=False).add_to(m)
    ZoomLabels("Place names", place_labels(), LABEL_MIN_ZOOMS, pane="labels").add_to(m)
    if site_layers:
        folium.map.CustomPane("site", z_index=300, pointer_events=True).add_to(m)
    for layer in site_layers:
        ReferenceGeoJson(
            layer.name,
            {"color": layer.colour, "weight": 2, "opacity": 0.9, "fillOpacity": 0.06},
            data=layer.data,
            pane="site",
            tooltip_property="tip",
            attribution=layer.attribution,
        ).add_to(m)
    SteadyFocus().add_to(m)
    return m


def incident_map(
    data: MapData,
    assets: MapAssets,
    *,
    focus: bool = False,
    tile_url: str = "",
    tile_attribution: str = "",
    site_layers: tuple[SiteLayer, ...] | list[SiteLayer] = (),
) -> folium.Map:
    """The whole map for ``data``: clusters (or cells), heat, series lines, towns, place names,
    the site's layers, layer control.

    ``focus`` (a lead or series is selected): zoom to what is shown and show its lines. Layers
    are added to the map by folium itself (``Layer.render``) when shown, so the layer control can
    start some of them off.
    """
    m = base_map(assets, tile_url, tile_attribution, site_layers)
    if data.points is not None and not data.points.empty:
        rows, tables = point_rows(data.points)
        # A selection is small: cluster only markers that would overlap.
        cluster = ClientCluster(
            rows,
            tables,
            POINT_CALLBACK,
            assets,
            name="Incidents",
            cluster_radius=20 if focus else 50,
        )
        cluster.add_to(m)
        ClientHeat(cluster, assets).add_to(m)
        lines = series_lines(data.points)
        if lines["features"]:
            ReferenceGeoJson(
                "Series lines",
                {"color": SERIES_COLOUR, "weight": 3, "opacity": 0.8},
                data=lines,
                show=focus or len(lines["features"]) <= 50,
            ).add_to(m)
    elif data.cells is not None and not data.cells.empty:
        cluster = ClientCluster(
            cell_rows(data.cells),
            {},
            CELL_CALLBACK,
            assets,
            name="Incidents (counts per ~2 km cell)",
            icon_create_function=CELL_CLUSTER_ICON,
        )
        cluster.add_to(m)
        heaviest = float(data.cells["incidents"].quantile(0.95))
        ClientHeat(cluster, assets, weight_index=2, max_weight=max(heaviest, 1.0)).add_to(m)
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    FitView(view_extent(data.extent, focus).as_bounds()).add_to(m)
    return m


def view_extent(extent: Extent | None, focus: bool) -> Extent:
    """What to show: the incidents' extent when focused, else the state, unless they are smaller.

    A focused extent may reach outside Connecticut (clamped to ``REGION_BOUNDS``, so one
    mis-geocoded incident cannot zoom the map out to the world); the unfocused map opens on the
    state, and the user zooms out to see incidents beyond it.
    """
    if extent is None:
        return CT_BOUNDS
    bounds = REGION_BOUNDS if focus else CT_BOUNDS
    clamped = Extent(
        max(extent.south, bounds.south),
        max(extent.west, bounds.west),
        min(extent.north, bounds.north),
        min(extent.east, bounds.east),
    )
    if clamped.south > clamped.north or clamped.west > clamped.east:
        return CT_BOUNDS
    return clamped if focus else _union_if_small(clamped)


def _union_if_small(extent: Extent) -> Extent:
    """Unfocused maps show the state unless the incidents sit in a small part of it."""
    state_area = (CT_BOUNDS.north - CT_BOUNDS.south) * (CT_BOUNDS.east - CT_BOUNDS.west)
    area = (extent.north - extent.south) * (extent.east - extent.west)
    return extent if area < state_area / 4 else CT_BOUNDS


def clicked_incident_id(returned: dict[str, Any] | None) -> int | None:
    """The incident whose marker was clicked, from what ``st_folium`` returned (None if none)."""
    tooltip = (returned or {}).get("last_object_clicked_tooltip") or ""
    found = INCIDENT_TOKEN.search(tooltip)
    return int(found.group(1)) if found else None
