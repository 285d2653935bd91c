"""Overview figures: counted over what the viewer may see, in the period asked for."""

import random
from datetime import date, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import Engine, select

from cgic_data import settings
from cgic_data.queries import overview
from cgic_data.schema import (
    Agency,
    EvidenceItem,
    Incident,
    IncidentKind,
    ItemKind,
    LeadStatus,
    Role,
)
from cgic_data.scope import IncidentFilter, Viewer, incident_conditions
from cgic_data.sqlfuncs import hours_between
from tests.factory import Builder

JUNE = IncidentFilter(start=date(2025, 6, 1), end=date(2025, 6, 30))


def test_period_counts_count_each_figure_by_its_own_date(engine: Engine) -> None:
    b = Builder(engine)
    a = b.agency("A")
    june = b.incident(a, datetime(2025, 6, 10, 23), injured=2, killed=1)
    may = b.incident(a, datetime(2025, 5, 30, 23), injured=1)
    b.incident(a, datetime(2025, 6, 11), kind=IncidentKind.SHOTS_FIRED, injured=0)
    c1 = b.item(june, recovered_at=datetime(2025, 6, 11), nibin_entered_at=datetime(2025, 6, 12))
    # recovered and entered in June though the shooting was in May
    c2 = b.item(may, recovered_at=datetime(2025, 6, 1), nibin_entered_at=datetime(2025, 7, 2))
    b.item(june, kind=ItemKind.BULLET, recovered_at=datetime(2025, 6, 11))
    b.lead(
        [c1, c2],
        issued_at=datetime(2025, 6, 12, 18),
        status=LeadStatus.CONFIRMED,
        confirmed_at=datetime(2025, 7, 1),
    )

    counts = overview.period_counts(engine, Viewer.system(), JUNE)
    assert counts == overview.PeriodCounts(
        shootings=1,
        victims=3,
        casings_recovered=2,
        nibin_entries=1,
        leads_issued=1,
        hits_confirmed=0,
    )


def test_period_counts_respect_agency_scope(engine: Engine) -> None:
    b = Builder(engine)
    a, other = b.agency("A"), b.agency("B")
    b.incident(a, datetime(2025, 6, 2), injured=1)
    b.incident(other, datetime(2025, 6, 3), killed=1)
    counts = overview.period_counts(engine, Viewer("ann", Role.COMMANDER, agency_id=a), JUNE)
    assert (counts.shootings, counts.victims) == (1, 1)
    assert overview.period_counts(engine, Viewer.system(), JUNE).shootings == 2


def test_weekly_trend_buckets_by_monday(engine: Engine) -> None:
    b = Builder(engine)
    a = b.agency("A")
    b.incident(a, datetime(2025, 6, 2, 1))  # Monday
    b.incident(a, datetime(2025, 6, 8, 23, 59), injured=2)  # Sunday, same week
    b.incident(a, datetime(2025, 6, 9), kind=IncidentKind.GUN_RECOVERY)  # next Monday
    trend = overview.weekly_trend(engine, Viewer.system(), JUNE)
    assert trend["week"].dt.date.tolist() == [date(2025, 6, 2), date(2025, 6, 9)]
    assert trend["shootings"].tolist() == [2, 0]
    assert trend["gun_recoveries"].tolist() == [0, 1]
    assert trend["victims"].tolist() == [2, 0]


def test_most_active_series_joins_leads_transitively_and_hides_unshared(engine: Engine) -> None:
    b = Builder(engine)
    a, other, third = b.agency("A"), b.agency("B"), b.agency("C")
    i1 = b.incident(a, datetime(2025, 6, 1))
    i2 = b.incident(other, datetime(2025, 6, 5))
    i3 = b.incident(third, datetime(2025, 6, 9))
    b.lead([b.item(i1), b.item(i2)], number="L-1")
    b.lead([b.item(i2), b.item(i3)], number="L-2")

    everyone = overview.most_active_series(engine, Viewer.system(), JUNE)
    assert everyone[["series_id", "incidents", "incidents_in_period"]].values.tolist() == [
        ["L-1", 3, 3]
    ]
    # Agency A shares lead L-1 only: it sees i1 and i2 of the series, never i3.
    mine = overview.most_active_series(engine, Viewer("ann", Role.ANALYST, agency_id=a), JUNE)
    assert mine["incidents"].tolist() == [2]


def test_nibin_timeliness_median_and_share_within_goal(engine: Engine) -> None:
    b = Builder(engine)
    a = b.agency("A", name="Alpha PD")
    inc = b.incident(a, datetime(2025, 6, 1))
    for hours in (10, 30, 100):
        recovered = datetime(2025, 6, 1)
        b.item(inc, recovered_at=recovered, nibin_entered_at=recovered + timedelta(hours=hours))
    table = overview.nibin_timeliness_by_agency(engine, Viewer.system(), JUNE)
    row = table.iloc[0]
    assert (row["agency"], row["entries"]) == ("Alpha PD", 3)
    assert row["median_days"] == 30 / 24
    assert row["within_goal_share"] == 2 / 3


def _timeliness_definition(engine: Engine, viewer: Viewer, filt: IncidentFilter) -> pd.DataFrame:
    """The figures by pandas over one row per entered casing the viewer may see."""
    hours = hours_between(EvidenceItem.recovered_at, EvidenceItem.nibin_entered_at)
    stmt = (
        select(Agency.name.label("agency"), hours.label("hours"))
        .join(Incident, Incident.id == EvidenceItem.incident_id)
        .join(Agency, Agency.id == Incident.agency_id)
        .where(
            incident_conditions(viewer, filt),
            EvidenceItem.kind == ItemKind.CARTRIDGE_CASE,
            EvidenceItem.nibin_entered_at.is_not(None),
            EvidenceItem.recovered_at.is_not(None),
        )
    )
    with engine.connect() as conn:
        raw = pd.DataFrame(conn.execute(stmt).all(), columns=["agency", "hours"])
    raw["hours"] = raw["hours"].astype(float)
    goal = settings.int_setting(settings.NIBIN_GOAL_HOURS)
    return (
        raw.assign(within=raw["hours"] <= goal)
        .groupby("agency")
        .agg(
            entries=("hours", "size"),
            median_days=("hours", lambda h: h.median() / 24.0),
            within_goal_share=("within", "mean"),
        )
        .reset_index()
    )


@pytest.mark.parametrize("who", ["lab", "agency"])
def test_nibin_timeliness_equals_pandas_over_the_raw_casings(engine: Engine, who: str) -> None:
    rng = random.Random(5)
    b = Builder(engine)
    alpha, beta, gamma, delta = (b.agency(code) for code in "ABCD")
    sizes = {alpha: 17, beta: 10, gamma: 1, delta: 6}  # odd, even, a single casing
    for agency, size in sizes.items():
        for n in range(size):
            inc = b.incident(agency, datetime(2025, 6, 1 + n % 28, 8))
            recovered = datetime(2025, 6, 1 + n % 28, 9)
            delay = timedelta(hours=rng.choice([-2, 6, 6, 24, 47.5, 48, 90, 200]))  # ties
            b.item(inc, recovered_at=recovered, nibin_entered_at=recovered + delay)
    b.item(b.incident(alpha, datetime(2025, 6, 2)), recovered_at=None)  # not entered: not counted
    # delta's casings reach alpha's commander only through a shared lead
    shared = b.item(
        b.incident(delta, datetime(2025, 6, 3)),
        recovered_at=datetime(2025, 6, 3),
        nibin_entered_at=datetime(2025, 6, 4),
    )
    b.lead([shared, b.item(b.incident(alpha, datetime(2025, 6, 4)))])
    viewer = Viewer.system() if who == "lab" else Viewer("cmd", Role.COMMANDER, agency_id=alpha)

    table = overview.nibin_timeliness_by_agency(engine, viewer, JUNE)
    expected = _timeliness_definition(engine, viewer, JUNE)
    assert sorted(table["agency"]) == sorted(expected["agency"])
    if who == "agency":  # its own casings, and the one delta shares with it
        assert table.set_index("agency")["entries"].to_dict() == {"A Police": 17, "D Police": 1}
    assert table["entries"].is_monotonic_decreasing
    got = table.set_index("agency").loc[expected["agency"]].reset_index()
    assert got["entries"].tolist() == expected["entries"].tolist()
    for column in ["median_days", "within_goal_share"]:
        assert got[column].tolist() == pytest.approx(expected[column].tolist(), rel=1e-12)


def test_nibin_timeliness_of_nothing_is_an_empty_table(engine: Engine) -> None:
    table = overview.nibin_timeliness_by_agency(engine, Viewer.system(), JUNE)
    assert table.empty
    assert list(table.columns) == ["agency", "entries", "median_days", "within_goal_share"]
