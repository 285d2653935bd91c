"""Lab backlog: whether the lab's backlog grows or shrinks, where, and why (the lab director's page).

Headline numbers are a state as of the end of the chosen period (never after today) and the flows
over the period, against the end of and the flows over the equivalent previous period
(``cgic_data.periods``; all dates: the last 30 days against the 30 before), so the headline and the
period's tables count the same completions. Charts cover the period, widened so a short period
still shows its trend.
Definitions live in cgic_data.metrics.backlog / throughput / turnaround / nibin_timeliness.
"""

from datetime import date, timedelta

import streamlit as st

from cgic_data.metrics import backlog, nibin_timeliness, throughput, turnaround
from cgic_data.metrics.backlog import AGE_BUCKETS, WINDOW_DAYS, LabFilter
from cgic_data.periods import date_range_text, days_before, previous_period
from cgic_data.schema import Discipline, Priority
from cgic_ui import figures_backlog as fb
from cgic_ui import links
from cgic_ui.context import page_context
from cgic_ui.exports import csv_download
from cgic_ui.layout import tile_columns
from cgic_ui.runtime import cached, cached_figure
from cgic_ui.tables import MISSING, whole_percents

FLOW_WEEKS = 26  # the intake chart shows at least this many weeks
TREND_DAYS = 365  # monthly trends show at least a year
GRAIN_LABELS = {"week": "Weekly", "month": "Monthly"}

ctx = page_context()
viewer, filt = ctx.viewer, ctx.filter
as_of = backlog.snapshot_date(filt, ctx.today)
limit = backlog.backlog_days()
goal = nibin_timeliness.goal_hours()


def widened(days: int) -> date | None:
    """The chart start: the period's start, or earlier to cover ``days``; None for all dates."""
    return filt.start and min(filt.start, as_of - timedelta(days=days))


def month_of(day: date | None) -> date | None:
    return day and day.replace(day=1)


st.title("Lab backlog")
# One flowing row: the chart-grain control takes the width its two buttons need (a fixed sixth
# of the row cut "Monthly" off at a laptop's width), the pickers share the rest.
controls = st.container(horizontal=True)
disciplines = controls.multiselect(
    "Disciplines",
    options=list(Discipline),
    format_func=str,
    key="discipline",
    bind="query-params",
    placeholder="All disciplines",
)
priorities = controls.multiselect(
    "Priorities",
    options=list(Priority),
    format_func=str,
    key="priority",
    bind="query-params",
    placeholder="All priorities",
)
grain = controls.segmented_control(
    "Chart by",
    options=list(GRAIN_LABELS),
    format_func=GRAIN_LABELS.get,
    default="week",
    required=True,
    key="grain",
    bind="query-params",
)
lab = LabFilter(tuple(disciplines), tuple(priorities))
if filt.start is not None:  # flows over the period (to as_of), against the equivalent before it
    window_start = min(filt.start, as_of)
    window, short = "in the period", "period"
else:  # all dates: a rate needs a window, so the last 30 days, and named so
    window_start = as_of - timedelta(days=WINDOW_DAYS - 1)
    window, short = f"in the last {WINDOW_DAYS} days", f"{WINDOW_DAYS} d"
previous_start, previous_day = previous_period(
    window_start, as_of, ctx.kind if filt.start else "days"
) or days_before(window_start, as_of)
now = cached(backlog.snapshot, viewer, filt, lab, as_of, window_start)
before = cached(backlog.snapshot, viewer, filt, lab, previous_day, previous_start)
scope_note = "" if viewer.sees_all_agencies else " Your agency's requests only."
st.caption(
    f"As of the end of **{as_of:%b %d, %Y}** against the end of {previous_day:%b %d, %Y}; "
    f"received and completed count {date_range_text(window_start, as_of)}, compared with "
    f"{date_range_text(previous_start, previous_day)}. Backlog: open more than {limit} days "
    f"since receipt (a re-opened request counts from its re-opening).{scope_note}"
)

if now.open_requests + now.received + now.completed + before.open_requests + before.completed == 0:
    st.info("No lab requests open or moving in this window for the current filter.")
    st.stop()

flow_start = widened(7 * FLOW_WEEKS)
flow = cached(throughput.flow_by_period, viewer, filt, lab, flow_start, as_of, grain)
totals = flow.groupby("period")[["open_at_end", "backlog_at_end"]].sum()
vs = f"vs {previous_day:%b %d}"
# Short enough for a quarter-width tile (the caption above names the exact dates).
vs_flows = f"vs {previous_start:%b %d} – {previous_day:%b %d}"
state = tile_columns(
    ["Open requests", f"Backlog (> {limit} days)", "Average age of backlog", "Oldest open request"],
    helped=True,
)
for column, (label, value, old, spark) in zip(
    state,
    [
        ("Open requests", now.open_requests, before.open_requests, "open_at_end"),
        (f"Backlog (> {limit} days)", now.backlog, before.backlog, "backlog_at_end"),
    ],
    strict=False,
):
    column.metric(
        label,
        f"{value:,}",
        delta=value - old,
        delta_color="inverse",
        delta_description=vs,
        chart_data=totals[spark].tolist(),
        chart_type="area",
        help=f"The line: at the end of each {grain} of the intake chart below",
        border=True,
        height="stretch",
    )
for column, (label, value, old, help_text) in zip(
    state[2:],
    [
        (
            "Average age of backlog",
            now.backlog_mean_age_days,
            before.backlog_mean_age_days,
            "Mean whole days since receipt (or re-opening) of the requests in the backlog",
        ),
        ("Oldest open request", now.oldest_open_days, before.oldest_open_days, None),
    ],
    strict=True,
):
    column.metric(
        label,
        fb.days_text(value),
        delta=None if value is None or old is None else round(value - old),
        delta_color="inverse",
        delta_description=vs,
        help=help_text,
        border=True,
        height="stretch",
    )
flows = tile_columns(
    [
        f"Received {window}",
        f"Completed {window}",
        f"Completed within {limit} days",
        "Days to clear backlog",
    ],
    helped=True,
)
flows[0].metric(
    f"Received {window}",
    f"{now.received:,}",
    delta=now.received - before.received,
    delta_color="off",
    delta_description=vs_flows,
    help=f"Plus {now.reopened:,} re-opened" if now.reopened else None,
    border=True,
)
flows[1].metric(
    f"Completed {window}",
    f"{now.completed:,}",
    delta=now.completed - before.completed,
    delta_description=vs_flows,
    border=True,
)
share, old_share = now.completed_within_share, before.completed_within_share
flows[2].metric(
    f"Completed within {limit} days",
    "—" if share is None else f"{share:.0%}",
    delta=None if share is None or old_share is None else f"{(share - old_share) * 100:+.0f} pts",
    delta_description=vs_flows,
    help=f"Of the completions {window}, the share done within {limit} days of receipt",
    border=True,
)
flows[3].metric(
    "Days to clear backlog",
    fb.days_text(now.days_to_clear, never="never at this rate"),
    delta=None
    if now.days_to_clear is None or before.days_to_clear is None
    else round(now.days_to_clear - before.days_to_clear),
    delta_color="inverse",
    delta_description=vs,
    help=f"Backlog ÷ completions per day {window} ({now.window_days} days), if no new work came in",
    border=True,
)
st.markdown(fb.verdict(now, before, limit))

st.subheader("Where the backlog changed")
change_config = {
    "group": None,
    "open_requests": st.column_config.NumberColumn("Open"),
    "backlog": st.column_config.NumberColumn(f"Backlog (> {limit} d)"),
    "backlog_before": st.column_config.NumberColumn(f"Backlog {previous_day:%b %d}"),
    "backlog_change": st.column_config.NumberColumn("Change", format="%+d"),
    "received": st.column_config.NumberColumn(f"Received ({short})"),
    "reopened": st.column_config.NumberColumn("Re-opened"),
    "completed": st.column_config.NumberColumn(f"Completed ({short})"),
    "net_intake": st.column_config.NumberColumn(
        "Net intake", format="%+d", help="Received + re-opened − completed: above 0, work piles up"
    ),
}
for tab, by, title in zip(
    st.tabs(["By discipline", "By submitting agency"]),
    ["discipline", "agency"],
    ["Discipline", "Agency"],
    strict=True,
):
    change = cached(
        backlog.backlog_change_by, viewer, filt, lab, as_of, by, window_start, previous_day
    )
    oldest: dict[str, object] = {}
    if by == "agency" and not change.empty:
        # One click from an agency's row to its own oldest open requests (the sidebar's agency
        # filter, set by the link) at the bottom of this page.
        # Most old requests first: the agency to call about its backlog is the top row.
        change = change.sort_values(
            ["backlog", "open_requests", "group"], ascending=[False, False, True], ignore_index=True
        )
        change = change.assign(oldest=[links.oldest_requests_url(n) for n in change["group"]])
        oldest = {"oldest": st.column_config.LinkColumn("Oldest", display_text="Oldest open")}
    tab.dataframe(
        change,
        hide_index=True,
        placeholder=MISSING,
        column_config={**change_config, "group": title, **oldest},
        column_order=[
            "group",
            *oldest,
            *(c for c in change.columns if c not in ("group", *oldest)),
        ],
        height="auto" if len(change) <= 10 else 400,
    )

st.subheader("Intake vs. completions")
st.caption(
    "Bars: requests in (received, re-opened) and out (completed) per "
    f"{'week (Monday)' if grain == 'week' else 'month'}; lines (right axis): open requests and "
    f"backlog at the end of each (the last one runs to {as_of:%b %d}). When completions trail "
    "intake, the open line climbs."
)
st.plotly_chart(cached_figure(fb.flow_figure, flow, grain, limit), width="stretch")

st.subheader(f"Open requests by age on {as_of:%b %d, %Y}")
buckets_note = ", ".join(f"{label} days" for label, _ in AGE_BUCKETS)
st.caption(f"Age since receipt (or re-opening), in whole days: {buckets_note}.")
for by, title in [("discipline", "discipline"), ("agency", "submitting agency")]:
    by_age = cached(backlog.open_by_age, viewer, filt, lab, as_of, by)
    st.markdown(f"**By {title}**")
    if by_age.empty:
        st.info("Nothing open.")
    else:
        st.plotly_chart(cached_figure(fb.age_figure, by_age), width="stretch")

st.subheader("Turnaround: receipt → completion")
split_col, _ = st.columns([1, 3])
split = split_col.segmented_control(
    "Split by",
    options=["discipline", "priority"],
    format_func=str.capitalize,
    default="discipline",
    required=True,
    key="split",
    bind="query-params",
)
trend_start = month_of(widened(TREND_DAYS))
turnarounds = cached(
    turnaround.turnaround_summary, viewer, filt, lab, trend_start, filt.start, as_of, split
)
monthly = turnarounds.by_month
period_text = ctx.period_label if filt.start else "all dates"
if monthly.empty:
    st.info("No completions in this window.")
else:
    st.caption(
        "Whole calendar days per month of completion: median (solid) and 90th percentile "
        "(dashed). Hover a point for that month's distribution."
    )
    st.plotly_chart(cached_figure(fb.turnaround_figure, monthly, limit), width="stretch")
    overall = turnarounds.overall
    st.markdown(f"**Completions in the period** ({period_text})")
    st.dataframe(
        whole_percents(overall[["group", *turnaround.SUMMARY_COLUMNS]]),
        hide_index=True,
        placeholder=MISSING,
        column_config={
            "group": split.capitalize(),
            "completed": st.column_config.NumberColumn("Completed"),
            "median_days": st.column_config.NumberColumn("Median days", format="%.1f"),
            "p90_days": st.column_config.NumberColumn("P90 days", format="%.1f"),
            "within_limit_share": st.column_config.ProgressColumn(
                f"Within {limit} days", format="percent", min_value=0.0, max_value=1.0
            ),
        },
    )

st.subheader("NIBIN timeliness")
st.caption(
    f"Cartridge cases and test fires entered into NIBIN, against the {goal} h goal: from "
    "recovery (a test fire: its gun's) and from the lab's receipt."
)
nibin = cached(nibin_timeliness.timeliness, viewer, filt, lab, trend_start, filt.start, as_of)
by_agency = nibin.by_agency
if by_agency.empty:
    st.info(f"No NIBIN entries in the period ({period_text}) for the current filter.")
else:
    distribution, trend = nibin.distribution, nibin.trend
    left, right = st.columns(2)
    left.markdown(f"**Time to entry** ({period_text})")
    left.plotly_chart(
        cached_figure(fb.entry_distribution_figure, distribution, goal), width="stretch"
    )
    right.markdown(f"**Share within {goal} h per month**")
    right.plotly_chart(cached_figure(fb.entry_trend_figure, trend, goal), width="stretch")
    share = st.column_config.ProgressColumn
    st.markdown(f"**Per submitting agency** ({period_text})")
    st.dataframe(
        whole_percents(by_agency),
        hide_index=True,
        placeholder=MISSING,
        column_config={
            "agency": "Agency",
            "entries": st.column_config.NumberColumn("Entries"),
            "recovery_median_hours": st.column_config.NumberColumn(
                "Recovery → entry, median h", format="%.0f"
            ),
            "recovery_within_share": share(
                f"Recovery → entry ≤ {goal} h", format="percent", min_value=0.0, max_value=1.0
            ),
            "receipt_median_hours": st.column_config.NumberColumn(
                "Receipt → entry, median h", format="%.0f"
            ),
            "receipt_within_share": share(
                f"Receipt → entry ≤ {goal} h", format="percent", min_value=0.0, max_value=1.0
            ),
        },
    )

st.subheader("Oldest open requests", anchor="oldest-open-requests")
chosen = st.pills(
    "Age",
    options=[label for label, _ in AGE_BUCKETS],
    format_func=lambda label: f"{label} days",
    selection_mode="multi",
    key="age",
    bind="query-params",
    help="Pick age buckets to drill into; none picked: every open request",
)
table = cached(backlog.open_requests, viewer, filt, lab, as_of, tuple(chosen))
if table.empty:
    st.info("No open requests in these age buckets.")
else:
    st.caption(f"{len(table):,} open requests on {as_of:%b %d, %Y}, oldest first.")
    shown, case_links = links.with_links(table)  # lab case and incident open their record
    # The age bucket repeats the age (the pills above pick by it) and re-opening is rare: both
    # stay in the CSV, and a column of blanks is not shown.
    columns = [c for c in shown.columns if c != "age_bucket"]
    if shown["reopened_at"].isna().all():
        columns.remove("reopened_at")
    st.dataframe(
        shown,
        column_order=columns,
        hide_index=True,
        placeholder=MISSING,
        height=420,
        column_config={
            **case_links,
            "discipline": "Discipline",
            "priority": st.column_config.TextColumn("Priority", width=80),
            "agency": "Submitting agency",
            "received_at": st.column_config.DatetimeColumn("Received", format="YYYY-MM-DD"),
            "reopened_at": st.column_config.DatetimeColumn("Re-opened", format="YYYY-MM-DD"),
            "status": "Status",
            "age_days": st.column_config.NumberColumn("Age (days)"),
            "age_bucket": "Age bucket",
        },
    )
    csv_download(table, f"open-lab-requests-{as_of:%Y-%m-%d}.csv", "open lab requests")
