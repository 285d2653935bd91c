"""Audit log (admins): search by user, action, outcome and dates; export what was found.

Each search shown here is itself recorded ('audit-view', with the search and the row count), and
an export goes through ``cgic_ui.exports`` ('export'). Results are read fresh, never cached: the
log of who looked at what must be current.
"""

import json
from dataclasses import asdict
from datetime import date, timedelta

import streamlit as st

from cgic_data import audit
from cgic_data.queries.audit_log import (
    AuditQuery,
    audit_vocabulary,
    count_audit,
    require_auditor,
    search_audit,
)
from cgic_ui.context import page_context
from cgic_ui.exports import csv_download
from cgic_ui.runtime import store
from cgic_ui.tables import MISSING, key_values

SHOWN_ROWS = 1000
EXPORT_ROWS = 50_000

ctx = page_context()
try:
    require_auditor(ctx.viewer)
except PermissionError:
    st.error("Only a lab-wide admin may read the audit log.")
    st.stop()

st.title("Audit log")
st.caption(
    "Every sign-in (ok or failed), page view with its filter, search with its purpose, lead "
    "packet, export, import and account change, and every look at this log. Append-only; kept "
    "at least 365 days. Select a row to read its whole detail."
)

actions, outcomes = audit_vocabulary(store(), ctx.viewer)
with st.container(border=True):
    left, middle, right = st.columns([2, 3, 2])
    username = left.text_input("User", placeholder="username, or its start")
    chosen_actions = middle.multiselect("Actions", actions, placeholder="All actions")
    chosen_outcomes = right.multiselect("Outcomes", outcomes, placeholder="All outcomes")
    from_day, to_day = st.columns(2)
    # The log is in real time (not the demo data's 'today'); a week back by default.
    start = from_day.date_input("From", value=date.today() - timedelta(days=6), key="audit-from")
    end = to_day.date_input("To (inclusive)", value=None, key="audit-to")

query = AuditQuery(
    username=username,
    actions=tuple(chosen_actions),
    outcomes=tuple(chosen_outcomes),
    start=start,
    end=end,
)
total = count_audit(store(), ctx.viewer, query)
rows = search_audit(store(), ctx.viewer, query, limit=SHOWN_ROWS)
audit.record(
    store(),
    ctx.viewer,
    "audit-view",
    detail={"search": asdict(query), "rows_matched": total},
)

st.markdown(
    f"**{total:,}** matching rows"
    + (f"; the newest {SHOWN_ROWS:,} are shown." if total > SHOWN_ROWS else ".")
)
picked = st.dataframe(
    rows.assign(detail=rows["detail"].map(key_values)),  # the CSV keeps the JSON
    hide_index=True,
    placeholder=MISSING,
    width="stretch",
    key="audit-rows",
    on_select="rerun",
    selection_mode="single-row",
    column_config={
        "at": st.column_config.DatetimeColumn("When", format="YYYY-MM-DD HH:mm:ss"),
        "username": "User",
        "agency_code": "Agency",
        "action": "Action",
        "target": "What",
        "outcome": "Outcome",
        "purpose": "Purpose",
        "detail": st.column_config.TextColumn("Detail", width="large"),
    },
)
selected = picked.selection.rows
if selected:
    row = rows.iloc[selected[0]]
    with st.container(border=True):
        st.markdown(f"**{row['action']}** by {row['username']} at {row['at']:%Y-%m-%d %H:%M:%S}")
        detail = row["detail"]
        try:
            st.json(json.loads(detail) if detail else {}, expanded=True)
        except ValueError:
            st.text(detail)
if total:
    export = rows if total <= SHOWN_ROWS else search_audit(store(), ctx.viewer, query, EXPORT_ROWS)
    csv_download(
        export,
        file_name="audit-log.csv",
        what=f"audit log ({min(total, EXPORT_ROWS):,} rows)",
        label="Download CSV" + (f" (newest {EXPORT_ROWS:,})" if total > EXPORT_ROWS else ""),
    )
st.caption("Times are the server's wall-clock time.")
