"""Linkage tables: leads and series, counted over what the viewer may see."""

from datetime import date, datetime

import pandas as pd
import pytest
from sqlalchemy import Engine, func, select

from cgic_data import lead_labels, leadwork
from cgic_data.metrics.series import lead_incident_pairs, series_membership
from cgic_data.queries import leads, series_table
from cgic_data.queries.lead_facts import series_pairs_from
from cgic_data.queries.leads import LeadFilter
from cgic_data.queries.series_table import SeriesFilter
from cgic_data.schema import ItemKind, LeadStatus, NibinLead, ResultKind, Role
from cgic_data.scope import IncidentFilter, Viewer
from tests.factory import Builder

TODAY = date(2025, 7, 1)
ALL = IncidentFilter()


class World:
    """Three agencies; L-1 links A and B, L-2 (confirmed) links B and C, L-3 (excluded) A and C,
    L-9 links two incidents of C only."""

    def __init__(self, engine: Engine) -> None:
        b = Builder(engine)
        hartford, haven = b.town("Hartford"), b.town("New Haven")
        self.a = b.agency("CT001", name="Alpha PD")
        self.b = b.agency("CT002", name="Bravo PD")
        self.c = b.agency("CT003", name="Charlie PD")
        self.i1 = b.incident(self.a, datetime(2025, 6, 1, 22), town_id=hartford, injured=1)
        self.i2 = b.incident(self.b, datetime(2025, 6, 5, 23), town_id=haven, killed=1)
        self.i3 = b.incident(self.c, datetime(2025, 6, 20, 1), town_id=haven, injured=2)
        self.i4 = b.incident(self.c, datetime(2025, 6, 21))
        self.i5 = b.incident(self.c, datetime(2025, 5, 1))
        self.i6 = b.incident(self.c, datetime(2025, 5, 2))
        c1 = b.item(self.i1)
        b.result(c1, ResultKind.CODIS, subject_ref="SUBJ-7")
        b.result(c1, ResultKind.AFIS, subject_ref=None)  # a search without a hit
        c2 = b.item(self.i2, caliber=".40 S&W")
        gun = b.firearm(self.i3)
        test_fire = b.item(self.i3, kind=ItemKind.TEST_FIRE, firearm_id=gun)
        self.l1 = b.lead([c1, c2], number="L-1", issued_at=datetime(2025, 6, 6, 9))
        self.l2 = b.lead(
            [b.item(self.i2), test_fire],
            number="L-2",
            status=LeadStatus.CONFIRMED,
            issued_at=datetime(2025, 6, 21, 9),
        )
        self.l3 = b.lead(
            [b.item(self.i1), b.item(self.i4)],
            number="L-3",
            status=LeadStatus.EXCLUDED,
            issued_at=datetime(2025, 6, 25, 9),
        )
        self.l9 = b.lead(
            [b.item(self.i5), b.item(self.i6)], number="L-9", issued_at=datetime(2025, 5, 3)
        )


@pytest.fixture
def world(engine: Engine) -> World:
    return World(engine)


def by_number(frame):  # type: ignore[no-untyped-def]
    return frame.set_index("lead_number")


def test_lead_table_for_lab_staff_counts_every_incident(engine: Engine, world: World) -> None:
    table = by_number(leads.lead_table(engine, Viewer.system(), ALL, LeadFilter(), TODAY))
    assert list(table.index) == ["L-3", "L-2", "L-1", "L-9"]  # newest issued first
    l1 = table.loc["L-1"]
    assert (l1.incidents, l1.agencies, l1.towns) == (2, "Alpha PD, Bravo PD", "Hartford, New Haven")
    assert (l1.victims, l1.codis_hits, l1.afis_hits, l1.recovered_firearm) == (2, 1, 0, False)
    assert l1.calibers == ".40 S&W, 9mm Luger"
    assert l1.days_since_issued == 25
    assert (l1.series_id, l1.series_size) == ("L-1", 3)  # L-1 and L-2 join i1, i2, i3
    assert l1.label == lead_labels.UNCONFIRMED_LABEL
    l2 = table.loc["L-2"]
    assert (l2.recovered_firearm, l2.victims, l2.label) == (True, 3, lead_labels.CONFIRMED_LABEL)
    l3 = table.loc["L-3"]
    assert l3.label == lead_labels.EXCLUDED_LABEL
    assert pd.isna(l3.series_id) and pd.isna(l3.series_size)  # an excluded lead joins no series
    assert table.loc["L-9", "series_size"] == 2


def test_agency_sees_only_leads_touching_it_and_their_incidents(
    engine: Engine, world: World
) -> None:
    alpha = Viewer("ann", Role.ANALYST, agency_id=world.a)
    table = by_number(leads.lead_table(engine, alpha, ALL, LeadFilter(), TODAY))
    assert sorted(table.index) == ["L-1", "L-3"]  # L-2 (B-C) and L-9 (C) do not touch Alpha
    # the excluded lead shares nothing: only Alpha's own incident counts
    assert (table.loc["L-3", "incidents"], table.loc["L-3", "agencies"]) == (1, "Alpha PD")
    # the series reaches i3 through L-2, which Alpha may not see: size 2, not 3
    assert table.loc["L-1", "series_size"] == 2
    assert table.loc["L-1", "victims"] == 2


def test_lead_filters_status_age_series_size_and_period(engine: Engine, world: World) -> None:
    system = Viewer.system()

    def numbers(filt: IncidentFilter = ALL, **kw: object) -> list[str]:
        frame = leads.lead_table(engine, system, filt, LeadFilter(**kw), TODAY)  # type: ignore[arg-type]
        return sorted(frame["lead_number"])

    assert numbers(statuses=(LeadStatus.CONFIRMED, LeadStatus.EXCLUDED)) == ["L-2", "L-3"]
    assert numbers(max_age_days=6) == ["L-3"]  # issued June 25: 6 days old
    assert numbers(max_age_days=5) == []
    assert numbers(min_age_days=25) == ["L-1", "L-9"]  # June 6 is exactly 25 days back
    assert numbers(min_series_size=3) == ["L-1", "L-2"]
    june = IncidentFilter(start=date(2025, 6, 1), end=date(2025, 6, 21))
    assert numbers(june) == ["L-1", "L-2"]  # by issue date
    assert numbers(IncidentFilter(agency_ids=(world.a,))) == ["L-1", "L-3"]


def test_series_table_figures_and_hits(engine: Engine, world: World) -> None:
    table = series_table.series_table(engine, Viewer.system(), ALL, SeriesFilter(), TODAY)
    assert list(table["series_id"]) == ["L-1", "L-9"]  # most recent last incident first
    s = table.iloc[0]
    assert (s.incidents, s.leads, s.lead_numbers) == (3, 2, "L-1, L-2")
    assert (s.first_incident, s.last_incident) == (
        datetime(2025, 6, 1, 22),
        datetime(2025, 6, 20, 1),
    )
    assert (s.span_days, s.days_since_last) == (18, 11)
    assert s.agencies == "Alpha PD, Bravo PD, Charlie PD"
    assert (s.victims, s.confirmed_hits, s.recovered_firearm) == (4, 1, True)
    assert (s.codis_hits, s.afis_hits) == (1, 0)
    assert s.label == lead_labels.UNCONFIRMED_LABEL  # L-1 is still only a lead
    assert list(
        series_table.series_table(engine, Viewer.system(), ALL, SeriesFilter(min_size=3), TODAY)[
            "series_id"
        ]
    ) == ["L-1"]
    recent = SeriesFilter(max_days_since_last=30)
    assert list(
        series_table.series_table(engine, Viewer.system(), ALL, recent, TODAY)["series_id"]
    ) == ["L-1"]


def test_series_table_for_an_agency_counts_only_its_visible_part(
    engine: Engine, world: World
) -> None:
    alpha = Viewer("ann", Role.ANALYST, agency_id=world.a)
    table = series_table.series_table(engine, alpha, ALL, SeriesFilter(), TODAY)
    assert list(table["series_id"]) == ["L-1"]
    s = table.iloc[0]
    assert (s.incidents, s.leads, s.agencies) == (2, 1, "Alpha PD, Bravo PD")
    assert (s.recovered_firearm, s.confirmed_hits, s.victims) == (False, 0, 2)


def test_empty_store_gives_empty_tables(engine: Engine) -> None:
    assert leads.lead_table(engine, Viewer.system(), ALL, LeadFilter(), TODAY).empty
    assert series_table.series_table(engine, Viewer.system(), ALL, SeriesFilter(), TODAY).empty


def test_tables_agree_with_the_store_on_demo_data(demo_engine: Engine) -> None:
    """Every lead is listed once; every series' size is its membership in ``metrics.series``."""
    system = Viewer.system()
    table = leads.lead_table(demo_engine, system, ALL, LeadFilter(), TODAY)
    with demo_engine.connect() as conn:
        assert len(table) == conn.execute(select(func.count()).select_from(NibinLead)).scalar_one()
    assert table["lead_number"].is_unique
    series = series_table.series_table(demo_engine, system, ALL, SeriesFilter(), TODAY)
    sizes = series_membership(demo_engine, Viewer.system()).groupby("series_id").size()
    assert series.set_index("series_id")["incidents"].to_dict() == sizes[sizes >= 2].to_dict()
    live = table[table["status"] != LeadStatus.EXCLUDED]
    assert (live.set_index("lead_number")["series_id"].notna()).all()


def test_lead_queue_counts_every_lead_and_shows_the_first_rows(
    engine: Engine, world: World
) -> None:
    queue = leadwork.lead_queue(engine, Viewer.system(), ALL, LeadFilter(), TODAY, limit=2)
    # open: not excluded (L-3 is); unassigned: every live lead; stale: live, never followed up,
    # issued 7+ days before July 1 (all three); no user account: nothing is new or growing
    assert queue.counts == leadwork.QueueCounts(
        leads=4, open=3, new=0, growing=0, unassigned=3, stale=3, confirmed=1
    )
    # L-2: latest item added June 21 09:00, 9.625 days back (20.4) + series of 3 (10)
    #      + 3 victims (30) + firearm (10) = 70.4; L-1: 24.625 days (5.4) + 10 + 2 victims (20)
    #      + a CODIS hit (10) = 45.4; L-9: 59 days (0) + series of 2 (5) = 5
    assert queue.triage["lead_number"].tolist() == ["L-2", "L-1"]
    assert queue.triage["score"].tolist() == pytest.approx([70.4, 45.4])
    assert queue.triage["agencies"].tolist() == ["Bravo PD, Charlie PD", "Alpha PD, Bravo PD"]
    assert queue.newest["lead_number"].tolist() == ["L-3", "L-2"]
    assert queue.newest["calibers"].tolist() == ["9mm Luger", "9mm Luger"]
    alpha = Viewer("ann", Role.ANALYST, agency_id=world.a)
    mine = leadwork.lead_queue(engine, alpha, ALL, LeadFilter(), TODAY)
    assert (mine.counts.leads, mine.counts.open, mine.counts.confirmed) == (2, 1, 0)
    assert mine.newest["lead_number"].tolist() == ["L-3", "L-1"]


def test_series_page_totals_every_series_and_names_the_shown_ones(
    engine: Engine, world: World
) -> None:
    page = series_table.series_page(engine, Viewer.system(), ALL, SeriesFilter(), TODAY, limit=1)
    assert page.total == 2
    shown = page.rows.iloc[0]
    assert (shown.series_id, shown.incidents, shown.lead_numbers) == ("L-1", 3, "L-1, L-2")
    assert shown.agencies == "Alpha PD, Bravo PD, Charlie PD"
    assert shown.towns == "Hartford, New Haven"


def test_series_are_built_from_the_pairs_metrics_series_reads(engine: Engine, world: World) -> None:
    """The lead pages read lead items once; the series built from them are metrics.series'."""
    viewers = [Viewer.system()] + [
        Viewer("x", Role.ANALYST, agency_id=agency) for agency in (world.a, world.b, world.c)
    ]
    for viewer in viewers:
        universe = leads.lead_universe(engine, viewer)
        ours = series_pairs_from(universe.leads, universe.items)
        theirs = lead_incident_pairs(engine, viewer)
        assert sorted(ours.itertuples(index=False)) == sorted(theirs.itertuples(index=False))
        membership = series_membership(engine, viewer)
        ours_by_incident = universe.membership.set_index("incident_id")["series_id"].to_dict()
        assert ours_by_incident == membership.set_index("incident_id")["series_id"].to_dict()
