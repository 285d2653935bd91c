"""Analysis: near repeats (the Knox test, as Ratcliffe's Near Repeat Calculator) and hot spots
(Getis-Ord Gi*) over the incidents of the sidebar filter that the viewer may see. Every input is in
the URL, so a link reproduces the analysis."""

import streamlit as st
from streamlit_folium import st_folium

from cgic_data.definitions import help_text
from cgic_data.metrics.hot_spots import Grid
from cgic_data.metrics.near_repeat import Bands
from cgic_data.queries import analysis
from cgic_data.schema import IncidentKind
from cgic_ui.context import page_context
from cgic_ui.exports import csv_download, excel_download
from cgic_ui.figures_analysis import (
    hot_spot_map,
    incident_label,
    knox_sheets,
    legend_markdown,
    neighbours,
    ratio_table,
    reading,
)
from cgic_ui.links import with_links
from cgic_ui.offline import ensure_assets, page_assets
from cgic_ui.runtime import cached
from cgic_ui.tables import MISSING

NEAR_REPEAT, HOT_SPOTS = "Near repeat", "Hot spots"
# Options are their own URL values (a bound widget puts the shown label in the URL).
METRICS = {"Manhattan": "manhattan", "Euclidean": "euclidean"}
PERMUTATIONS = [99, 199, 499, 999, 1999, 4999, 9999]
SPARSE = 0.9  # share of empty cells above which the hot-spot map warns

ctx = page_context()
st.title("Near repeats & hot spots")
st.caption(
    f"Incidents ({ctx.period_label}) in the sidebar's agencies and towns that you may see, "
    "with coordinates. Every setting below is in the page's URL: a copied link reproduces the result."
)
tool_col, kind_col = st.columns([1, 2])
tool = tool_col.segmented_control(
    "Analysis", [NEAR_REPEAT, HOT_SPOTS], default=NEAR_REPEAT, key="tool", bind="query-params"
)
chosen_kinds = kind_col.multiselect(
    "Incident type",
    options=[kind.value for kind in IncidentKind],
    default=[IncidentKind.SHOOTING.value],
    format_func=str.capitalize,
    key="kind",
    bind="query-params",
    placeholder="All types",
)
kinds = tuple(IncidentKind(k) for k in sorted(chosen_kinds))


def near_repeat() -> None:
    st.markdown(
        "After an incident, is another more likely nearby in the following days than chance "
        "alone would give? Pairs of incidents are counted per distance and time band and "
        "compared with the same incidents' dates shuffled over their places.",
        help=help_text("near_repeat"),
    )
    c1, c2, c3, c4 = st.columns(4)
    metres = c1.number_input(
        "Distance band (m)", 10, 5000, 100, 10, key="nr_m", bind="query-params"
    )
    distance_bands = c2.number_input(
        "Distance bands", 1, 20, 5, key="nr_mbands", bind="query-params"
    )
    days = c3.number_input("Time band (days)", 1, 365, 7, key="nr_d", bind="query-params")
    time_bands = c4.number_input("Time bands", 1, 20, 4, key="nr_dbands", bind="query-params")
    c5, c6, c7 = st.columns([2, 1, 1])
    metric = c5.selectbox(
        "Distance",
        list(METRICS),
        key="nr_metric",
        bind="query-params",
        help="Manhattan: along a street grid (east-west plus north-south), as the calculator's "
        "default; Euclidean: in a straight line.",
    )
    permutations = c6.selectbox(
        "Permutations",
        PERMUTATIONS,
        index=PERMUTATIONS.index(999),
        key="nr_perm",
        bind="query-params",
        help="More permutations give finer p-values (the smallest is 1 / (permutations + 1)) "
        "and take longer. The seed is fixed: the same inputs give the same result.",
    )
    same = c7.checkbox(
        "Same-location band", True, key="nr_same", bind="query-params", help="Pairs < 1 m apart."
    )
    bands = Bands(
        int(metres), int(distance_bands), same, int(days), int(time_bands), METRICS[metric]
    )
    with st.spinner("Counting pairs and permuting…"):
        run = cached(
            analysis.near_repeat_analysis, ctx.viewer, ctx.filter, kinds, bands, permutations
        )
    if run.result is None:
        st.info(run.note, icon=":material/info:")
        return
    result = run.result
    st.success(reading(result, list(chosen_kinds)), icon=":material/insights:")
    if run.incidents.without_place:
        st.caption(
            f"{run.incidents.without_place:,} matching incidents without coordinates are left out."
        )
    st.markdown(
        "**Knox ratios** — observed pairs ÷ pairs expected by chance; highlighted: p ≤ 0.05 and "
        "more pairs than chance."
    )
    st.dataframe(ratio_table(result), width="stretch", placeholder=MISSING)
    with st.expander("Observed pairs, expected pairs and p-values"):
        sheets = knox_sheets(result)
        for name in ("Observed pairs", "Expected pairs", "p-values"):
            st.markdown(f"**{name}**")
            st.dataframe(sheets[name], hide_index=True, width="stretch", placeholder=MISSING)
    left, right = st.columns(2)
    with left:
        csv_download(result.cells(), "near-repeat-knox.csv", "near-repeat Knox table")
    with right:
        excel_download(sheets, "near-repeat-knox.xlsx", "near-repeat Knox tables")
    incident_window(run, result)


def incident_window(run: analysis.NearRepeatAnalysis, result) -> None:  # type: ignore[no-untyped-def]
    """For one incident (the newest by default): the incidents in its near-repeat window."""
    st.subheader("An incident's near-repeat window")
    cell = result.window()
    if cell is None:
        st.caption("No near-repeat window: no band near the origin is significant.")
        return
    metres, days = result.window_bounds(cell)
    frame = run.incidents.frame
    chosen = st.selectbox(
        "Incident",
        list(dict.fromkeys(frame["incident_number"].iloc[::-1])),
        key="nr_incident",
        bind="query-params",
        help="Incident numbers, the newest first: the one just in.",
    )
    position = int(frame.index[frame["incident_number"] == chosen][-1])
    st.caption(incident_label(frame.iloc[position]))
    near = neighbours(run.incidents, position, metres, days, result.bands.metric)
    place = "at the same location" if metres == 0 else f"within {metres:,.0f} m"
    st.markdown(
        f"**{len(near):,}** other incidents {place} and {days} days (before or after) of "
        f"{chosen}: the window where near repeats are significant here."
    )
    if not near.empty:
        shown, links = with_links(near, labels={"incident_number": "Incident"})
        st.dataframe(
            shown.drop(columns=["ori"]),
            hide_index=True,
            placeholder=MISSING,
            column_config={
                **links,
                "occurred_at": st.column_config.DatetimeColumn("Occurred", format="YYYY-MM-DD"),
                "days": st.column_config.NumberColumn("Days from it", help="Negative: before it."),
            },
        )
        csv_download(near.drop(columns=["ori"]), "near-repeat-window.csv", "near-repeat window")


def hot_spots() -> None:
    st.markdown(
        "Where do incidents concentrate beyond chance? Each grid cell's count with its "
        "neighbours' is compared with the whole grid's (Getis-Ord Gi*).",
        help=help_text("hot_spots"),
    )
    c1, c2, c3 = st.columns(3)
    cell = c1.selectbox(
        "Cell size (m)", [250, 500, 1000, 2000], index=1, key="hs_cell", bind="query-params"
    )
    neighbourhood = c2.selectbox(
        "Neighbours",
        ["queen", "distance"],
        format_func={"queen": "The 8 cells around (queen)", "distance": "Within a distance"}.get,
        key="hs_nbhd",
        bind="query-params",
    )
    distance = c3.number_input(
        "Distance (m)",
        250,
        20_000,
        1000,
        250,
        key="hs_dist",
        bind="query-params",
        disabled=neighbourhood != "distance",
        help="Cells whose centres lie within this distance are neighbours.",
    )
    grid = Grid(int(cell), neighbourhood, max(int(distance), int(cell)))
    run = cached(analysis.hot_spot_analysis, ctx.viewer, ctx.filter, kinds, grid)
    if run.result is None:
        st.info(run.note, icon=":material/info:")
        return
    summary = run.result.summary()
    hot = sum(v for k, v in summary.items() if k.startswith("Hot"))
    st.success(
        f"**{hot:,}** of {run.result.counts.size:,} cells of {cell:,} m are hot spots (90 % "
        f"confidence or more) among {len(run.incidents.frame):,} incidents.",
        icon=":material/insights:",
    )
    st.markdown(legend_markdown(summary), unsafe_allow_html=True)
    if (run.result.counts == 0).mean() > SPARSE:
        st.caption(
            f"Most cells hold no incident ({(run.result.counts == 0).mean():.0%}): against so "
            "empty a grid a cell with a few incidents is already 'hot'. Choose the towns of "
            "interest in the sidebar, or larger cells, for hot spots within an area."
        )
    problem = ensure_assets()
    if problem:
        st.error(problem, icon=":material/map:")
    else:
        hot_map = hot_spot_map(run.cells, run.incidents.frame, page_assets())
        st_folium(
            hot_map, key="hot_spot_map", height=520, use_container_width=True, returned_objects=[]
        )
    st.caption(
        "Each cell is tested on its own, with no correction for testing many cells: read a "
        "single 90 % cell with care. Not-significant cells are not drawn."
    )
    cells = run.cells.assign(
        lat=[round(sum(p[1] for p in c[:4]) / 4, 6) for c in run.cells["corners"]],
        lon=[round(sum(p[0] for p in c[:4]) / 4, 6) for c in run.cells["corners"]],
    ).drop(columns=["corners"])
    csv_download(cells, "hot-spots.csv", "hot-spot cells (Gi*)")


try:
    if tool == HOT_SPOTS:
        hot_spots()
    else:
        near_repeat()
except ValueError as refused:  # a setting the statistics cannot use: say why, keep the page
    st.warning(str(refused), icon=":material/tune:")
