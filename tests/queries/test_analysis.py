"""The Analysis page's queries: the viewer's scope and the filter decide the incidents analysed,
coordinates become metres, and the Knox and Gi* results come back on them.

Alpha has 12 shootings along a street in Hartford, 3 days and ~56 m apart (a near-repeat chain),
one shooting without coordinates and one gun recovery; Bravo has 12 shootings in New Haven. No
lead links them, so each agency's analyst analyses its own incidents only."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import Engine

from cgic_data.metrics import near_repeat
from cgic_data.metrics.hot_spots import Grid
from cgic_data.metrics.near_repeat import Bands
from cgic_data.queries import analysis
from cgic_data.schema import IncidentKind, Role
from cgic_data.scope import IncidentFilter, Viewer
from tests.factory import Builder

LAB = Viewer.system()
ALL = IncidentFilter()
START = datetime(2025, 3, 1, 21, 0)


@pytest.fixture
def world(engine: Engine) -> dict[str, int]:
    b = Builder(engine)
    alpha, bravo = b.agency("CTA", "Alpha PD"), b.agency("CTB", "Bravo PD")
    for k in range(12):
        when = START + timedelta(days=3 * k)
        b.incident(alpha, when, number=f"A-{k:02d}", lat=41.76 + 0.0005 * k, lon=-72.68)
        b.incident(bravo, when, number=f"B-{k:02d}", lat=41.30 + 0.01 * k, lon=-72.92)
    b.incident(alpha, START, number="A-NOPLACE", lat=None, lon=None)
    b.incident(alpha, START, number="A-GUN", kind=IncidentKind.GUN_RECOVERY)
    return {"alpha": alpha, "bravo": bravo}


def test_the_scope_and_the_filter_decide_what_is_analysed(
    engine: Engine, world: dict[str, int]
) -> None:
    everything = analysis.analysis_incidents(engine, LAB, ALL)
    assert len(everything.frame) == 25 and everything.without_place == 1
    assert everything.crs == "EPSG:6433"  # Connecticut State Plane, metres
    alpha = Viewer("alpha.analyst", Role.ANALYST, world["alpha"])
    own = analysis.analysis_incidents(engine, alpha, ALL, (IncidentKind.SHOOTING,))
    assert set(own.frame["incident_number"]) == {f"A-{k:02d}" for k in range(12)}
    march = IncidentFilter(start=date(2025, 3, 1), end=date(2025, 3, 10))
    assert (
        len(analysis.analysis_incidents(engine, alpha, march, (IncidentKind.SHOOTING,)).frame) == 4
    )


def test_coordinates_become_metres_and_dates_days(engine: Engine, world: dict[str, int]) -> None:
    frame = analysis.analysis_incidents(engine, LAB, IncidentFilter(agency_ids=(world["alpha"],)))
    shootings = frame.frame[frame.frame["kind"] == "shooting"].reset_index(drop=True)
    # 0.0005° of latitude is ~55.5 m; longitude fixed: x the same, y 55.5 m further north.
    assert shootings["y"].diff().iloc[1:].between(55, 56).all()
    assert shootings["x"].diff().iloc[1:].abs().max() < 0.5
    assert shootings["day"].diff().iloc[1:].eq(3).all()


def test_near_repeats_on_the_viewers_own_incidents(engine: Engine, world: dict[str, int]) -> None:
    alpha = Viewer("alpha.analyst", Role.ANALYST, world["alpha"])
    run = analysis.near_repeat_analysis(engine, alpha, ALL, (IncidentKind.SHOOTING,))
    assert run.result is not None and run.result.events == 12
    # Neighbours on the chain: 11 pairs ~56 m and 3 days apart.
    assert run.result.observed[1, 0] == 11
    assert run.result.observed.sum() == 12 * 11 // 2
    few = analysis.near_repeat_analysis(
        engine, alpha, IncidentFilter(end=date(2025, 3, 10)), bands=Bands(), permutations=9
    )
    assert few.result is None and "Fewer than 10" in few.note


def test_a_run_beyond_the_pair_budget_is_an_answer_with_the_reason(
    engine: Engine, world: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(near_repeat, "MAX_PAIR_PERMUTATIONS", 1)
    run = analysis.near_repeat_analysis(engine, LAB, ALL, (IncidentKind.SHOOTING,))
    assert run.result is None and "pairs of incidents lie within 500 m" in run.note


def test_hot_spots_come_with_cell_outlines_on_the_map(
    engine: Engine, world: dict[str, int]
) -> None:
    run = analysis.hot_spot_analysis(engine, LAB, ALL, (), Grid(cell_metres=1000))
    assert run.result is not None
    assert sum(run.result.summary().values()) == run.result.counts.size
    hot = run.cells[run.cells["class"].str.startswith("Hot")]
    assert not hot.empty  # Alpha's 12 shootings in a few 1 km cells amid empty ones
    ring = hot.sort_values("z").iloc[-1]["corners"]
    assert len(ring) == 5 and ring[0] == ring[-1]
    assert all(41.7 < lat < 41.8 and -72.69 < lon < -72.66 for lon, lat in ring)
