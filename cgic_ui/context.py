"""The shared sidebar filter and the context every page reads (viewer, filter, 'today').

The filter widgets live in the URL (``bind="query-params"``) so an analyst can send a link that
opens the same view; app.py draws them once for all pages.
"""

from __future__ import annotations

import contextlib
import inspect
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import streamlit as st

from cgic_data.queries import reference
from cgic_data.scope import IncidentFilter, Viewer
from cgic_ui.runtime import cached, reference_today

CONTEXT_KEY = "cgic_page_context"
RESUME_PARAM = "open"  # a deep link's page, kept while app.py signs the user in
APP_ROOT = Path(__file__).resolve().parent.parent

# Period choices (also their URL value: bound widgets put the shown label in the URL) and the days
# back they cover, today included.
LAST_DAYS = {"Last 7 days": 7, "Last 28 days": 28, "Last 90 days": 90, "Last 12 months": 365}
YEAR_TO_DATE, ALL_DATES, CUSTOM = "Year to date", "All dates", "Custom range"
PERIODS = [*LAST_DAYS, YEAR_TO_DATE, ALL_DATES, CUSTOM]
DEFAULT_PERIOD = "Last 28 days"


@dataclass(frozen=True)
class PageContext:
    viewer: Viewer
    filter: IncidentFilter
    today: date

    @property
    def period_label(self) -> str:
        start, end = self.filter.start, self.filter.end
        if start is None and end is None:
            return "all dates"
        return f"{start or '…'} to {end or '…'}"


def period_dates(
    period: str, today: date, custom: tuple[date, ...] = ()
) -> tuple[date | None, date | None]:
    """The (start, end) a period choice stands for, both inclusive."""
    if period == ALL_DATES:
        return None, None
    if period == YEAR_TO_DATE:
        return date(today.year, 1, 1), today
    if period == CUSTOM:
        if len(custom) == 2:
            return custom[0], custom[1]
        return (custom[0], custom[0]) if custom else (None, None)
    days = LAST_DAYS.get(period, LAST_DAYS[DEFAULT_PERIOD])
    return today - timedelta(days=days - 1), today


def sidebar_filter(viewer: Viewer) -> PageContext:
    """Draw the shared filter in the sidebar and remember the resulting context for the pages."""
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
                key="dates",
                bind="query-params",
            )
            custom = tuple(picked) if isinstance(picked, tuple | list) else (picked,)
        chosen_agencies = st.multiselect(
            "Agencies",
            options=list(agency_names),
            format_func=lambda code: agency_names.get(code, code),
            key="agency",
            bind="query-params",
            placeholder="All agencies",
        )
        chosen_towns = st.multiselect(
            "Towns",
            options=list(town_ids),
            key="town",
            bind="query-params",
            placeholder="All towns",
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
    )
    st.session_state[CONTEXT_KEY] = context
    return context


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
