"""Leads: the triage queue, the table of leads and the table of series; every row opens its packet."""

import pandas as pd
import streamlit as st

from cgic_data import lead_labels, leadwork
from cgic_data.definitions import figure, help_text
from cgic_data.queries import series_table
from cgic_data.queries.leads import LeadFilter
from cgic_data.queries.series_table import SeriesFilter
from cgic_data.schema import LeadStatus
from cgic_ui import links
from cgic_ui.context import page_context
from cgic_ui.lead_exports import deferred_download
from cgic_ui.lead_picker import view_params
from cgic_ui.packet_export import readable
from cgic_ui.runtime import cached, store
from cgic_ui.tables import MISSING

PACKET = "pages/packet.py"
# Age choice -> (min, max) whole days since issue.
AGES = {
    "Any age": (None, None),
    "Issued in the last 2 days": (None, 2),
    "In the last 7 days": (None, 7),
    "In the last 30 days": (None, 30),
    "Older than 30 days": (31, None),
}
STATUS_NAMES = [s.value for s in LeadStatus]
RECENT_DAYS = {"Within 30 days": 30, "Within 90 days": 90, "Within a year": 365}

ctx = page_context()
st.title("Leads")
st.caption(
    f"NIBIN leads issued {ctx.period_label} that link incidents in the sidebar filter, and the "
    f"series they join. Until an examiner confirms it, every lead is an "
    f"**{lead_labels.UNCONFIRMED_LABEL}**."
)

status_col, age_col, size_col, work_col = st.columns([3, 2, 2, 3])  # labels on one line
statuses = status_col.multiselect(
    "Status", STATUS_NAMES, key="lead_status", bind="query-params", placeholder="All statuses"
)
age = age_col.selectbox("Age", list(AGES), key="lead_age", bind="query-params")
min_size = size_col.number_input(
    "Min. series size", min_value=1, max_value=50, value=1, key="series_min", bind="query-params"
)
states = work_col.multiselect(
    "Work state",
    list(leadwork.WORK_STATES),
    key="work_state",
    bind="query-params",
    placeholder="Any",
    help="New: you never opened it. Growing: items joined it since you last opened it. "
    "Unassigned: no investigator. Stale: open, no follow-up "
    f"{leadwork.STALE_AFTER_DAYS} days after issue.",
)
min_age, max_age = AGES.get(age, (None, None))
lead_filter = LeadFilter(
    statuses=tuple(LeadStatus(s) for s in statuses),
    min_age_days=min_age,
    max_age_days=max_age,
    min_series_size=int(min_size),
)
user_id = leadwork.user_id_for(store(), ctx.viewer.username)
queue = cached(
    leadwork.lead_queue,
    ctx.viewer,
    ctx.filter,
    lead_filter,
    ctx.today,
    user_id,
    tuple(states),
    leadwork.seen_stamp(store(), user_id),
    leadwork.PAGE_ROWS,
)
WORK_HELP = "Your own lead work (see 'Work state' above)."
counts = [
    (figure("leads_issued").label, queue.counts.leads, help_text("leads_issued")),
    (figure("open_for_triage").label, queue.counts.open, help_text("open_for_triage")),
    ("New to you", queue.counts.new, WORK_HELP),
    ("Growing", queue.counts.growing, WORK_HELP),
    ("Unassigned", queue.counts.unassigned, WORK_HELP),
    ("Stale", queue.counts.stale, WORK_HELP),
    (
        figure("issued_now_confirmed").label,
        queue.counts.confirmed,
        help_text("issued_now_confirmed"),
    ),
]
# The period's figures, then the signed-in user's own work: two rows, so no label is clipped.
figures, work = [counts[0], counts[1], counts[6]], counts[2:6]
for row in (figures, work):
    for column, (label, value, hint) in zip(st.columns(4), row, strict=False):
        column.metric(label, f"{value:,}", border=True, help=hint)
if user_id is None:
    st.caption("New / growing need a user account: not tracked for this session.")

VIEWS = ("packet", "map", "timeline")
VIEW_LINKS = {
    "map": st.column_config.LinkColumn(
        "Map", display_text="Map", help="Every incident it links, on the map (all dates)"
    ),
    "timeline": st.column_config.LinkColumn("Timeline", display_text="Timeline"),
}
LEAD_CONFIG = {
    "packet": links.link_column("Lead", "lead", help="Open the lead packet"),
    **VIEW_LINKS,
    "score": st.column_config.ProgressColumn(
        "Urgency", min_value=0, max_value=115, format="%.0f", help="Triage score (see below)"
    ),
    "work": st.column_config.TextColumn("Work state", width="medium"),
    "status": st.column_config.TextColumn(
        "Status",
        help=f"open: {lead_labels.UNCONFIRMED_LABEL}; confirmed hit: "
        f"{lead_labels.CONFIRMED_LABEL}; excluded: {lead_labels.EXCLUDED_LABEL}. "
        "Exports carry the full label on every row.",
    ),
    "issued_at": st.column_config.DatetimeColumn("Issued", format="YYYY-MM-DD HH:mm"),
    "days_since_issued": st.column_config.NumberColumn("Days", help="Days since issued"),
    "incidents": st.column_config.NumberColumn("Incidents"),
    "agencies": "Agencies",
    "towns": "Towns",
    "calibers": "Calibers",
    "victims": st.column_config.NumberColumn("Victims"),
    "recovered_firearm": st.column_config.CheckboxColumn("Gun recovered"),
    "codis_hits": st.column_config.NumberColumn("CODIS hits"),
    "afis_hits": st.column_config.NumberColumn("AFIS hits"),
    "series_id": "Series",
    "series_size": st.column_config.NumberColumn("Series size"),
    "assigned_to": "Assigned to",
    "follow_up_status": "Follow-up",
    "outcome": "Outcome",
    "last_item_added_at": st.column_config.DatetimeColumn("Last added", format="YYYY-MM-DD"),
}
TRIAGE_COLUMNS = [
    "packet", "map", "timeline", "score", "status", "work", "issued_at", "incidents", "series_size", "victims",
    "recovered_firearm", "codis_hits", "afis_hits", "agencies", "towns", "assigned_to",
    "follow_up_status",
]  # fmt: skip
ALL_COLUMNS = [
    "packet", "map", "timeline", "status", "issued_at", "days_since_issued", "incidents", "agencies",
    "towns", "calibers", "assigned_to", "follow_up_status", "outcome",
    "work", "series_id", "series_size", "victims", "recovered_firearm", "codis_hits", "afis_hits",
]  # fmt: skip
EXPORT_COLUMNS = [
    "lead_number", "status", "label", "issued_at", "days_since_issued", "incidents", "agencies",
    "towns", "calibers", "first_incident", "last_incident", "victims", "recovered_firearm",
    "codis_hits", "afis_hits", "series_id", "series_size", "assigned_to", "assigned_at",
    "follow_up_status", "outcome", "last_follow_up_at", "last_item_added_at", "work", "score",
]  # fmt: skip


def open_selected(frame: pd.DataFrame, event: object, param: str, column: str) -> None:
    """A selected row opens its packet in this tab (the link column opens it in a new one)."""
    rows = getattr(getattr(event, "selection", None), "rows", None) or []
    if rows:
        st.switch_page(PACKET, query_params=view_params(param, str(frame.iloc[rows[0]][column])))


def with_links(frame: pd.DataFrame, kind: str, column: str) -> pd.DataFrame:
    """``frame`` with ``packet``, ``map`` and ``timeline`` links per row (shown rows only: at
    most a page of them): one click from a row to any view of its lead or series."""
    make = links.lead_url if kind == "lead" else links.series_url
    return frame.assign(
        **{page: frame[column].map(lambda key, page=page: make(key, page)) for page in VIEWS}
    )


def shown_caption(shown: int, total: int, noun: str) -> None:
    """Say when a table shows only its first rows."""
    if total > shown:
        st.caption(
            f"Showing {shown:,} of {total:,} {noun} — narrow the filter or export all below."
        )


def lead_rows(frame: pd.DataFrame, columns: list[str], key: str) -> None:
    """A table of leads; selecting a row opens its packet."""
    picked = st.dataframe(
        frame,
        hide_index=True,
        placeholder=MISSING,
        column_order=columns,
        column_config=LEAD_CONFIG,
        on_select="rerun",
        selection_mode="single-row",
        key=key,
    )
    open_selected(frame, picked, "lead", "lead_number")


def series_filter_now() -> SeriesFilter:
    """The Series tab's filter: its widgets' values (defaults until the tab was opened)."""
    recent = st.session_state.get("series_recent", "Any time")
    return SeriesFilter(
        min_size=int(st.session_state.get("series_size", 2)),
        max_days_since_last=RECENT_DAYS.get(recent),
    )


triage_tab, leads_tab, series_tab = st.tabs(
    ["Triage", "All leads", "Series"], key="leads_tab", bind="query-params"
)
if triage_tab.open:
    with triage_tab:
        open_leads = with_links(queue.triage, "lead", "lead_number")
        st.caption(
            "Open leads (not excluded, follow-up not closed), most urgent first. Select a row to "
            "open its packet."
        )
        if open_leads.empty:
            st.info("No open leads for this filter.")
        else:
            shown_caption(len(open_leads), queue.counts.open, "open leads")
            lead_rows(open_leads, TRIAGE_COLUMNS, "triage_table")
        with st.expander("How urgency is scored"):
            st.markdown(leadwork.triage_scores.__doc__ or "")

if leads_tab.open:
    with leads_tab:
        newest_first = with_links(queue.newest, "lead", "lead_number")
        if newest_first.empty:
            st.info("No leads for this filter.")
        else:
            shown_caption(len(newest_first), queue.counts.leads, "leads")
            lead_rows(newest_first, ALL_COLUMNS, "leads_table")

if series_tab.open:
    with series_tab:
        series_size_col, recent_col = st.columns([1, 3])
        series_size_col.number_input(
            "Min. incidents",
            min_value=2,
            max_value=50,
            value=2,
            key="series_size",
            bind="query-params",
        )
        recent_col.selectbox(
            "Last incident",
            ["Any time", *RECENT_DAYS],
            key="series_recent",
            bind="query-params",
        )
        page = cached(
            series_table.series_page,
            ctx.viewer,
            ctx.filter,
            series_filter_now(),
            ctx.today,
            leadwork.PAGE_ROWS,
        )
        series = with_links(page.rows, "series", "series_id")
        st.caption(
            "Incidents joined transitively by leads an examiner has not excluded, named after "
            "their lowest lead number; counted over the incidents you may see. Select a row to "
            "open it."
        )
        if series.empty:
            st.info("No series for this filter.")
        else:
            shown_caption(len(series), page.total, "series")
            picked = st.dataframe(
                series,
                hide_index=True,
                placeholder=MISSING,
                column_order=[
                    "packet",
                    "map",
                    "timeline",
                    "incidents",
                    "leads",
                    "first_incident",
                    "last_incident",
                    "span_days",
                    "agencies",
                    "towns",
                    "victims",
                    "confirmed_hits",
                    "recovered_firearm",
                    "codis_hits",
                    "afis_hits",
                    "lead_numbers",
                ],
                column_config={
                    "packet": links.link_column("Series", "series"),
                    **VIEW_LINKS,
                    "incidents": st.column_config.NumberColumn("Incidents"),
                    "leads": st.column_config.NumberColumn("Leads"),
                    "first_incident": st.column_config.DatetimeColumn("First", format="YYYY-MM-DD"),
                    "last_incident": st.column_config.DatetimeColumn("Last", format="YYYY-MM-DD"),
                    "span_days": st.column_config.NumberColumn("Span (days)"),
                    "agencies": "Agencies",
                    "towns": "Towns",
                    "victims": st.column_config.NumberColumn("Victims"),
                    "confirmed_hits": st.column_config.NumberColumn("Confirmed hits"),
                    "recovered_firearm": st.column_config.CheckboxColumn("Gun recovered"),
                    "codis_hits": st.column_config.NumberColumn("CODIS hits"),
                    "afis_hits": st.column_config.NumberColumn("AFIS hits"),
                    "lead_numbers": "Lead numbers",
                },
                on_select="rerun",
                selection_mode="single-row",
                key="series_table",
            )
            open_selected(series, picked, "series", "series_id")

# --- exports: every row, built only when a download is clicked --------------------------------
st.divider()
engine, viewer, filt, today = store(), ctx.viewer, ctx.filter, ctx.today
series_filter = series_filter_now()


def lead_export() -> pd.DataFrame:
    table = leadwork.work_queue(
        engine, viewer, filt, lead_filter, today, user_id, states=tuple(states)
    )
    return readable(table[EXPORT_COLUMNS])


def series_export() -> pd.DataFrame:
    return readable(series_table.series_table(engine, viewer, filt, series_filter, today))


st.caption("Exports hold every matching row; the file is built when you click.")
with st.container(horizontal=True):  # buttons side by side, not spread over thirds
    deferred_download("Leads CSV", "leads.csv", "leads table", lead_export, viewer, filt)
    deferred_download("Series CSV", "series.csv", "series table", series_export, viewer, filt)
    deferred_download(
        "Leads and series (Excel)",
        "leads-and-series.xlsx",
        "leads and series tables",
        lambda: {"Leads": lead_export(), "Series": series_export()},
        viewer,
        filt,
    )
