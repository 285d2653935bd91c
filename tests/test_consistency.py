"""One name, one definition: a figure shown on two pages is the same number on both, for lab
staff and two agencies' users, over several periods, on the demo store and both backends.

Each pair computes the figure through each page's own query path (the functions the pages call).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, select

from cgic_data import leadwork
from cgic_data.queries import incidents, overview, statewide
from cgic_data.queries.leads import LeadFilter
from cgic_data.schema import Agency, IncidentKind, Role
from cgic_data.scope import IncidentFilter, Viewer
from cgic_data.store import reference_day, store_info


def viewers(engine: Engine) -> list[Viewer]:
    with engine.connect() as conn:
        ids = dict(conn.execute(select(Agency.name, Agency.id)).all())
    hartford = next(i for n, i in ids.items() if n.startswith("Hartford"))
    haven = next(i for n, i in ids.items() if n.startswith("New Haven"))
    return [
        Viewer("lab", Role.LAB_DIRECTOR),
        Viewer("hc", Role.COMMANDER, hartford),
        Viewer("nha", Role.ANALYST, haven),
    ]


def periods(today: date) -> list[IncidentFilter]:
    first_of_month = today.replace(day=1)
    last_month_end = first_of_month - timedelta(days=1)
    return [
        IncidentFilter(start=today - timedelta(days=27), end=today),
        IncidentFilter(start=today - timedelta(days=89), end=today),
        IncidentFilter(start=last_month_end.replace(day=1), end=last_month_end),
        IncidentFilter(start=date(today.year, 1, 1), end=today),
        IncidentFilter(),
    ]


@pytest.fixture(scope="module")
def cases(demo_engine: Engine) -> list[tuple[Viewer, IncidentFilter]]:
    today = reference_day(store_info(demo_engine))
    return [(v, f) for v in viewers(demo_engine) for f in periods(today)]


def test_leads_issued_is_the_same_on_the_overview_and_the_leads_page(
    demo_engine: Engine, cases: list[tuple[Viewer, IncidentFilter]]
) -> None:
    today = reference_day(store_info(demo_engine))
    seen_any = False
    for viewer, filt in cases:
        on_overview = overview.period_counts(demo_engine, viewer, filt).leads_issued
        queue = leadwork.lead_queue(demo_engine, viewer, filt, LeadFilter(), today)
        assert on_overview == queue.counts.leads, (viewer.username, filt)
        seen_any |= on_overview > 0
    assert seen_any


def test_shootings_are_the_same_on_the_overview_the_map_and_statewide(
    demo_engine: Engine, cases: list[tuple[Viewer, IncidentFilter]]
) -> None:
    shootings_only = incidents.MapFilter(kinds=(IncidentKind.SHOOTING,))
    for viewer, filt in cases:
        on_overview = overview.period_counts(demo_engine, viewer, filt).shootings
        on_map = incidents.matching_count(demo_engine, viewer, filt, shootings_only)
        assert on_overview == on_map, (viewer.username, filt)
        if viewer.sees_all_agencies:  # lab staff's own figure is the statewide total
            state = statewide.statewide_counts(demo_engine, viewer, filt)
            assert state is not None and state.shootings == on_overview
