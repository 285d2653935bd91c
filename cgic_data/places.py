"""Where people say things happened -> the Connecticut town it belongs to.

Connecticut's 169 towns cover the whole state, but reports name villages, sections and former
boroughs or cities (Willimantic, Rockville, Winsted, Mystic, Stony Creek) and forms like
``Vernon Rockville (Vernon)``. The bundled ``resources/ct_places.csv`` (place, town, kind, source;
see ``resources/CREDITS.md``) maps each such place to its town. A place in more than one town
(Mystic: Groton and Stonington; Georgetown: Redding, Weston and Wilton) takes the town its
coordinates fall in (the boundaries of ``resources/ct_towns.geojson``).

Pure reference data, no store: feeds call ``town_of`` where they resolve town names
(``cgic_data/feeds/town_names.py``). A name that is neither a town nor a known place comes back
unchanged, so the store's own towns (tests add their own) still decide whether it is known.
"""

from __future__ import annotations

import csv
import json
import math
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

import numpy as np

from cgic_data.towns import bundled_towns

# Where a rejects report sends a site whose town name is not known.
ACCEPTED_NAMES = "the names `cgic towns` lists; see docs/feeds.md, *Towns, villages and sections*"
NEAR_KM = 2.0  # a point this close outside a candidate town (a harbour, a rounded border) counts


@dataclass(frozen=True)
class Place:
    """A village, section or former borough/city and the town(s) it lies in."""

    name: str
    towns: tuple[str, ...]
    kind: str
    source: str


class AmbiguousPlace(ValueError):
    """A place in several towns, without coordinates inside one of them."""

    def __init__(self, place: Place, why: str) -> None:
        self.place, self.why = place, why
        towns = ", ".join(place.towns)
        super().__init__(
            f"{place.name} lies in more than one town ({towns}): {why}; give coordinates "
            f"(lat/lon) inside one of them, or the town itself"
        )


def _key(name: str) -> str:
    """Case, spacing, hyphens and a trailing ``, CT`` do not matter."""
    text = re.sub(r"[\s\-_.]+", " ", name.casefold()).strip()
    return re.sub(r",?\s*(connecticut|ct)$", "", text).strip()


def _bare(key: str) -> str:
    """Without ``town of`` / ``city of`` / a census suffix (``Windham town``, ``Storrs CDP``)."""
    text = re.sub(r"\s+(cdp|village|borough|town|city)$", "", key).strip()
    return re.sub(r"^(town|city|borough|village) of\s+", "", text).strip()


@cache
def towns_by_key() -> dict[str, str]:
    return {_key(str(t["name"])): str(t["name"]) for t in bundled_towns()}


@cache
def places() -> tuple[Place, ...]:
    """Every bundled place, in the file's order."""
    content = resources.files("cgic_data").joinpath("resources/ct_places.csv").read_text("utf-8")
    return tuple(
        Place(r["place"], tuple(r["town"].split("|")), r["kind"], r["source"])
        for r in csv.DictReader(content.splitlines())
    )


@cache
def _places_by_key() -> dict[str, Place]:
    return {_key(p.name): p for p in places()}


def town_of(name: str, lat: float | None = None, lon: float | None = None) -> str:
    """The town ``name`` belongs to (the name unchanged when it is neither town nor place).

    Raises AmbiguousPlace for a place in several towns without coordinates in one of them.
    """
    found = _resolve_name(name)
    if isinstance(found, Place):
        return _pick(found, lat, lon)
    return name if found is None else found


@lru_cache(maxsize=4096)
def _resolve_name(name: str) -> str | Place | None:
    return _resolve(_key(name))


@lru_cache(maxsize=4096)
def _resolve(key: str) -> str | Place | None:
    """A town, a place in several towns (coordinates decide), or None (not ours to say)."""
    towns, known = towns_by_key(), _places_by_key()
    for candidate in dict.fromkeys((key, _bare(key))):  # "Jewett City" before "Jewett"
        if candidate in towns:
            return towns[candidate]
        if candidate in known:
            place = known[candidate]
            return place.towns[0] if len(place.towns) == 1 else place
    inner = re.fullmatch(r"(.*?)\s*\((.*)\)", key)  # "vernon rockville (vernon)"
    if inner:
        for part in (inner.group(2), inner.group(1)):
            found = _resolve(_key(part)) if part else None
            if found is not None:
                return found
    for town_key, town in towns.items():  # "vernon rockville": a town, then a place in it
        if key.startswith(town_key + " "):
            rest = known.get(key[len(town_key) + 1 :])
            if rest is not None and town in rest.towns:
                return town
    return None


def _pick(place: Place, lat: float | None, lon: float | None) -> str:
    if lat is None or lon is None:
        raise AmbiguousPlace(place, "the row has no coordinates")
    inside = [t for t in place.towns if contains(t, lat, lon)]
    if len(inside) == 1:
        return inside[0]
    near = sorted((distance_km(t, lat, lon), t) for t in place.towns)
    if near[0][0] <= NEAR_KM:
        return near[0][1]
    raise AmbiguousPlace(place, f"its coordinates ({lat:g}, {lon:g}) are in none of them")


# --- town boundaries ---------------------------------------------------------------------------


@cache
def _segments() -> dict[str, np.ndarray]:
    """Each town's boundary edges as rows of (lon1, lat1, lon2, lat2), every ring together."""
    content = resources.files("cgic_data").joinpath("resources/ct_towns.geojson").read_text("utf-8")
    edges: dict[str, list[np.ndarray]] = {}
    for feature in json.loads(content)["features"]:
        geometry = feature["geometry"]
        polygons = (
            [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        )
        for polygon in polygons:
            for ring in polygon:
                points = np.asarray(ring, dtype=float)
                edges.setdefault(feature["properties"]["name"], []).append(
                    np.hstack([points[:-1], points[1:]])
                )
    return {town: np.vstack(parts) for town, parts in edges.items()}


def contains(town: str, lat: float, lon: float) -> bool:
    """Whether the point lies inside ``town`` (even-odd ray casting: holes stay outside)."""
    edges = _segments().get(town)
    if edges is None:
        return False
    x1, y1, x2, y2 = edges.T
    spans = (y1 > lat) != (y2 > lat)
    with np.errstate(divide="ignore", invalid="ignore"):  # flat edges never span the ray
        crossing = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
    return bool(np.count_nonzero(spans & (lon < crossing)) % 2)


def distance_km(town: str, lat: float, lon: float) -> float:
    """Kilometres from the point to ``town``'s boundary (0 inside); flat-earth, fine at 1-2 km."""
    edges = _segments().get(town)
    if edges is None:
        return math.inf
    if contains(town, lat, lon):
        return 0.0
    kx, ky = 111.32 * math.cos(math.radians(lat)), 110.57
    ax, ay = (edges[:, 0] - lon) * kx, (edges[:, 1] - lat) * ky
    dx, dy = (edges[:, 2] - lon) * kx - ax, (edges[:, 3] - lat) * ky - ay
    length = dx * dx + dy * dy
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.clip(np.where(length > 0, -(ax * dx + ay * dy) / length, 0.0), 0.0, 1.0)
    return float(np.hypot(ax + t * dx, ay + t * dy).min())
