"""Timeliness scorecard: ATF's critical elements per agency and month, coloured against the goal,
with the trend over all agencies and every agency's figures for the window on one screen."""

import streamlit as st

from cgic_data.metrics import scorecard
from cgic_data.periods import date_range_text
from cgic_ui.context import page_context
from cgic_ui.exports import csv_download
from cgic_ui.figures_trace import scorecard_heatmap, scorecard_trend
from cgic_ui.runtime import cached
from cgic_ui.tables import MISSING, whole_percents

TOP_AGENCIES = 15

ctx = page_context()
window = scorecard.scorecard_window(ctx.filter, ctx.today)
card = cached(scorecard.scorecard, ctx.viewer, window)
goal = scorecard.goal_hours()
measures = {m.column: m for m in scorecard.MEASURES}

st.title("Timeliness scorecard")
span, widened = ctx.period_label, ""
if window.start and window.end:
    first, last = f"{window.start:%b %Y}", f"{window.end:%b %Y}"
    span = first if first == last else f"{first} – {last}"
    if (window.start, window.end) != (ctx.filter.start, ctx.filter.end):
        # Never silently: the grid's whole months reach beyond the sidebar's period.
        widened = (
            f" A month grid needs whole months: the period "
            f"({date_range_text(ctx.filter.start, ctx.filter.end)}) touches {span}, so the "
            f"scorecard counts {date_range_text(window.start, window.end)}."
        )
whose = "each agency" if ctx.viewer.sees_all_agencies else "your agency"
st.caption(
    f"Shooting incidents (shootings and shots fired) of {whose}, by month of the incident, "
    f"{span}. Goal: evidence in NIBIN and the lead in investigators' hands within {goal} "
    f"hours.{widened}"
)

if card.by_agency.empty:
    st.info("No shooting incidents in this window for the current filter.")
else:
    # The options are the labels: a bound widget keeps the shown label in the URL.
    by_label = {m.label: m for m in scorecard.MEASURES}
    chosen = st.selectbox(
        "Colour the grid by",
        options=list(by_label),
        index=list(by_label).index(measures["entry_within_goal_share"].label),
        key="measure",
        bind="query-params",
    )
    measure = by_label[chosen]
    st.caption(f"{measure.help}.")
    agencies = card.by_agency["agency"].tolist()
    if len(agencies) > TOP_AGENCIES and not st.toggle(
        f"All {len(agencies)} agencies", help=f"Off: the {TOP_AGENCIES} with most incidents"
    ):
        agencies = agencies[:TOP_AGENCIES]
    st.plotly_chart(
        scorecard_heatmap(card.by_agency_month, agencies, measure, goal), width="stretch"
    )
    st.caption(
        "Hours: green up to the goal, amber up to twice it, red beyond. Shares: green at 100 %, "
        "red at none. An empty cell had nothing to measure that month."
    )

    st.subheader("Trend, all agencies in view" if ctx.viewer.sees_all_agencies else "Trend")
    st.plotly_chart(scorecard_trend(card.by_month, measure, goal), width="stretch")

    st.subheader(f"{'Every agency' if ctx.viewer.sees_all_agencies else 'Your agency'}, {span}")
    st.dataframe(
        whole_percents(card.by_agency),
        hide_index=True,
        placeholder=MISSING,
        column_order=["agency", "incidents", *measures],  # counts: in the CSV
        column_config={
            "agency": st.column_config.TextColumn("Agency", width="medium"),
            "incidents": st.column_config.NumberColumn("Incidents", width="small"),
            **{
                m.column: st.column_config.NumberColumn(
                    m.label,
                    help=m.help,
                    format="percent" if m.unit == "share" else "%.1f",
                )
                for m in scorecard.MEASURES
            },
        },
    )
    csv_download(card.by_agency_month, "timeliness-scorecard.csv", "timeliness scorecard")
    with st.expander("How each figure is defined"):
        st.markdown(
            "\n".join(f"- **{m.label}**: {m.help}." for m in scorecard.MEASURES)
            + "\n\nMedians are over incidents where both ends are known; a negative interval "
            "(a clock or entry error) is left out. A lead counts for every agency it touches "
            "and once in 'all agencies'. Leads are dated by their issue, incidents by when "
            "they occurred."
        )
