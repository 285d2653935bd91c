"""Plotly figure builders: pure functions from DataFrames, testable without Streamlit."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

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
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        legend={"orientation": "h", "y": -0.18},
        xaxis_title=None,
        yaxis_title="per week (Monday start)",
        hovermode="x unified",
    )
    return fig
