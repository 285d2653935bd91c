"""The sharing rule: an agency sees its own incidents, and those linked to them by a live lead."""

from datetime import date, datetime

from sqlalchemy import Engine

from cgic_data.schema import LeadStatus, Role
from cgic_data.scope import IncidentFilter, Viewer, scoped_incident_ids
from tests.factory import Builder


def visible(engine: Engine, viewer: Viewer, filt: IncidentFilter | None = None) -> set[int]:
    with engine.connect() as conn:
        return set(conn.execute(scoped_incident_ids(viewer, filt or IncidentFilter())).scalars())


def test_agency_sees_own_and_lead_linked_incidents_only(engine: Engine) -> None:
    b = Builder(engine)
    a, other, third = b.agency("A"), b.agency("B"), b.agency("C")
    own = b.incident(a)
    linked = b.incident(other)
    unlinked = b.incident(other)
    excluded_link = b.incident(third)
    b.lead([b.item(own), b.item(linked)])
    b.lead([b.item(own), b.item(excluded_link)], status=LeadStatus.EXCLUDED)

    analyst_a = Viewer("ann", Role.ANALYST, agency_id=a)
    assert visible(engine, analyst_a) == {own, linked}
    assert unlinked not in visible(engine, analyst_a)
    assert visible(engine, Viewer("lab", Role.LAB_DIRECTOR)) == {
        own,
        linked,
        unlinked,
        excluded_link,
    }


def test_lead_between_two_other_agencies_is_not_shared(engine: Engine) -> None:
    b = Builder(engine)
    a, other, third = b.agency("A"), b.agency("B"), b.agency("C")
    mine = b.incident(a)
    x, y = b.incident(other), b.incident(third)
    b.lead([b.item(x), b.item(y)])
    assert visible(engine, Viewer("ann", Role.COMMANDER, agency_id=a)) == {mine}


def test_filter_narrows_by_agency_town_and_inclusive_dates(engine: Engine) -> None:
    b = Builder(engine)
    a, other = b.agency("A"), b.agency("B")
    town = b.town("Hartford")
    first = b.incident(a, datetime(2025, 1, 1, 0, 0), town_id=town)
    last = b.incident(a, datetime(2025, 1, 31, 23, 59), town_id=town)
    b.incident(a, datetime(2025, 2, 1, 0, 0), town_id=town)
    b.incident(other, datetime(2025, 1, 15), town_id=town)
    b.incident(a, datetime(2025, 1, 15))  # no town
    january_a_hartford = IncidentFilter(
        agency_ids=(a,), start=date(2025, 1, 1), end=date(2025, 1, 31), town_ids=(town,)
    )
    assert visible(engine, Viewer.system(), january_a_hartford) == {first, last}
