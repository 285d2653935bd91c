"""Command overview: this period against the previous one, trend, active series, timeliness."""

from datetime import timedelta

import streamlit as st

from cgic_data import settings
from cgic_data.definitions import help_text
from cgic_data.periods import date_range_text
from cgic_data.queries import overview
from cgic_data.queries.statewide import statewide_counts
from cgic_ui import links
from cgic_ui.alerts import new_leads_panel
from cgic_ui.bulletin_count import bulletins_line
from cgic_ui.context import compared_with, page_context
from cgic_ui.figures import weekly_trend_figure
from cgic_ui.layout import tile_columns
from cgic_ui.runtime import cached
from cgic_ui.tables import MISSING, whole_percents

TREND_WEEKS = 26

ctx = page_context()
filt = ctx.filter
previous_filter = ctx.previous_filter  # the equivalent previous period (cgic_data.periods)
now = cached(overview.period_counts, ctx.viewer, filt).as_dict()
before = (
    cached(overview.period_counts, ctx.viewer, previous_filter).as_dict()
    if previous_filter
    else None
)

st.title("Command overview")
if previous := ctx.previous_dates():
    st.caption(f"{ctx.period}: {date_range_text(filt.start, filt.end)}, {compared_with(previous)}")
else:
    st.caption(f"{ctx.period_label} (pick a bounded period to compare with the one before)")
labels = overview.PeriodCounts.labels()
for column, key in zip(tile_columns(list(labels.values()), helped=True), labels, strict=True):
    # More shootings is bad news (red); more entries, leads and hits is good (green).
    bad_when_up = key in {"shootings", "victims"}
    column.metric(
        labels[key],
        f"{now[key]:,}",
        delta=None if before is None else now[key] - before[key],
        delta_color="inverse" if bad_when_up else "normal",
        border=True,
        help=help_text(key),
    )

statewide = cached(statewide_counts, ctx.viewer, filt)
if statewide is not None and not ctx.viewer.sees_all_agencies:
    st.markdown(f"**Statewide, all agencies** ({ctx.period_label}) — your figures in context")
    state_labels = {
        "shootings": "Shootings",
        "shots_fired": "Shots fired",
        "gun_recoveries": "Gun recoveries",
        "victims": "Victims shot",
    }
    titles = [f"{label} statewide" for label in state_labels.values()]
    for column, (key, label) in zip(
        tile_columns(titles, helped=True), state_labels.items(), strict=True
    ):
        value = getattr(statewide, key)
        column.metric(
            f"{label} statewide",
            "1–4" if value is None else f"{value:,}",
            border=True,
            help=help_text("statewide_totals"),
        )

bulletins_line(ctx)
new_leads_panel(ctx.viewer)

st.subheader("Weekly trend")
# At least half a year of weeks, so a short period still shows its context.
trend_end = filt.end or ctx.today
trend_start = filt.start and min(filt.start, trend_end - timedelta(weeks=TREND_WEEKS))
trend = cached(overview.weekly_trend, ctx.viewer, filt.with_period(trend_start, filt.end))
if trend.empty:
    st.info("No incidents in this window for the current filter.")
else:
    st.plotly_chart(weekly_trend_figure(trend), width="stretch")

# One table under the other, each the page's full width: side by side, each got half
# and cut its last columns (Agencies, 'Within 48 h') off at a laptop's width.
st.subheader("Most active series")
st.caption("Incidents joined by NIBIN leads; ranked by incidents in the period.")
series = cached(overview.most_active_series, ctx.viewer, filt)
if series.empty:
    st.info("No series with incidents in this period.")
else:
    ids = series["series_id"]
    st.dataframe(
        series.assign(
            series_id=ids.map(lambda s: links.series_url(s, "network")),
            on_map=ids.map(lambda s: links.series_url(s, "map")),
            timeline=ids.map(lambda s: links.series_url(s, "timeline")),
        ),
        hide_index=True,
        placeholder=MISSING,
        column_order=[
            "series_id",
            "on_map",
            "timeline",
            "incidents_in_period",
            "incidents",
            "victims",
            "first",
            "last",
            "agencies",
            "towns",
        ],
        column_config={
            "series_id": links.link_column(
                "Series (first lead)", "series", help="Open its network"
            ),
            "on_map": st.column_config.LinkColumn("Map", display_text="Map"),
            "timeline": st.column_config.LinkColumn("Timeline", display_text="Timeline"),
            "incidents_in_period": st.column_config.NumberColumn("In period"),
            "incidents": st.column_config.NumberColumn("Incidents"),
            "first": st.column_config.DatetimeColumn("First", format="YYYY-MM-DD"),
            "last": st.column_config.DatetimeColumn("Last", format="YYYY-MM-DD"),
            # A long list is cut in its cell (whole on hover) rather than widening the table
            # past the page.
            "agencies": st.column_config.TextColumn("Agencies", width="medium"),
            "towns": st.column_config.TextColumn("Towns", width="medium"),
            "victims": st.column_config.NumberColumn("Victims"),
        },
    )
goal_hours = settings.int_setting(settings.NIBIN_GOAL_HOURS)
st.subheader("NIBIN timeliness")
st.caption(f"Recovery → NIBIN entry of cartridge cases; goal {goal_hours} h.")
timeliness = cached(overview.nibin_timeliness_by_agency, ctx.viewer, filt)
if timeliness.empty:
    st.info("No NIBIN entries for incidents in this period.")
else:
    st.dataframe(
        whole_percents(timeliness),
        hide_index=True,
        placeholder=MISSING,
        column_config={
            "agency": "Agency",
            "entries": st.column_config.NumberColumn("Entries"),
            "median_days": st.column_config.NumberColumn("Median days", format="%.1f"),
            "within_goal_share": st.column_config.ProgressColumn(
                f"Within {goal_hours} h", format="percent", min_value=0.0, max_value=1.0
            ),
        },
    )
