"""Trace intelligence: where the crime guns come from, how fast they reach crime, trafficking
indicators, the guns in NIBIN never traced, which guns fired in which shootings, and the
purpose-bound trace search."""

import pandas as pd
import streamlit as st

from cgic_data.metrics import time_to_crime, traces
from cgic_data.queries import traces as trace_lists
from cgic_ui.context import page_context
from cgic_ui.exports import csv_download
from cgic_ui.figures_trace import (
    headline_text,
    indicators_figure,
    state_tiles_figure,
    suppressed_as_text,
    top_states_figure,
    ttc_histogram_figure,
    ttc_trend_figure,
)
from cgic_ui.layout import tile_columns
from cgic_ui.links import with_links
from cgic_ui.purpose import audit_search, require_purpose
from cgic_ui.runtime import cached
from cgic_ui.tables import MISSING, whole_percents

LIST_LIMIT = 500
SEARCH_KEY = "trace_search"
GUN_COLUMNS = {
    "firearm_number": "Firearm",
    "make": "Make",
    "model": "Model",
    "caliber": "Caliber",
    "agency": "Agency",
    "incident_number": "Recovery incident",
    "recovered_at": st.column_config.DatetimeColumn("Recovered", format="YYYY-MM-DD"),
    "ttc_days": st.column_config.NumberColumn("TTC (days)"),
}


def gun_table(
    frame: pd.DataFrame, config: dict[str, object], incident_label: str = "Recovery incident"
) -> None:
    """Guns with every firearm, incident, lead and series number a link to its view (the CSV
    export is built from ``frame`` and keeps them plain)."""
    shown, id_links = with_links(frame, labels={"incident_number": incident_label})
    st.dataframe(
        shown,
        hide_index=True,
        placeholder=MISSING,
        column_config={**GUN_COLUMNS, **config, **id_links},
    )


ctx = page_context()
viewer, filt = ctx.viewer, ctx.filter

st.title("Trace intelligence")
st.caption(
    f"Crime guns recovered {ctx.period_label} and traced through ATF eTrace; each gun counts once "
    "(its latest trace), for the agency that recovered it."
)
st.info(traces.ATF_CAVEAT, icon=":material/info:")
fired_only = st.toggle(
    "Only guns fired in shootings",
    key="fired",
    bind="query-params",
    help="Guns recovered at a shooting, or linked by a NIBIN lead (not excluded) to a shooting "
    "or shots-fired incident you may see.",
)

ttc = cached(time_to_crime.time_to_crime, viewer, filt, fired_only)
source = cached(traces.sources, viewer, filt, fired_only)
indicators = cached(traces.indicator_counts, viewer, filt, fired_only)
untraced = cached(trace_lists.untraced_nibin_guns, viewer, filt, LIST_LIMIT)
overall = ttc.overall.iloc[0]


out_of_state = source.split.set_index("source").loc["Out of state"]
any_indicator = indicators.set_index("key").loc["any"]
headline = [
    ("Traced guns", headline_text(overall["guns"])),
    ("Median TTC", headline_text(overall["median_years"], "years")),
    ("Under 3 years", headline_text(overall["under_3y_share"], "share")),
    ("Out of state", headline_text(out_of_state["share"], "share")),
    ("With an indicator", headline_text(any_indicator["guns"])),
    (
        "NIBIN, no trace",
        f"{LIST_LIMIT}+" if len(untraced) >= LIST_LIMIT else f"{len(untraced):,}",
    ),
]
for column, (label, value) in zip(tile_columns([h[0] for h in headline]), headline, strict=True):
    column.metric(label, value, border=True)

if not viewer.sees_all_agencies:
    st.caption(
        "Counts of 1–4 that include other agencies' guns are suppressed (shown as <5 or left "
        "empty): trace aggregates beyond your own agency never point at a single gun."
    )
errors = ttc.quality[ttc.quality["traces"].fillna(1) > 0]
if not errors.empty:
    st.warning(
        "Data errors, left out of the time-to-crime figures: "
        + "; ".join(f"{row.issue}: {headline_text(row.traces)}" for row in errors.itertuples())
        + ".",
        icon=":material/report:",
    )

no_traces = overall["guns"] is not pd.NA and int(overall["guns"]) == 0
sources_tab, ttc_tab, indicator_tab, coverage_tab, shootings_tab, search_tab = st.tabs(
    [
        "Source states & dealers",
        "Time-to-crime",
        "Trafficking indicators",
        "Traced share & NIBIN gap",
        "Guns in shootings",
        "Search traces",
    ]
)

with sources_tab:
    if no_traces:
        st.info("No traced guns for this filter.")
    else:
        split = source.split
        for column, row in zip(st.columns(len(split)), split.itertuples(), strict=True):
            column.metric(
                f"{row.source} ({headline_text(row.share, 'share')})", headline_text(row.guns)
            )
        left, right = st.columns([3, 2])
        with left:
            st.markdown("**Source state of the guns** (first retail sale)")
            named = source.states["guns"]  # NA: a suppressed count, some guns
            if named.isna().any() or named.fillna(0).sum() > 0:
                tiles = state_tiles_figure(source.states, traces.HOME_STATE)
                st.plotly_chart(tiles, width="stretch")
            else:  # a map of zeros says nothing
                st.info("No traced gun names the state it was first sold in.")
        with right:
            st.markdown("**Top source states**")
            top_states = top_states_figure(source.states, traces.HOME_STATE)
            if top_states is None:
                st.info(
                    "No source state to rank: the traces name none, or their counts are suppressed."
                )
            else:
                st.plotly_chart(top_states, width="stretch")
        st.markdown("**Top dealers (FFLs)** by crime guns traced to them")
        dealers = cached(traces.top_dealers, viewer, filt, fired_only)
        ranked = dealers[~dealers["suppressed"]]
        if ranked.empty:
            st.info("No dealer to rank: the traces name none, or their counts are suppressed.")
        else:
            st.dataframe(
                ranked.drop(columns="suppressed"),
                hide_index=True,
                placeholder=MISSING,
                column_config={
                    "dealer_ffl": "FFL",
                    "dealer_name": "Dealer",
                    "dealer_state": "State",
                    "guns": st.column_config.NumberColumn("Crime guns"),
                    "short_ttc": st.column_config.NumberColumn("Under 3 years"),
                },
            )
        if len(ranked) < len(dealers):
            st.caption(f"{len(dealers) - len(ranked)} dealers with suppressed counts not listed.")

with ttc_tab:
    if no_traces:
        st.info("No traced guns for this filter.")
    else:
        left, right = st.columns(2)
        with left:
            st.markdown("**Time-to-crime** (red: under 3 years, a trafficking indicator)")
            st.plotly_chart(ttc_histogram_figure(ttc.histogram), width="stretch")
        with right:
            st.markdown("**Per month of recovery**")
            st.plotly_chart(ttc_trend_figure(ttc.by_month), width="stretch")
        st.markdown("**Per agency** (the agency that recovered the gun)")
        st.dataframe(
            whole_percents(
                suppressed_as_text(ttc.by_agency, ["guns", "usable"]).drop(columns="suppressed")
            ),
            hide_index=True,
            placeholder=MISSING,
            column_config={
                "agency": "Agency",
                "guns": "Traced guns",
                "usable": "With a usable time-to-crime",
                "median_years": st.column_config.NumberColumn("Median years", format="%.1f"),
                "under_3y_share": st.column_config.ProgressColumn(
                    "Under 3 years", format="percent", min_value=0.0, max_value=1.0
                ),
            },
        )

with indicator_tab:
    if no_traces:
        st.info("No traced guns for this filter.")
    else:
        st.plotly_chart(indicators_figure(indicators), width="stretch")
        flagged_only = st.toggle("Only guns with at least one indicator", value=True)
        listed = cached(trace_lists.trace_list, viewer, filt, fired_only, flagged_only, LIST_LIMIT)
        cut = " (the first ones)" if len(listed) >= LIST_LIMIT else ""
        st.caption(
            f"{len(listed):,} guns{cut}, most indicators first. For purchaser and serial "
            "number, use the trace search (it asks for a purpose)."
        )
        gun_table(
            listed,
            {
                "trace_number": "Trace",
                "dealer_name": "Dealer",
                "dealer_ffl": "FFL",
                "dealer_state": "State",
                **{
                    key: st.column_config.CheckboxColumn(label)
                    for key, label in traces.INDICATORS.items()
                },
                "indicators": st.column_config.NumberColumn("Indicators"),
            },
        )
        csv_download(listed, "trace-indicators.csv", "traced guns with trafficking indicators")

with coverage_tab:
    st.markdown("**Recovered crime guns traced, per agency**")
    coverage = cached(traces.trace_coverage, viewer, filt)
    if coverage.empty:
        st.info("No recovered firearms for this filter.")
    else:
        counts = ["recovered", "traced", "nibin_entered", "nibin_untraced"]
        st.dataframe(
            whole_percents(suppressed_as_text(coverage, counts).drop(columns="suppressed")),
            hide_index=True,
            placeholder=MISSING,
            column_config={
                "agency": "Agency",
                "recovered": "Recovered guns",
                "traced": "Traced",
                "nibin_entered": "Test fires in NIBIN",
                "nibin_untraced": "In NIBIN, never traced",
                "traced_share": st.column_config.ProgressColumn(
                    "Traced", format="percent", min_value=0.0, max_value=1.0
                ),
                "untraced_share": st.column_config.ProgressColumn(
                    "NIBIN guns untraced", format="percent", min_value=0.0, max_value=1.0
                ),
            },
        )
    st.markdown("**Guns entered into NIBIN with no trace on file** (longest waiting first)")
    st.caption(
        "Closing this gap is one of the centre's aims: in Connecticut over half of the guns "
        "submitted for NIBIN had never been traced."
    )
    if untraced.empty:
        st.success("Every gun with test fires in NIBIN has a trace on file.")
    else:
        gun_table(
            untraced,
            {
                "serial_obliterated": st.column_config.CheckboxColumn("Serial obliterated"),
                "first_nibin_entry": st.column_config.DatetimeColumn(
                    "First NIBIN entry", format="YYYY-MM-DD"
                ),
            },
        )
        csv_download(untraced, "nibin-untraced-guns.csv", "NIBIN-entered guns with no trace")

with shootings_tab:
    st.markdown(
        "**Recovered guns linked by NIBIN to shootings**: which gun fired in which shooting"
    )
    st.caption(
        "Each row is an investigative lead — not a forensic identification — unless the lead "
        "status says an examiner confirmed it."
    )
    links = cached(trace_lists.guns_in_shootings, viewer, filt)
    if links.empty:
        st.info("No recovered gun in this filter is linked by a lead to a shooting.")
    else:
        gun_table(
            links.fillna({"trace_number": "never traced"}),
            {
                "recovering_agency": "Recovered by",
                "trace_number": "Trace",
                "dealer_state": "Source state",
                "lead_status": "Lead status",
                "occurred_at": st.column_config.DatetimeColumn("When", format="YYYY-MM-DD HH:mm"),
                "kind": "Kind",
                "agency": "Shooting's agency",
                "town": "Town",
            },
            incident_label="Shooting",
        )
        csv_download(links, "guns-in-shootings.csv", "recovered guns linked to shootings")

with search_tab:
    st.caption(
        "Search every trace you may see, whatever the period: by purchaser reference, dealer "
        "(FFL number or part of the name) or part of a serial number. Each search is audited "
        "with its purpose."
    )
    purpose = require_purpose("trace")
    if purpose is not None:
        with st.form("trace-search-form"):
            left, middle, right = st.columns(3)
            purchaser = left.text_input("Purchaser reference")
            dealer = middle.text_input("Dealer (FFL or name)")
            serial = right.text_input("Serial number (part)")
            submitted = st.form_submit_button("Search", icon=":material/search:")
        if submitted:
            search = trace_lists.TraceSearch(purchaser, dealer, serial)
            problem = search.problem()
            if problem:
                st.warning(problem)
                st.session_state.pop(SEARCH_KEY, None)
            else:
                found = cached(trace_lists.search_traces, viewer, search)
                audit_search("trace", purpose, search.terms(), rows=len(found))
                st.session_state[SEARCH_KEY] = search
        search = st.session_state.get(SEARCH_KEY)
        if search is not None:
            found = cached(trace_lists.search_traces, viewer, search)
            st.caption(f"{len(found):,} traces match {search.terms()}.")
            gun_table(
                found,
                {
                    "trace_number": "Trace",
                    "requested_at": st.column_config.DatetimeColumn(
                        "Requested", format="YYYY-MM-DD"
                    ),
                    "serial_number": "Serial",
                    "serial_obliterated": st.column_config.CheckboxColumn("Obliterated"),
                    "purchase_date": st.column_config.DateColumn("Purchased"),
                    "dealer_name": "Dealer",
                    "dealer_ffl": "FFL",
                    "dealer_state": "State",
                    "purchaser_ref": "Purchaser",
                    "purchaser_is_possessor": st.column_config.CheckboxColumn(
                        "Purchaser = possessor"
                    ),
                },
            )
