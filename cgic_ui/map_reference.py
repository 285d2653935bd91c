"""What the incident map is drawn on: place names to orient by and the site's own GeoJSON layers.

* Place names come from the bundled town table (``cgic_data/resources/ct_towns.csv``: centroid and
  population of each of the 169 towns) and, when the app ships one, ``ct_villages.csv`` (columns
  ``village`` or ``name``, ``lat``, ``lon``). Each gets a rank — big cities, larger towns, every
  town, villages — that ``ZoomLabels`` shows from a zoom level up.
* Site layers (patrol districts, beats, roads) are GeoJSON files in ``CGIC_MAP_LAYERS_DIR``, one
  overlay per file, named after it. They are sent inside the map, not put among the static files:
  Streamlit serves ``static/`` to anyone who can reach the server, signed in or not, and a site's
  districts or beats are its own business. So each file is checked (JSON, GeoJSON, longitude /
  latitude in and around Connecticut, size) and slimmed (coordinates to 5 decimals, ~1 m; only
  the property that names a feature kept); a file that fails is skipped and the page says why.
"""

from __future__ import annotations

import csv
import html
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import streamlit as st

from cgic_data.towns import bundled_towns

# Rank -> zoom from which its labels show. The statewide view is zoom ~8.7 (a 560 px high map):
# no names there, where cluster bubbles sit on the cities; cities from one zoom step in.
LABEL_MIN_ZOOMS = [9.25, 10.0, 10.75, 12.5]
CITY_POPULATION = 70_000
LARGE_TOWN_POPULATION = 25_000
TOWN_ATTRIBUTION = "Town boundaries: HandsOnDataViz (MIT), CT / US Census data"

MAX_LAYER_BYTES = 5_000_000
SITE_EXTENSIONS = {".geojson", ".json"}
OTHER_GIS = {".shp", ".kml", ".kmz", ".gpkg", ".gml", ".topojson", ".gdb", ".dxf"}
# A site's layers may reach over the state line, not to another continent (swapped lat/lon).
NEAR_CT = (39.9, -74.8, 43.1, -70.7)  # south, west, north, east
NAME_KEYS = ("name", "NAME", "Name", "label", "LABEL", "district", "DISTRICT", "beat", "BEAT")
GEOMETRY_TYPES = {
    "Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon",
    "GeometryCollection",
}  # fmt: skip
SITE_COLOURS = ["#117a65", "#7e5109", "#1b4f72", "#7d8c1a", "#a04000", "#4a235a"]


@lru_cache(maxsize=1)
def place_labels() -> list[list[Any]]:
    """``[lat, lon, html name, rank]`` of every town (and village, if shipped), biggest first."""
    rows: list[list[Any]] = []
    towns = [(int(str(t["population"])), t) for t in bundled_towns()]
    for population, town in sorted(towns, key=lambda pair: -pair[0]):
        rank = (
            0 if population >= CITY_POPULATION else 1 if population >= LARGE_TOWN_POPULATION else 2
        )
        rows.append([town["lat"], town["lon"], html.escape(str(town["name"])), rank])
    rows.extend([lat, lon, html.escape(name), 3] for name, lat, lon in bundled_villages())
    return rows


def bundled_villages() -> list[tuple[str, float, float]]:
    """Villages and sections (name, lat, lon) from ``resources/ct_villages.csv``, if it exists."""
    source = resources.files("cgic_data").joinpath("resources/ct_villages.csv")
    if not source.is_file():
        return []
    found = []
    for row in csv.DictReader(source.read_text("utf-8").splitlines()):
        name = (row.get("village") or row.get("name") or "").strip()
        try:
            lat, lon = float(row["lat"]), float(row["lon"])
        except (KeyError, TypeError, ValueError):
            continue
        if name:
            found.append((name, lat, lon))
    return found


# --- site layers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteLayer:
    """One file of ``CGIC_MAP_LAYERS_DIR``, checked and slimmed, ready to draw."""

    name: str
    data: dict[str, Any]  # a FeatureCollection; each feature's properties: {"tip": html} or {}
    colour: str
    attribution: str = ""


class LayerProblem(ValueError):
    """Why a site layer file cannot be drawn, in words for the page."""


def layer_name(path: Path) -> str:
    """``patrol_districts.geojson`` -> ``Patrol districts``."""
    words = path.stem.replace("_", " ").strip() or path.name
    return words[:1].upper() + words[1:]


def read_site_layers(folder: Path) -> tuple[list[SiteLayer], list[str]]:
    """The drawable layers in ``folder`` (by file name) and a message for each file skipped."""
    if not folder.is_dir():
        return [], [f"The map layers folder {folder} (CGIC_MAP_LAYERS_DIR) is not a folder."]
    layers: list[SiteLayer] = []
    problems: list[str] = []
    for path in sorted(folder.iterdir(), key=lambda p: p.name.lower()):
        suffix = path.suffix.lower()
        if path.name.startswith(".") or not path.is_file():
            continue
        if suffix in OTHER_GIS:
            problems.append(
                f"{path.name}: only GeoJSON is read — convert it, e.g. "
                f"`ogr2ogr -f GeoJSON -t_srs EPSG:4326 {path.stem}.geojson {path.name}`."
            )
            continue
        if suffix not in SITE_EXTENSIONS:
            continue
        try:
            data, attribution = read_geojson(path)
        except LayerProblem as problem:
            problems.append(f"{path.name}: {problem}")
            continue
        colour = SITE_COLOURS[len(layers) % len(SITE_COLOURS)]
        layers.append(SiteLayer(layer_name(path), data, colour, attribution))
    return layers, problems


def read_geojson(path: Path) -> tuple[dict[str, Any], str]:
    """A slimmed FeatureCollection and its escaped ``attribution``, or ``LayerProblem``."""
    size = path.stat().st_size
    if size > MAX_LAYER_BYTES:
        raise LayerProblem(
            f"{size / 1e6:.1f} MB, over the {MAX_LAYER_BYTES / 1e6:.0f} MB a map may carry — "
            "simplify it (e.g. `ogr2ogr -simplify 0.0001`)."
        )
    try:
        raw = json.loads(path.read_text("utf-8"))
    except UnicodeDecodeError:
        raise LayerProblem("not a text file (GeoJSON is UTF-8 text).") from None
    except json.JSONDecodeError as exc:
        raise LayerProblem(f"not valid JSON (line {exc.lineno}: {exc.msg}).") from None
    features = _features(raw)
    if not features:
        raise LayerProblem("no features with a geometry.")
    key = _name_key(features)
    slim = []
    for feature in features:
        tip = (feature.get("properties") or {}).get(key) if key else None
        geometry = _rounded_geometry(feature["geometry"])
        properties = {"tip": html.escape(str(tip))} if tip not in (None, "") else {}
        slim.append({"type": "Feature", "properties": properties, "geometry": geometry})
    collection = {"type": "FeatureCollection", "features": slim}
    _check_place(collection)
    credit = raw.get("attribution") if isinstance(raw, dict) else None
    return collection, html.escape(credit) if isinstance(credit, str) else ""


def _features(raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, dict) or "type" not in raw:
        raise LayerProblem("not GeoJSON (no top-level object with a `type`).")
    kind = raw["type"]
    if kind == "FeatureCollection":
        features = raw.get("features")
        if not isinstance(features, list):
            raise LayerProblem("a FeatureCollection without a `features` list.")
    elif kind == "Feature":
        features = [raw]
    elif kind in GEOMETRY_TYPES:
        features = [{"type": "Feature", "properties": {}, "geometry": raw}]
    else:
        raise LayerProblem(f"not GeoJSON (`type` is {str(kind)[:40]!r}).")
    return [f for f in features if isinstance(f, dict) and isinstance(f.get("geometry"), dict)]


def _name_key(features: list[dict[str, Any]]) -> str | None:
    """The property that names features: a usual key, else the first text property."""
    properties = features[0].get("properties") or {}
    for key in NAME_KEYS:
        if properties.get(key) not in (None, ""):
            return key
    return next((k for k, v in properties.items() if isinstance(v, str) and v), None)


def _rounded_geometry(geometry: dict[str, Any]) -> dict[str, Any]:
    kind = geometry.get("type")
    if kind == "GeometryCollection":
        parts = geometry.get("geometries")
        if not isinstance(parts, list):
            raise LayerProblem("a GeometryCollection without `geometries`.")
        return {"type": kind, "geometries": [_rounded_geometry(g) for g in parts]}
    if kind not in GEOMETRY_TYPES or "coordinates" not in geometry:
        raise LayerProblem(f"a geometry of unknown type {str(kind)[:40]!r}.")
    return {"type": kind, "coordinates": _rounded(geometry["coordinates"])}


def _rounded(value: Any) -> Any:
    if isinstance(value, list) and value and all(isinstance(v, int | float) for v in value):
        if len(value) < 2 or not all(math.isfinite(v) for v in value):
            raise LayerProblem("a position without two finite numbers.")
        return [round(float(v), 5) for v in value[:2]]
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    raise LayerProblem("coordinates that are not lists of numbers.")


def _positions(value: Any) -> Iterator[list[float]]:
    if value and isinstance(value[0], float):
        yield value
    else:
        for part in value:
            yield from _positions(part)


def _check_place(collection: dict[str, Any]) -> None:
    """Longitude/latitude in and around Connecticut: State Plane feet or swapped axes fail here."""
    south, west, north, east = NEAR_CT
    for feature in collection["features"]:
        geometries = [feature["geometry"]]
        while geometries:
            geometry = geometries.pop()
            geometries.extend(geometry.get("geometries", []))
            for lon, lat in _positions(geometry.get("coordinates", [])):
                if not (west <= lon <= east and south <= lat <= north):
                    raise LayerProblem(
                        f"a position ({lon}, {lat}) is not longitude/latitude in or near "
                        "Connecticut — the file must be WGS84 (EPSG:4326), longitude first; "
                        "reproject it (e.g. `ogr2ogr -t_srs EPSG:4326`)."
                    )


def _fingerprint(folder: Path) -> tuple[tuple[str, int, int], ...]:
    try:
        return tuple(
            (p.name, p.stat().st_mtime_ns, p.stat().st_size)
            for p in sorted(folder.iterdir())
            if p.is_file()
        )
    except OSError:
        return ()


@st.cache_data(show_spinner=False, max_entries=4)
def _cached_site_layers(
    folder: str, fingerprint: tuple[tuple[str, int, int], ...]
) -> tuple[list[SiteLayer], list[str]]:
    return read_site_layers(Path(folder))


def site_layers(folder: str) -> tuple[list[SiteLayer], list[str]]:
    """``read_site_layers`` for the page: read again only when a file in the folder changed."""
    if not folder:
        return [], []
    path = Path(folder).expanduser()
    return _cached_site_layers(str(path), _fingerprint(path))
