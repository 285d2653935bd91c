"""Latitude/longitude to metres and back, for distances and grids (near repeats, hot spots).

Connecticut's State Plane in metres (EPSG:6433, NAD83(2011)) where the data lie in or near the
state — distances in it are true to well under 0.01 % — else the UTM zone of the data's centre
(the app also loads other places' data, such as the NYPD file). pyproj carries its own PROJ
database and never fetches a grid here (its network access is off by default), so this works in a
closed network.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from pyproj import Transformer

CONNECTICUT = "EPSG:6433"
CT_BOUNDS = (-74.0, 40.8, -71.5, 42.3)  # west, south, east, north: the state and a margin


def crs_for(lat: np.ndarray, lon: np.ndarray) -> str:
    """The projected CRS for points centred at their median: Connecticut's, else a UTM zone."""
    mid_lat, mid_lon = float(np.median(lat)), float(np.median(lon))
    west, south, east, north = CT_BOUNDS
    if west <= mid_lon <= east and south <= mid_lat <= north:
        return CONNECTICUT
    zone = min(int((mid_lon + 180) // 6) + 1, 60)
    return f"EPSG:{(32600 if mid_lat >= 0 else 32700) + zone}"


@lru_cache(maxsize=8)
def _transformer(crs: str) -> Transformer:
    return Transformer.from_crs("EPSG:4326", crs, always_xy=True)


def to_metres(lat: np.ndarray, lon: np.ndarray, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) in metres, east and north, in ``crs``."""
    x, y = _transformer(crs).transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.asarray(x), np.asarray(y)


def to_lat_lon(x: np.ndarray, y: np.ndarray, crs: str) -> tuple[np.ndarray, np.ndarray]:
    """(lat, lon) of points given in metres in ``crs``."""
    lon, lat = _transformer(crs).transform(
        np.asarray(x, float), np.asarray(y, float), direction="INVERSE"
    )
    return np.asarray(lat), np.asarray(lon)
