"""Small offline maps of a packet's incidents: a plotly map for the page, an SVG for the case file.

Nothing loads from the internet: the plotly map is a plain scatter over the outlines of the towns
around the incidents, from the bundled ``ct_towns.geojson``; the SVG is drawn from the same
outlines. Pure functions from the packet's incidents frame (lat, lon, ...).
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from html import escape
from importlib import resources
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from cgic_data.incident_time import occurred_text
from cgic_ui.figures import KIND_COLOURS

MARGIN_DEGREES = 0.08  # about 8 km of surroundings around the incidents


@lru_cache(maxsize=1)
def _towns() -> tuple[dict[str, Any], ...]:
    text = resources.files("cgic_data").joinpath("resources/ct_towns.geojson").read_text("utf-8")
    return tuple(json.loads(text)["features"])


def _bounds(points: pd.DataFrame) -> tuple[float, float, float, float]:
    return (
        float(points["lon"].min()) - MARGIN_DEGREES,
        float(points["lat"].min()) - MARGIN_DEGREES,
        float(points["lon"].max()) + MARGIN_DEGREES,
        float(points["lat"].max()) + MARGIN_DEGREES,
    )


def towns_near(points: pd.DataFrame) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the towns whose outline reaches the points' surroundings."""
    west, south, east, north = _bounds(points)
    features = []
    for feature in _towns():
        ring = feature["geometry"]["coordinates"][0]
        lons = [p[0] for p in ring]
        lats = [p[1] for p in ring]
        if min(lons) <= east and max(lons) >= west and min(lats) <= north and max(lats) >= south:
            features.append(feature)
    return {"type": "FeatureCollection", "features": features}


def located(incidents: pd.DataFrame) -> pd.DataFrame:
    """The incidents that have coordinates."""
    return incidents.dropna(subset=["lat", "lon"])


def packet_map_figure(incidents: pd.DataFrame, height: int = 360) -> go.Figure:
    """Incidents as dots coloured by kind over the outlines of the surrounding towns.

    A plain plotly scatter in longitude/latitude (aspect corrected for the latitude), drawn as
    SVG: no map library, no WebGL, no tiles, so it draws the same on every browser and offline.
    """
    points = located(incidents).copy()
    known = points["time_known"] if "time_known" in points else pd.Series(True, index=points.index)
    points["when"] = [
        occurred_text(pd.Timestamp(at), bool(k))
        for at, k in zip(points["occurred_at"], known, strict=True)
    ]
    west, south, east, north = _bounds(points)
    fig = go.Figure()
    outline_lon: list[float | None] = []
    outline_lat: list[float | None] = []
    for feature in towns_near(points)["features"]:
        ring = feature["geometry"]["coordinates"][0]
        outline_lon += [p[0] for p in ring] + [None]
        outline_lat += [p[1] for p in ring] + [None]
    fig.add_scatter(
        x=outline_lon,
        y=outline_lat,
        mode="lines",
        line={"color": "#9aa5b1", "width": 1},
        hoverinfo="skip",
        showlegend=False,
    )
    for kind, group in points.groupby("kind", sort=True):
        fig.add_scatter(
            x=group["lon"],
            y=group["lat"],
            mode="markers",
            name=str(kind),
            marker={
                "size": 13,
                "color": KIND_COLOURS.get(str(kind), "#555"),
                "line": {"width": 1, "color": "#fff"},
            },
            customdata=group[["incident_number", "agency", "when", "town"]].astype(str).values,
            hovertemplate="<b>%{customdata[0]}</b><br>%{customdata[1]}<br>%{customdata[2]}"
            "<br>%{customdata[3]}<extra></extra>",
        )
    axis = {"visible": False, "showgrid": False, "zeroline": False}
    fig.update_layout(
        height=height,
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        plot_bgcolor="#f8f9fa",
        xaxis={**axis, "range": [west, east]},
        yaxis={
            **axis,
            "range": [south, north],
            # a degree of longitude is cos(latitude) as long as a degree of latitude
            "scaleanchor": "x",
            "scaleratio": 1 / math.cos(math.radians((south + north) / 2)),
        },
        legend={
            "orientation": "h",
            "y": 0.01,
            "x": 0.01,
            "title": None,
            "bgcolor": "rgba(255,255,255,0.7)",
        },
    )
    return fig


def packet_map_svg(incidents: pd.DataFrame, width: int = 640, height: int = 360) -> str:
    """The same map as an inline SVG (town outlines, numbered dots), for the printable case file.

    Dots are numbered in the incidents' order, so the case file's incident table reads as the key.
    """
    points = located(incidents)
    if points.empty:
        return ""
    west, south, east, north = _bounds(points)
    x_scale = math.cos(math.radians((south + north) / 2))
    scale = min(width / ((east - west) * x_scale), height / (north - south))

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return (
            (lon - west) * x_scale * scale + (width - (east - west) * x_scale * scale) / 2,
            (north - lat) * scale + (height - (north - south) * scale) / 2,
        )

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="Map of the incidents">',
        f'<rect width="{width}" height="{height}" fill="#fff" stroke="#ccc"/>',
    ]
    for feature in towns_near(points)["features"]:
        ring = feature["geometry"]["coordinates"][0]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(lon, lat) for lon, lat in ring))
        parts.append(f'<polygon points="{path}" fill="none" stroke="#9aa5b1" stroke-width="0.8"/>')
        cx, cy = xy(sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring))
        parts.append(
            f'<text x="{cx:.1f}" y="{cy:.1f}" font-size="10" fill="#7b8794" '
            f'text-anchor="middle">{escape(feature["properties"]["name"])}</text>'
        )
    for number, row in enumerate(incidents.itertuples(index=False), start=1):
        if pd.isna(row.lat) or pd.isna(row.lon):
            continue
        x, y = xy(float(row.lon), float(row.lat))
        colour = KIND_COLOURS.get(str(row.kind), "#333")
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="7" fill="{colour}" stroke="#fff"/>'
            f'<text x="{x:.1f}" y="{y + 3.5:.1f}" font-size="9" fill="#fff" '
            f'text-anchor="middle">{number}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
