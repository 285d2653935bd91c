"""Lead work: assignment, follow-up, seen-tracking, work states and triage order."""

from datetime import date, datetime

import pytest
from sqlalchemy import Engine, insert, select

from cgic_data import leadwork
from cgic_data.leadwork import FollowUpStatus, LeadNotOpenToViewer
from cgic_data.queries.leads import LeadFilter
from cgic_data.schema import (
    AuditEntry,
    CaseEvent,
    CaseEventKind,
    ItemKind,
    LeadStatus,
    LeadView,
    NibinLead,
    ResultKind,
    Role,
    User,
)
from cgic_data.scope import IncidentFilter, Viewer
from tests.factory import Builder

TODAY = date(2025, 7, 1)
SYSTEM = Viewer.system("lab")


def add_user(engine: Engine, username: str = "ann", agency_id: int | None = None) -> int:
    with engine.begin() as conn:
        return conn.execute(
            insert(User)
            .values(
                username=username,
                role=Role.ANALYST,
                agency_id=agency_id,
                created_at=datetime(2025, 1, 1),
            )
            .returning(User.id)
        ).scalar_one()


def lead_row(engine: Engine, number: str):  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(
            select(NibinLead.__table__).where(NibinLead.lead_number == number)
        ).one()


def queue(engine: Engine, user_id: int | None = None, viewer: Viewer = SYSTEM):  # type: ignore[no-untyped-def]
    frame = leadwork.work_queue(engine, viewer, IncidentFilter(), LeadFilter(), TODAY, user_id)
    return frame.set_index("lead_number")


def pair_lead(b: Builder, agency: int, number: str, issued: datetime, **kw: object) -> int:
    i1, i2 = b.incident(agency, issued), b.incident(agency, issued)
    return b.lead([b.item(i1), b.item(i2)], number=number, issued_at=issued, **kw)  # type: ignore[arg-type]


def test_assign_and_follow_up_are_recorded_on_the_lead_and_as_case_events(engine: Engine) -> None:
    b = Builder(engine)
    a = b.agency("A")
    lead_id = pair_lead(b, a, "L-1", datetime(2025, 6, 20))
    leadwork.assign_lead(engine, SYSTEM, "L-1", "Det. Rivera", at=datetime(2025, 6, 21, 8))
    lead = lead_row(engine, "L-1")
    assert (lead.assigned_to, lead.assigned_at) == ("Det. Rivera", datetime(2025, 6, 21, 8))
    assert lead.follow_up_status == "not started"

    first = leadwork.record_follow_up(
        engine,
        SYSTEM,
        "L-1",
        FollowUpStatus.IN_PROGRESS,
        outcome="suspect identified",
        notes="canvass done",
        at=datetime(2025, 6, 22, 10),
    )
    leadwork.record_follow_up(
        engine, SYSTEM, "L-1", FollowUpStatus.IN_PROGRESS, notes="warrant drafted"
    )
    lead = lead_row(engine, "L-1")
    assert (lead.follow_up_status, lead.outcome) == ("in progress", "suspect identified")
    with engine.connect() as conn:
        events = conn.execute(
            select(CaseEvent.__table__)
            .where(CaseEvent.lead_id == lead_id)
            .order_by(CaseEvent.occurred_at)
        ).all()
        actions = list(conn.execute(select(AuditEntry.action).order_by(AuditEntry.id)).scalars())
    assert [e.kind for e in events] == [CaseEventKind.FOLLOW_UP, CaseEventKind.FOLLOW_UP]
    assert events[0].event_number == first
    assert (events[0].outcome, events[0].notes, events[0].recorded_by) == (
        "suspect identified",
        "canvass done",
        "lab",
    )
    assert events[1].outcome is None
    assert actions == ["lead_assign", "lead_follow_up", "lead_follow_up"]


def test_an_agency_cannot_work_a_lead_that_does_not_touch_it(engine: Engine) -> None:
    b = Builder(engine)
    a, other = b.agency("A"), b.agency("B")
    pair_lead(b, other, "L-B", datetime(2025, 6, 20))
    outsider = Viewer("ann", Role.ANALYST, agency_id=a)
    with pytest.raises(LeadNotOpenToViewer):
        leadwork.assign_lead(engine, outsider, "L-B", "Det. Rivera")
    with pytest.raises(LeadNotOpenToViewer):
        leadwork.record_follow_up(engine, outsider, "L-B", FollowUpStatus.CLOSED)
    director = Viewer("dee", Role.LAB_DIRECTOR)  # sees every lead, reads only
    with pytest.raises(PermissionError):
        leadwork.assign_lead(engine, director, "L-B", "Det. Rivera")
    with pytest.raises(ValueError, match="investigator"):
        leadwork.assign_lead(engine, SYSTEM, "L-B", "  ")
    assert lead_row(engine, "L-B").assigned_to is None


def test_seen_tracking_makes_leads_new_then_quiet_then_growing(engine: Engine) -> None:
    b = Builder(engine)
    a = b.agency("A")
    user = add_user(engine)
    lead_id = pair_lead(b, a, "L-1", datetime(2025, 6, 28))
    assert queue(engine, user).loc["L-1", "work"] == "new · unassigned"

    leadwork.mark_seen(engine, SYSTEM, user, "L-1", at=datetime(2025, 6, 29))
    leadwork.mark_seen(engine, SYSTEM, user, "L-1", at=datetime(2025, 6, 30))  # updates, no dup
    with engine.connect() as conn:
        assert conn.execute(select(LeadView.seen_at)).scalars().all() == [datetime(2025, 6, 30)]
    row = queue(engine, user).loc["L-1"]
    assert (row.is_new, row.is_growing, row.seen_at) == (False, False, datetime(2025, 6, 30))

    # the lead grows: a new shooting's casing joins it after the user looked
    later = b.item(b.incident(a, datetime(2025, 6, 30, 22)))
    b.grow(lead_id, later, datetime(2025, 7, 1))
    assert queue(engine, user).loc["L-1", "work"] == "growing · unassigned"
    # another user has their own view; a user without a users row tracks nothing
    assert queue(engine, add_user(engine, "bo")).loc["L-1", "is_new"]
    assert queue(engine, None).loc["L-1", "work"] == "unassigned"
    only_growing = leadwork.work_queue(
        engine, SYSTEM, IncidentFilter(), LeadFilter(), TODAY, user, states=("growing",)
    )
    assert only_growing["lead_number"].tolist() == ["L-1"]
    assert leadwork.work_queue(
        engine, SYSTEM, IncidentFilter(), LeadFilter(), TODAY, user, states=("new", "stale")
    ).empty


def test_stale_means_open_old_and_never_followed_up(engine: Engine) -> None:
    b = Builder(engine)
    a = b.agency("A")
    ten_days_ago = datetime(2025, 6, 21, 9)
    pair_lead(b, a, "L-stale", ten_days_ago)
    pair_lead(b, a, "L-fresh", datetime(2025, 6, 25, 9))  # 6 days: not yet
    pair_lead(b, a, "L-edge", datetime(2025, 6, 24, 23))  # exactly 7 days
    pair_lead(b, a, "L-worked", ten_days_ago)
    pair_lead(b, a, "L-assigned", ten_days_ago)
    pair_lead(b, a, "L-excluded", ten_days_ago, status=LeadStatus.EXCLUDED)
    leadwork.record_follow_up(engine, SYSTEM, "L-worked", FollowUpStatus.IN_PROGRESS)
    leadwork.assign_lead(engine, SYSTEM, "L-assigned", "Det. Rivera")  # assigned is not worked
    work = queue(engine)["work"].to_dict()
    assert work == {
        "L-stale": "unassigned · stale",
        "L-fresh": "unassigned",
        "L-edge": "unassigned · stale",
        "L-worked": "unassigned",
        "L-assigned": "stale",
        "L-excluded": "",
    }


def test_triage_orders_open_leads_by_documented_score(engine: Engine) -> None:
    b = Builder(engine)
    a = b.agency("A")
    # A: recent (latest event June 29 12:00, 1.5 days back: 28.5), 2 incidents (5),
    #    2 victims (20), a CODIS hit (10) -> 63.5
    i1 = b.incident(a, datetime(2025, 6, 20), injured=1)
    i2 = b.incident(a, datetime(2025, 6, 29), killed=1)
    c1 = b.item(i1)
    b.result(c1, ResultKind.CODIS, subject_ref="SUBJ-1")
    b.result(c1, ResultKind.CODIS, subject_ref=None)  # a search, not a hit
    b.lead([c1, b.item(i2)], number="A", issued_at=datetime(2025, 6, 29, 12))
    # B: 30 days old (0), 2 incidents (5), firearm recovered (10) -> 15
    i3, i4 = b.incident(a, datetime(2025, 6, 1)), b.incident(a, datetime(2025, 6, 1))
    gun = b.firearm(i4)
    tf = b.item(i4, kind=ItemKind.TEST_FIRE, firearm_id=gun)
    b.lead([b.item(i3), tf], number="B", issued_at=datetime(2025, 6, 1))
    # F: old (0), 3 incidents (10), 4 victims capped (30), 3 AFIS hits capped (20) -> 60
    f = [b.incident(a, datetime(2025, 4, d), injured=n) for d, n in ((1, 4), (2, 0), (3, 0))]
    f_items = [b.item(i) for i in f]
    for _ in range(3):
        b.result(f_items[1], ResultKind.AFIS, subject_ref="SUBJ-2")
    b.lead(f_items, number="F", issued_at=datetime(2025, 4, 4))
    # not open: excluded, or follow-up closed
    pair_lead(b, a, "X", datetime(2025, 6, 30), status=LeadStatus.EXCLUDED)
    pair_lead(b, a, "Z", datetime(2025, 6, 30))
    leadwork.record_follow_up(engine, SYSTEM, "Z", FollowUpStatus.CLOSED, outcome="arrest")

    frame = queue(engine)
    assert list(frame.index) == ["A", "F", "B", "X", "Z"]  # unscored: newest first, by number
    assert frame.loc["A", "score"] == pytest.approx(63.5)
    assert frame.loc["A", ["score_recency", "score_incidents", "score_victims"]].tolist() == [
        28.5,
        5.0,
        20.0,
    ]
    assert frame.loc["F", "score"] == 60
    assert frame.loc["B", "score"] == 15
    assert frame.loc[["X", "Z"], "score"].isna().all()
    assert not frame.loc["Z", "is_open"]


def test_a_packet_marks_all_its_leads_seen_at_once(engine: Engine) -> None:
    b = Builder(engine)
    a, other = b.agency("A"), b.agency("B")
    user = add_user(engine, agency_id=a)
    ann = Viewer("ann", Role.ANALYST, agency_id=a)
    first = pair_lead(b, a, "L-1", datetime(2025, 6, 20))
    second = pair_lead(b, a, "L-2", datetime(2025, 6, 21))
    pair_lead(b, other, "L-B", datetime(2025, 6, 21))  # not Ann's: never marked
    leadwork.mark_seen(engine, ann, user, "L-1", at=datetime(2025, 6, 22))
    leadwork.mark_seen_all(engine, ann, user, ("L-1", "L-2", "L-B"), at=datetime(2025, 6, 30))
    with engine.connect() as conn:
        rows = conn.execute(
            select(LeadView.lead_id, LeadView.seen_at).order_by(LeadView.lead_id)
        ).all()
    assert [tuple(r) for r in rows] == [
        (first, datetime(2025, 6, 30)),
        (second, datetime(2025, 6, 30)),
    ]
    assert leadwork.seen_stamp(engine, user) == (2, datetime(2025, 6, 30))
    assert leadwork.seen_stamp(engine, None) == (0, None)
