"""Figures and the one-line verdict of the Lab backlog page: pure functions of the metric frames
(``cgic_data.metrics.backlog``, ``turnaround``, ``nibin_timeliness``), testable without Streamlit."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cgic_data.metrics.backlog import AGE_BUCKETS, BacklogSnapshot
from cgic_data.metrics.turnaround import DURATION_BINS
from cgic_ui.figures import LEGEND_BELOW, MARGIN, goal_line

DISCIPLINE_COLOURS = {"firearms/NIBIN": "#2471a3", "DNA": "#8e44ad", "latent prints": "#16a085"}
PRIORITY_COLOURS = {"routine": "#5d6d7e", "rush": "#d35400", "court date": "#c0392b"}
BUCKET_COLOURS = dict(
    zip(
        [label for label, _ in AGE_BUCKETS],
        ["#a9cce3", "#f7dc6f", "#f5b041", "#dc7633", "#922b21"],
        strict=True,
    )
)
MEASURE_COLOURS = {"Recovery → entry": "#2471a3", "Receipt → entry": "#17a589"}
RECEIVED, COMPLETED, OPEN, BACKLOG = "#85929e", "#27ae60", "#1b2631", "#c0392b"
PANEL_PX, PANEL_TITLE_PX = 210, 24  # the intake chart: one panel per discipline, titled above
BAR_PX, AGE_CHROME_PX = 28, 120  # the age chart: per bar, and its ticks, axis title and legend
# A line's label on a white ground: readable where a data line crosses it.
LINE_LABEL = {"bgcolor": "rgba(255,255,255,0.85)", "font": {"size": 11}}


def _colour(group: str) -> str:
    return DISCIPLINE_COLOURS.get(group) or PRIORITY_COLOURS.get(group) or "#566573"


def verdict(now: BacklogSnapshot, before: BacklogSnapshot, limit_days: int) -> str:
    """One sentence: is the backlog growing or shrinking, and does intake outrun completions?"""
    change = now.backlog - before.backlog
    if change == 0:
        trend, compared = "holding steady", f"the same as on {before.as_of:%b %d}"
    else:
        trend = "growing" if change > 0 else "shrinking"
        direction = "up" if change > 0 else "down"
        compared = f"{direction} {abs(change):,} from {before.backlog:,} on {before.as_of:%b %d}"
    net = now.completed - now.received - now.reopened
    if net > 0:
        pace = f"completions outpaced intake by {net:,}"
    elif net < 0:
        pace = f"intake outran completions by {-net:,}"
    else:
        pace = "completions matched intake"
    reopened = f" (+{now.reopened:,} re-opened)" if now.reopened else ""
    return (
        f"**The backlog is {trend}**: {now.backlog:,} requests open more than {limit_days} days "
        f"on {now.as_of:%b %d, %Y}, {compared}. From {now.start:%b %d} to {now.as_of:%b %d} "
        f"the lab received {now.received:,}{reopened} and completed {now.completed:,}: {pace}."
    )


def flow_figure(flow: pd.DataFrame, grain: str, limit_days: int) -> go.Figure:
    """One panel per discipline: requests in (received, re-opened) and out (completed) per
    period as bars, open requests and the backlog at each period's end as lines (right axis)."""
    disciplines = list(dict.fromkeys(flow["discipline"]))
    fig = make_subplots(
        rows=len(disciplines),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.1,
        subplot_titles=disciplines,
        specs=[[{"secondary_y": True}] for _ in disciplines],
    )
    per = "week" if grain == "week" else "month"
    for row, discipline in enumerate(disciplines, start=1):
        part = flow[flow["discipline"] == discipline]
        first = row == 1
        traces = [
            ("Received", part["received"], RECEIVED, "in", None),
            ("Re-opened", part["reopened"], "#f5b041", "in", part["received"]),
            ("Completed", part["completed"], COMPLETED, "out", None),
        ]
        for name, values, colour, group, base in traces:
            fig.add_bar(
                x=part["period"],
                y=values,
                base=base,
                name=name,
                marker_color=colour,
                opacity=0.85,
                offsetgroup=group,
                legendgroup=name,
                showlegend=first,
                hovertemplate=f"{name}: %{{y}}<extra>{discipline}</extra>",
                row=row,
                col=1,
            )
        for name, column, colour, dash in [
            ("Open at end", "open_at_end", OPEN, "solid"),
            (f"Backlog (> {limit_days} d)", "backlog_at_end", BACKLOG, "dot"),
        ]:
            fig.add_scatter(
                x=part["period"],
                y=part[column],
                name=name,
                mode="lines",
                line={"color": colour, "width": 2, "dash": dash},
                legendgroup=name,
                showlegend=first,
                hovertemplate=f"{name}: %{{y}}<extra>{discipline}</extra>",
                row=row,
                col=1,
                secondary_y=True,
            )
        fig.update_yaxes(title_text=f"per {per}", row=row, col=1, secondary_y=False)
        fig.update_yaxes(
            title_text="open",
            row=row,
            col=1,
            secondary_y=True,
            rangemode="tozero",
            showgrid=False,
            tickmode="auto",
            nticks=4,
            tickformat=",d",
        )
    # Each panel's title sits above it (the first one in the top margin); the legend goes under
    # the shared x axis, so no title can fall on it.
    fig.update_layout(
        height=90 + PANEL_PX * len(disciplines),
        margin={**MARGIN, "t": PANEL_TITLE_PX},
        barmode="group",
        bargap=0.25,
        hovermode="x unified",
        legend=LEGEND_BELOW,
    )
    fig.update_annotations(font_size=13, x=0, xanchor="left")
    return fig


def age_figure(by_age: pd.DataFrame, top: int = 15) -> go.Figure:
    """Open requests per age bucket as horizontal stacked bars, one bar per group (oldest work
    to the right). Beyond ``top`` groups (by backlog, then open), the rest share one bar."""
    totals = by_age.pivot_table(
        index="group", columns="bucket", values="requests", aggfunc="sum", fill_value=0
    ).reindex(columns=[label for label, _ in AGE_BUCKETS], fill_value=0)
    order = totals.assign(
        backlog=totals.iloc[:, 1:].sum(axis=1), open=totals.sum(axis=1)
    ).sort_values(["backlog", "open"], ascending=False)
    totals = totals.loc[order.index]
    if len(totals) > top:
        rest = totals.iloc[top:]
        totals = pd.concat(
            [totals.iloc[:top], rest.sum().to_frame(f"{len(rest)} other agencies").T]
        )
    fig = go.Figure()
    for bucket in totals.columns:
        fig.add_bar(
            y=totals.index,
            x=totals[bucket],
            name=f"{bucket} days",
            orientation="h",
            marker_color=BUCKET_COLOURS[bucket],
            hovertemplate="%{y}: %{x} open " + bucket + " days<extra></extra>",
        )
    fig.update_layout(
        barmode="stack",
        # The chrome (ticks, axis title, legend) is fixed: a chart of one bar still has room
        # for its bar, and its axis title is not pushed onto the tick labels.
        height=AGE_CHROME_PX + BAR_PX * len(totals),
        margin=MARGIN,
        yaxis={"autorange": "reversed", "automargin": True},
        xaxis={"title": "open requests", "automargin": True},
        legend={**LEGEND_BELOW, "traceorder": "normal"},
    )
    return fig


def _distribution_text(row: pd.Series, limit_days: int) -> str:
    bins = " · ".join(f"{label}: {int(row[label])}" for label, _ in DURATION_BINS)
    return (
        f"{int(row['completed'])} completed · median {row['median_days']:.0f} d · "
        f"P90 {row['p90_days']:.0f} d · within {limit_days} d: "
        f"{row['within_limit_share']:.0%}<br>{bins}"
    )


def turnaround_figure(monthly: pd.DataFrame, limit_days: int) -> go.Figure:
    """Median (solid) and 90th percentile (dashed) turnaround per month and group; hovering a
    point shows that month's whole distribution."""
    fig = go.Figure()
    for group, part in monthly.groupby("group", sort=True):
        text = part.apply(_distribution_text, axis=1, limit_days=limit_days)
        colour = _colour(str(group))
        for name, column, dash in [("median", "median_days", "solid"), ("P90", "p90_days", "dash")]:
            fig.add_scatter(
                x=part["month"],
                y=part[column],
                name=f"{group} · {name}",
                mode="lines+markers",
                line={"color": colour, "dash": dash, "width": 2},
                marker={"size": 6},
                legendgroup=str(group),
                text=text,
                hovertemplate=f"<b>{group}</b> %{{x|%b %Y}}<br>%{{text}}<extra></extra>",
            )
    fig.add_hline(
        y=limit_days,
        line={"color": BACKLOG, "dash": "dot", "width": 1},
        annotation_text=f"{limit_days} days",
        annotation_position="top left",
        annotation=LINE_LABEL,
    )
    fig.update_layout(
        height=380,
        margin=MARGIN,
        yaxis_title="days, receipt → completion",
        yaxis_rangemode="tozero",
        legend=LEGEND_BELOW,
        hovermode="closest",
    )
    return fig


def entry_distribution_figure(distribution: pd.DataFrame, goal_hours: int) -> go.Figure:
    """NIBIN entries per time bin, recovery → entry beside receipt → entry; bins up to the goal
    are the ones that meet it."""
    fig = go.Figure()
    for measure, part in distribution.groupby("measure", sort=False):
        total = part["entries"].sum()
        share = part["entries"] / total if total else part["entries"] * 0.0
        fig.add_bar(
            x=part["bin"],
            y=part["entries"],
            name=str(measure),
            marker_color=MEASURE_COLOURS.get(str(measure), "#566573"),
            customdata=share,
            hovertemplate="%{x}: %{y} entries (%{customdata:.0%})<extra>"
            + str(measure)
            + "</extra>",
        )
    bins = list(dict.fromkeys(distribution["bin"]))
    goal_label = next((b for b in bins if b.endswith(f"{goal_hours} h")), None)
    fig.update_layout(
        height=340,
        margin=MARGIN,
        barmode="group",
        yaxis_title="entries",
        legend=LEGEND_BELOW,
    )
    if goal_label is not None:
        goal_line(fig, bins.index(goal_label) + 0.5, f"goal {goal_hours} h", BACKLOG)
    return fig


def entry_trend_figure(trend: pd.DataFrame, goal_hours: int) -> go.Figure:
    """Share of entries within the goal per month, for both measures."""
    fig = go.Figure()
    for column, measure in [
        ("recovery_within_share", "Recovery → entry"),
        ("receipt_within_share", "Receipt → entry"),
    ]:
        median = column.replace("within_share", "median_hours")
        fig.add_scatter(
            x=trend["month"],
            y=trend[column],
            name=measure,
            mode="lines+markers",
            line={"color": MEASURE_COLOURS[measure], "width": 2},
            customdata=trend[["entries", median]].to_numpy(),
            hovertemplate=(
                "%{x|%b %Y}: %{y:.0%} within goal<br>%{customdata[0]} entries · median "
                "%{customdata[1]:.0f} h<extra>" + measure + "</extra>"
            ),
        )
    fig.update_layout(
        height=340,
        margin=MARGIN,
        yaxis={"tickformat": ".0%", "range": [0, 1.05], "title": f"within {goal_hours} h"},
        legend=LEGEND_BELOW,
    )
    return fig


def days_text(days: float | None, *, never: str = "—") -> str:
    """A day count for a tile: whole days, or ``never`` when there is none."""
    if days is None or (isinstance(days, float) and math.isnan(days)):
        return never
    return f"{days:,.0f} d"
