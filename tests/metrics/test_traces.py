"""Trace metrics against hand-computed fixtures: time-to-crime, sources, dealers, trafficking
indicators, trace coverage, data errors and small-count suppression, on both backends."""

import random
from datetime import date, datetime

import pandas as pd
import pytest
from sqlalchemy import Engine

from cgic_data.metrics import time_to_crime, traces
from cgic_data.metrics.suppression import suppress_small_cells
from cgic_data.schema import IncidentKind, LeadStatus, Role
from cgic_data.scope import IncidentFilter, Viewer
from tests.factory import Builder
from tests.metrics.trace_world import UNSET, add_test_fire, traced_gun

ALL = IncidentFilter()
LAB = Viewer.system()
MAY = datetime(2025, 5, 10, 12)
JUNE = datetime(2025, 6, 10, 12)


def analyst(agency_id: int) -> Viewer:
    return Viewer("ann", Role.ANALYST, agency_id=agency_id)


def by(frame: pd.DataFrame, key: str) -> dict:
    return frame.set_index(key).to_dict("index")


def test_no_traces_at_all_gives_zeros_not_errors(engine: Engine) -> None:
    b = Builder(engine)
    a = b.agency("A")
    b.firearm(b.incident(a, JUNE, kind=IncidentKind.GUN_RECOVERY), recovered_at=JUNE)

    ttc = time_to_crime.time_to_crime(engine, LAB, ALL)
    overall = ttc.overall.iloc[0]
    assert (overall["guns"], overall["usable"]) == (0, 0)
    assert pd.isna(overall["median_years"]) and pd.isna(overall["under_3y_share"])
    assert ttc.by_agency.empty and ttc.by_month.empty
    assert ttc.histogram["guns"].sum() == 0 and len(ttc.histogram) == 21
    assert ttc.quality["traces"].tolist() == [0, 0, 0]

    source = traces.sources(engine, LAB, ALL)
    assert source.split["guns"].tolist() == [0, 0, 0]
    assert source.states.empty
    assert traces.top_dealers(engine, LAB, ALL).empty
    indicators = traces.indicator_counts(engine, LAB, ALL)
    assert indicators["guns"].tolist() == [0] * 7
    assert indicators["share"].isna().all()
    coverage = by(traces.trace_coverage(engine, LAB, ALL), "agency")
    assert coverage["A Police"]["recovered"] == 1 and coverage["A Police"]["traced"] == 0
    assert coverage["A Police"]["traced_share"] == 0.0


def test_time_to_crime_over_usable_values_with_data_errors_counted(engine: Engine) -> None:
    b = Builder(engine)
    a = b.agency("A")
    traced_gun(b, a, MAY, ttc=100)
    traced_gun(b, a, datetime(2025, 5, 20), ttc=2000)
    # no TTC reported: derived from the purchase date, 2020-01-01 -> 2025-06-10 = 1,987 days
    traced_gun(b, a, JUNE, ttc=None, purchase=date(2020, 1, 1))
    traced_gun(b, a, JUNE, ttc=-5)  # recovered before the sale: a data error
    traced_gun(b, a, JUNE, ttc=None, purchase=None)  # unknowable: a data error
    traced_gun(b, a, JUNE, ttc=3000, purchase=None)  # usable, but the purchase date is unknown

    ttc = time_to_crime.time_to_crime(engine, LAB, ALL)
    overall = ttc.overall.iloc[0]
    # usable: 100, 1987, 2000, 3000 -> median 1,993.5 days; one of four under 3 years
    assert (overall["guns"], overall["usable"]) == (6, 4)
    assert overall["median_years"] == pytest.approx(1993.5 / 365.25)
    assert overall["under_3y_share"] == 0.25
    assert by(ttc.quality, "issue") == {
        time_to_crime.QUALITY_ISSUES["negative"]: {"traces": 1, "suppressed": False},
        time_to_crime.QUALITY_ISSUES["missing"]: {"traces": 1, "suppressed": False},
        time_to_crime.QUALITY_ISSUES["no_purchase_date"]: {"traces": 2, "suppressed": False},
    }
    months = ttc.by_month.set_index(ttc.by_month["month"].dt.strftime("%Y-%m"))
    assert months.loc["2025-05", "usable"] == 2
    assert months.loc["2025-05", "median_years"] == pytest.approx(1050 / 365.25)
    assert months.loc["2025-05", "under_3y_share"] == 0.5
    assert months.loc["2025-06", "usable"] == 2
    assert months.loc["2025-06", "median_years"] == pytest.approx(2493.5 / 365.25)
    assert months.loc["2025-06", "under_3y_share"] == 0.0
    assert by(ttc.by_agency, "agency")["A Police"]["guns"] == 6
    histogram = ttc.histogram.set_index("years_from")["guns"]
    assert histogram[histogram > 0].to_dict() == {0: 1, 5: 2, 8: 1}  # 3000 // 365 = 8
    assert ttc.histogram["short"].tolist() == [True] * 3 + [False] * 18


def test_derived_time_to_crime_counts_calendar_days(engine: Engine) -> None:
    b = Builder(engine)
    a = b.agency("A")
    # late on the day before the sale: -1 day, an error, though under 24 hours before midnight
    traced_gun(b, a, datetime(2025, 6, 10, 23, 30), ttc=None, purchase=date(2025, 6, 11))
    # just after midnight on the day of the sale: 0 days, short
    traced_gun(b, a, datetime(2025, 6, 10, 0, 30), ttc=None, purchase=date(2025, 6, 10))
    ttc = time_to_crime.time_to_crime(engine, LAB, ALL)
    assert ttc.overall.iloc[0]["usable"] == 1
    assert ttc.quality.iloc[0]["traces"] == 1  # negative
    assert ttc.histogram.iloc[0]["guns"] == 1


def test_a_gun_traced_twice_counts_once_by_its_latest_trace(engine: Engine) -> None:
    b = Builder(engine)
    a = b.agency("A")
    gun = traced_gun(b, a, JUNE, ttc=100, state="GA")  # requested 2025-06-02 (factory)
    b.trace(gun, requested_at=datetime(2025, 6, 20), dealer_state="CT", time_to_crime_days=150)
    source = traces.sources(engine, LAB, ALL)
    assert source.states[["dealer_state", "guns"]].values.tolist() == [["CT", 1]]
    assert time_to_crime.time_to_crime(engine, LAB, ALL).overall.iloc[0]["guns"] == 1


def test_source_states_in_state_out_of_state_and_top_dealers(engine: Engine) -> None:
    b = Builder(engine)
    a = b.agency("A")
    traced_gun(b, a, JUNE, ttc=100, state="CT", ffl="CT-1")
    traced_gun(b, a, JUNE, ttc=2000, state="CT", ffl="CT-1")
    traced_gun(b, a, JUNE, ttc=2000, state="CT", ffl="CT-2")
    traced_gun(b, a, JUNE, ttc=200, state="GA", ffl="GA-1")
    traced_gun(b, a, JUNE, ttc=5000, state="ga", ffl="GA-1")  # lower case in the feed
    traced_gun(b, a, JUNE, ttc=300, state="FL", ffl="FL-1")
    traced_gun(b, a, JUNE, ttc=300, state=None, ffl=None)

    source = traces.sources(engine, LAB, ALL)
    split = by(source.split, "source")
    assert split["In state (CT)"]["guns"] == 3
    assert split["Out of state"]["guns"] == 3
    assert split["Unknown state"]["guns"] == 1
    assert split["Out of state"]["share"] == pytest.approx(3 / 7)
    assert source.states[["dealer_state", "guns", "short_ttc", "in_state"]].values.tolist() == [
        ["CT", 3, 1, True],
        ["GA", 2, 1, False],
        ["FL", 1, 1, False],
    ]
    dealers = traces.top_dealers(engine, LAB, ALL, limit=3)
    # ties on guns go to more short-TTC guns, then to the FFL number
    assert dealers[["dealer_ffl", "dealer_state", "guns", "short_ttc"]].values.tolist() == [
        ["CT-1", "CT", 2, 1],
        ["GA-1", "GA", 2, 1],
        ["FL-1", "FL", 1, 1],
    ]


@pytest.fixture
def indicator_world(engine: Engine) -> tuple[Engine, int]:
    b = Builder(engine)
    a, c = b.agency("A"), b.agency("C")
    traced_gun(b, a, JUNE, ttc=200, state="GA", possessor=False, purchaser="P-1", ffl="X")
    traced_gun(b, a, JUNE, ttc=2000, possessor=True, purchaser="P-1", ffl="Y", obliterated=True)
    traced_gun(b, a, JUNE, ttc=300, possessor=None, ffl="X")
    traced_gun(b, a, JUNE, ttc=400, possessor=False, purchaser="P-2", ffl="X")
    traced_gun(b, a, JUNE, ttc=None, purchase=None, state=None, possessor=None, ffl=None)
    traced_gun(b, a, JUNE, ttc=5000, possessor=True, ffl="X")  # old gun from a quick dealer
    traced_gun(b, c, JUNE, ttc=100, possessor=True, purchaser="P-2", ffl="Z")  # not shared
    return engine, a


def test_trafficking_indicators_counted_per_gun(indicator_world: tuple[Engine, int]) -> None:
    engine, _ = indicator_world
    counts = by(traces.indicator_counts(engine, LAB, ALL), "key")
    assert {key: row["guns"] for key, row in counts.items()} == {
        "short_ttc": 4,
        "not_possessor": 2,  # unknown (None) never raises an indicator
        "out_of_state": 1,
        "obliterated": 1,
        "repeat_purchaser": 4,  # P-1 (two guns) and P-2 (one gun in A, one in C)
        "repeat_dealer": 4,  # X sold three short-TTC guns: all four of its guns are flagged
        "any": 6,
    }
    assert counts["any"]["share"] == pytest.approx(6 / 7)


def test_indicators_only_count_what_the_agency_may_see(
    indicator_world: tuple[Engine, int],
) -> None:
    engine, a = indicator_world
    counts = by(traces.indicator_counts(engine, analyst(a), ALL), "key")
    # C's gun is invisible to A, so P-2 bought only one gun A can see
    assert counts["repeat_purchaser"]["guns"] == 2
    assert counts["short_ttc"]["guns"] == 3
    assert counts["any"]["guns"] == 5
    assert counts["any"]["share"] == pytest.approx(5 / 6)
    assert not counts["any"]["suppressed"]


def test_fired_in_shootings_keeps_guns_recovered_at_or_linked_to_shootings(
    engine: Engine,
) -> None:
    b = Builder(engine)
    a = b.agency("A")
    shooting = b.incident(a, MAY)
    casing = b.item(shooting)
    linked = traced_gun(b, a, JUNE, ttc=100, state="GA")
    linked_incident = b.incident(a, JUNE, kind=IncidentKind.GUN_RECOVERY)
    b.lead([casing, add_test_fire(b, linked, linked_incident, JUNE)])
    traced_gun(b, a, JUNE, ttc=100, state="FL", kind=IncidentKind.SHOOTING)  # at the scene
    excluded = traced_gun(b, a, JUNE, ttc=100, state="NC")
    b.lead([casing, add_test_fire(b, excluded, shooting, JUNE)], status=LeadStatus.EXCLUDED)
    traced_gun(b, a, JUNE, ttc=100, state="SC")  # never linked
    paired = [traced_gun(b, a, JUNE, ttc=100, state="VA") for _ in range(2)]
    recovery = b.incident(a, JUNE, kind=IncidentKind.GUN_RECOVERY)
    b.lead([add_test_fire(b, gun, recovery, JUNE) for gun in paired])  # two test fires only

    fired = traces.sources(engine, LAB, ALL, fired_only=True)
    assert sorted(fired.states["dealer_state"]) == ["FL", "GA"]
    assert traces.indicator_counts(engine, LAB, ALL, fired_only=True).iloc[-1]["guns"] == 2
    assert traces.sources(engine, LAB, ALL).states["guns"].sum() == 6


def test_suppress_small_cells_blanks_small_counts_beyond_the_own_agency() -> None:
    frame = pd.DataFrame(
        {
            "guns": [0, 3, 4, 5, 2],
            "guns_own": [0, 0, 4, 0, 1],
            "share": [0.0, 0.3, 0.4, 0.5, 0.2],
        }
    )
    out = suppress_small_cells(frame, analyst(1), {"guns": "guns_own"}, {"share": "guns"})
    assert out["guns"].tolist() == [0, pd.NA, 4, 5, pd.NA]
    assert out["share"].isna().tolist() == [False, True, False, False, True]
    assert out["suppressed"].tolist() == [False, True, False, False, True]
    assert "guns_own" not in out
    lab = suppress_small_cells(frame, LAB, {"guns": "guns_own"}, {"share": "guns"})
    assert lab["guns"].tolist() == [0, 3, 4, 5, 2] and not lab["suppressed"].any()


@pytest.fixture
def shared_world(engine: Engine) -> tuple[Engine, int]:
    """Agency A: two guns of its own. Agency B: three guns in incidents shared with A through
    one lead, and one gun A may not see."""
    b = Builder(engine)
    a, other = b.agency("A"), b.agency("B")
    traced_gun(b, a, JUNE, ttc=100, state="CT")
    traced_gun(b, a, JUNE, ttc=100, state="CT")
    shooting = b.incident(a, MAY)
    items = [b.item(shooting)]
    for _ in range(3):
        recovery = b.incident(other, JUNE, kind=IncidentKind.GUN_RECOVERY)
        gun = traced_gun(b, other, JUNE, ttc=100, state="GA", incident_id=recovery)
        items.append(add_test_fire(b, gun, recovery, JUNE))
    b.lead(items)
    traced_gun(b, other, JUNE, ttc=100, state="GA")  # not shared with A
    return engine, a


def test_an_agency_sees_other_agencies_small_counts_suppressed(
    shared_world: tuple[Engine, int],
) -> None:
    engine, a = shared_world
    viewer = analyst(a)
    ttc = time_to_crime.time_to_crime(engine, viewer, ALL)
    agencies = by(ttc.by_agency, "agency")
    assert agencies["A Police"]["guns"] == 2 and not agencies["A Police"]["suppressed"]
    assert pd.isna(agencies["B Police"]["guns"])
    assert pd.isna(agencies["B Police"]["median_years"])
    assert agencies["B Police"]["suppressed"]
    assert ttc.overall.iloc[0]["guns"] == 5  # 2 own + 3 shared: not small

    source = traces.sources(engine, viewer, ALL)
    states = by(source.states, "dealer_state")
    assert states["CT"]["guns"] == 2
    assert pd.isna(states["GA"]["guns"])
    split = by(source.split, "source")
    assert split["In state (CT)"]["guns"] == 2
    assert pd.isna(split["Out of state"]["guns"]) and pd.isna(split["Out of state"]["share"])
    coverage = by(traces.trace_coverage(engine, viewer, ALL), "agency")
    assert pd.isna(coverage["B Police"]["recovered"])
    assert coverage["A Police"]["recovered"] == 2


def test_lab_wide_viewers_see_every_count(shared_world: tuple[Engine, int]) -> None:
    engine, _ = shared_world
    agencies = by(time_to_crime.time_to_crime(engine, LAB, ALL).by_agency, "agency")
    assert agencies["B Police"]["guns"] == 4
    assert not agencies["B Police"]["suppressed"]
    assert by(traces.sources(engine, LAB, ALL).states, "dealer_state")["GA"]["guns"] == 4


def test_trace_coverage_per_agency(engine: Engine) -> None:
    b = Builder(engine)
    a, other = b.agency("A"), b.agency("B")
    traced = traced_gun(b, a, JUNE, ttc=100)
    incident = b.incident(a, JUNE, kind=IncidentKind.GUN_RECOVERY)
    add_test_fire(b, traced, incident, datetime(2025, 6, 11))
    untraced = b.firearm(incident, recovered_at=JUNE)
    add_test_fire(b, untraced, incident, datetime(2025, 6, 12))
    add_test_fire(b, untraced, incident, datetime(2025, 6, 13))  # two test fires: one gun
    b.firearm(incident, recovered_at=JUNE)  # untraced, never in NIBIN
    b.firearm(b.incident(a, JUNE), recovered_at=None)  # no test fire entered either
    add_test_fire(b, b.firearm(incident), incident, None)  # a test fire not yet entered
    traced_gun(b, other, JUNE, ttc=100)
    # out of the period: not counted
    traced_gun(b, a, datetime(2024, 1, 5), ttc=100)

    june = IncidentFilter(start=date(2025, 6, 1), end=date(2025, 6, 30))
    coverage = traces.trace_coverage(engine, LAB, june)
    assert coverage["agency"].tolist() == ["A Police", "B Police"]
    rows = by(coverage, "agency")
    assert {k: rows["A Police"][k] for k in ["recovered", "traced", "nibin_entered"]} == {
        "recovered": 5,
        "traced": 1,
        "nibin_entered": 2,
    }
    assert rows["A Police"]["nibin_untraced"] == 1
    assert rows["A Police"]["traced_share"] == pytest.approx(1 / 5)
    assert rows["A Police"]["untraced_share"] == 0.5
    assert rows["B Police"]["traced_share"] == 1.0
    assert pd.isna(rows["B Police"]["untraced_share"])


def _ttc_definition(values: pd.DataFrame, key: str) -> pd.DataFrame:
    """The TTC figures per ``key`` by pandas, one group at a time, over the raw per-gun rows."""
    rows = []
    for group_key, group in values.groupby(key, sort=True):
        usable = group["ttc_days"][group["ttc_days"].ge(0).fillna(False).astype(bool)]
        usable = usable.astype(float)
        rows.append(
            {
                key: group_key,
                "guns": len(group),
                "usable": len(usable),
                "median_years": usable.median() / time_to_crime.DAYS_PER_YEAR,
                "under_3y_share": (usable < traces.SHORT_TTC_DAYS).mean()
                if len(usable)
                else float("nan"),
            }
        )
    return pd.DataFrame(rows)


@pytest.mark.parametrize("who", ["lab", "agency"])
def test_time_to_crime_medians_equal_pandas_over_the_raw_guns(engine: Engine, who: str) -> None:
    rng = random.Random(9)
    b = Builder(engine)
    agencies = [b.agency(code) for code in "ABC"]
    sizes = {agencies[0]: 9, agencies[1]: 12, agencies[2]: 1}  # odd, even, a single gun
    for agency, size in sizes.items():
        for n in range(size):
            recovered = datetime(2025, 4 + n % 3, 1 + n, 12)
            ttc = rng.choice([100, 100, 400, 1095, 1096, 2000, 2000, -5, None])  # ties, errors
            traced_gun(b, agency, recovered, ttc=ttc, purchase=None if ttc is None else UNSET)
    viewer = LAB if who == "lab" else analyst(agencies[0])

    ttc = time_to_crime.time_to_crime(engine, viewer, ALL)
    values = time_to_crime.ttc_values(engine, viewer, ALL)
    for key, got in [("agency", ttc.by_agency), ("month", ttc.by_month)]:
        expected = _ttc_definition(values, key)
        if key == "month":
            expected["month"] = pd.to_datetime(expected["month"])
        visible = got[~got["suppressed"]] if "suppressed" in got else got
        merged = visible.merge(expected, on=key, suffixes=("", "_expected"))
        assert len(merged) == len(visible) > 0
        for column in ["usable", "median_years", "under_3y_share"]:
            assert merged[column].astype(float).tolist() == pytest.approx(
                merged[f"{column}_expected"].astype(float).tolist(), rel=1e-15, nan_ok=True
            ), (key, column)
