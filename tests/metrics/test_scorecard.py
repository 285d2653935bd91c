"""The timeliness scorecard against a hand-built month of shootings, casings and leads."""

import random
from datetime import date, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import Engine, update

from cgic_data.metrics import scorecard
from cgic_data.schema import CaseEventKind, IncidentKind, LeadStatus, NibinLead, Role
from cgic_data.scope import IncidentFilter, Viewer
from tests.factory import Builder

WINDOW = IncidentFilter(start=date(2025, 5, 1), end=date(2025, 7, 31))
LAB = Viewer.system()


def d(month: int, day: int, hour: int = 0) -> datetime:
    return datetime(2025, month, day, hour)


@pytest.fixture
def world(engine: Engine) -> tuple[Engine, int]:
    """Hours (see each line) were worked out by hand; the expected figures follow from them."""
    b = Builder(engine)
    a, other, third = b.agency("A"), b.agency("B"), b.agency("C")
    # A, June: s1 recovered +1 h, lab +10 h, NIBIN +6 h; its casing triggers L1 10 h later
    s1 = b.incident(a, d(6, 1, 22))
    c1 = b.item(s1, recovered_at=d(6, 1, 23), received_at=d(6, 2, 9), nibin_entered_at=d(6, 2, 15))
    b.item(s1, recovered_at=d(6, 1, 23), received_at=d(6, 2, 10), nibin_entered_at=d(6, 2, 16))
    # A, June: s2 received on its request (item has no receipt): lab +72 h, NIBIN +24 h
    s2 = b.incident(a, d(6, 10, 12))
    request = b.request(a, d(6, 13, 13), incident_id=s2)
    c2 = b.item(
        s2, recovered_at=d(6, 10, 13), lab_request_id=request, nibin_entered_at=d(6, 14, 13)
    )
    b.incident(a, d(6, 20), kind=IncidentKind.SHOTS_FIRED)  # no casings: not entered
    b.incident(a, d(6, 21), kind=IncidentKind.GUN_RECOVERY)  # not a shooting incident
    # A, July: the lab's receipt is stamped before the recovery: a data error, left out
    s4 = b.incident(a, d(7, 2, 10))
    c4 = b.item(s4, recovered_at=d(7, 2, 12), received_at=d(7, 2, 8), nibin_entered_at=d(7, 3, 8))
    # B, May: +1 h, lab +12 h, NIBIN +1 h; the older casing L1 matched: not timed as a lead
    sb = b.incident(other, d(5, 9, 20))
    cb = b.item(
        sb, recovered_at=d(5, 9, 21), received_at=d(5, 10, 9), nibin_entered_at=d(5, 10, 10)
    )
    # C, June: +1 h, lab +11 h, NIBIN +2 h, its casing triggers L2 8 h later
    sc = b.incident(third, d(6, 14, 20))
    cc = b.item(
        sc, recovered_at=d(6, 14, 21), received_at=d(6, 15, 8), nibin_entered_at=d(6, 15, 10)
    )

    l1 = b.lead([cb, c1], issued_at=d(6, 3, 1))
    b.case_event(CaseEventKind.FOLLOW_UP, d(6, 4), lead_id=l1)
    b.lead([c2, cc], issued_at=d(6, 15, 18))  # no follow-up recorded
    b.lead([c1, c2], issued_at=d(6, 20), status=LeadStatus.EXCLUDED)  # neither timed nor owed
    l5 = b.lead([cb, c4], issued_at=d(7, 5))  # 40 h after entry, 62 h after the shooting
    with engine.begin() as conn:
        conn.execute(
            update(NibinLead).where(NibinLead.id == l5).values(follow_up_status="assigned")
        )
    return engine, a


def row(frame: pd.DataFrame, agency: str, month: str | None = None) -> pd.Series:
    match = frame["agency"] == agency
    if month is not None:
        match &= frame["month"].dt.strftime("%Y-%m") == month
    (index,) = frame.index[match]
    return frame.loc[index]


def check(found: pd.Series, **expected: float | int) -> None:
    for column, value in expected.items():
        if isinstance(value, float) and pd.isna(value):
            assert pd.isna(found[column]), column
        else:
            assert found[column] == pytest.approx(value), column


NAN = float("nan")


def test_scorecard_per_agency_and_month(world: tuple[Engine, int]) -> None:
    engine, _ = world
    card = scorecard.scorecard(engine, LAB, WINDOW)
    check(
        row(card.by_agency_month, "A Police", "2025-06"),
        incidents=3,
        entered=2,
        with_lead=1,
        leads=2,
        followed_up=1,
        entered_share=2 / 3,
        recovery_to_receipt_hours=41,  # median of 10 and 72
        receipt_to_entry_hours=15,  # median of 6 and 24
        entry_to_lead_hours=10,
        entry_within_goal_share=0.5,  # 16 h yes, 96 h no
        lead_within_goal_share=1.0,  # 27 h
        followed_up_share=0.5,
    )
    check(
        row(card.by_agency_month, "A Police", "2025-07"),
        incidents=1,
        recovery_to_receipt_hours=NAN,
        receipt_to_entry_hours=24,
        entry_to_lead_hours=40,
        entry_within_goal_share=1.0,  # 20 h
        lead_within_goal_share=0.0,  # 62 h
        followed_up_share=1.0,  # follow-up status set
    )
    check(
        row(card.by_agency_month, "B Police", "2025-05"),
        incidents=1,
        with_lead=0,
        leads=0,
        recovery_to_receipt_hours=12,
        receipt_to_entry_hours=1,
        entry_to_lead_hours=NAN,
        entry_within_goal_share=1.0,
        lead_within_goal_share=NAN,
        followed_up_share=NAN,
    )
    # leads are dated by issue: B's May shooting brings it June's L1 and July's L5
    check(
        row(card.by_agency_month, "B Police", "2025-06"),
        incidents=0,
        entered_share=NAN,
        leads=1,
        followed_up_share=1.0,
    )
    check(
        row(card.by_agency_month, "C Police", "2025-06"),
        entry_to_lead_hours=8,
        lead_within_goal_share=1.0,  # 22 h
        followed_up_share=0.0,
    )


def test_all_agencies_count_each_incident_and_lead_once(world: tuple[Engine, int]) -> None:
    engine, _ = world
    card = scorecard.scorecard(engine, LAB, WINDOW)
    june = row(card.by_month, scorecard.ALL_AGENCIES, "2025-06")
    check(
        june,
        incidents=4,
        entered=3,
        with_lead=2,
        leads=2,  # L1 touches A and B, L2 A and C: two leads
        followed_up=1,
        recovery_to_receipt_hours=11,  # 10, 72, 11
        receipt_to_entry_hours=6,  # 6, 24, 2
        entry_to_lead_hours=9,  # 10, 8
        entry_within_goal_share=2 / 3,  # 16, 96, 13
        lead_within_goal_share=1.0,
    )
    assert card.by_month["month"].dt.strftime("%Y-%m").tolist() == ["2025-05", "2025-06", "2025-07"]


def test_whole_window_per_agency_most_incidents_first(world: tuple[Engine, int]) -> None:
    engine, _ = world
    card = scorecard.scorecard(engine, LAB, WINDOW)
    assert card.by_agency["agency"].tolist() == ["A Police", "B Police", "C Police"]
    check(
        row(card.by_agency, "A Police"),
        incidents=4,
        entered=3,
        leads=3,
        followed_up=2,
        recovery_to_receipt_hours=41,
        receipt_to_entry_hours=24,  # 6, 24, 24
        entry_to_lead_hours=25,  # 10, 40
        entry_within_goal_share=2 / 3,
        lead_within_goal_share=0.5,
    )


def test_an_agency_is_scored_on_its_own_incidents_only(world: tuple[Engine, int]) -> None:
    engine, a = world
    card = scorecard.scorecard(engine, Viewer("cmd", Role.COMMANDER, agency_id=a), WINDOW)
    assert set(card.by_agency_month["agency"]) == {"A Police"}
    june = row(card.by_month, scorecard.ALL_AGENCIES, "2025-06")
    check(june, incidents=3, leads=2, entered_share=2 / 3)


def test_the_period_picks_incidents_by_occurrence_and_leads_by_issue(
    world: tuple[Engine, int],
) -> None:
    engine, _ = world
    june = IncidentFilter(start=date(2025, 6, 1), end=date(2025, 6, 30))
    card = scorecard.scorecard(engine, LAB, june)
    assert card.by_month["month"].dt.strftime("%Y-%m").tolist() == ["2025-06"]
    check(row(card.by_agency, "B Police"), incidents=0, leads=1)


def test_an_empty_store_gives_empty_frames(engine: Engine) -> None:
    card = scorecard.scorecard(engine, LAB, WINDOW)
    assert card.by_agency.empty and card.by_agency_month.empty and card.by_month.empty
    assert list(card.by_agency.columns) == ["agency", *scorecard.COLUMNS]


def test_the_window_is_the_whole_months_the_period_touches() -> None:
    four_weeks = IncidentFilter(agency_ids=(2,), start=date(2025, 6, 4), end=date(2025, 7, 1))
    # June in full; July up to today
    assert scorecard.scorecard_window(four_weeks, date(2025, 7, 1)) == IncidentFilter(
        agency_ids=(2,), start=date(2025, 6, 1), end=date(2025, 7, 1)
    )
    past = IncidentFilter(start=date(2023, 3, 15), end=date(2025, 1, 20))
    assert scorecard.scorecard_window(past, date(2025, 7, 1)) == IncidentFilter(
        start=date(2023, 3, 1), end=date(2025, 1, 31)
    )
    assert scorecard.scorecard_window(IncidentFilter(), date(2025, 7, 1)) == IncidentFilter()


# --- the SQL medians and shares equal the definition taken by pandas on one row per incident ---


def _definition(times: pd.DataFrame, leads: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The scorecard's figures by pandas over ``incident_times`` (one row per incident)."""
    goal = scorecard.goal_hours()
    times = times.assign(
        entry_within=(times["recovery_to_entry_hours"] <= goal).astype(float),
        lead_within=(times["incident_to_lead_hours"] <= goal).astype(float),
    )
    times.loc[times["recovery_to_entry_hours"].isna(), "entry_within"] = float("nan")
    times.loc[times["incident_to_lead_hours"].isna(), "lead_within"] = float("nan")
    incidents = times.groupby(keys).agg(
        incidents=("entered", "size"),
        entered=("entered", "sum"),
        with_lead=("with_lead", "sum"),
        recovery_to_receipt_hours=("recovery_to_receipt_hours", "median"),
        receipt_to_entry_hours=("receipt_to_entry_hours", "median"),
        entry_to_lead_hours=("entry_to_lead_hours", "median"),
        entry_within_goal_share=("entry_within", "mean"),
        lead_within_goal_share=("lead_within", "mean"),
    )
    follow = (
        leads.drop_duplicates([*keys, "lead_id"])
        .groupby(keys)
        .agg(leads=("lead_id", "size"), followed_up=("followed_up", "sum"))
    )
    out = incidents.join(follow, how="outer").reset_index()
    for column in scorecard.COUNT_COLUMNS:
        out[column] = out[column].fillna(0).astype(int)
    out["entered_share"] = out["entered"] / out["incidents"].where(out["incidents"] > 0)
    out["followed_up_share"] = out["followed_up"] / out["leads"].where(out["leads"] > 0)
    return out[[*keys, *scorecard.COLUMNS]]


def _same_frames(got: pd.DataFrame, expected: pd.DataFrame, keys: list[str]) -> None:
    got = got.sort_values(keys, ignore_index=True)
    expected = expected.sort_values(keys, ignore_index=True)
    assert got[keys].astype(str).values.tolist() == expected[keys].astype(str).values.tolist()
    for column in scorecard.COLUMNS:
        assert got[column].astype(float).tolist() == pytest.approx(
            expected[column].astype(float).tolist(), rel=1e-12, nan_ok=True
        ), column


@pytest.fixture
def busy(engine: Engine) -> tuple[Engine, int]:
    """Three agencies, three months of shootings with whole-hour delays (many ties), odd and even
    counts, missing and negative steps, an agency with a single incident, leads across them."""
    rng = random.Random(11)
    b = Builder(engine)
    agencies = [b.agency("A"), b.agency("B"), b.agency("C")]
    casings: list[int] = []
    for n in range(45):
        agency = agencies[0] if n % 3 else agencies[1]
        start = d(5 + n % 3, 1 + n % 27, rng.randint(0, 23))
        incident = b.incident(agency, start, kind=IncidentKind.SHOOTING)
        for _ in range(rng.randint(0, 3)):
            recovered = start + timedelta(hours=rng.choice([1, 1, 2, 5]))
            received = recovered + timedelta(hours=rng.choice([-3, 10, 10, 30, 72]))
            entered = received + timedelta(hours=rng.choice([1, 6, 6, 24, 60]))
            casings.append(
                b.item(
                    incident,
                    recovered_at=recovered,
                    received_at=None if rng.random() < 0.15 else received,
                    nibin_entered_at=None if rng.random() < 0.2 else entered,
                )
            )
    lone = b.incident(agencies[2], d(6, 9, 4))
    casings.append(b.item(lone, recovered_at=d(6, 9, 5), nibin_entered_at=d(6, 9, 20)))
    for n in range(12):
        pair = rng.sample(casings, 2)
        lead = b.lead(pair, issued_at=d(5 + n % 3, 10 + n, 12))
        if n % 2:
            b.case_event(CaseEventKind.FOLLOW_UP, d(7, 28), lead_id=lead)
    return engine, agencies[0]


@pytest.mark.parametrize("who", ["lab", "agency"])
def test_figures_equal_pandas_over_one_row_per_incident(busy: tuple[Engine, int], who: str) -> None:
    engine, a = busy
    viewer = LAB if who == "lab" else Viewer("cmd", Role.COMMANDER, agency_id=a)
    card = scorecard.scorecard(engine, viewer, WINDOW)
    times = scorecard.incident_times(engine, viewer, WINDOW)
    leads = scorecard.lead_follow_up(engine, viewer, WINDOW)
    assert len(times) >= 30  # enough incidents for ties, odd and even groups
    _same_frames(
        card.by_agency_month, _definition(times, leads, ["agency", "month"]), ["agency", "month"]
    )
    _same_frames(card.by_agency, _definition(times, leads, ["agency"]), ["agency"])
    everyone = _definition(
        times.assign(agency=scorecard.ALL_AGENCIES),
        leads.assign(agency=scorecard.ALL_AGENCIES),
        ["agency", "month"],
    )
    _same_frames(card.by_month, everyone, ["month"])
