"""The site's own map layers (``CGIC_MAP_LAYERS_DIR``) and the place names the map is labelled with.

A site drops GeoJSON files in a folder; each good file is one overlay, and each bad one is skipped
with a message the page shows — never a crash, never a blank map.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cgic_ui import map_reference
from cgic_ui.map_reference import layer_name, place_labels, read_site_layers


def polygon(*corners: tuple[float, float]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [[list(c) for c in (*corners, corners[0])]]}


def feature(geometry: dict[str, Any], **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def write(folder: Path, name: str, content: Any) -> None:
    text = content if isinstance(content, str) else json.dumps(content)
    (folder / name).write_text(text, encoding="utf-8")


HARTFORD = polygon((-72.7178123, 41.7301), (-72.65, 41.7301), (-72.65, 41.8))


def test_each_geojson_file_is_one_layer_named_after_it_and_slimmed(tmp_path: Path) -> None:
    write(
        tmp_path,
        "patrol_districts.geojson",
        {
            "type": "FeatureCollection",
            "attribution": "Hartford <GIS>",
            "features": [
                feature(HARTFORD, DISTRICT="North <1>", officer_notes="internal"),
                feature(
                    {"type": "LineString", "coordinates": [[-72.7, 41.7, 12.0], [-72.6, 41.8]]}
                ),
            ],
        },
    )
    write(tmp_path, "Beats.json", feature(HARTFORD, beat_id=7, label="Beat 7"))
    write(tmp_path, "notes.txt", "not a layer, not a problem")
    layers, problems = read_site_layers(tmp_path)
    assert problems == []
    assert [layer.name for layer in layers] == ["Beats", "Patrol districts"]  # by file name
    districts = layers[1]
    assert districts.attribution == "Hartford &lt;GIS&gt;"
    first, second = districts.data["features"]
    # Only the name travels, HTML-escaped; other properties stay on the server.
    assert first["properties"] == {"tip": "North &lt;1&gt;"}
    assert first["geometry"]["coordinates"][0][0] == [-72.71781, 41.7301]  # 5 decimals, ~1 m
    assert second["properties"] == {}
    assert second["geometry"]["coordinates"][0] == [-72.7, 41.7]  # no altitude
    assert layers[0].data["features"][0]["properties"] == {"tip": "Beat 7"}
    assert layers[0].colour != districts.colour


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("broken.geojson", '{"type": "FeatureCollection", "features": [', "not valid JSON (line 1"),
        ("list.json", "[1, 2]", "not GeoJSON"),
        ("topo.json", {"type": "Topology", "objects": {}}, "`type` is 'Topology'"),
        ("empty.geojson", {"type": "FeatureCollection", "features": []}, "no features"),
        (
            "stateplane.geojson",
            feature(polygon((1010000.0, 830000.0), (1020000.0, 830000.0), (1020000.0, 840000.0))),
            "not longitude/latitude in or near Connecticut",
        ),
        (
            "swapped.geojson",
            feature({"type": "Point", "coordinates": [41.76, -72.68]}),
            "must be WGS84 (EPSG:4326), longitude first",
        ),
        ("text.geojson", feature({"type": "Point", "coordinates": ["a", "b"]}), "not lists of"),
        ("odd.geojson", feature({"type": "Circle", "coordinates": [1, 2]}), "unknown type"),
        ("districts.shp", "binary", "only GeoJSON is read"),
    ],
)
def test_a_bad_file_is_skipped_with_a_reason_and_the_good_ones_still_draw(
    tmp_path: Path, name: str, content: Any, says: str
) -> None:
    write(tmp_path, "beats.geojson", feature(HARTFORD, name="Beat 1"))
    write(tmp_path, name, content)
    layers, problems = read_site_layers(tmp_path)
    assert [layer.name for layer in layers] == ["Beats"]
    (problem,) = problems
    assert problem.startswith(f"{name}: ") and says in problem


def test_a_file_too_big_for_a_map_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(map_reference, "MAX_LAYER_BYTES", 2_000_000)
    write(tmp_path, "roads.geojson", feature(HARTFORD, name="x" * 2_500_000))
    layers, (problem,) = read_site_layers(tmp_path)
    assert layers == []
    assert problem.startswith("roads.geojson: 2.5 MB, over the 2 MB a map may carry — simplify")


def test_a_missing_folder_is_a_message_and_no_setting_is_nothing(tmp_path: Path) -> None:
    assert read_site_layers(tmp_path / "nowhere") == (
        [],
        [f"The map layers folder {tmp_path / 'nowhere'} (CGIC_MAP_LAYERS_DIR) is not a folder."],
    )
    assert map_reference.site_layers("") == ([], [])


def test_layer_names_come_from_file_names() -> None:
    assert layer_name(Path("patrol_districts.geojson")) == "Patrol districts"
    assert layer_name(Path("I-91 ramps.json")) == "I-91 ramps"


def test_every_town_is_a_place_name_ranked_by_population() -> None:
    rows = place_labels()
    towns = {name: rank for _, _, name, rank in rows if rank < 3}
    assert len(towns) == 169
    assert sum(rank == 0 for rank in towns.values()) == 8  # the cities of 70,000 and more
    assert towns["Bridgeport"] == 0 and towns["Glastonbury"] == 1 and towns["Canaan"] == 2
    assert all(-73.8 < lon < -71.7 and 40.9 < lat < 42.1 for lat, lon, _, _ in rows)
