"""A small offline map of a packet's incidents for the page (the printable case file draws the
same incidents with ``cgic_data.svg_figures.map_svg``, as the briefing and the bulletin do).

Nothing loads from the internet: the plotly map is a plain scatter over the outlines of the towns
around the incidents, from the bundled ``ct_towns.geojson``. Pure functions from the packet's
incidents frame (lat, lon, ...).
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
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
