"""The incident map above the point cap: a fixed base map and a layer redrawn for each view.

``st_folium`` remounts its map (reloading every script and the town boundaries) whenever the map's
own script changes, but swaps a ``feature_group_to_add`` in place. So the base map (towns, place
names, site layers, its fit to the data) stays the same for a filter, and the incidents of the
current view (``cgic_data.queries.map_view``) travel as one ``ViewLayer``: grid cells whose click
zooms to the cell's incidents, or single incidents drawn as on the small map (a click on one opens
its detail, as there). ``st_folium`` returns the view's bounds and zoom after each pan or zoom,
and the page asks the server for that view.
"""

from __future__ import annotations

from typing import Any

import folium
import pandas as pd
from folium.elements import JSCSSMixin
from folium.template import Template

from cgic_data.queries.incidents import CELL_COLUMNS, Extent, MapData
from cgic_data.queries.map_view import ViewData, Viewport
from cgic_data.schema import IncidentKind
from cgic_ui.map_layers import FitView
from cgic_ui.map_reference import SiteLayer
from cgic_ui.maps import POINT_CALLBACK, base_map, point_rows, view_extent
from cgic_ui.offline import MapAssets

# Where a clicked cell's incidents are fitted: never closer than this (a cell of one address).
CELL_MAX_ZOOM = 17


class ClusterAssets(JSCSSMixin, folium.MacroElement):
    """Leaflet.markercluster's script and styles in the base map: the view layer needs them, and
    ``st_folium`` loads scripts only when it mounts the map."""

    _template = Template("")

    def __init__(self, assets: MapAssets) -> None:
        super().__init__()
        self._name = "ClusterAssets"
        self.default_js = [("markerclusterjs", assets.js["markerclusterjs"])]
        self.default_css = [
            (css, assets.css[css]) for css in ("markerclustercss", "markerclusterdefaultcss")
        ]


class ViewLayer(folium.FeatureGroup):
    """The incidents of one view as one Leaflet feature group, built in the browser from rows.

    Cells: ``[lat, lon, incidents, shootings, shots fired, recoveries, victims, south, west,
    north, east]``; a click fits the map to the cell's incidents. Points (every incident in view,
    or those alone in their cell): rows and tables of ``cgic_ui.maps.point_rows`` drawn by
    ``POINT_CALLBACK`` into a markercluster group (radius 40 px, not 80: markers group only where
    they would pile up, so most stay one click from their detail).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = (function (map) {
                var group = L.featureGroup();
                {{ this.cells|tojson }}.forEach(function (r) {
                    var size = Math.round(26 + 7 * Math.log10(r[2]));
                    var marker = L.marker([r[0], r[1]], {
                        icon: L.divIcon({html: "<div>" + r[2].toLocaleString() + "</div>",
                                         className: "cgic-cell", iconSize: [size, size]})
                    });
                    marker.bindTooltip("<b>" + r[2].toLocaleString() + " incidents</b> here<br>" +
                        r[3] + " shootings, " + r[4] + " shots fired, " + r[5] + " gun recoveries<br>" +
                        r[6] + " victims shot<br><i>Click to zoom in</i>", {direction: "auto"});
                    marker.on("click", function () {
                        map.fitBounds([[r[7], r[8]], [r[9], r[10]]],
                                      {maxZoom: {{ this.max_zoom }}, padding: [48, 48]});
                    });
                    group.addLayer(marker);
                });
                var T = {{ this.tables|tojson }}, make = {{ this.callback }};
                var points = {{ this.points|tojson }};
                if (points.length) {
                    var cluster = L.markerClusterGroup({maxClusterRadius: 40,
                        showCoverageOnHover: false, chunkedLoading: true});
                    cluster.addLayers(points.map(function (r) { return make(r, T); }));
                    group.addLayer(cluster);
                }
                return group;
            })({{ this._parent.get_name() }});
        {% endmacro %}"""
    )

    def __init__(self, view: ViewData) -> None:
        super().__init__(name="Incidents in view", control=False)
        self.max_zoom = CELL_MAX_ZOOM
        self.callback = POINT_CALLBACK
        self.cells = cell_rows(view.cells) if view.cells is not None else []
        self.points, self.tables = point_rows(view.points)


def cell_rows(cells: pd.DataFrame) -> list[list[Any]]:
    """Rows for the cells of ``ViewLayer`` (see there), as plain lists."""
    counts = ["incidents", "shootings", "shots_fired", "gun_recoveries", "victims"]
    ints = cells[counts].astype(int).values.tolist()
    degrees = cells[["lat", "lon", "south", "west", "north", "east"]].astype(float).values.tolist()
    return [[d[0], d[1], *n, *d[2:]] for d, n in zip(degrees, ints, strict=True)]


def drill_map(
    data: MapData,
    assets: MapAssets,
    *,
    tile_url: str = "",
    tile_attribution: str = "",
    site_layers: tuple[SiteLayer, ...] | list[SiteLayer] = (),
) -> folium.Map:
    """The base map for a filter above the point cap: the same for every view of it."""
    m = base_map(assets, tile_url, tile_attribution, site_layers)
    ClusterAssets(assets).add_to(m)
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    FitView(view_extent(data.extent, focus=False).as_bounds()).add_to(m)
    return m


def start_view(extent: Extent, zoom: float = 9.0) -> Viewport:
    """The view asked for before the map has said where it is (its first fit)."""
    return Viewport(extent.south, extent.west, extent.north, extent.east, zoom)


def returned_view(returned: dict[str, Any] | None) -> Viewport | None:
    """The view ``st_folium`` reports (bounds and zoom), rounded so that a cache can hold it;
    None before the map has reported one."""
    bounds = (returned or {}).get("bounds") or {}
    south_west, north_east = bounds.get("_southWest") or {}, bounds.get("_northEast") or {}
    zoom = (returned or {}).get("zoom")
    values = [south_west.get("lat"), south_west.get("lng"), north_east.get("lat")]
    values += [north_east.get("lng"), zoom]
    if any(not isinstance(v, int | float) for v in values):
        return None
    south, west, north, east, level = (float(v) for v in values)  # type: ignore[arg-type]
    try:
        return Viewport(
            round(max(south, -90.0), 4),
            round(max(west, -180.0), 4),
            round(min(north, 90.0), 4),
            round(min(east, 180.0), 4),
            level,
        )
    except ValueError:
        return None


def cells_frame(view: ViewData) -> pd.DataFrame | None:
    """The view's counts for the CSV export: its cells, and each incident alone in its cell as a
    cell of one, so the rows add up to the incidents in view."""
    if view.cells is None:
        return None
    points = view.points
    alone = pd.DataFrame(
        {
            "lat": points["lat"],
            "lon": points["lon"],
            "incidents": 1,
            "shootings": (points["kind"] == IncidentKind.SHOOTING.value).astype(int),
            "shots_fired": (points["kind"] == IncidentKind.SHOTS_FIRED.value).astype(int),
            "gun_recoveries": (points["kind"] == IncidentKind.GUN_RECOVERY.value).astype(int),
            "victims": (points["injured"] + points["killed"]).astype(int),
        }
    )
    cells = view.cells[CELL_COLUMNS]
    return pd.concat([cells, alone], ignore_index=True) if not alone.empty else cells
