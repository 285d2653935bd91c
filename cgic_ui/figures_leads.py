"""Plotly builders for a lead or series: the timeline and the network. Pure functions of the
frames that ``cgic_data.queries.timeline`` and ``cgic_data.queries.network`` return."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from cgic_data.queries.network import SeriesGraph
from cgic_data.queries.timeline import EventKind
from cgic_ui.figures import LEGEND_BELOW, MARGIN

# (symbol, colour) per event kind, in legend order. Colour families: incident red, evidence and
# lab blue/teal, NIBIN and leads purple, hits green, firearms brown, case events dark grey.
EVENT_STYLE: dict[str, tuple[str, str]] = {
    EventKind.INCIDENT: ("star", "#c0392b"),
    EventKind.RECOVERED: ("circle", "#2e86c1"),
    EventKind.RECEIVED: ("circle-open", "#2e86c1"),
    EventKind.NIBIN_ENTRY: ("diamond", "#17a589"),
    EventKind.LEAD_ISSUED: ("square", "#7d3c98"),
    EventKind.ADDED_TO_LEAD: ("square-open", "#7d3c98"),
    EventKind.CONFIRMED: ("square-x", "#4a235a"),
    EventKind.EXCLUDED: ("x", "#7f8c8d"),
    EventKind.DATABASE_HIT: ("triangle-up", "#1e8449"),
    EventKind.LAB_RESULT: ("triangle-up-open", "#1e8449"),
    EventKind.FIREARM_RECOVERED: ("hexagon", "#a04000"),
    EventKind.TRACE_COMPLETED: ("hexagon-open", "#a04000"),
    EventKind.ARREST: ("cross", "#212f3c"),
    EventKind.CHARGE: ("cross-open", "#212f3c"),
    EventKind.FOLLOW_UP: ("circle-dot", "#212f3c"),
}
WITHIN_GOAL, BEYOND_GOAL = "#95a5a6", "#e74c3c"
BAR_ALPHA = 0.55  # gap bars sit behind the markers; their hour labels stay fully opaque
ROW_PX, MIN_TIMELINE_PX = 26, 320
# A white halo (CSS text-shadow) round a label: readable where an edge or a bar crosses it.
HALO = "0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff"
LABEL_SHARE = 0.04  # flagged gaps at least this share of the time axis get their hours written


def _sentence(text: str) -> str:
    """First letter up, the rest as written (keeps NIBIN, CODIS/AFIS)."""
    return text[:1].upper() + text[1:]


def _translucent(colour: str) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{BAR_ALPHA})"


def _row_labels(events: pd.DataFrame) -> list[str]:
    return events.sort_values("row").drop_duplicates("row")["row_label"].tolist()


def _gap_trace(
    gaps: pd.DataFrame, name: str, colour: str, *, dash: str = "solid", label_from: float = 0.0
) -> go.Scatter:
    """Gap segments (x, y with None between segments). Flagged gaps of at least ``label_from``
    hours get their hours written: mid-bar, or at the start of an open gap (whose end may lie
    beyond the axis, which stops at the last event)."""
    xs: list[object] = []
    ys: list[object] = []
    texts: list[str | None] = []
    places: list[str] = []
    hovers: list[str | None] = []
    for gap in gaps.itertuples():
        stop = gap.start + pd.Timedelta(hours=gap.hours)
        anchor = gap.start if gap.open else gap.start + (stop - gap.start) / 2
        state = "still open" if gap.open else f"until {stop:%Y-%m-%d %H:%M}"
        hover = (
            f"<b>{gap.gap}</b>: {gap.hours:,.1f} h<br>from {gap.start:%Y-%m-%d %H:%M} {state}"
            + (f"<br>lead {gap.lead_number}" if isinstance(gap.lead_number, str) else "")
        )
        text = f"{gap.hours:,.0f} h" + (" and open →" if gap.open else "")
        labelled = gap.beyond_goal and gap.hours >= label_from
        xs += [gap.start, anchor, stop, None]
        ys += [gap.row_label] * 3 + [None]
        texts += [None, text if labelled else None, None, None]
        places += [
            "top center",
            "top right" if gap.open else "top center",
            "top center",
            "top center",
        ]
        hovers += [hover, hover, hover, None]
    return go.Scatter(
        x=xs,
        y=ys,
        mode="lines+text",
        name=name,
        line={"color": _translucent(colour), "width": 7, "dash": dash},
        text=texts,
        textposition=places,
        textfont={"size": 10, "color": colour, "shadow": HALO},
        hovertext=hovers,
        hoverinfo="text",
    )


def _time_range(events: pd.DataFrame, gaps: pd.DataFrame) -> list[pd.Timestamp] | None:
    """From the first to the last event or closed gap, padded: an open gap of years would
    otherwise squeeze every event into a corner."""
    closed = gaps[~gaps["open"].astype(bool)]
    times = pd.concat(
        [events["at"], gaps["start"], closed["start"] + pd.to_timedelta(closed["hours"], "h")]
    )
    if times.dropna().empty:
        return None
    first, last = pd.Timestamp(times.min()), pd.Timestamp(times.max())
    pad = max((last - first) * 0.03, pd.Timedelta(hours=6))
    return [first - pad, last + pad]


def timeline_figure(events: pd.DataFrame, gaps: pd.DataFrame, goal_hours: int) -> go.Figure:
    """One row per lead, incident, item or firearm; a marker per event (legend by kind); gaps as
    bars, red when beyond ``goal_hours`` (dashed while still open)."""
    fig = go.Figure()
    labels = _row_labels(events)
    x_range = _time_range(events, gaps)
    if not gaps.empty and x_range is not None:
        label_from = (x_range[1] - x_range[0]).total_seconds() / 3600 * LABEL_SHARE
        for beyond, is_open, name in [
            (False, False, f"Gap within {goal_hours} h"),
            (False, True, f"Open gap, within {goal_hours} h so far"),
            (True, False, f"Gap beyond {goal_hours} h goal"),
            (True, True, f"Open gap beyond {goal_hours} h goal"),
        ]:
            part = gaps[(gaps["beyond_goal"] == beyond) & (gaps["open"] == is_open)]
            if not part.empty:
                colour = BEYOND_GOAL if beyond else WITHIN_GOAL
                dash = "dot" if is_open else "solid"
                fig.add_trace(_gap_trace(part, name, colour, dash=dash, label_from=label_from))
    for kind, (symbol, colour) in EVENT_STYLE.items():
        part = events[events["event"] == str(kind)]
        if part.empty:
            continue
        fig.add_scatter(
            x=part["at"],
            y=part["row_label"],
            mode="markers",
            name=_sentence(kind),
            marker={"symbol": symbol, "color": colour, "size": 11, "line": {"width": 1}},
            customdata=part[["detail", "agency"]].fillna("").to_numpy(),
            hovertemplate=(
                f"<b>{_sentence(kind)}</b> %{{x|%Y-%m-%d %H:%M}}<br>%{{y}}"
                "<br>%{customdata[0]}<br>%{customdata[1]}<extra></extra>"
            ),
        )
    fig.update_layout(
        height=max(MIN_TIMELINE_PX, 140 + ROW_PX * len(labels)),
        margin=MARGIN,
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0, "font": {"size": 11}},
        hovermode="closest",
        xaxis={"type": "date", "showgrid": True, "title": None, "range": x_range},
        yaxis={
            "type": "category",
            "categoryorder": "array",
            "categoryarray": labels,
            "autorange": "reversed",
            "title": None,
            "automargin": True,
        },
        plot_bgcolor="white",
    )
    fig.update_xaxes(gridcolor="#eceff1")
    fig.update_yaxes(gridcolor="#f4f6f7")
    return fig


# --- network ---------------------------------------------------------------------------------

# (legend name, symbol, colour, size) per node kind; leads and subjects split by their flag.
NODE_STYLE: dict[tuple[str, bool], tuple[str, str, str, int]] = {
    ("incident", False): ("Incident", "circle", "#c0392b", 16),
    ("firearm", False): ("Firearm", "diamond", "#a04000", 18),
    ("lead", True): ("Lead — confirmed hit", "square", "#7d3c98", 16),
    ("lead", False): ("Lead — investigative, not confirmed", "square-open", "#7d3c98", 16),
    ("subject", False): ("Subject (CODIS/AFIS)", "triangle-up", "#1e8449", 17),
    ("subject", True): ("Subject also in other series", "star", "#1e8449", 20),
}
EDGE_STYLE: dict[str, tuple[str, str]] = {
    "lead link": ("#9b59b6", "solid"),
    "recovered at": ("#a04000", "solid"),
    "test fire": ("#a04000", "dash"),
    "CODIS hit": ("#1e8449", "dot"),
    "AFIS hit": ("#1e8449", "dot"),
}
LABELS_UP_TO = 20  # beyond this many nodes only firearms and subjects carry a label
# The axes fit the nodes, plus room on each side for the labels of the outermost ones (a share
# of the nodes' span: wider across, where a label runs beside its node).
LABEL_ROOM_X, LABEL_ROOM_Y = 0.2, 0.12


def _padded_range(values: pd.Series, room: float) -> list[float]:
    low, high = (float(values.min()), float(values.max())) if len(values) else (-1.0, 1.0)
    pad = room * max(high - low, 0.5) + 0.05
    return [low - pad, high + pad]


def _label_positions(x: pd.Series, y: pd.Series) -> list[str]:
    """Each node's label on the side facing away from the layout's centre (0, 0): the edges of
    a spring layout run inwards, so outside is where the label is least likely to cover a line
    or another node; on the rim it leans into the room the axis ranges leave."""
    places = []
    for dx, dy in zip(x, y, strict=True):
        if abs(dx) > 2 * abs(dy):
            places.append("middle right" if dx > 0 else "middle left")
        else:
            places.append("top center" if dy >= 0 else "bottom center")
    return places


def network_figure(graph: SeriesGraph) -> go.Figure:
    """Edges as lines (one legend entry per relation), nodes by kind with distinct symbols and
    colours, hover with each node's details. The layout is stretched to the chart's width:
    distances carry no meaning, and a wide graph leaves labels room."""
    fig = go.Figure()
    for relation, (colour, dash) in EDGE_STYLE.items():
        part = graph.edges[graph.edges["relation"] == relation]
        if part.empty:
            continue
        xs: list[float | None] = []
        ys: list[float | None] = []
        for edge in part.itertuples():
            xs += [edge.x0, edge.x1, None]
            ys += [edge.y0, edge.y1, None]
        fig.add_scatter(
            x=xs,
            y=ys,
            mode="lines",
            name=_sentence(relation),
            line={"color": colour, "width": 1.6, "dash": dash},
            hoverinfo="skip",
        )
    many = len(graph.nodes) > LABELS_UP_TO
    for (kind, flag), (name, symbol, colour, size) in NODE_STYLE.items():
        part = graph.nodes[(graph.nodes["kind"] == kind) & (graph.nodes["flag"] == flag)]
        if part.empty:
            continue
        show_text = not many or kind in {"firearm", "subject"}
        fig.add_scatter(
            x=part["x"],
            y=part["y"],
            mode="markers+text" if show_text else "markers",
            name=name,
            text=part["label"],
            textposition=_label_positions(part["x"], part["y"]),
            textfont={"size": 10, "color": "#333", "shadow": HALO},
            cliponaxis=False,
            marker={"symbol": symbol, "color": colour, "size": size,
                    "line": {"width": 2 if symbol.endswith("open") else 1, "color": colour}},
            customdata=part[["detail"]].to_numpy(),
            hovertemplate="<b>%{text}</b><br>%{customdata[0]}<extra>" + name + "</extra>",
        )  # fmt: skip
    hidden = {"visible": False, "showgrid": False, "zeroline": False}
    fig.update_layout(
        height=min(640, 340 + 15 * len(graph.nodes)),
        margin=MARGIN,
        legend={**LEGEND_BELOW, "font": {"size": 11}},
        hovermode="closest",
        xaxis={**hidden, "range": _padded_range(graph.nodes["x"], LABEL_ROOM_X)},
        yaxis={**hidden, "range": _padded_range(graph.nodes["y"], LABEL_ROOM_Y)},
        plot_bgcolor="white",
    )
    return fig
