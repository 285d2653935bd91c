"""The lead-or-series picker shared by the timeline and network pages, bound to the URL.

URL parameters: ``lead`` (a lead number), ``series`` (a series id, or any lead number in the
series) and ``show`` (Lead / Series, only when it differs from what the link implies). So
``?lead=X`` or ``?series=Y`` opens the same view for whoever the link is sent to, within what
that person may see. Both pages use the same keys, so switching page keeps the selection.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, time

import streamlit as st
from streamlit.errors import StreamlitAPIException

from cgic_data import audit
from cgic_data.lead_labels import EXCLUDED_LABEL, UNCONFIRMED_LABEL
from cgic_data.queries import lead_selection
from cgic_data.queries.lead_selection import LeadSelection
from cgic_ui.context import PageContext
from cgic_ui.navigation import PAGES
from cgic_ui.runtime import cached, store

LEAD, SERIES = "Lead", "Series"
# The pages that open a lead or series from the URL (same parameters), for cross links.
LEAD_PAGES = {
    "packet": ("pages/packet.py", "Lead packet", ":material/folder_open:"),
    "timeline": ("pages/timeline.py", "Lead timeline", ":material/timeline:"),
    "network": ("pages/network.py", "Series network", ":material/hub:"),
}
AUDITED_KEY = "cgic_lead_views_audited"


def reference_now(ctx: PageContext) -> datetime:
    """Up to when open gaps run: now, or the end of the demo store's 'today' (to the minute,
    so the cached result is reused within a minute)."""
    now = datetime.now().replace(second=0, microsecond=0)
    return now if ctx.today == now.date() else datetime.combine(ctx.today, time(23, 59))


def pick(ctx: PageContext, page: str, default_view: str = LEAD) -> LeadSelection | None:
    """Draw the picker; return what the viewer may see of the chosen lead or series (or None)."""
    lead, series = st.query_params.get("lead"), st.query_params.get("series")
    if lead and not series:
        default_view = LEAD
    elif series and not lead:
        default_view = SERIES
    left, right = st.columns([1, 3], vertical_alignment="bottom")
    view = left.radio(
        "Show",
        [LEAD, SERIES],
        index=[LEAD, SERIES].index(default_view),
        key="show",
        bind="query-params",
        horizontal=True,
    )
    filt = ctx.filter
    if view == LEAD:
        options = cached(lead_selection.lead_choices, ctx.viewer, filt)["lead_number"].tolist()
        noun = "lead"
    else:
        options = cached(lead_selection.series_choices, ctx.viewer, filt)["series_id"].tolist()
        noun = "series"
    chosen = right.selectbox(
        f"{view} number",
        options,
        index=None,
        key=noun,
        bind="query-params",
        accept_new_options=True,
        placeholder=f"Type or pick a {noun} number",
        help=f"{len(options):,} {noun} linking incidents in the sidebar filter, newest first. "
        "Type any other number to open it; the URL keeps the choice, so a link opens this view.",
    )
    if not chosen:
        st.info(
            f"Pick a {noun} above ({len(options):,} match the sidebar filter), or open one from "
            "the Leads page."
        )
        return None
    kind = "lead" if view == LEAD else "series"
    selection = cached(lead_selection.select_view, ctx.viewer, kind, str(chosen))
    if selection is None:
        st.warning(f"No {noun} {chosen} that you may see.", icon=":material/search_off:")
        return None
    _audit_once(ctx, page, selection)
    return selection


def _audit_once(ctx: PageContext, page: str, selection: LeadSelection) -> None:
    """Record the first view of each lead or series per session and page (not every rerun)."""
    seen: set[tuple[str, str, str]] = st.session_state.setdefault(AUDITED_KEY, set())
    marker = (page, selection.kind, selection.asked_for)
    if marker in seen:
        return
    audit.record(
        store(),
        ctx.viewer,
        "view",
        target=f"{page}: {selection.kind} {selection.asked_for}",
        detail={"series": selection.series_id, "incidents": len(selection.incident_ids)},
    )
    seen.add(marker)


def label_unconfirmed(selection: LeadSelection) -> None:
    """The label every unconfirmed lead carries until an examiner confirms it as a hit."""
    pending = selection.unconfirmed_leads
    if selection.excluded_leads:
        st.error(
            f"Lead {selection.excluded_leads[0]}: **{EXCLUDED_LABEL}**. It links nothing.",
            icon=":material/block:",
        )
        return
    if not pending:
        st.success(
            "Every lead shown is confirmed as a hit by an examiner.", icon=":material/verified:"
        )
        return
    if selection.kind == "lead":
        text = f"Lead {pending[0]}: **{UNCONFIRMED_LABEL}** (not confirmed by an examiner)."
    else:
        text = (
            f"{len(pending)} of {len(selection.lead_numbers)} leads here are not confirmed by an "
            f"examiner — each is an **{UNCONFIRMED_LABEL}**: {', '.join(pending)}."
        )
    st.warning(text, icon=":material/warning:")


def view_params(kind: str, key: str) -> dict[str, str]:
    """URL parameters that open ``kind`` ("lead" or "series") ``key`` on a lead page. The view
    is named because the bound parameters of an earlier view travel with page links."""
    if kind == "lead":
        return {"show": LEAD, "lead": key}
    return {"show": SERIES, "series": key}


def related_links(selection: LeadSelection, here: str) -> None:
    """Links to the same lead or series on the other lead pages (the shared sidebar filter
    travels on its own: bound parameters), and from a lead to its whole series on this page."""
    own = view_params(
        selection.kind,
        selection.asked_for if selection.kind == "lead" else selection.series_id or "",
    )
    registered = {spec.path for spec in PAGES}
    links = [
        (path, f"{title} of this {selection.kind}", icon, own)
        for name, (path, title, icon) in LEAD_PAGES.items()
        if name != here and path in registered
    ]
    columns = st.columns(4)
    for column, (path, label, icon, params) in zip(columns, links, strict=False):
        column.page_link(path, label=label, icon=icon, query_params=params)
    if selection.kind == "lead" and selection.series_id and selection.series_leads > 1:
        # On the same page a link would reset the bound widgets from a fresh URL (the sidebar
        # filter too); setting the pickers' state moves the URL along instead.
        columns[len(links)].button(
            f"Whole series {selection.series_id}",
            icon=":material/account_tree:",
            type="tertiary",
            on_click=_show_series,
            args=(selection.series_id,),
        )


def _show_series(series_id: str) -> None:
    """Switch this page to the series view of ``series_id``: the picker's state carries the
    value, and since the picker is not drawn in the lead view (not bound now) its URL parameter
    is set too, which a picker value set in code would not do by itself."""
    st.session_state["show"] = SERIES
    st.session_state["series"] = series_id
    with contextlib.suppress(StreamlitAPIException):
        st.query_params["series"] = series_id
