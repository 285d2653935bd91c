"""The map drawn per view above the point cap: what st_folium reports, the layer it swaps in, the
export's counts."""

from __future__ import annotations

import folium
import pandas as pd
import pytest
from streamlit_folium import _get_feature_group_string, _get_map_string

from cgic_data.queries.incidents import Extent, MapData
from cgic_data.queries.map_view import VIEW_CELL_COLUMNS, ViewData, Viewport
from cgic_ui import map_drill
from cgic_ui.offline import MapAssets

CELL = [41.7025, -72.7025, 2, 1, 1, 0, 1, 41.7, -72.705, 41.705, -72.7]


def reported(south: object, west: object, north: object, east: object, zoom: object) -> dict:
    return {
        "bounds": {
            "_southWest": {"lat": south, "lng": west},
            "_northEast": {"lat": north, "lng": east},
        },
        "zoom": zoom,
    }


def lone_point() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "incident_id": [4], "lat": [41.5], "lon": [-73.0], "kind": ["gun recovery"],
            "occurred_at": pd.to_datetime(["2025-06-12 10:00"]), "agency": ["Alpha PD"],
            "agency_code": ["A"], "incident_number": ["A-4"], "town": [None], "address": [None],
            "injured": [0], "killed": [0], "calibers": [".45 Auto"], "leads": [None],
            "hit": ["no lead"], "nibin_status": ["no NIBIN lead"], "series_id": [None],
            "time_known": [True],
        }
    )  # fmt: skip


def test_the_view_st_folium_reports_is_read_rounded_and_clamped_to_the_world() -> None:
    view = map_drill.returned_view(reported(41.700001, -72.812345, 41.9, -72.5, 12.25))
    assert view == Viewport(41.7, -72.8123, 41.9, -72.5, 12.25)
    # Zoomed far out, Leaflet reports longitudes beyond the date line.
    assert map_drill.returned_view(reported(-95, -250, 95, 250, 1)) == Viewport(zoom=1)


@pytest.mark.parametrize(
    "returned",
    [
        None,
        {},
        {"last_object_clicked_tooltip": "x"},  # before the map has moved: no bounds yet
        reported(None, None, None, None, 9),  # st_folium's default before the first move
        reported(41.7, -72.8, 41.9, -72.5, None),
        reported(42.0, -72.8, 41.0, -72.5, 9),  # inside out: not a view
    ],
)
def test_no_view_is_read_from_what_is_not_one(returned: dict | None) -> None:
    assert map_drill.returned_view(returned) is None


def test_the_view_layer_draws_cells_that_zoom_in_and_lone_incidents_as_points() -> None:
    view = ViewData(3, lone_point(), pd.DataFrame([CELL], columns=VIEW_CELL_COLUMNS))
    layer = map_drill.ViewLayer(view)
    assert layer.cells == [CELL]
    assert [row[2] for row in layer.points] == [4]
    script = _get_feature_group_string(layer, folium.Map(tiles=None))
    assert "map.fitBounds([[r[7], r[8]], [r[9], r[10]]]" in script  # a click zooms in
    assert "})(map_div);" in script  # on the map st_folium drew
    assert "[[incident:' + r[2] + ']]" in script  # a point's click opens its detail
    assert script.rstrip().endswith("window.feature_group.push(feature_group_feature_group_0);")


def test_the_base_map_is_the_same_for_every_view_and_loads_markercluster() -> None:
    data = MapData(9, 0, None, pd.DataFrame(), Extent(41.0, -73.5, 42.0, -72.0))
    scripts = set()
    for _ in range(2):
        m = map_drill.drill_map(data, MapAssets())
        m.get_root().render()
        scripts.add(_get_map_string(m).replace(m.get_name(), "map"))
    assert len(scripts) == 1 and "Incidents" not in scripts.pop()
    assets = [url for _, url in map_drill.ClusterAssets(MapAssets()).default_js]
    assert assets == [MapAssets().js["markerclusterjs"]]


def test_the_export_counts_add_up_to_the_incidents_in_view() -> None:
    view = ViewData(3, lone_point(), pd.DataFrame([CELL], columns=VIEW_CELL_COLUMNS))
    counts = map_drill.cells_frame(view)
    assert counts is not None
    assert counts["incidents"].tolist() == [2, 1] and counts["gun_recoveries"].tolist() == [0, 1]
    assert counts["incidents"].sum() == view.in_view
    assert map_drill.cells_frame(ViewData(1, lone_point(), None)) is None
