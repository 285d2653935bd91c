"""New-lead alerts: what is new or grew since the last visit, for the viewer's agency only."""

from datetime import datetime

import pytest
from sqlalchemy import Engine, insert

from cgic_data.lead_labels import CONFIRMED_LABEL, UNCONFIRMED_LABEL
from cgic_data.queries import alerts
from cgic_data.schema import AuditEntry, LeadStatus, Role, User
from cgic_data.scope import Viewer
from tests.factory import Builder

SINCE = datetime(2025, 6, 10, 8, 0)
LAB = Viewer.system()


@pytest.fixture
def world(engine: Engine) -> tuple[Engine, int, int]:
    b = Builder(engine)
    a, other, third = b.agency("A"), b.agency("B"), b.agency("C")
    hartford, haven = b.town("Hartford"), b.town("New Haven")
    a1 = b.incident(a, datetime(2025, 6, 1), town_id=hartford)
    a2 = b.incident(a, datetime(2025, 6, 9), town_id=hartford)
    b1 = b.incident(other, datetime(2025, 6, 2), town_id=haven)
    c1 = b.incident(third, datetime(2025, 6, 3))
    c2 = b.incident(third, datetime(2025, 6, 4))
    # new: issued after the last visit, links A and B
    b.lead([b.item(a2), b.item(b1)], number="L-NEW", issued_at=datetime(2025, 6, 10, 9))
    # grew: issued before, B's incident joined after the last visit
    grown = b.lead([b.item(a1), b.item(a2)], number="L-GREW", issued_at=datetime(2025, 6, 2))
    b.grow(grown, b.item(b1), datetime(2025, 6, 11, 14))
    # old: nothing since the last visit
    b.lead([b.item(a1), b.item(c1)], number="L-OLD", issued_at=datetime(2025, 6, 5))
    # new but touching only C
    b.lead(
        [b.item(c1), b.item(c2)],
        number="L-C",
        issued_at=datetime(2025, 6, 12),
        status=LeadStatus.CONFIRMED,
        confirmed_at=datetime(2025, 6, 13),
    )
    # new but excluded by an examiner: nothing to act on
    b.lead([b.item(a1), b.item(c2)], number="L-EXCL", issued_at=datetime(2025, 6, 12),
           status=LeadStatus.EXCLUDED)  # fmt: skip
    return engine, a, other


def test_an_agency_sees_leads_new_or_grown_since_its_last_visit(
    world: tuple[Engine, int, int],
) -> None:
    engine, a, _ = world
    found = alerts.new_leads_since(engine, Viewer("ann", Role.COMMANDER, agency_id=a), SINCE)
    assert found["lead_number"].tolist() == ["L-GREW", "L-NEW"]  # latest change first
    rows = found.set_index("lead_number")
    assert rows.loc["L-NEW", "change"] == "new"
    assert rows.loc["L-GREW", "change"] == "grew"
    assert rows.loc["L-GREW", "incidents"] == 3
    assert rows.loc["L-GREW", "incidents_added"] == 1
    assert rows.loc["L-NEW", "incidents_added"] == 2
    assert rows.loc["L-NEW", "agencies"] == "A Police, B Police"
    assert rows.loc["L-NEW", "towns"] == "Hartford, New Haven"
    assert set(found["label"]) == {UNCONFIRMED_LABEL}


def test_another_agency_sees_only_the_leads_touching_it(world: tuple[Engine, int, int]) -> None:
    engine, _, other = world
    found = alerts.new_leads_since(engine, Viewer("bob", Role.ANALYST, agency_id=other), SINCE)
    assert found["lead_number"].tolist() == ["L-GREW", "L-NEW"]
    # B joined L-GREW only now: it sees the lead's incidents (shared), counted once each
    assert found.set_index("lead_number").loc["L-GREW", "incidents"] == 3


def test_lab_wide_viewers_see_every_new_lead(world: tuple[Engine, int, int]) -> None:
    engine, _, _ = world
    found = alerts.new_leads_since(engine, LAB, SINCE)
    assert sorted(found["lead_number"]) == ["L-C", "L-GREW", "L-NEW"]
    assert found.set_index("lead_number").loc["L-C", "label"] == CONFIRMED_LABEL


def test_nothing_new_is_an_empty_frame(world: tuple[Engine, int, int]) -> None:
    engine, _, _ = world
    found = alerts.new_leads_since(engine, LAB, datetime(2025, 7, 1))
    assert found.empty and list(found.columns) == alerts.ALERT_COLUMNS


def test_previous_sign_in_comes_from_the_audit_log(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(User).values(
                username="ann",
                role=Role.COMMANDER,
                created_at=datetime(2025, 1, 1),
                last_sign_in_at=datetime(2025, 6, 10, 8, 0, 0),
            )
        )
        rows = [
            (datetime(2025, 6, 1, 9), "sign-in", "ok"),
            (datetime(2025, 6, 5, 9), "sign-in", "ok"),
            (datetime(2025, 6, 7, 9), "sign-in", "failed"),
            (datetime(2025, 6, 8, 9), "page-view", "ok"),
            (datetime(2025, 6, 10, 8, 0, 1), "sign-in", "ok"),  # this very sign-in
        ]
        conn.execute(
            insert(AuditEntry),
            [{"at": at, "username": "ann", "action": act, "outcome": out} for at, act, out in rows],
        )
    assert alerts.previous_sign_in(engine, "ann") == datetime(2025, 6, 5, 9)
    assert alerts.previous_sign_in(engine, "nobody") is None
