"""Issue 17, 'looks right', on every page of the real app over a demo store: no table cell reads
"None", every chart's legend is out of the way of its plot, ATF's caveat is said once on the trace
page, and the sidebar filter is drawn only where it filters something."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from cgic_data.demo import seed_demo
from cgic_data.queries import overview
from cgic_data.schema import Agency, Role
from cgic_data.scope import IncidentFilter, Viewer
from cgic_ui.context import CONTEXT_KEY, FILTER_KEYS, RESUME_PARAM
from cgic_ui.navigation import PAGES
from cgic_ui.tables import MISSING
from tests.apptest import TEST_VIEWER, app_on, open_page

PERIOD = {"period": "Last 12 months"}
UNFILTERED = [spec.path for spec in PAGES if not spec.filtered]
CAVEAT_WORDS = "not a random sample"


@pytest.fixture
def demo(engine: Engine) -> Iterator[Engine]:
    seed_demo(engine, seed=7, scale=0.2)
    yield engine


def hartford(engine: Engine) -> Viewer:
    with engine.connect() as conn:
        ids = dict(conn.execute(select(Agency.name, Agency.id)).all())
    agency = next(i for n, i in ids.items() if n.startswith("Hartford"))
    return Viewer("hartford.commander", Role.COMMANDER, agency)


def busiest_series(engine: Engine, viewer: Viewer) -> str:
    series = overview.most_active_series(engine, viewer, IncidentFilter())
    return str(series["series_id"].iloc[0])


def figures(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def legend_problem(figure: dict[str, Any]) -> str | None:
    """Why the figure's legend may land on its plot, axis titles or labels (None: it cannot).

    Allowed: under the figure (anchored to its bottom edge: plotly makes room), a box of its own
    over a map (with a background), or above the plot when nothing else is placed there."""
    shown = [t for t in figure["data"] if t.get("showlegend", True) and t.get("name")]
    if len(shown) < 2 and not figure["layout"].get("showlegend"):
        return None
    legend = figure["layout"].get("legend", {})
    if (legend.get("yref"), legend.get("y"), legend.get("yanchor")) == ("container", 0, "bottom"):
        return None
    if legend.get("bgcolor"):
        return None
    above = legend.get("y", 1.02) >= 1 and legend.get("yanchor") == "bottom"
    crowded = [
        a.get("text")
        for a in figure["layout"].get("annotations", [])
        if a.get("yref") == "paper" and a.get("y", 0) >= 1
    ]
    if above and not crowded:
        return None
    return f"legend at {legend} with {crowded} above the plot"


def caveats(at: AppTest) -> int:
    texts = [e.value for kind in ("info", "caption", "markdown", "warning") for e in at.get(kind)]
    texts += [a.get("text", "") for f in figures(at) for a in f["layout"].get("annotations", [])]
    return sum(CAVEAT_WORDS in str(text) for text in texts)


def check_page(at: AppTest, page: str) -> int:
    """Check the page's tables and charts; how many it checked."""
    for frame in at.dataframe:
        assert len(frame.value), f"{page}: an empty table where a message should say why"
        assert frame.proto.placeholder == MISSING, f"{page}: an empty cell would read 'None'"
        for column in frame.value.columns:
            cells = frame.value[column]
            assert not cells.map(lambda v: v == "None").any(), f"{page}: {column} says 'None'"
    for figure in figures(at):
        assert legend_problem(figure) is None, f"{page}: {legend_problem(figure)}"
    return len(at.dataframe) + len(figures(at))


# The pages checked here; the map's own layout is tested with the map. A new page belongs here
# once it is done: its tables take ``placeholder=MISSING`` and its legends ``LEGEND_BELOW``.
CHECKED_PAGES = [
    "pages/overview.py",
    "pages/map.py",
    "pages/leads.py",
    "pages/packet.py",
    "pages/timeline.py",
    "pages/network.py",
    "pages/record.py",
    "pages/backlog.py",
    "pages/trace.py",
    "pages/scorecard.py",
    "pages/analysis.py",
]


def page_runs(engine: Engine, viewer: Viewer) -> list[tuple[str, dict[str, str]]]:
    series = {"show": "Series", "series": busiest_series(engine, viewer)}
    views = ("pages/packet.py", "pages/timeline.py", "pages/network.py")
    return [(path, PERIOD | series if path in views else PERIOD) for path in CHECKED_PAGES]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize("who", ["lab-wide admin", "agency commander"])
def test_tables_and_charts_on_every_page(
    demo: Engine, who: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    viewer = TEST_VIEWER if who == "lab-wide admin" else hartford(demo)
    checked = 0
    with app_on(demo, monkeypatch):
        for path, query in page_runs(demo, viewer):
            at = open_page(path, query, viewer=viewer)
            checked += check_page(at, path)
            if path == "pages/trace.py":
                assert caveats(at) == 1, "ATF's caveat: once, at the top"
                assert at.info[0].value.startswith("Not all crime guns are traced")
    assert checked > 30  # tables and charts of a dozen pages, not pages that showed nothing


def sidebar_keys(at: AppTest) -> set[str]:
    widgets = [*at.sidebar.selectbox, *at.sidebar.multiselect, *at.sidebar.date_input]
    return {w.key for w in widgets if w.key}


def through_app(path: str, query: dict[str, str]) -> AppTest:
    """``path`` as app.py opens it (a deep link resumed after sign-in): AppTest's later runs
    of a switched-to page skip app.py, and with it the sidebar."""
    at = open_page("", {**query, RESUME_PARAM: path})
    spec = next(spec for spec in PAGES if spec.path == path)
    assert [t.value for t in at.title] == [spec.title]
    return at


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_filter_is_drawn_only_where_it_filters(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert set(UNFILTERED) == {
        "pages/admin.py",
        "pages/audit.py",
        "pages/import.py",
        "pages/definitions.py",
        "pages/briefings.py",
    }
    with app_on(engine, monkeypatch):
        for path in ["pages/leads.py", *UNFILTERED]:
            at = through_app(path, {"period": "Last 90 days"})
            drawn = sidebar_keys(at) & set(FILTER_KEYS)
            assert drawn == (set() if path in UNFILTERED else {"period", "agency", "town"}), path
            assert any("Signed in as" in c.value for c in at.sidebar.caption)  # the rest stays
            context = at.session_state[CONTEXT_KEY]
            if path in UNFILTERED:  # nothing narrows the page, nor its audited page view
                assert context.filter == IncidentFilter()
            else:
                assert context.period == "Last 90 days"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_typing_an_agency_and_enter_cannot_pick_every_match(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Streamlit's 'select all matches' entry tops the list while one types, so Enter after
    'Hartford Police' took East and West Hartford too; without it Enter takes the best match
    (checked in Chromium)."""
    with app_on(engine, monkeypatch):
        at = open_page("")  # the home page, through app.py: with the sidebar
    pickers = {w.key: w for w in at.sidebar.multiselect}
    assert pickers["agency"].proto.select_all == 0
    assert pickers["town"].proto.select_all == 0
