"""Backlog figures against a hand-computed lab: as of Monday 30 June 2025 and a month before.

The lab (A and B are agencies; ages are whole days on 30 June / on 31 May):
  r1  A firearms  received Jun 10 09:00, completed Jun 10 17:00 (same day)
  r2  A firearms  rush, received May 30, open                     age 31 / 1
  r3  A DNA       received May 31, open                           age 30 / 0
  r4  B DNA       court date, received Jan 15, open               age 166 / 136
  r5  A firearms  received Mar 1, completed Apr 10, RE-OPENED Jun 20: open again, age 10 / closed
  r6  B latent    received May 1, completed Jun 5 (35 days)       closed / age 30
  r7  A firearms  received 2024-12-01, open                       age 211 / 181
  r8  B firearms  received Jun 2, completed Jul 2 (after as_of)   age 28 / not yet received
  r9  A DNA       received Apr 20, completed May 20 (30 days)     closed / closed
  r10 A firearms  received Jul 1 (after as_of)                    not counted
  r11 A firearms  received Feb 1, re-opened Mar 1 (an earlier cycle), completed Jun 15 (134 days)
"""

from datetime import date, datetime

import pytest
from sqlalchemy import Engine, select

from cgic_data.metrics import backlog, throughput
from cgic_data.metrics.backlog import BacklogSnapshot, LabFilter
from cgic_data.schema import Discipline, LabRequest, Priority, RequestStatus, Role
from cgic_data.scope import IncidentFilter, Viewer
from tests.factory import Builder

AS_OF = date(2025, 6, 30)
MONTH_BEFORE = date(2025, 5, 31)
ALL = IncidentFilter()
FIREARMS, DNA, LATENT = Discipline.FIREARMS_NIBIN, Discipline.DNA, Discipline.LATENT_PRINTS


@pytest.fixture
def lab(engine: Engine) -> dict[str, int]:
    b = Builder(engine)
    a, bb = b.agency("A", name="Alpha PD"), b.agency("B", name="Bravo PD")
    r = b.request
    return {
        "A": a,
        "B": bb,
        "r1": r(a, datetime(2025, 6, 10, 9), completed_at=datetime(2025, 6, 10, 17), case_number="R1"),
        "r2": r(a, datetime(2025, 5, 30, 10), priority=Priority.RUSH, case_number="R2"),
        "r3": r(a, datetime(2025, 5, 31, 8), discipline=DNA, case_number="R3"),
        "r4": r(bb, datetime(2025, 1, 15, 12), discipline=DNA, priority=Priority.COURT, case_number="R4"),
        "r5": r(
            a,
            datetime(2025, 3, 1, 9),
            completed_at=datetime(2025, 4, 10, 16),
            reopened_at=datetime(2025, 6, 20, 11),
            status=RequestStatus.REOPENED,
            case_number="R5",
        ),
        "r6": r(bb, datetime(2025, 5, 1, 10), completed_at=datetime(2025, 6, 5, 15), discipline=LATENT, case_number="R6"),
        "r7": r(a, datetime(2024, 12, 1, 10), case_number="R7"),
        "r8": r(bb, datetime(2025, 6, 2, 8), completed_at=datetime(2025, 7, 2, 12), case_number="R8"),
        "r9": r(a, datetime(2025, 4, 20, 9), completed_at=datetime(2025, 5, 20, 9), discipline=DNA, case_number="R9"),
        "r10": r(a, datetime(2025, 7, 1, 9), case_number="R10"),
        "r11": r(
            a,
            datetime(2025, 2, 1, 9),
            completed_at=datetime(2025, 6, 15, 10),
            reopened_at=datetime(2025, 3, 1, 9),
            case_number="R11",
        ),
    }  # fmt: skip


def test_snapshot_as_of_the_end_of_june(engine: Engine, lab: dict[str, int]) -> None:
    got = backlog.snapshot(engine, Viewer.system(), ALL, LabFilter(), AS_OF)
    assert got == BacklogSnapshot(
        as_of=AS_OF,
        open_requests=6,  # r2 r3 r4 r5 (re-opened) r7 r8 (completed only after as_of)
        backlog=3,  # r2 (31 days), r4 (166), r7 (211); r3 is exactly 30 days old: not yet
        backlog_mean_age_days=pytest.approx((31 + 166 + 211) / 3),
        oldest_open_days=211,
        received=2,  # r1 r8 (Jun 1-30)
        reopened=1,  # r5; r11's re-opening came before its completion
        completed=3,  # r1 r6 r11
        completed_within_share=pytest.approx(1 / 3),  # r1 (0 days); r6 took 35, r11 134
        days_to_clear=pytest.approx(30.0),  # 3 in backlog / (3 completed / 30 days)
        start=date(2025, 6, 1),  # by default the 30 days to as_of
    )


def test_snapshot_a_month_before_is_the_previous_period(
    engine: Engine, lab: dict[str, int]
) -> None:
    got = backlog.snapshot(engine, Viewer.system(), ALL, LabFilter(), MONTH_BEFORE)
    assert got == BacklogSnapshot(
        as_of=MONTH_BEFORE,
        open_requests=6,  # r2 r3 r4 r6 r7 r11 (r5 was closed between completion and re-opening)
        backlog=3,  # r4 (136), r7 (181), r11 (119: open since its receipt)
        backlog_mean_age_days=pytest.approx((136 + 181 + 119) / 3),
        oldest_open_days=181,
        received=2,  # r2 r3 (May 2-31; r6 on May 1 is outside the 30 days)
        reopened=0,
        completed=1,  # r9, exactly 30 days: within
        completed_within_share=pytest.approx(1.0),
        days_to_clear=pytest.approx(90.0),
        start=date(2025, 5, 2),
    )


def test_snapshot_flows_over_a_chosen_period(engine: Engine, lab: dict[str, int]) -> None:
    """The second quarter: flows from Apr 1, so the headline counts what the period's tables do."""
    got = backlog.snapshot(engine, Viewer.system(), ALL, LabFilter(), AS_OF, date(2025, 4, 1))
    assert (got.open_requests, got.backlog) == (6, 3)  # a state as of Jun 30, as before
    assert (got.received, got.reopened, got.completed) == (6, 1, 5)  # r1 r2 r3 r6 r8 r9; r5
    assert got.completed_within_share == pytest.approx(2 / 5)  # r1 r9; r5 r6 r11 took longer
    assert got.days_to_clear == pytest.approx(3 * 91 / 5)  # Apr 1 - Jun 30: 91 days
    assert (got.start, got.window_days) == (date(2025, 4, 1), 91)


def test_snapshot_scoped_to_an_agency_user(engine: Engine, lab: dict[str, int]) -> None:
    bravo = Viewer("bo", Role.ANALYST, agency_id=lab["B"])
    got = backlog.snapshot(engine, bravo, ALL, LabFilter(), AS_OF)
    assert (got.open_requests, got.backlog, got.oldest_open_days) == (2, 1, 166)  # r4 r8
    assert (got.received, got.completed, got.completed_within_share) == (1, 1, 0.0)  # r8; r6
    # The sidebar cannot widen an agency user's scope.
    widened = IncidentFilter(agency_ids=(lab["A"], lab["B"]))
    assert backlog.snapshot(engine, bravo, widened, LabFilter(), AS_OF) == got


def test_snapshot_filters_discipline_priority_and_agency(
    engine: Engine, lab: dict[str, int]
) -> None:
    system = Viewer.system()
    dna = backlog.snapshot(engine, system, ALL, LabFilter(disciplines=(DNA,)), AS_OF)
    assert (dna.open_requests, dna.backlog, dna.completed) == (2, 1, 0)  # r3 r4; r9 in May
    assert dna.days_to_clear is None  # a backlog and no completions: never clears at this rate
    court = backlog.snapshot(engine, system, ALL, LabFilter(priorities=(Priority.COURT,)), AS_OF)
    assert (court.open_requests, court.backlog, court.oldest_open_days) == (1, 1, 166)
    alpha = backlog.snapshot(
        engine, system, IncidentFilter(agency_ids=(lab["A"],)), LabFilter(), AS_OF
    )
    assert (alpha.open_requests, alpha.backlog) == (4, 2)  # r2 r3 r5 r7; r2 r7


def test_snapshot_ignores_the_sidebar_dates(engine: Engine, lab: dict[str, int]) -> None:
    """The headline is a state as of a day; the period's start must not drop old open requests."""
    june = IncidentFilter(start=date(2025, 6, 1), end=date(2025, 6, 30))
    assert backlog.snapshot(engine, Viewer.system(), june, LabFilter(), AS_OF) == backlog.snapshot(
        engine, Viewer.system(), ALL, LabFilter(), AS_OF
    )


def test_snapshot_with_no_requests_at_all(engine: Engine) -> None:
    got = backlog.snapshot(engine, Viewer.system(), ALL, LabFilter(), AS_OF)
    assert got == BacklogSnapshot(AS_OF, 0, 0, None, None, 0, 0, 0, None, 0.0, date(2025, 6, 1))


def test_snapshot_with_no_activity_in_the_window(engine: Engine) -> None:
    b = Builder(engine)
    b.request(b.agency(), datetime(2025, 1, 2, 9))  # one old open request, nothing else
    got = backlog.snapshot(engine, Viewer.system(), ALL, LabFilter(), AS_OF)
    assert (got.open_requests, got.backlog, got.oldest_open_days) == (1, 1, 179)
    assert (got.received, got.completed, got.completed_within_share) == (0, 0, None)
    assert got.days_to_clear is None


def test_same_day_completion_is_never_open_at_a_day_end(engine: Engine) -> None:
    b = Builder(engine)
    b.request(b.agency(), datetime(2025, 6, 30, 8), completed_at=datetime(2025, 6, 30, 18))
    got = backlog.snapshot(engine, Viewer.system(), ALL, LabFilter(), AS_OF)
    assert (got.open_requests, got.received, got.completed) == (0, 1, 1)
    assert got.completed_within_share == 1.0


def test_reopened_without_a_reopening_time_counts_from_its_completion(engine: Engine) -> None:
    b = Builder(engine)
    b.request(
        b.agency(),
        datetime(2025, 3, 3, 9),
        completed_at=datetime(2025, 6, 9, 12),
        status=RequestStatus.REOPENED,
    )
    got = backlog.snapshot(engine, Viewer.system(), ALL, LabFilter(), AS_OF)
    assert (got.open_requests, got.oldest_open_days, got.reopened, got.completed) == (1, 21, 1, 1)


def test_open_by_age_per_discipline_and_per_agency(engine: Engine, lab: dict[str, int]) -> None:
    by_discipline = backlog.open_by_age(engine, Viewer.system(), ALL, LabFilter(), AS_OF)
    assert by_discipline.values.tolist() == [
        ["DNA", "0–30", 1],  # r3
        ["DNA", "91–180", 1],  # r4
        ["firearms/NIBIN", "0–30", 2],  # r5 (re-opened 10 days ago) r8
        ["firearms/NIBIN", "31–60", 1],  # r2
        ["firearms/NIBIN", "180+", 1],  # r7
    ]
    by_agency = backlog.open_by_age(engine, Viewer.system(), ALL, LabFilter(), AS_OF, by="agency")
    assert by_agency.values.tolist() == [
        ["Alpha PD", "0–30", 2],
        ["Alpha PD", "31–60", 1],
        ["Alpha PD", "180+", 1],
        ["Bravo PD", "0–30", 1],
        ["Bravo PD", "91–180", 1],
    ]


def test_open_requests_oldest_first_with_their_ages(engine: Engine, lab: dict[str, int]) -> None:
    table = backlog.open_requests(engine, Viewer.system(), ALL, LabFilter(), AS_OF)
    assert table[["lab_case_number", "age_days", "age_bucket", "agency"]].values.tolist() == [
        ["R7", 211, "180+", "Alpha PD"],
        ["R4", 166, "91–180", "Bravo PD"],
        ["R2", 31, "31–60", "Alpha PD"],
        ["R3", 30, "0–30", "Alpha PD"],
        ["R8", 28, "0–30", "Bravo PD"],
        ["R5", 10, "0–30", "Alpha PD"],
    ]
    reopened = table.set_index("lab_case_number")["reopened_at"]
    assert reopened["R5"] == datetime(2025, 6, 20, 11)
    assert reopened.drop("R5").isna().all()
    assert table.set_index("lab_case_number").loc["R5", "status"] == "reopened"
    oldest = backlog.open_requests(
        engine, Viewer.system(), ALL, LabFilter(), AS_OF, buckets=("180+", "91–180")
    )
    assert oldest["lab_case_number"].tolist() == ["R7", "R4"]


def test_monthly_flow_and_levels(engine: Engine, lab: dict[str, int]) -> None:
    flow = throughput.flow_by_period(
        engine, Viewer.system(), ALL, LabFilter(), date(2025, 5, 10), AS_OF, grain="month"
    )
    assert flow["period"].dt.date.tolist() == [date(2025, 5, 1)] * 3 + [date(2025, 6, 1)] * 3
    # discipline, received, reopened, completed, open at the end, backlog at the end
    assert flow.drop(columns="period").values.tolist() == [
        ["firearms/NIBIN", 1, 0, 0, 3, 2],  # r2 in; open r2 r7 r11; backlog r7 r11
        ["DNA", 1, 0, 1, 2, 1],  # r3 in, r9 out; open r3 r4; backlog r4
        ["latent prints", 1, 0, 0, 1, 0],  # r6 in (May 1: the whole month counts)
        ["firearms/NIBIN", 2, 1, 2, 4, 2],  # r1 r8 in, r5 back, r1 r11 out; open r2 r5 r7 r8
        ["DNA", 0, 0, 0, 2, 1],
        ["latent prints", 0, 0, 1, 0, 0],
    ]


def test_open_count_follows_intake_minus_completions(engine: Engine, lab: dict[str, int]) -> None:
    flow = throughput.flow_by_period(
        engine, Viewer.system(), ALL, LabFilter(), date(2024, 11, 1), AS_OF, grain="week"
    )
    total = flow.groupby("period")[["received", "reopened", "completed", "open_at_end"]].sum()
    net = (total["received"] + total["reopened"] - total["completed"]).cumsum()
    assert total["open_at_end"].tolist() == net.tolist()
    assert total["open_at_end"].iloc[-1] == 6


def test_weekly_flow_buckets_by_monday_up_to_as_of(engine: Engine) -> None:
    b = Builder(engine)
    a = b.agency()
    b.request(a, datetime(2025, 6, 1, 23), completed_at=datetime(2025, 6, 2, 1))  # Sunday
    b.request(a, datetime(2025, 6, 2, 0, 0))  # Monday midnight
    b.request(a, datetime(2025, 6, 11, 18))  # on as_of
    b.request(a, datetime(2025, 6, 12, 8))  # after as_of
    flow = throughput.flow_by_period(
        engine,
        Viewer.system(),
        ALL,
        LabFilter(disciplines=(FIREARMS,)),
        None,  # from the first receipt
        date(2025, 6, 11),
    )
    assert flow.values.tolist() == [
        [datetime(2025, 5, 26), "firearms/NIBIN", 1, 0, 0, 1, 0],
        [datetime(2025, 6, 2), "firearms/NIBIN", 1, 0, 1, 1, 0],
        [datetime(2025, 6, 9), "firearms/NIBIN", 1, 0, 0, 2, 0],
    ]


def test_flow_with_no_requests_is_all_zeros(engine: Engine) -> None:
    flow = throughput.flow_by_period(
        engine, Viewer.system(), ALL, LabFilter(), date(2025, 6, 1), AS_OF, grain="month"
    )
    assert len(flow) == 3
    assert flow[throughput.FLOW_COLUMNS[2:]].to_numpy().sum() == 0
    assert throughput.flow_by_period(
        engine, Viewer.system(), ALL, LabFilter(), None, AS_OF
    ).values.tolist() == [
        [datetime(2025, 6, 30), d, 0, 0, 0, 0, 0]
        for d in ("firearms/NIBIN", "DNA", "latent prints")
    ]


def test_town_filter_selects_requests_by_their_incident(engine: Engine) -> None:
    b = Builder(engine)
    a, here, there = b.agency(), b.town("Here"), b.town("There")
    b.request(a, datetime(2025, 6, 1), incident_id=b.incident(a, town_id=here))
    b.request(a, datetime(2025, 6, 2), incident_id=b.incident(a, town_id=there))
    b.request(a, datetime(2025, 6, 3))  # no incident
    got = backlog.snapshot(
        engine, Viewer.system(), IncidentFilter(town_ids=(here,)), LabFilter(), AS_OF
    )
    assert got.open_requests == 1


def test_period_starts_and_snapshot_date() -> None:
    assert throughput.period_starts(date(2025, 11, 15), date(2026, 2, 1), "month") == [
        date(2025, 11, 1),
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]
    assert throughput.period_starts(date(2025, 6, 1), date(2025, 6, 9), "week") == [
        date(2025, 5, 26),
        date(2025, 6, 2),
        date(2025, 6, 9),
    ]
    today = date(2025, 6, 30)
    assert backlog.snapshot_date(IncidentFilter(), today) == today
    assert backlog.snapshot_date(IncidentFilter(end=date(2025, 3, 31)), today) == date(2025, 3, 31)
    assert backlog.snapshot_date(IncidentFilter(end=date(2025, 9, 1)), today) == today


def test_backlog_change_per_discipline_and_agency(engine: Engine, lab: dict[str, int]) -> None:
    by_discipline = backlog.backlog_change_by(engine, Viewer.system(), ALL, LabFilter(), AS_OF)
    # group, open, backlog, backlog 30 days before, change, received, reopened, completed, net
    assert by_discipline.values.tolist() == [
        ["firearms/NIBIN", 4, 2, 2, 0, 2, 1, 2, 1],  # r2 r7 now; r7 r11 before
        ["DNA", 2, 1, 1, 0, 0, 0, 0, 0],
        ["latent prints", 0, 0, 0, 0, 0, 0, 1, -1],  # r6 completed: still listed
    ]
    by_agency = backlog.backlog_change_by(
        engine, Viewer.system(), ALL, LabFilter(), AS_OF, by="agency"
    )
    assert by_agency.values.tolist() == [
        ["Alpha PD", 4, 2, 2, 0, 1, 1, 2, 0],
        ["Bravo PD", 2, 1, 1, 0, 1, 0, 1, 0],
    ]


def test_backlog_change_over_a_period_against_the_previous_ones_end(
    engine: Engine, lab: dict[str, int]
) -> None:
    """Q2 against Q1: the backlog at the end of Mar 31, flows Apr 1 - Jun 30."""
    change = backlog.backlog_change_by(
        engine,
        Viewer.system(),
        ALL,
        LabFilter(),
        AS_OF,
        start=date(2025, 4, 1),
        before_day=date(2025, 3, 31),
    )
    assert change.values.tolist() == [
        ["firearms/NIBIN", 4, 2, 2, 0, 3, 1, 3, 1],  # r7 r11 before (r5: exactly 30 days)
        ["DNA", 2, 1, 1, 0, 2, 0, 1, 1],  # r4 before; r3 r9 in, r9 out
        ["latent prints", 0, 0, 0, 0, 1, 0, 1, 0],  # r6 in and out
    ]


def test_backlog_change_ranks_growth_first(engine: Engine) -> None:
    b = Builder(engine)
    x, y = b.agency(name="X PD"), b.agency(name="Y PD")
    b.request(x, datetime(2025, 5, 15, 9))  # 16 days old on May 31, 46 on Jun 30: joins
    b.request(y, datetime(2025, 3, 3, 9), completed_at=datetime(2025, 6, 16, 9))  # leaves
    b.request(y, datetime(2024, 3, 3, 9), completed_at=datetime(2024, 6, 16, 9))  # long gone
    change = backlog.backlog_change_by(
        engine, Viewer.system(), ALL, LabFilter(), AS_OF, by="agency"
    )
    assert change[["group", "backlog_change", "net_intake"]].values.tolist() == [
        ["X PD", 1, 0],
        ["Y PD", -1, -1],
    ]


def test_a_completion_dated_before_its_receipt_is_never_open(engine: Engine) -> None:
    b = Builder(engine)
    a = b.agency()
    b.request(a, datetime(2025, 6, 10, 9), completed_at=datetime(2025, 6, 3, 9))  # data error
    b.request(a, datetime(2025, 4, 1, 9))  # open, backlog from May 2
    flow = throughput.flow_by_period(
        engine, Viewer.system(), ALL, LabFilter(disciplines=(FIREARMS,)), None, AS_OF, "month"
    )
    assert flow.drop(columns=["period", "discipline"]).values.tolist() == [
        [1, 0, 0, 1, 0],  # April: received the open one
        [0, 0, 0, 1, 1],  # May: it is 30 days old on May 1, in the backlog by May 31
        [1, 0, 1, 1, 1],  # June: the bad row comes and goes the same month, never open
    ]
    assert backlog.snapshot(engine, Viewer.system(), ALL, LabFilter(), AS_OF).open_requests == 1


@pytest.mark.parametrize(
    ("as_of", "backlog_now"),
    [(date(2025, 6, 2), 2), (date(2025, 6, 1), 1)],  # a Monday: its own week; a Sunday
)
def test_flow_levels_at_the_window_edge_match_the_snapshot(
    engine: Engine, as_of: date, backlog_now: int
) -> None:
    """Receipts about 31 days before the window: folded into one day or counted day by day,
    each enters the backlog on its own day."""
    b = Builder(engine)
    a = b.agency()
    b.request(a, datetime(2025, 5, 1, 23))  # 32 days old on Jun 2, 31 on Jun 1
    b.request(a, datetime(2025, 5, 2, 10))  # 31 on Jun 2, 30 on Jun 1
    b.request(a, datetime(2025, 5, 3, 10))  # 30 on Jun 2
    flow = throughput.flow_by_period(
        engine, Viewer.system(), ALL, LabFilter(disciplines=(FIREARMS,)), as_of, as_of
    )
    assert flow[["open_at_end", "backlog_at_end"]].values.tolist() == [[3, backlog_now]]
    now = backlog.snapshot(engine, Viewer.system(), ALL, LabFilter(), as_of)
    assert (now.open_requests, now.backlog) == (3, backlog_now)


def test_moving_since_finds_every_request_open_or_moving_after_a_moment(
    engine: Engine, lab: dict[str, int]
) -> None:
    """The index-friendly prefilter: everything but r9 (received Apr 20, completed May 20) is
    open, received, completed or re-opened on or after June 1."""
    since = datetime(2025, 6, 1)
    with engine.connect() as conn:
        ids = set(
            conn.execute(select(LabRequest.id).where(backlog.moving_since(engine, since))).scalars()
        )
    assert ids == {lab[f"r{i}"] for i in range(1, 12)} - {lab["r9"]}


def test_first_receipt_in_scope(engine: Engine, lab: dict[str, int]) -> None:
    first = throughput.first_receipt(engine, Viewer.system(), ALL, LabFilter(), AS_OF)
    assert first == date(2024, 12, 1)  # r7
    bravo = Viewer("b", Role.ANALYST, agency_id=lab["B"])
    assert throughput.first_receipt(engine, bravo, ALL, LabFilter(), AS_OF) == date(2025, 1, 15)
    before_all = date(2024, 11, 30)
    assert throughput.first_receipt(engine, Viewer.system(), ALL, LabFilter(), before_all) is None


def test_reopenings_count_on_their_day_and_enter_the_backlog_a_limit_later(
    engine: Engine, lab: dict[str, int]
) -> None:
    got = throughput.reopenings(engine, Viewer.system(), ALL, LabFilter(), AS_OF)
    # r5 re-opened Jun 20; r11's re-opening came before its completion (an earlier cycle)
    assert sorted(
        (row.kind, row.day.date(), row.discipline, row.requests) for row in got.itertuples()
    ) == [
        ("long_opened", date(2025, 7, 21), "firearms/NIBIN", 1),  # 31 days later
        ("reopened", date(2025, 6, 20), "firearms/NIBIN", 1),
    ]
    assert throughput.reopenings(engine, Viewer.system(), ALL, LabFilter(), MONTH_BEFORE).empty
