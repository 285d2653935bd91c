"""The shared sidebar filter and the context every page reads (viewer, filter, 'today').

The filter widgets live in the URL (``bind="query-params"``) so an analyst can send a link that
opens the same view; app.py draws them once for all pages, and with them, when the chosen period
misses all the viewer's incidents, a note offering the data's own range. Period arithmetic (what a
choice covers, the equivalent previous period) is ``cgic_data.periods``.
"""

from __future__ import annotations

import contextlib
import inspect
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from cgic_data.periods import (
    ALL_DATES,
    CUSTOM,
    DEFAULT_PERIOD,
    PERIODS,
    Kind,
    date_range_text,
    kind_of,
    overlaps,
    period_dates,
    previous_period,
)
from cgic_data.queries import data_range, reference
from cgic_data.scope import IncidentFilter, Viewer
from cgic_ui.navigation import uses_filter
from cgic_ui.runtime import cached, reference_today

CONTEXT_KEY = "cgic_page_context"
FILTER_KEYS = ("period", "dates", "agency", "town")  # the filter widgets' keys (and URL names)
RESUME_PARAM = "open"  # a deep link's page, kept while app.py signs the user in
APP_ROOT = Path(__file__).resolve().parent.parent

# The period choices are cgic_data.periods' labels, also their URL value: a bound widget puts the
# shown label in the URL, so links already sent ("Last 28 days") keep working.
OLDEST_DAY = date(1970, 1, 1)  # the custom range's picker bounds: any data a store may hold


@dataclass(frozen=True)
class PageContext:
    viewer: Viewer
    filter: IncidentFilter
    today: date
    period: str = ALL_DATES  # the choice: it decides what the period is compared with

    @property
    def period_label(self) -> str:
        start, end = self.filter.start, self.filter.end
        if start is None and end is None:
            return "all dates"
        return f"{start or '…'} to {end or '…'}"

    @property
    def kind(self) -> Kind:
        return kind_of(self.period)

    def previous_dates(self, end: date | None = None) -> tuple[date, date] | None:
        """The equivalent period before the chosen one (``periods.previous_period``); ``end``
        cuts the chosen period short first (a page reporting 'as of' a day before its end)."""
        return previous_period(self.filter.start, end or self.filter.end, self.kind)

    @property
    def previous_filter(self) -> IncidentFilter | None:
        """The filter with the equivalent previous period (None for all dates)."""
        previous = self.previous_dates()
        return None if previous is None else self.filter.with_period(*previous)


def compared_with(previous: tuple[date, date]) -> str:
    """The caption naming the dates a comparison is with: 'compared with 2026-10-01 – …'."""
    return f"compared with {date_range_text(*previous)}"


def sidebar_filter(viewer: Viewer, page: StreamlitPage | None = None) -> PageContext:
    """Draw the shared filter in the sidebar and remember the resulting context for the pages.

    On a page the filter does not narrow (``navigation.uses_filter``: accounts, audit log,
    import, definitions) nothing is drawn and the context covers all dates and agencies; the
    choices made on other pages are kept for when the viewer goes back to one.
    """
    if page is not None and not uses_filter(page.title):
        return _unfiltered(viewer)
    agencies = cached(reference.agencies)
    towns = cached(reference.towns)
    today = reference_today()
    agency_names = dict(zip(agencies["code"], agencies["name"], strict=True))
    agency_ids = dict(zip(agencies["code"], agencies["id"], strict=True))
    town_ids = dict(zip(towns["name"], towns["id"], strict=True))
    with st.sidebar:
        st.subheader("Filter")
        period = st.selectbox(
            "Period",
            options=PERIODS,
            index=PERIODS.index(DEFAULT_PERIOD),
            key="period",
            bind="query-params",
        )
        custom: tuple[date, ...] = ()
        if period == CUSTOM:
            picked = st.date_input(
                "Dates",
                value=(today - timedelta(days=27), today),
                min_value=OLDEST_DAY,
                max_value=date(today.year + 1, 12, 31),
                key="dates",
                bind="query-params",
            )
            custom = tuple(picked) if isinstance(picked, tuple | list) else (picked,)
        # No "select all matches" entry: it is first in the list while one types, so Enter
        # after "Hartford Police" would pick East and West Hartford too; Enter picks the best
        # match.
        chosen_agencies = st.multiselect(
            "Agencies",
            options=list(agency_names),
            format_func=lambda code: agency_names.get(code, code),
            key="agency",
            bind="query-params",
            placeholder="All agencies",
            select_all=False,
        )
        chosen_towns = st.multiselect(
            "Towns",
            options=list(town_ids),
            key="town",
            bind="query-params",
            placeholder="All towns",
            select_all=False,
        )
    start, end = period_dates(period, today, custom)
    context = PageContext(
        viewer=viewer,
        filter=IncidentFilter(
            agency_ids=tuple(sorted(agency_ids[c] for c in chosen_agencies if c in agency_ids)),
            start=start,
            end=end,
            town_ids=tuple(sorted(town_ids[t] for t in chosen_towns if t in town_ids)),
        ),
        today=today,
        period=period,
    )
    st.session_state[CONTEXT_KEY] = context
    data_range_hint(context)
    return context


def _unfiltered(viewer: Viewer) -> PageContext:
    """The context of a page the filter does not apply to: all dates, all agencies. The filter
    widgets are not drawn in this run, so Streamlit would drop their values at its end; writing
    each back keeps them for the next page that draws the filter."""
    for key in FILTER_KEYS:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]
    context = PageContext(viewer=viewer, filter=IncidentFilter(), today=reference_today())
    st.session_state[CONTEXT_KEY] = context
    return context


def _show_dates(first: date, last: date) -> None:
    """Switch the shared filter to the custom range ``first``–``last`` (a button's callback:
    bound widgets take their new value from the session state before they are drawn)."""
    st.session_state["period"] = CUSTOM
    st.session_state["dates"] = (first, last)


def data_range_hint(context: PageContext) -> None:
    """When the chosen period holds none of the viewer's incidents but others exist, say where
    the data is and offer its range in one click, above every page: a store of historic data
    must not open on a silent 'no incidents' everywhere."""
    filt = context.filter
    if filt.start is None and filt.end is None:
        return
    span = cached(data_range.incident_date_range, context.viewer, filt.with_period(None, None))
    if span.first is None or span.last is None:
        return
    if overlaps(filt.start, filt.end, span.first, span.last):
        return
    filtered = filt.agency_ids or filt.town_ids or not context.viewer.sees_all_agencies
    where = "in your view" if filtered else "in the store"
    if filt.start is not None and filt.start > span.last:
        nearest = f"the newest incident {where} is from {span.last}"
    else:
        nearest = f"the oldest incident {where} is from {span.first}"
    st.info(
        f"No incidents from {filt.start or '…'} to {filt.end or '…'}: {nearest}.",
        icon=":material/event_busy:",
    )
    st.button(
        f"Show {date_range_text(span.first, span.last)}",
        key="show-data-range",
        on_click=_show_dates,
        args=(span.first, span.last),
    )


def page_context() -> PageContext:
    """The context app.py built for this run (after sign-in); pages call this first.

    It is also the guard that keeps a page from running without app.py: until some session has
    called ``st.navigation`` after a server start, Streamlit routes a deep link such as
    ``/packet?lead=X`` straight to ``pages/packet.py`` (its legacy ``pages/`` folder mode),
    skipping sign-in. Such a run finds no context here and is sent to the entrypoint, with the
    page it asked for in ``RESUME_PARAM`` so app.py can open it after sign-in.
    """
    context = st.session_state.get(CONTEXT_KEY)
    if context is None:
        caller = Path(inspect.stack()[1].filename).resolve()
        params = {key: st.query_params.get_all(key) for key in st.query_params}
        params[RESUME_PARAM] = [caller.relative_to(APP_ROOT).as_posix()]
        # No entrypoint to switch to (a page run on its own, as in a test): show nothing.
        with contextlib.suppress(st.errors.StreamlitAPIException, ValueError):
            st.switch_page("app.py", query_params=params)
        st.stop()
    return context


def resume_deep_link(allowed_paths: set[str]) -> None:
    """Open the page a deep link asked for before app.py had run (see ``page_context``).

    Only a page the signed-in viewer may open (``allowed_paths``) is resumed.
    """
    target = st.query_params.get(RESUME_PARAM)
    if target is None:
        return
    params = {key: st.query_params.get_all(key) for key in st.query_params if key != RESUME_PARAM}
    del st.query_params[RESUME_PARAM]
    if target in allowed_paths:
        st.switch_page(target, query_params=params)
