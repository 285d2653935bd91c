"""The dates the viewer's incidents span: for lab staff the store's, for an agency its own and the
shared ones only (the range must not tell when another agency's unshared incidents happened)."""

from datetime import date, datetime

from sqlalchemy import Engine

from cgic_data.queries.data_range import DataRange, incident_date_range
from cgic_data.schema import LeadStatus, Role
from cgic_data.scope import IncidentFilter, Viewer
from tests.factory import Builder


def test_the_range_is_what_the_viewer_may_see(engine: Engine) -> None:
    b = Builder(engine)
    a, other = b.agency("A"), b.agency("B")
    town = b.town("Here")
    b.incident(a, datetime(2015, 6, 1, 22), town_id=town)
    b.incident(other, datetime(2013, 1, 1, 0, 30))  # B's own, unshared: hidden from A
    b.incident(other, datetime(2018, 3, 31, 23, 59))  # hidden from A
    shared = b.incident(other, datetime(2016, 2, 29, 12))
    excluded = b.incident(other, datetime(2017, 5, 5))
    mine = b.item(b.incident(a, datetime(2014, 7, 4)))
    b.lead([mine, b.item(shared)])
    b.lead([mine, b.item(excluded)], status=LeadStatus.EXCLUDED)  # not a link A may follow

    everyone = incident_date_range(engine, Viewer.system(), IncidentFilter())
    assert everyone == DataRange(date(2013, 1, 1), date(2018, 3, 31))
    agency_a = Viewer("a.cmd", Role.COMMANDER, agency_id=a)
    assert incident_date_range(engine, agency_a, IncidentFilter()) == DataRange(
        date(2014, 7, 4), date(2016, 2, 29)
    )
    # the filter's agencies and towns narrow it; its dates do not (they are what is checked)
    dated = IncidentFilter(start=date(2026, 11, 10), end=date(2026, 12, 7), town_ids=(town,))
    assert incident_date_range(engine, Viewer.system(), dated) == DataRange(
        date(2015, 6, 1), date(2015, 6, 1)
    )
    b_only = IncidentFilter(agency_ids=(other,))
    assert incident_date_range(engine, agency_a, b_only) == DataRange(
        date(2016, 2, 29), date(2016, 2, 29)
    )


def test_no_incidents_no_range(engine: Engine) -> None:
    Builder(engine).agency("A")
    assert incident_date_range(engine, Viewer.system(), IncidentFilter()) == DataRange(None, None)
