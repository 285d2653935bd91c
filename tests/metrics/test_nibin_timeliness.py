"""NIBIN timeliness of the lab's entries: recovery and receipt → entry, within the 48 h goal."""

import math
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import Engine

from cgic_data.metrics import nibin_timeliness as nt
from cgic_data.metrics.backlog import LabFilter
from cgic_data.schema import Discipline, ItemKind, Role
from cgic_data.scope import IncidentFilter, Viewer
from tests.factory import Builder

ALL = IncidentFilter()
AS_OF = date(2025, 6, 30)
T0 = datetime(2025, 6, 1, 22)


@pytest.fixture
def entries(engine: Engine) -> dict[str, int]:
    """Alpha: three casings (10, 30, 100 h after recovery; received 2, 20, 50 h after recovery),
    a test fire from a gun recovered at T0, entered 60 h later; Bravo: one casing in May (20 h);
    plus items that must not count: a bullet, an unentered casing, one with no lab request."""
    b = Builder(engine)
    alpha, bravo = b.agency("A", name="Alpha PD"), b.agency("B", name="Bravo PD")
    inc = b.incident(alpha, T0)
    req = b.request(alpha, T0 + timedelta(hours=1))
    for recovered_to_entry, recovered_to_receipt in ((10, 2), (30, 20), (100, 50)):
        b.item(
            inc,
            recovered_at=T0,
            received_at=T0 + timedelta(hours=recovered_to_receipt),
            nibin_entered_at=T0 + timedelta(hours=recovered_to_entry),
            lab_request_id=req,
        )
    gun = b.firearm(inc, recovered_at=T0)
    b.item(
        inc,
        kind=ItemKind.TEST_FIRE,
        firearm_id=gun,
        nibin_entered_at=T0 + timedelta(hours=60),  # no receipt of its own: the request's (59 h)
        lab_request_id=req,
    )
    b.item(inc, kind=ItemKind.BULLET, recovered_at=T0, nibin_entered_at=T0, lab_request_id=req)
    b.item(inc, recovered_at=T0, lab_request_id=req)  # not entered yet
    b.item(inc, recovered_at=T0, nibin_entered_at=T0 + timedelta(hours=5))  # no lab request
    may = datetime(2025, 5, 10, 8)
    other = b.request(bravo, may, discipline=Discipline.FIREARMS_NIBIN)
    b.item(
        b.incident(bravo, may),
        recovered_at=may,
        received_at=may,
        nibin_entered_at=may + timedelta(hours=20),
        lab_request_id=other,
    )
    return {"alpha": alpha, "bravo": bravo}


def test_within_goal_by_agency(engine: Engine, entries: dict[str, int]) -> None:
    table = nt.within_goal_by_agency(engine, Viewer.system(), ALL, LabFilter(), None, AS_OF)
    assert table["agency"].tolist() == ["Alpha PD", "Bravo PD"]
    alpha = table.iloc[0]
    assert alpha["entries"] == 4
    assert alpha["recovery_median_hours"] == 45.0  # median of 10, 30, 60, 100
    assert alpha["recovery_within_share"] == 0.5  # 10 and 30 h
    # receipt → entry: 8, 10, 50, 59 h
    assert alpha["receipt_median_hours"] == pytest.approx(30.0)
    assert alpha["receipt_within_share"] == 0.5
    assert table.iloc[1][["entries", "recovery_within_share"]].tolist() == [1, 1.0]


def test_trend_and_distribution(engine: Engine, entries: dict[str, int]) -> None:
    trend = nt.within_goal_trend(engine, Viewer.system(), ALL, LabFilter(), None, AS_OF)
    assert trend["month"].dt.date.tolist() == [date(2025, 5, 1), date(2025, 6, 1)]
    assert trend["entries"].tolist() == [1, 4]
    dist = nt.entry_time_distribution(engine, Viewer.system(), ALL, LabFilter(), None, AS_OF)
    recovery = dist[dist["measure"] == "Recovery → entry"]
    # 10, 20 (Bravo) | 30 | 60 | 100
    assert recovery["entries"].tolist() == [2, 1, 1, 1, 0, 0]
    receipt = dist[dist["measure"] == "Receipt → entry"]
    assert receipt["entries"].tolist() == [3, 0, 2, 0, 0, 0]  # 8, 10, 20 | 50, 59


def test_scope_window_and_discipline(engine: Engine, entries: dict[str, int]) -> None:
    bravo = Viewer("b", Role.ANALYST, agency_id=entries["bravo"])
    table = nt.within_goal_by_agency(engine, bravo, ALL, LabFilter(), None, AS_OF)
    assert table["agency"].tolist() == ["Bravo PD"]
    june = nt.within_goal_trend(engine, Viewer.system(), ALL, LabFilter(), date(2025, 6, 1), AS_OF)
    assert june["entries"].tolist() == [4]
    dna_only = LabFilter(disciplines=(Discipline.DNA,))
    assert nt.entry_times(engine, Viewer.system(), ALL, dna_only, None, AS_OF).empty


def test_unknown_and_negative_times_are_left_out_of_shares(engine: Engine) -> None:
    b = Builder(engine)
    a = b.agency(name="Alpha PD")
    inc = b.incident(a, T0)
    req = b.request(a, T0 + timedelta(days=2))
    b.item(inc, nibin_entered_at=T0 + timedelta(hours=12), lab_request_id=req)  # no recovery
    b.item(inc, recovered_at=T0, nibin_entered_at=T0 + timedelta(hours=24), lab_request_id=req)
    times = nt.entry_times(engine, Viewer.system(), ALL, LabFilter(), None, AS_OF)
    assert times["receipt_hours"].isna().all()  # received after the entries: a data error
    row = nt.within_goal_by_agency(engine, Viewer.system(), ALL, LabFilter(), None, AS_OF).iloc[0]
    assert (row["entries"], row["recovery_within_share"]) == (2, 1.0)
    assert math.isnan(row["receipt_within_share"])


def test_no_entries(engine: Engine) -> None:
    table = nt.within_goal_by_agency(engine, Viewer.system(), ALL, LabFilter(), None, AS_OF)
    assert table.empty
    dist = nt.entry_time_distribution(engine, Viewer.system(), ALL, LabFilter(), None, AS_OF)
    assert dist["entries"].sum() == 0


def test_one_query_serves_the_period_and_a_longer_trend(
    engine: Engine, entries: dict[str, int]
) -> None:
    got = nt.timeliness(engine, Viewer.system(), ALL, LabFilter(), None, date(2025, 6, 1), AS_OF)
    assert got.by_agency[["agency", "entries"]].values.tolist() == [["Alpha PD", 4]]  # June only
    assert got.trend["entries"].tolist() == [1, 4]  # May (Bravo) and June
    recovery = got.distribution[got.distribution["measure"] == "Recovery → entry"]
    assert recovery["entries"].tolist() == [1, 1, 1, 1, 0, 0]  # 10 | 30 | 60 | 100
