"""Small static figures for printed documents (briefings, bulletins), drawn here as inline SVG.

A printed page cannot fetch tiles or scripts, and a closed network has no internet anyway: the map
is the packet's approach (``cgic_ui.packet_map``) — incidents as numbered dots over the outlines of
the surrounding towns from the bundled ``ct_towns.geojson`` — and the timeline is dots on a date
axis. Pure functions of plain frames; every text is HTML-escaped. No Streamlit, no plotly.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from functools import lru_cache
from html import escape
from importlib import resources
from typing import Any

import pandas as pd

MARGIN_DEGREES = 0.05  # about 5 km of surroundings around the incidents
RING_POINTS = 30  # an outline at this size needs no more: keeps a statewide map small to lay out
KIND_COLOURS = {"shooting": "#c0392b", "shots fired": "#e67e22", "gun recovery": "#2471a3"}


@lru_cache(maxsize=1)
def _towns() -> tuple[dict[str, Any], ...]:
    text = resources.files("cgic_data").joinpath("resources/ct_towns.geojson").read_text("utf-8")
    return tuple(json.loads(text)["features"])


def _located(incidents: pd.DataFrame) -> pd.DataFrame:
    if incidents.empty or not {"lat", "lon"} <= set(incidents.columns):
        return incidents.iloc[0:0]
    return incidents.dropna(subset=["lat", "lon"])


def map_svg(incidents: pd.DataFrame, width: int = 420, height: int = 260) -> str:
    """Incidents (columns lat, lon, kind) as dots numbered in row order over town outlines; an
    empty string when none has coordinates. The row order makes a listing beside it the key."""
    points = _located(incidents)
    if points.empty:
        return ""
    west = float(points["lon"].min()) - MARGIN_DEGREES
    east = float(points["lon"].max()) + MARGIN_DEGREES
    south = float(points["lat"].min()) - MARGIN_DEGREES
    north = float(points["lat"].max()) + MARGIN_DEGREES
    x_scale = math.cos(math.radians((south + north) / 2))  # a degree of longitude is shorter
    scale = min(width / ((east - west) * x_scale), height / (north - south))
    x_pad = (width - (east - west) * x_scale * scale) / 2
    y_pad = (height - (north - south) * scale) / 2

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return (lon - west) * x_scale * scale + x_pad, (north - lat) * scale + y_pad

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="Map of the incidents">',
        f'<rect width="{width}" height="{height}" fill="#fff" stroke="#ccc"/>',
    ]
    # Only the incidents' towns are named: at a statewide scale every name would overlap.
    labelled = set(points["town"].dropna().astype(str)) if "town" in points.columns else set()
    for feature in _towns():
        ring = feature["geometry"]["coordinates"][0]
        lons = [p[0] for p in ring]
        lats = [p[1] for p in ring]
        if min(lons) > east or max(lons) < west or min(lats) > north or max(lats) < south:
            continue
        step = max(1, math.ceil(len(ring) / RING_POINTS))
        outline = [*ring[::step], ring[-1]]
        path = " ".join(f"{x:.0f},{y:.0f}" for x, y in (xy(lon, lat) for lon, lat in outline))
        parts.append(f'<polygon points="{path}" fill="none" stroke="#9aa5b1" stroke-width="0.8"/>')
        cx, cy = xy(sum(lons) / len(lons), sum(lats) / len(lats))
        name = str(feature["properties"]["name"])
        if name in labelled and 0 < cx < width and 0 < cy < height:
            parts.append(
                f'<text x="{cx:.1f}" y="{cy:.1f}" font-size="9" fill="#7b8794" '
                f'text-anchor="middle">{escape(name)}</text>'
            )
    for number, row in enumerate(incidents.itertuples(index=False), start=1):
        if pd.isna(row.lat) or pd.isna(row.lon):
            continue
        x, y = xy(float(row.lon), float(row.lat))
        colour = KIND_COLOURS.get(str(row.kind), "#333")
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="7" fill="{colour}" stroke="#fff"/>'
            f'<text x="{x:.1f}" y="{y + 3:.1f}" font-size="8" fill="#fff" '
            f'text-anchor="middle">{number}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def timeline_svg(when: list[datetime], width: int = 420, height: int = 56) -> str:
    """Dates as numbered dots on one axis (first and last date labelled); '' for no dates."""
    moments = sorted(pd.Timestamp(w).to_pydatetime() for w in when if not pd.isna(w))
    if not moments:
        return ""
    first, last = moments[0], moments[-1]
    span = max((last - first).total_seconds(), 1.0)
    left, right, axis_y = 14, width - 14, 22
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="Timeline of the incidents">',
        f'<line x1="{left}" y1="{axis_y}" x2="{right}" y2="{axis_y}" stroke="#52606d"/>',
    ]
    for number, moment in enumerate(moments, start=1):
        x = left + (moment - first).total_seconds() / span * (right - left)
        lift = 0 if number % 2 else -10  # alternate heights so close dots stay readable
        parts.append(
            f'<circle cx="{x:.1f}" cy="{axis_y + lift}" r="5" fill="#c0392b" stroke="#fff"/>'
            f'<text x="{x:.1f}" y="{axis_y + lift + 3}" font-size="6.5" fill="#fff" '
            f'text-anchor="middle">{number}</text>'
        )
    parts.append(
        f'<text x="{left}" y="{height - 8}" font-size="9" fill="#52606d">{first:%Y-%m-%d}</text>'
        f'<text x="{right}" y="{height - 8}" font-size="9" fill="#52606d" '
        f'text-anchor="end">{last:%Y-%m-%d}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)
