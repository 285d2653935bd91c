"""'New since your last visit': the viewer's last visit, and the live list of new leads.

The last visit is fixed once per browser session (kept in ``st.session_state``) so the list does
not empty itself while the user reads it: the user's previous sign-in when the store knows it
(``queries.alerts.previous_sign_in``), else when this session signed in, else when it began.
"""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from cgic_data.queries import alerts
from cgic_data.scope import Viewer
from cgic_ui import links
from cgic_ui.runtime import cached, store
from cgic_ui.session import SESSION_KEY
from cgic_ui.tables import MISSING

LAST_VISIT_KEY = "cgic_last_visit"


def last_visit(viewer: Viewer) -> datetime:
    """When ``viewer`` last visited, as decided at the start of this session (see module)."""
    known: tuple[str, datetime] | None = st.session_state.get(LAST_VISIT_KEY)
    if known is None or known[0] != viewer.username:
        session = st.session_state.get(SESSION_KEY)
        since = (
            alerts.previous_sign_in(store(), viewer.username)
            or getattr(session, "signed_in_at", None)
            or datetime.now()
        )
        known = (viewer.username, since)
        st.session_state[LAST_VISIT_KEY] = known
    return known[1]


@st.fragment(run_every="60s")
def new_leads_panel(viewer: Viewer) -> None:
    """Leads touching the viewer's agency that are new or grew since the last visit; reruns
    every minute on its own, so a lead imported now shows up without reloading the page (within
    the query cache's lifetime, ``CGIC_CACHE_TTL``)."""
    since = last_visit(viewer)
    fresh = cached(alerts.new_leads_since, viewer, since)
    whose = "any agency" if viewer.sees_all_agencies else "your agency"
    st.subheader("New since your last visit")
    st.caption(
        f"Leads touching {whose}, issued or grown since {since:%b %d, %Y %H:%M}. "
        "Refreshes every minute."
    )
    if fresh.empty:
        st.caption("No new or grown leads.")
        return
    shown, lead_links = links.with_links(fresh)  # each lead number opens its packet
    st.dataframe(
        shown,
        hide_index=True,
        placeholder=MISSING,
        column_config={
            **lead_links,
            "change": "New / grew",
            "label": st.column_config.TextColumn("What it is", width="medium"),
            "issued_at": st.column_config.DatetimeColumn("Issued", format="YYYY-MM-DD HH:mm"),
            "last_added_at": st.column_config.DatetimeColumn(
                "Last item added", format="YYYY-MM-DD HH:mm"
            ),
            "incidents": st.column_config.NumberColumn("Incidents"),
            "incidents_added": st.column_config.NumberColumn("Incidents added"),
            "agencies": "Agencies",
            "towns": "Towns",
        },
    )
