"""Plotly builders for the trace and scorecard pages: pure functions from DataFrames.

ATF's caveat (traced guns are not a random sample) is said once, prominently, at the top of the
trace page: repeated under every chart it became noise nobody reads.

US states are drawn as a **tile grid map** (one equal square per state, placed roughly where the
state lies) rather than a ``go.Choropleth``: plotly.js fetches a choropleth's US outline from
cdn.plot.ly at run time (checked in headless Chromium: ``https://cdn.plot.ly/un/usa_110m.json``,
and a blank map offline), and nothing this app serves may load from the internet. A tile map needs
no geometry and gives small states the same room as large ones.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from cgic_data.metrics.scorecard import Measure
from cgic_ui.figures import LEGEND_BELOW, MARGIN

SHORT_COLOUR, LONG_COLOUR, HOME_COLOUR = "#c0392b", "#2471a3", "#7f8c8d"

# (column, row) of each state in a 12 × 8 grid, north-west at (0, 0); DC and PR included.
STATE_TILES: dict[str, tuple[int, int]] = {
    "AK": (0, 0), "ME": (11, 0), "VT": (10, 1), "NH": (11, 1),
    "WA": (1, 2), "ID": (2, 2), "MT": (3, 2), "ND": (4, 2), "MN": (5, 2), "IL": (6, 2),
    "WI": (7, 2), "MI": (8, 2), "NY": (9, 2), "RI": (10, 2), "MA": (11, 2),
    "OR": (1, 3), "NV": (2, 3), "WY": (3, 3), "SD": (4, 3), "IA": (5, 3), "IN": (6, 3),
    "OH": (7, 3), "PA": (8, 3), "NJ": (9, 3), "CT": (10, 3),
    "CA": (1, 4), "UT": (2, 4), "CO": (3, 4), "NE": (4, 4), "MO": (5, 4), "KY": (6, 4),
    "WV": (7, 4), "VA": (8, 4), "MD": (9, 4), "DE": (10, 4),
    "AZ": (2, 5), "NM": (3, 5), "KS": (4, 5), "AR": (5, 5), "TN": (6, 5), "NC": (7, 5),
    "SC": (8, 5), "DC": (9, 5),
    "OK": (4, 6), "LA": (5, 6), "MS": (6, 6), "AL": (7, 6), "GA": (8, 6),
    "HI": (0, 7), "TX": (4, 7), "FL": (9, 7), "PR": (11, 7),
}  # fmt: skip


def ttc_histogram_figure(histogram: pd.DataFrame) -> go.Figure:
    """Guns per year of time-to-crime; the short (< 3 years) bins in red. Suppressed bins are
    left empty."""
    colours = np.where(histogram["short"], SHORT_COLOUR, LONG_COLOUR)
    fig = go.Figure(
        go.Bar(
            x=histogram["label"].str.replace("–.*", "", regex=True),
            y=histogram["guns"].astype("Float64").to_numpy(dtype=float, na_value=np.nan),
            marker_color=colours,
            customdata=histogram["label"],
            hovertemplate="%{customdata} years: %{y} guns<extra></extra>",
        )
    )
    fig.update_layout(
        height=320,
        margin=MARGIN,
        xaxis={"title": "whole years from first retail sale to recovery", "tickangle": 0},
        yaxis_title="guns",
        bargap=0.1,
    )
    return fig


def ttc_trend_figure(by_month: pd.DataFrame) -> go.Figure:
    """Median time-to-crime (years, line) and the share under 3 years (bars), per month."""
    fig = go.Figure()
    fig.add_bar(
        x=by_month["month"],
        y=by_month["under_3y_share"].astype(float),
        name="Under 3 years (share)",
        marker_color=SHORT_COLOUR,
        opacity=0.45,
        yaxis="y2",
        hovertemplate="%{x|%b %Y}: %{y:.0%} under 3 years<extra></extra>",
    )
    fig.add_scatter(
        x=by_month["month"],
        y=by_month["median_years"].astype(float),
        name="Median years",
        mode="lines+markers",
        line={"color": LONG_COLOUR, "width": 2},
        hovertemplate="%{x|%b %Y}: median %{y:.1f} years<extra></extra>",
    )
    fig.update_layout(
        height=320,
        yaxis={"title": "median years", "rangemode": "tozero"},
        yaxis2={
            "title": "share under 3 years",
            "overlaying": "y",
            "side": "right",
            "range": [0, 1],
            "dtick": 0.25,
            "tickformat": ".0%",
            "showgrid": False,
        },
        margin=MARGIN,
        legend=LEGEND_BELOW,
        hovermode="x unified",
    )
    return fig


def state_tiles_figure(states: pd.DataFrame, home_state: str) -> go.Figure:
    """A tile grid map of source states, coloured by guns on a log scale, the home state outlined.
    Suppressed counts read '<5'; states with no guns stay pale."""
    counts = dict(zip(states["dealer_state"], states["guns"], strict=True))
    rows = 1 + max(row for _, row in STATE_TILES.values())
    cols = 1 + max(col for col, _ in STATE_TILES.values())
    z = np.full((rows, cols), np.nan)
    text = np.full((rows, cols), "", dtype=object)
    for state, (col, row) in STATE_TILES.items():
        guns = counts.get(state, 0)
        if guns is pd.NA:
            z[row, col], text[row, col] = 0.0, f"<b>{state}</b><br><5"
        else:
            z[row, col] = math.log10(guns) + 1 if guns else 0.0
            text[row, col] = f"<b>{state}</b><br>{guns}"
    top = max(float(np.nanmax(z)), 2.0)
    ticks = [t for t in (1, 10, 100, 1000, 10000) if math.log10(t) + 1 <= top]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            text=text,
            texttemplate="%{text}",
            textfont={"size": 10},
            hovertemplate="%{text}<extra></extra>",
            zmin=0,
            zmax=top,
            colorscale=[
                [0, "#eef1f4"],
                [0.5 / top, "#eef1f4"],
                [1 / top, "#fde0c5"],
                [1, "#b03a2e"],
            ],
            xgap=3,
            ygap=3,
            colorbar={
                "title": "guns",
                "tickvals": [math.log10(t) + 1 for t in ticks],
                "ticktext": [str(t) for t in ticks],
                "thickness": 12,
            },
        )
    )
    if home_state in STATE_TILES:
        col, row = STATE_TILES[home_state]
        fig.add_shape(
            type="rect",
            x0=col - 0.5,
            x1=col + 0.5,
            y0=row - 0.5,
            y1=row + 0.5,
            line={"color": "#1f4e79", "width": 3},
        )
    fig.update_layout(
        height=380,
        margin=MARGIN,
        xaxis={"visible": False},
        yaxis={"visible": False, "autorange": "reversed", "scaleanchor": "x"},
        plot_bgcolor="white",
    )
    return fig


def top_states_figure(states: pd.DataFrame, home_state: str, limit: int = 12) -> go.Figure | None:
    """Stacked horizontal bars for the states that sold the most guns: under 3 years (red), then
    the rest (blue; the home state's grey, with its own legend entry so every colour is named).
    Suppressed states are left out; None when no state is left to draw (say so instead of
    drawing bare axes)."""
    top = states.dropna(subset=["guns"]).head(limit).iloc[::-1]
    if top.empty:
        return None
    # An unknown short-TTC count (suppressed) counts with the rest, as the legend says.
    short = top["short_ttc"].astype("Float64").fillna(0).astype(int)
    rest = top["guns"].astype(int) - short
    home = top["dealer_state"] == home_state
    fig = go.Figure()
    fig.add_bar(
        y=top["dealer_state"],
        x=short,
        orientation="h",
        name="under 3 years",
        marker_color=SHORT_COLOUR,
        hovertemplate="%{y}: %{x} guns under 3 years<extra></extra>",
    )
    for name, part, colour in [
        ("3+ years or unknown", ~home, LONG_COLOUR),
        (f"3+ years or unknown, {home_state}", home, HOME_COLOUR),
    ]:
        if not part.any():
            continue
        fig.add_bar(
            y=top["dealer_state"][part],
            x=rest[part],
            orientation="h",
            name=name,
            marker_color=colour,
            customdata=top["guns"][part].astype(int),
            hovertemplate="%{y}: %{customdata} guns in all<extra></extra>",
        )
    fig.update_layout(
        barmode="stack",
        height=max(240, 26 * len(top) + 150),
        margin=MARGIN,
        legend={**LEGEND_BELOW, "traceorder": "normal"},
        xaxis={"title": "guns", "dtick": 1 if int(top["guns"].max()) < 6 else None},
        yaxis={"categoryorder": "array", "categoryarray": list(top["dealer_state"])},
    )
    return fig


def indicators_figure(indicators: pd.DataFrame) -> go.Figure:
    """Horizontal bars: guns showing each trafficking indicator (suppressed bars left empty)."""
    rows = indicators[indicators["key"] != "any"].iloc[::-1]
    fig = go.Figure(
        go.Bar(
            y=rows["indicator"],
            x=rows["guns"].astype("Float64").to_numpy(dtype=float, na_value=np.nan),
            orientation="h",
            marker_color=SHORT_COLOUR,
            customdata=rows["share"].astype("Float64").to_numpy(dtype=float, na_value=np.nan),
            hovertemplate="%{y}: %{x} guns (%{customdata:.0%})<extra></extra>",
        )
    )
    fig.update_layout(height=300, margin=MARGIN, xaxis_title="guns")
    return fig


# --- the scorecard ---------------------------------------------------------------------------------


def _measure_scale(measure: Measure, goal: int) -> dict[str, object]:
    """Colours against the goal: hours green up to the goal, amber to twice it, red beyond;
    shares red at 0 through amber to green at 100 % (ATF asks for every casing, every lead)."""
    if measure.unit == "hours":
        return {
            "zmin": 0,
            "zmax": 3 * goal,
            "colorscale": [[0, "#1e8449"], [1 / 3, "#f4d03f"], [2 / 3, "#e67e22"], [1, "#c0392b"]],
        }
    return {
        "zmin": 0,
        "zmax": 1,
        "colorscale": [[0, "#c0392b"], [0.5, "#e67e22"], [0.8, "#f4d03f"], [1, "#1e8449"]],
    }


def _format(value: float, measure: Measure) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.0%}" if measure.unit == "share" else f"{value:.0f}"


def scorecard_heatmap(
    by_agency_month: pd.DataFrame, agencies: list[str], measure: Measure, goal: int
) -> go.Figure:
    """Agencies (rows, in the order given) × months, each cell the measure coloured against the
    goal, its value written in; empty cells had nothing to measure."""
    grid = by_agency_month.pivot_table(
        index="agency", columns="month", values=measure.column, aggfunc="first", dropna=False
    )
    grid = grid.reindex([a for a in agencies if a in grid.index])
    values = grid.to_numpy(dtype=float)
    fig = go.Figure(
        go.Heatmap(
            z=values,
            x=[m.strftime("%b %Y") for m in grid.columns],
            y=list(grid.index),
            text=[[_format(v, measure) for v in row] for row in values],
            texttemplate="%{text}",
            textfont={"size": 11},
            xgap=2,
            ygap=2,
            hovertemplate="%{y}, %{x}: %{text}<extra></extra>",
            colorbar={"title": "h" if measure.unit == "hours" else "", "thickness": 12},
            **_measure_scale(measure, goal),
        )
    )
    if measure.unit == "share":
        fig.data[0].colorbar.tickformat = ".0%"
    fig.update_layout(
        height=max(150, 30 * len(grid) + 80),
        margin=MARGIN,
        yaxis={"autorange": "reversed"},
        xaxis={"side": "top"},
        plot_bgcolor="white",
    )
    return fig


def scorecard_trend(by_month: pd.DataFrame, measure: Measure, goal: int) -> go.Figure:
    """The measure per month over all agencies in scope, with the goal drawn for hours."""
    fig = go.Figure(
        go.Scatter(
            x=by_month["month"],
            y=by_month[measure.column].astype(float),
            mode="lines+markers",
            line={"color": "#1f4e79", "width": 2},
            name=measure.label,
            hovertemplate="%{x|%b %Y}: %{y}<extra></extra>",
        )
    )
    if measure.unit == "hours":
        fig.add_hline(
            y=goal,
            line_dash="dash",
            line_color="#c0392b",
            annotation_text=f"goal {goal} h",
            annotation={"bgcolor": "rgba(255,255,255,0.85)"},  # readable where the line crosses
        )
        fig.update_yaxes(title="hours (median)", rangemode="tozero")
    else:
        fig.update_yaxes(title="share", range=[0, 1.05], tickformat=".0%")
    # One tick per month, as the points are: plotly's own ticks fall on weeks ("Nov 8") when
    # the window is a month or two.
    fig.update_xaxes(dtick="M1", tickformat="%b %Y")
    fig.update_layout(height=260, margin=MARGIN, showlegend=False)
    return fig


def headline_text(value: object, kind: Literal["count", "share", "years"] = "count") -> str:
    """A figure for a metric tile or a sentence: '<5' for a suppressed count, '–' for a share
    or median with nothing to measure."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "<5" if kind == "count" else "–"
    if kind == "share":
        return f"{value:.0%}"
    if kind == "years":
        return f"{value:.1f} y"
    return f"{int(value):,}"  # type: ignore[call-overload]


def suppressed_as_text(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """For tables: suppressed counts (NA) read '<5' instead of an empty cell. Frames with nothing
    suppressed are returned as they are, so their counts stay numeric and sort as numbers."""
    if "suppressed" not in frame or not frame["suppressed"].any():
        return frame
    shown = frame.copy()
    for column in columns:
        shown[column] = [
            "<5" if value is pd.NA else f"{int(value):,}" for value in frame[column].astype("Int64")
        ]
    return shown
