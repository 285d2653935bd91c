"""Plotly figure builders: pure functions from DataFrames, testable without Streamlit.

Also the layout every figure of the app shares (``LEGEND_BELOW``, ``MARGIN``): a legend placed in
the plot's own coordinates (``y=-0.2``, ``y=1.02``) lands on tick labels, axis titles, subplot
titles or bars as soon as the chart is short or narrow; one anchored to the bottom of the figure
(``yref="container"``) makes plotly widen the bottom margin by its height, under everything else.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

MARGIN = {"l": 10, "r": 10, "t": 10, "b": 10}
LEGEND_BELOW: dict[str, Any] = {
    "orientation": "h",
    "yref": "container",
    "y": 0,
    "yanchor": "bottom",
    "x": 0,
    "xanchor": "left",
}
TOP_LABEL_PX = 24  # top margin for a label placed above the plot (a goal line's)


def goal_line(fig: go.Figure, x: float, text: str, colour: str) -> None:
    """A dotted vertical goal line at ``x`` with its label above the plot area, where no bar,
    line or legend is (inside, it would sit on the tallest bar beside it)."""
    fig.add_vline(x=x, line={"color": colour, "dash": "dot", "width": 1})
    fig.add_annotation(
        x=x,
        xref="x",
        y=1,
        yref="paper",
        yanchor="bottom",
        text=text,
        showarrow=False,
        font={"size": 11, "color": colour},
    )
    fig.update_layout(margin={"t": TOP_LABEL_PX})


KIND_COLOURS = {"shooting": "#c0392b", "shots fired": "#e67e22", "gun recovery": "#2471a3"}


def weekly_trend_figure(trend: pd.DataFrame) -> go.Figure:
    """Stacked weekly incidents by kind, with victims as a line on the same axis."""
    fig = go.Figure()
    for column, label in [
        ("shootings", "shooting"),
        ("shots_fired", "shots fired"),
        ("gun_recoveries", "gun recovery"),
    ]:
        fig.add_bar(
            x=trend["week"],
            y=trend[column],
            name=label.capitalize(),
            marker_color=KIND_COLOURS[label],
        )
    fig.add_scatter(
        x=trend["week"],
        y=trend["victims"],
        name="Victims shot",
        mode="lines+markers",
        line={"color": "#222", "width": 2},
    )
    fig.update_layout(
        barmode="stack",
        height=340,
        margin=MARGIN,
        legend=LEGEND_BELOW,
        xaxis_title=None,
        yaxis_title="per week (Monday start)",
        hovermode="x unified",
    )
    return fig
