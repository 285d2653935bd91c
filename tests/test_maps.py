"""The incident map builders: offline assets only, compact rows, series lines, clicks read back."""

from __future__ import annotations

import json
import re

import folium
import pandas as pd
import pytest

from cgic_data.queries.incidents import POINT_COLUMNS, Extent, MapData
from cgic_ui import map_legend, maps
from cgic_ui.map_layers import ClientCluster, ClientHeat, ReferenceGeoJson, ZoomLabels
from cgic_ui.map_reference import TOWN_ATTRIBUTION, SiteLayer
from cgic_ui.offline import MapAssets

ASSETS = MapAssets()


def point(incident_id: int, when: str, series: str | None = "L-1", **overrides: object) -> dict:
    row = {
        "incident_id": incident_id, "lat": 41.7, "lon": -72.7, "kind": "shooting",
        "occurred_at": pd.Timestamp(when), "agency": "Alpha PD", "agency_code": "A",
        "incident_number": f"A-{incident_id}", "town": "Alpha", "address": None, "injured": 0,
        "killed": 0, "calibers": "9mm Luger", "leads": "L-1 (open)", "hit": "lead",
        "nibin_status": "investigative lead — not a forensic identification", "series_id": series,
    }  # fmt: skip
    row.update(overrides)
    return row


def points(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=POINT_COLUMNS)


def document(m: folium.Map) -> str:
    return m.get_root().render()


def layers(m: folium.Map) -> dict[str, object]:
    return {child.layer_name: child for child in m._children.values() if hasattr(child, "show")}


def test_every_asset_comes_from_the_app_and_nothing_from_outside() -> None:
    data = MapData(1, 0, points(point(1, "2025-06-01")), None, Extent(41.7, -72.7, 41.7, -72.7))
    html = document(maps.incident_map(data, ASSETS))
    links = set(re.findall(r'(?:src|href)="([^"]+)"', html))
    assert links == {*ASSETS.js.values(), *ASSETS.css.values()}
    assert re.findall(r"https?://", html) == []
    assert ASSETS.towns_geojson in html  # fetched by the browser from the app, and cached


def test_assets_follow_a_base_url_path() -> None:
    html = document(
        maps.incident_map(MapData(0, 0, points(), None, None), MapAssets("/cgic/app/static/vendor"))
    )
    assert 'src="/cgic/app/static/vendor/leaflet/leaflet.js"' in html
    assert '"/app/static' not in html


def test_rows_are_compact_and_strings_are_escaped_once() -> None:
    frame = points(
        point(1, "2025-06-01 22:00", agency="<b>Alpha</b> PD", injured=1),
        point(2, "2025-06-02 23:30", agency="<b>Alpha</b> PD", killed=1, hit="confirmed hit",
              leads="L-1 (open), L-2 (confirmed hit)", kind="shots fired"),
        point(3, "2025-06-03", lat=None, lon=None),
    )  # fmt: skip
    rows, tables = maps.point_rows(frame)
    assert rows == [
        [41.7, -72.7, 1, 0, 1, 0, 0, "A-1", "2025-06-01 22:00", 0, 0, 1, 0],
        [41.7, -72.7, 2, 1, 0, 1, 0, "A-2", "2025-06-02 23:30", 0, 1, 3, 0],
    ]  # the unmapped incident 3 is not drawn
    assert tables["agencies"] == ["&lt;b&gt;Alpha&lt;/b&gt; PD"]
    assert tables["leads"] == ["L-1 (open)", "L-1 (open), L-2 (confirmed hit)"]
    assert "not a forensic identification" in tables["links"][1]
    assert "not a forensic identification" in tables["links"][3]  # a hit with open leads too
    assert tables["kinds"][1] == ["Shots fired", "#e67e22"]


def test_series_lines_join_shown_incidents_in_date_order() -> None:
    frame = points(
        point(3, "2025-06-09", lat=41.3, lon=-72.9),
        point(1, "2025-06-01", lat=41.7, lon=-72.7),
        point(2, "2025-06-05", lat=41.5, lon=-73.0),
        point(4, "2025-06-02", series="L-9"),  # alone in its series here: no line
        point(5, "2025-06-03", series=None),
    )
    lines = maps.series_lines(frame)
    assert len(lines["features"]) == 1
    line = lines["features"][0]
    assert line["geometry"]["coordinates"] == [[-72.7, 41.7], [-73.0, 41.5], [-72.9, 41.3]]
    assert line["properties"]["series_id"] == "L-1"
    assert "3 incidents shown, 2025-06-01 → 2025-06-09" in line["properties"]["tooltip"]
    two = points(*(point(i, "2025-06-01", series=f"S-{i % 3}") for i in range(9)))
    assert [f["properties"]["series_id"] for f in maps.series_lines(two, limit=2)["features"]] == [
        "S-0",
        "S-1",
    ]


def test_layers_and_what_starts_switched_on() -> None:
    data = MapData(2, 0, points(point(1, "2025-06-01"), point(2, "2025-06-02")), None, None)
    shown = {name: layer.show for name, layer in layers(maps.incident_map(data, ASSETS)).items()}
    assert shown == {
        "Town boundaries": True,
        "Place names": True,
        "Incidents": True,
        "Heat map": False,
        "Series lines": True,
    }
    cluster = layers(maps.incident_map(data, ASSETS, focus=True))["Incidents"]
    assert isinstance(cluster, ClientCluster) and cluster.options["maxClusterRadius"] == 20


def test_cells_are_drawn_as_counts_and_weight_the_heat() -> None:
    cells = pd.DataFrame(
        [[41.7, -72.7, 30, 10, 15, 5, 4], [41.3, -72.9, 2, 2, 0, 0, 1]],
        columns=[
            "lat",
            "lon",
            "incidents",
            "shootings",
            "shots_fired",
            "gun_recoveries",
            "victims",
        ],
    )
    m = maps.incident_map(MapData(32, 0, None, cells, Extent(41.3, -72.9, 41.7, -72.7)), ASSETS)
    found = layers(m)
    cluster = found["Incidents (counts per ~2 km cell)"]
    assert isinstance(cluster, ClientCluster)
    assert cluster.rows == [[41.7, -72.7, 30, 10, 15, 5, 4], [41.3, -72.9, 2, 2, 0, 0, 1]]
    heat = found["Heat map"]
    assert isinstance(heat, ClientHeat) and heat.weight_index == 2
    assert "Series lines" not in found
    assert "counts per ~2 km" in document(m)


def test_town_boundaries_are_fetched_into_their_own_lower_pane() -> None:
    towns = layers(maps.base_map(ASSETS))["Town boundaries"]
    assert isinstance(towns, ReferenceGeoJson)
    assert (towns.url, towns.pane, towns.tooltip_property) == (
        ASSETS.towns_geojson,
        "towns",
        "name",
    )
    html = document(maps.base_map(ASSETS))
    assert "createPane" in html and '"maxZoom": 18' in html


def test_a_site_tile_server_goes_under_the_towns() -> None:
    html = document(
        maps.base_map(ASSETS, tile_url="/tiles/{z}/{x}/{y}.png", tile_attribution="Site")
    )
    assert "/tiles/{z}/{x}/{y}.png" in html
    towns = layers(maps.base_map(ASSETS, tile_url="/tiles/{z}/{x}/{y}.png"))["Town boundaries"]
    assert towns.style["fillOpacity"] == 0.25  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("extent", "focus", "expected"),
    [
        (None, False, maps.CT_BOUNDS),
        (Extent(41.2, -73.2, 41.8, -72.6), True, Extent(41.2, -73.2, 41.8, -72.6)),
        # unfocused: a statewide spread shows the state; a small area is zoomed to
        (Extent(41.0, -73.7, 42.0, -71.8), False, maps.CT_BOUNDS),
        (Extent(41.7, -72.8, 41.8, -72.6), False, Extent(41.7, -72.8, 41.8, -72.6)),
        # one mis-geocoded incident at (0, 0) cannot zoom the map out to the world
        (Extent(0.0, -72.9, 41.8, 0.0), True, Extent(37.0, -72.9, 41.8, -66.5)),
        # a selection reaching into New York is shown whole
        (Extent(40.7, -74.0, 41.8, -72.6), True, Extent(40.7, -74.0, 41.8, -72.6)),
        (Extent(0.0, 0.0, 1.0, 1.0), True, maps.CT_BOUNDS),
    ],
)
def test_view_extent(extent: Extent | None, focus: bool, expected: Extent) -> None:
    assert maps.view_extent(extent, focus) == expected


def test_the_clicked_incident_is_read_from_the_tooltip_st_folium_returns() -> None:
    rows, tables = maps.point_rows(points(point(4711, "2025-06-01")))
    assert "[[incident:' + r[2] + ']]" in maps.POINT_CALLBACK
    tooltip = f"Shooting · 2025-06-01 22:00Alpha PD · A-4711[[incident:{rows[0][2]}]]"
    assert maps.clicked_incident_id({"last_object_clicked_tooltip": tooltip}) == 4711
    assert maps.clicked_incident_id({"last_object_clicked_tooltip": "Hartford"}) is None
    assert maps.clicked_incident_id({"last_object_clicked_tooltip": None}) is None
    assert maps.clicked_incident_id(None) is None
    assert json.dumps(tables)  # the tables travel as JSON


def test_legend_is_plain_html_outside_the_map() -> None:
    legend = map_legend.legend_html()
    assert "Gun recovery" in legend and "series, in date order" in legend
    assert "~2 km cell" in map_legend.legend_html(aggregated=True)


def test_cluster_bubbles_are_in_the_legend_in_the_colours_the_map_draws() -> None:
    """markercluster's own green/yellow/orange bubbles matched nothing in the legend."""
    for aggregated, bands in [(False, ["under 10", "10–99", "100+"]), (True, ["under 100"])]:
        legend = map_legend.legend_html(aggregated=aggregated)
        assert all(band in legend for band in bands)
        for colour in map_legend.CLUSTER_COLOURS.values():
            assert f"background:{colour}" in legend
    html = document(maps.base_map(ASSETS))
    for size, colour in map_legend.CLUSTER_COLOURS.items():
        assert f".marker-cluster-{size} div {{ background-color: {colour}" in html


def test_place_names_show_by_zoom_and_never_take_a_click() -> None:
    m = maps.base_map(ASSETS)
    labels = layers(m)["Place names"]
    assert isinstance(labels, ZoomLabels) and labels.pane == "labels"
    names = {row[2]: row[3] for row in labels.rows}
    assert len(names) >= 169  # every town (and villages, if shipped)
    assert names["Hartford"] == 0 and names["Manchester"] == 1 and names["Union"] == 2
    assert labels.min_zooms == sorted(labels.min_zooms)  # bigger places first
    html = document(m)
    assert 'map.on("zoomend", level)' in html and ".cgic-labels-0 .cgic-label-0" in html
    assert re.search(
        r'"labels"\);\s*\S+\.style\.zIndex = 450;\s*\S+\.style\.pointerEvents = .none.', html
    )


def test_scale_attribution_and_a_click_that_focus_cannot_scroll_away() -> None:
    html = document(maps.base_map(ASSETS))
    assert "L.control.scale()" in html  # Leaflet's default: metric and imperial
    assert json.dumps(TOWN_ATTRIBUTION) in html and "HandsOnDataViz" in TOWN_ATTRIBUTION
    assert "focus({preventScroll: true})" in html


def test_site_layers_are_overlays_in_their_own_pane() -> None:
    district = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"tip": "District 1"},
                "geometry": {"type": "Point", "coordinates": [-72.68, 41.76]},
            }
        ],
    }
    site = [SiteLayer("Patrol districts", district, "#117a65", "City GIS")]
    data = MapData(0, 0, points(), None, None)
    m = maps.incident_map(data, ASSETS, site_layers=site)
    found = layers(m)
    assert list(found)[:3] == ["Town boundaries", "Place names", "Patrol districts"]
    layer = found["Patrol districts"]
    assert isinstance(layer, ReferenceGeoJson)
    assert (layer.pane, layer.tooltip_property, layer.data) == ("site", "tip", district)
    assert layer.group_options == {"attribution": "City GIS"}
    html = document(m)
    assert "District 1" in html and re.findall(r"https?://", html) == []
