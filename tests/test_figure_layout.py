"""Chart text never lands on chart text (issue 17): legends under the figure, goal labels above the
plot, room for one-bar charts, network labels inside the chart and facing out, a legend entry for
every bar colour, and a message instead of bare axes. Pure builders, no Streamlit."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import pytest

from cgic_data.metrics import scorecard
from cgic_data.metrics.backlog import AGE_BUCKETS
from cgic_data.queries.network import EDGE_COLUMNS, NODE_COLUMNS, SeriesGraph
from cgic_ui import figures_backlog as fb
from cgic_ui import figures_leads as fl
from cgic_ui import figures_trace as ft
from cgic_ui.figures import LEGEND_BELOW, TOP_LABEL_PX, weekly_trend_figure
from cgic_ui.tables import key_values

MONTHS = pd.to_datetime(["2026-09-01", "2026-10-01", "2026-11-01"])


def flow() -> pd.DataFrame:
    rows = [
        {"discipline": d, "period": p, "received": 5, "reopened": 1, "completed": 4}
        | {"open_at_end": 30, "backlog_at_end": 9}
        for d in ["firearms/NIBIN", "DNA", "latent prints"]
        for p in MONTHS
    ]
    return pd.DataFrame(rows)


def nibin_distribution() -> pd.DataFrame:
    bins = ["≤ 24 h", "24–48 h", "48–72 h", "3–7 days"]
    return pd.DataFrame(
        [
            {"measure": m, "bin": b, "entries": n}
            for m in ["Recovery → entry", "Receipt → entry"]
            for b, n in zip(bins, [5, 3, 20, 95], strict=True)
        ]
    )


def nibin_trend() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "month": MONTHS,
            "entries": [10, 12, 9],
            "recovery_within_share": [0.1, 0.2, 0.3],
            "recovery_median_hours": [90.0, 80.0, 70.0],
            "receipt_within_share": [0.5, 0.6, 0.7],
            "receipt_median_hours": [40.0, 30.0, 20.0],
        }
    )


def states(*rows: tuple[str, object, object]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["dealer_state", "guns", "short_ttc"])
    return frame.astype({"guns": "Int64", "short_ttc": "Int64"})


def legends(figure: go.Figure) -> list[str]:
    return [t.name for t in figure.data if t.showlegend is not False]


FIGURES_WITH_LEGENDS = {
    "weekly trend": lambda: weekly_trend_figure(
        pd.DataFrame(
            {
                "week": MONTHS,
                "shootings": [1, 2, 3],
                "shots_fired": [1, 0, 2],
                "gun_recoveries": [0, 1, 1],
                "victims": [1, 1, 0],
            }
        )
    ),
    "intake vs completions": lambda: fb.flow_figure(flow(), "month", 30),
    "open requests by age": lambda: fb.age_figure(
        pd.DataFrame([("DNA", AGE_BUCKETS[0][0], 3)], columns=["group", "bucket", "requests"])
    ),
    "time to entry": lambda: fb.entry_distribution_figure(nibin_distribution(), 48),
    "share within goal": lambda: fb.entry_trend_figure(nibin_trend(), 48),
    "time-to-crime trend": lambda: ft.ttc_trend_figure(
        pd.DataFrame(
            {"month": MONTHS, "under_3y_share": [0.2, 0.3, 0.1], "median_years": [5.0, 4.0, 6.0]}
        )
    ),
    "top source states": lambda: ft.top_states_figure(states(("CT", 4, 0), ("GA", 1, 1)), "CT"),
}


@pytest.mark.parametrize("name", FIGURES_WITH_LEGENDS)
def test_every_legend_sits_under_the_figure(name: str) -> None:
    """Anchored to the figure's bottom edge, plotly widens the bottom margin by the legend's
    height under the tick labels and axis title, however short the chart or long the legend."""
    figure = FIGURES_WITH_LEGENDS[name]()
    assert len(legends(figure)) >= 2, "a figure with one series needs no legend"
    legend = figure.layout.legend
    assert (legend.yref, legend.y, legend.yanchor) == ("container", 0, "bottom")
    assert legend.orientation == "h"


def test_the_intake_panels_titles_are_above_their_panels_and_the_legend_below() -> None:
    figure = fb.flow_figure(flow(), "week", 30)
    titles = {a.text: a for a in figure.layout.annotations}
    assert list(titles) == ["firearms/NIBIN", "DNA", "latent prints"]
    assert all(a.yanchor == "bottom" for a in titles.values())
    # the first title sits in the top margin, which holds it and nothing else
    assert figure.layout.margin.t >= fb.PANEL_TITLE_PX
    assert figure.layout.legend.yref == "container"


def test_the_goal_label_is_above_the_plot_not_on_a_bar() -> None:
    figure = fb.entry_distribution_figure(nibin_distribution(), 48)
    (label,) = [a for a in figure.layout.annotations if a.text == "goal 48 h"]
    assert (label.yref, label.y, label.yanchor) == ("paper", 1, "bottom")
    assert label.x == 1.5  # between '24–48 h' and '48–72 h'
    assert figure.layout.margin.t >= TOP_LABEL_PX
    (line,) = figure.layout.shapes
    assert line.x0 == line.x1 == 1.5


def test_a_one_bar_age_chart_keeps_room_for_its_bar_and_axis_title() -> None:
    one = pd.DataFrame(
        [("Hartford", AGE_BUCKETS[0][0], 3)], columns=["group", "bucket", "requests"]
    )
    figure = fb.age_figure(one)
    assert figure.layout.height == fb.AGE_CHROME_PX + fb.BAR_PX
    assert figure.layout.xaxis.automargin is True
    assert figure.layout.xaxis.title.text == "open requests"


def test_top_source_states_names_every_bar_colour_in_its_legend() -> None:
    figure = ft.top_states_figure(states(("CT", 4, 0), ("GA", 2, 1), ("NC", 1, 0)), "CT")
    assert figure is not None
    for trace in figure.data:
        assert isinstance(trace.marker.color, str), f"{trace.name}: one colour per legend entry"
    assert {t.name: t.marker.color for t in figure.data} == {
        "under 3 years": ft.SHORT_COLOUR,
        "3+ years or unknown": ft.LONG_COLOUR,
        "3+ years or unknown, CT": ft.HOME_COLOUR,
    }
    home = next(t for t in figure.data if t.marker.color == ft.HOME_COLOUR)
    assert list(home.y) == ["CT"]


def test_top_source_states_with_nothing_to_draw_is_none_not_bare_axes() -> None:
    assert ft.top_states_figure(states(), "CT") is None
    assert ft.top_states_figure(states(("GA", pd.NA, pd.NA)), "CT") is None  # suppressed
    one_gun = ft.top_states_figure(states(("GA", 1, pd.NA)), "CT")  # TTC unknown: still drawn
    assert one_gun is not None
    assert sum(sum(t.x) for t in one_gun.data) == 1


def test_trace_figures_carry_no_caveat_of_their_own() -> None:
    """ATF's caveat is said once, at the top of the trace page."""
    figures = [
        ft.top_states_figure(states(("CT", 4, 0)), "CT"),
        ft.state_tiles_figure(states(("CT", 4, 0)), "CT"),
        FIGURES_WITH_LEGENDS["time-to-crime trend"](),
    ]
    for figure in figures:
        assert figure is not None
        assert not [a for a in figure.layout.annotations if "ATF" in (a.text or "")]


def graph(points: list[tuple[str, float, float]]) -> SeriesGraph:
    nodes = pd.DataFrame(
        [
            {"node": label, "kind": "incident", "label": label, "detail": "", "x": x, "y": y}
            | {"component": 0, "flag": False}
            for label, x, y in points
        ],
        columns=NODE_COLUMNS,
    )
    return SeriesGraph(nodes=nodes, edges=pd.DataFrame(columns=EDGE_COLUMNS), components=1)


def test_network_labels_face_outwards_and_stay_inside_the_chart() -> None:
    points = [("top", 0.1, 1.0), ("bottom", -0.1, -1.0), ("east", 1.0, 0.1), ("west", -1.0, 0.0)]
    figure = fl.network_figure(graph(points))
    (nodes,) = figure.data
    assert list(nodes.textposition) == [
        "top center",
        "bottom center",
        "middle right",
        "middle left",
    ]
    assert nodes.cliponaxis is False  # a label past the axes is drawn, not cut
    low_x, high_x = figure.layout.xaxis.range
    low_y, high_y = figure.layout.yaxis.range
    assert low_x < -1.2 and high_x > 1.2  # room beside the outermost nodes for their labels
    assert low_y < -1.1 and high_y > 1.1
    assert figure.layout.legend.yref == LEGEND_BELOW["yref"]


def test_network_axes_fit_a_small_layout() -> None:
    """A graph spread over part of the square is not drawn in a corner of empty space."""
    figure = fl.network_figure(graph([("a", -0.2, 0.1), ("b", 0.3, 0.4)]))
    low_y, high_y = figure.layout.yaxis.range
    assert -0.3 < low_y < 0.1 and 0.4 < high_y < 0.6


def test_an_audit_detail_reads_as_key_value_pairs() -> None:
    detail = (
        '{"filter": {"agency_ids": [], "end": "2026-12-07", "start": "2026-11-10", '
        '"town_ids": [3, 4]}, "page": "network", "resumed": true, "session": 3, "note": null}'
    )
    assert key_values(detail) == (
        "filter end: 2026-12-07 · filter start: 2026-11-10 · filter town ids: 3, 4 · "
        "page: network · resumed: yes · session: 3"
    )
    assert key_values(None) == ""
    assert key_values("not json") == "not json"


def test_scorecard_trend_goal_label_readable_and_ticks_monthly() -> None:
    measure = next(m for m in scorecard.MEASURES if m.unit == "hours")
    by_month = pd.DataFrame({"month": MONTHS, measure.column: [30.0, 60.0, 50.0]})
    figure = ft.scorecard_trend(by_month, measure, 48)
    (label,) = figure.layout.annotations
    assert label.text == "goal 48 h" and label.bgcolor is not None
    assert figure.layout.xaxis.dtick == "M1"  # monthly points, monthly ticks (not "Nov 8")
