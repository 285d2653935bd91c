"""The Analysis page's tables, words and map: the Knox table as the Near Repeat Calculator shows
it, its plain-language reading, the near-repeat window of one incident, and the Gi* map layer."""

from __future__ import annotations

from typing import Any

import folium
import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

from cgic_data.metrics.hot_spots import CLASS_ORDER, NOT_SIGNIFICANT
from cgic_data.metrics.near_repeat import SIGNIFICANCE, KnoxResult, window_neighbours
from cgic_data.queries.analysis import AnalysisIncidents
from cgic_ui.map_layers import FitView
from cgic_ui.maps import base_map
from cgic_ui.offline import MapAssets

SIGNIFICANT_BACKGROUND = "background-color: #fdd49e; font-weight: 600"
HOT_SPOT_COLOURS = dict(
    zip(
        CLASS_ORDER,
        ["#b2182b", "#ef8a62", "#fddbc7", "#f7f7f7", "#d1e5f0", "#67a9cf", "#2166ac"],
        strict=True,
    )
)
KIND_WORDS = {"shooting": "a shooting", "shots fired": "a shots-fired call"}


def p_text(p: float) -> str:
    return f"{p:.4f}" if p < 0.001 else f"{p:.3f}"


def reading(result: KnoxResult, kinds: list[str]) -> str:
    """One sentence an analyst can quote: the near-repeat window and how much it raises the
    chance of another incident, or that there is none."""
    what = KIND_WORDS.get(kinds[0], "an incident") if len(kinds) == 1 else "an incident"
    cell = result.window()
    if cell is None:
        return (
            f"No distance and time band shows more pairs of incidents than chance gives at "
            f"p ≤ {SIGNIFICANCE}: among these {result.events:,} incidents there is no near-repeat "
            "pattern within the bands chosen."
        )
    metres, days = result.window_bounds(cell)
    ratio, p = result.box(cell)
    if p <= SIGNIFICANCE and ratio > 1:  # the whole window, from the origin, is raised
        place = "At the same location" if metres == 0 else f"Within {metres:,.0f} m"
        said = f"{place} and {days} days of {what}"
        nearer = ""
    else:  # only the cell itself: saying 'within' would claim what the nearer cells do not show
        row, col = cell
        ratio, p = float(result.ratio[cell]), float(result.p_value[cell])
        distance = result.bands.distance_labels[row]
        place = "At the same location" if row == 0 and metres == 0 else f"At {distance}"
        said = f"{place} and {result.bands.time_labels[col]} from {what}"
        nearer = " Nearer or sooner, taken together, the chance is not raised significantly."
    return (
        f"{said}, the chance of another is **{ratio:.1f}×** what chance alone predicts "
        f"(p = {p_text(p)}; {result.events:,} incidents, {result.permutations:,} "
        f"permutations).{nearer}"
    )


def ratio_table(result: KnoxResult) -> Styler:
    """Knox ratios, distance bands down and time bands across, significant cells highlighted."""
    frame = result.grid(result.ratio)
    marks = np.where(result.significant, SIGNIFICANT_BACKGROUND, "")
    return frame.style.format("{:.2f}", na_rep="—").apply(
        lambda _: pd.DataFrame(marks, index=frame.index, columns=frame.columns), axis=None
    )


def knox_sheets(result: KnoxResult) -> dict[str, pd.DataFrame]:
    """The workbook: the calculator's tables, one per sheet, then every cell in one list."""

    def sheet(values: np.ndarray) -> pd.DataFrame:
        return result.grid(values).rename_axis("distance").reset_index()

    bands = result.bands
    parameters = pd.DataFrame(
        {
            "parameter": [
                "incidents", "permutations", "seed", "distance", "distance bandwidth (m)",
                "distance bands", "same location band", "time bandwidth (days)", "time bands",
                "significance",
            ],
            "value": [
                result.events, result.permutations, result.seed, bands.metric,
                bands.distance_bandwidth, bands.distance_bands, bands.same_location,
                bands.time_bandwidth, bands.time_bands, f"p <= {SIGNIFICANCE}",
            ],
        }
    )  # fmt: skip
    return {
        "Knox ratios": sheet(result.ratio.round(2)),
        "Observed pairs": sheet(result.observed),
        "Expected pairs": sheet(result.expected.round(2)),
        "p-values": sheet(result.p_value.round(4)),
        "Cells": result.cells(),
        "Parameters": parameters.astype({"value": str}),
    }


def incident_label(row: pd.Series) -> str:
    """'A-05 · Alpha PD · 2025-03-16 · shooting · Hartford' (a dash for no town)."""
    town = row["town"] if pd.notna(row["town"]) else "—"
    when = pd.Timestamp(row["occurred_at"])
    return f"{row['incident_number']} · {row['agency']} · {when:%Y-%m-%d} · {row['kind']} · {town}"


def neighbours(
    incidents: AnalysisIncidents, position: int, metres: float, days: int, metric: str
) -> pd.DataFrame:
    """The incidents within the near-repeat window of the one at ``position``."""
    frame = incidents.frame
    near = window_neighbours(
        frame["x"].to_numpy(),
        frame["y"].to_numpy(),
        incidents.days,
        position,
        metres,
        days,
        metric,  # type: ignore[arg-type]
    )
    rows = frame.iloc[near["position"]].reset_index(drop=True)
    return rows[["incident_number", "ori", "agency", "kind", "occurred_at", "town"]].assign(
        metres=near["metres"].astype(int).to_numpy(), days=near["days"].to_numpy()
    )


def hot_spot_geojson(cells: pd.DataFrame) -> dict[str, Any]:
    features = [
        {
            "type": "Feature",
            "properties": {
                "class": row["class"],
                "incidents": int(row["incidents"]),
                "z": float(row["z"]),
            },
            "geometry": {"type": "Polygon", "coordinates": [row["corners"]]},
        }
        for _, row in cells.iterrows()
    ]
    return {"type": "FeatureCollection", "features": features}


def hot_spot_map(cells: pd.DataFrame, frame: pd.DataFrame, assets: MapAssets) -> folium.Map:
    """The offline base map (town boundaries, place names) with the hot and cold cells over it,
    fitted to the incidents analysed."""
    m = base_map(assets)
    if not cells.empty:
        folium.GeoJson(
            hot_spot_geojson(cells),
            name="Hot and cold spots (Gi*)",
            style_function=lambda feature: {
                "color": "#555555",
                "weight": 0.4,
                "fillColor": HOT_SPOT_COLOURS[feature["properties"]["class"]],
                "fillOpacity": 0.7,
            },
            tooltip=folium.GeoJsonTooltip(
                ["class", "incidents", "z"], aliases=["", "Incidents in cell", "Gi* z-score"]
            ),
        ).add_to(m)
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    bounds = [
        [float(frame["lat"].min()), float(frame["lon"].min())],
        [float(frame["lat"].max()), float(frame["lon"].max())],
    ]
    FitView(bounds).add_to(m)
    return m


def legend_markdown(summary: dict[str, int]) -> str:
    """Colour key with the number of cells in each class (not-significant cells are not drawn)."""
    parts = [
        f"<span style='background:{HOT_SPOT_COLOURS[label]};border:1px solid #999;"
        f"display:inline-block;width:0.9em;height:0.9em'></span> {label}: {count:,}"
        for label, count in summary.items()
        if label != NOT_SIGNIFICANT or count
    ]
    return " &nbsp; ".join(parts)
