"""The lead-or-series picker shared by the timeline and network pages, bound to the URL.

URL parameters: ``lead`` (a lead number), ``series`` (a series id, or any lead number in the
series) and ``show`` (Lead / Series, only when it differs from what the link implies). So
``?lead=X`` or ``?series=Y`` opens the same view for whoever the link is sent to, within what
that person may see. Both pages use the same keys, so switching page keeps the selection.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, time

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

from cgic_data import audit
from cgic_data.lead_labels import EXCLUDED_LABEL, UNCONFIRMED_LABEL
from cgic_data.queries import lead_selection
from cgic_data.queries.lead_selection import LeadSelection
from cgic_ui import links
from cgic_ui.context import PageContext
from cgic_ui.runtime import cached, store
from cgic_ui.tables import MISSING

LEAD, SERIES = "Lead", "Series"
AUDITED_KEY = "cgic_lead_views_audited"
RECENT_OPTIONS = 200  # newest leads offered in the list (typing searches them all)
SEARCH_LIMIT = 50  # matches listed for a typed part of a number
START_ROWS = 10  # links offered when nothing is chosen


def reference_now(ctx: PageContext) -> datetime:
    """Up to when open gaps run: now, or the end of the demo store's 'today' (to the minute,
    so the cached result is reused within a minute)."""
    now = datetime.now().replace(second=0, microsecond=0)
    return now if ctx.today == now.date() else datetime.combine(ctx.today, time(23, 59))


def pick(ctx: PageContext, page: str, default_view: str = LEAD) -> LeadSelection | None:
    """Draw the picker; return what the viewer may see of the chosen lead or series (or None).

    The list offers the viewer's most recent leads (any date); anything typed is searched on the
    server (number contains the text), so every lead the viewer may see can be found. With nothing
    chosen the page lists the period's newest leads or most active series, one click each.
    """
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
    noun = "lead" if view == LEAD else "series"
    recent = cached(lead_selection.search_leads, ctx.viewer, "", RECENT_OPTIONS)
    chosen = right.selectbox(
        f"{view} number" if view == LEAD else "Series (any of its lead numbers)",
        recent["lead_number"].tolist(),
        index=None,
        key=noun,
        bind="query-params",
        accept_new_options=True,
        placeholder=f"Type part of a lead number, or pick one of your {len(recent):,} newest",
        help="Type any part of a number and press Enter to search every lead you may see; "
        "the URL keeps the choice, so a link opens this view.",
    )
    if not chosen:
        _starting_points(ctx, page, noun)
        return None
    kind: lead_selection.SelectionKind = "lead" if view == LEAD else "series"
    key = str(chosen).strip()
    selection = cached(lead_selection.select_view, ctx.viewer, kind, key)
    if selection is None:
        matches = cached(lead_selection.search_leads, ctx.viewer, key, SEARCH_LIMIT)
        if len(matches) == 1:
            selection = cached(
                lead_selection.select_view, ctx.viewer, kind, matches["lead_number"].iloc[0]
            )
        elif len(matches) > 1:
            st.info(f"{len(matches):,} leads you may see contain “{key}”: pick one.")
            _lead_list(matches, page, noun)
            return None
    if selection is None:
        st.warning(
            f"No {noun} you may see has a lead number containing “{key}”.",
            icon=":material/search_off:",
        )
        return None
    _audit_once(ctx, page, selection)
    _say_what_lies_outside_the_period(ctx, selection)
    return selection


def _lead_list(leads: pd.DataFrame, page: str, noun: str) -> None:
    """Leads as one-click links to ``page`` (the lead, or its series)."""
    make = links.lead_url if noun == "lead" else links.series_url
    table = leads.assign(link=leads["lead_number"].map(lambda n: make(n, page)))
    st.dataframe(
        table[["link", "issued_at", "status"]],
        hide_index=True,
        placeholder=MISSING,
        column_config={
            "link": links.link_column("Lead" if noun == "lead" else "Series of lead", noun),
            "issued_at": st.column_config.DatetimeColumn("Issued", format="YYYY-MM-DD"),
            "status": "Status",
        },
    )


def _starting_points(ctx: PageContext, page: str, noun: str) -> None:
    """Nothing chosen yet: the period's newest leads, or its most active series, as links."""
    if noun == "lead":
        leads = cached(lead_selection.lead_choices, ctx.viewer, ctx.filter).head(START_ROWS)
        if leads.empty:
            leads = cached(lead_selection.search_leads, ctx.viewer, "", START_ROWS)
            st.info("No lead links an incident in the sidebar filter: your newest leads.")
        else:
            st.info(f"Pick a lead above, or open one of the newest in {ctx.period_label}:")
        _lead_list(leads, page, noun)
        return
    series = cached(lead_selection.series_choices, ctx.viewer, ctx.filter)
    if series.empty:
        st.info("No series has an incident in the sidebar filter: type a lead number above.")
        return
    active = series.sort_values(["incidents", "last"], ascending=False).head(START_ROWS)
    st.info(f"Pick a series above, or open one of the most active in {ctx.period_label}:")
    st.dataframe(
        active.assign(link=active["series_id"].map(lambda s: links.series_url(s, page)))[
            ["link", "incidents", "last"]
        ],
        hide_index=True,
        placeholder=MISSING,
        column_config={
            "link": links.link_column("Series", "series"),
            "incidents": st.column_config.NumberColumn("Incidents you may see"),
            "last": st.column_config.DatetimeColumn("Latest incident", format="YYYY-MM-DD"),
        },
    )


def _say_what_lies_outside_the_period(ctx: PageContext, selection: LeadSelection) -> None:
    inside, total = cached(lead_selection.period_coverage, ctx.viewer, selection, ctx.filter)
    if inside < total:
        st.caption(
            f"Shown whole: {total - inside:,} of its {total:,} incidents lie outside the sidebar "
            f"period ({ctx.period_label}). A chosen lead or series ignores the period."
        )


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
    """'Map · Timeline · Packet · Network' of the same lead or series (plain URLs: they open in a
    new tab and keep the sidebar context), and from a lead to its whole series on this page."""
    key = selection.asked_for if selection.kind == "lead" else selection.series_id or ""
    line = f"**This {selection.kind}:** " + links.view_links(selection.kind, key, here)
    if selection.kind == "lead" and selection.series_id and selection.series_leads > 1:
        line += (
            f"  \n**Its series {selection.series_id}** ({selection.series_leads} leads): "
            + links.view_links("series", selection.series_id)
        )
    st.markdown(line)
    if selection.kind == "lead" and selection.series_id and selection.series_leads > 1:
        # On the same page a link would reset the bound widgets from a fresh URL (the sidebar
        # filter too); setting the pickers' state moves the URL along instead.
        st.button(
            f"Show the whole series {selection.series_id} here",
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
