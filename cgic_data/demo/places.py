"""Where incidents happen: a few hot spots per town, inside the town's real boundary.

Gun violence concentrates on a few blocks, so each town gets hot spots drawn around its centroid
(spread in proportion to the town's size) with Zipf-like weights; an incident is a hot spot plus a
small jitter. A hot spot's jitter radius stays below its distance to the town boundary, so no point
lands in Long Island Sound or the next town, without a point-in-polygon test per incident.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from importlib import resources
from itertools import pairwise

from cgic_data.demo.chance import Weighted
from cgic_data.demo.reference import Town

KM_PER_DEG_LAT = 111.2
KM_PER_DEG_LON = 111.2 * math.cos(math.radians(41.6))

Ring = list[tuple[float, float]]  # (x km, y km) in a local projection
Polygon = list[Ring]  # outer ring, then holes

STREETS = [
    "Main St", "Park St", "Washington Ave", "Elm St", "Broad St", "Maple Ave", "Church St",
    "Grand Ave", "State St", "Union Ave", "Prospect St", "Franklin Ave", "Central Ave", "Oak St",
    "Chestnut St", "Spring St", "Summer St", "Mill St", "River Rd", "Lincoln Ave", "Garden St",
    "Walnut St", "High St", "Pleasant St", "Cedar St", "Orchard St", "Water St", "Burnside Ave",
    "Fairview Ave", "Hillside Ave", "Putnam St", "Congress Ave", "Wood Ave", "Bank St",
]  # fmt: skip


def _project(lon: float, lat: float) -> tuple[float, float]:
    return lon * KM_PER_DEG_LON, lat * KM_PER_DEG_LAT


def _unproject(x: float, y: float) -> tuple[float, float]:
    return round(y / KM_PER_DEG_LAT, 5), round(x / KM_PER_DEG_LON, 5)


def _inside_ring(x: float, y: float, ring: Ring) -> bool:
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i]
        xj, yj = ring[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def _inside(x: float, y: float, polygons: list[Polygon]) -> bool:
    return any(
        _inside_ring(x, y, p[0]) and not any(_inside_ring(x, y, h) for h in p[1:]) for p in polygons
    )


def _segment_distance(x: float, y: float, a: tuple[float, float], b: tuple[float, float]) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((x - a[0]) * dx + (y - a[1]) * dy) / length2))
    return math.hypot(x - a[0] - t * dx, y - a[1] - t * dy)


def _boundary_distance(x: float, y: float, polygons: list[Polygon]) -> float:
    return min(
        _segment_distance(x, y, ring[i - 1], ring[i])
        for p in polygons
        for ring in p
        for i in range(1, len(ring))
    )


def _area(polygons: list[Polygon]) -> float:
    def ring_area(r: Ring) -> float:
        return abs(sum(a[0] * b[1] - b[0] * a[1] for a, b in pairwise(r))) / 2

    return sum(ring_area(p[0]) - sum(ring_area(h) for h in p[1:]) for p in polygons)


def load_boundaries() -> dict[str, list[Polygon]]:
    """Town name -> projected polygons, from the bundled ``ct_towns.geojson``."""
    text = resources.files("cgic_data").joinpath("resources/ct_towns.geojson").read_text("utf-8")
    boundaries: dict[str, list[Polygon]] = {}
    for feature in json.loads(text)["features"]:
        geometry = feature["geometry"]
        coords = geometry["coordinates"]
        polygons = coords if geometry["type"] == "MultiPolygon" else [coords]
        boundaries[feature["properties"]["name"]] = [
            [[_project(lon, lat) for lon, lat in ring] for ring in polygon] for polygon in polygons
        ]
    return boundaries


@dataclass(frozen=True, slots=True)
class HotSpot:
    x: float
    y: float
    radius: float  # km: jitter stays within it, and it stays inside the town
    street: str
    block: int


@dataclass(frozen=True, slots=True)
class Place:
    lat: float
    lon: float
    address: str


class TownPlaces:
    """A town's hot spots and a weighted draw among them."""

    def __init__(self, spots: list[HotSpot]) -> None:
        self.spots = spots
        self.choice = Weighted(spots, [1 / (rank + 1) ** 0.9 for rank in range(len(spots))])

    def draw(self, rng: random.Random) -> Place:
        spot = self.choice.draw(rng)
        r = min(abs(rng.gauss(0, spot.radius / 2)), spot.radius)
        angle = rng.random() * 2 * math.pi
        lat, lon = _unproject(spot.x + r * math.cos(angle), spot.y + r * math.sin(angle))
        block = max(1, spot.block + rng.randint(-3, 3))
        return Place(lat, lon, f"{block}00 block of {spot.street}")


def build_places(towns: list[Town], rng: random.Random) -> dict[int, TownPlaces]:
    """Hot spots for every town: more in populous towns, spread by the town's size."""
    boundaries = load_boundaries()
    places: dict[int, TownPlaces] = {}
    for town in towns:
        polygons = boundaries[town.name]
        cx, cy = _project(town.lon, town.lat)
        spread = 0.3 * math.sqrt(_area(polygons))  # km: a few km in a city, town-size-aware
        count = min(30, 3 + town.population // 8000)
        spots: list[HotSpot] = []
        for _ in range(count):
            x, y = cx, cy
            for attempt in range(200):
                scale = spread * (1 + attempt / 50)
                x, y = cx + rng.gauss(0, scale), cy + rng.gauss(0, scale)
                if _inside(x, y, polygons):
                    break
            else:  # pragma: no cover - every CT town's centroid region has inside points
                raise ValueError(f"no point found inside {town.name}")
            radius = min(0.6, 0.8 * _boundary_distance(x, y, polygons))
            spots.append(HotSpot(x, y, radius, rng.choice(STREETS), rng.randint(1, 30)))
        places[town.id] = TownPlaces(spots)
    return places
