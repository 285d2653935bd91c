"""Server-side sessions (cgic_data.sessions): the store keeps only hashes, a ticket is good once
for a minute, a cookie's token resumes its session until it idles out or is revoked."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, select, update

from cgic_data import accounts, sessions
from cgic_data.schema import Role, User, UserSession
from cgic_data.scope import Viewer
from cgic_data.sessions import Status
from tests.factory import Builder

ADMIN = Viewer.system("tests")
PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "quiet lantern over seven hills"
T0 = datetime(2026, 3, 2, 9, 0, 0)
IDLE = timedelta(minutes=30)


@pytest.fixture
def ann(engine: Engine) -> Engine:
    agency = Builder(engine).agency("A", name="Agency A")
    accounts.add_user(engine, ADMIN, "ann", Role.ANALYST, agency_id=agency, password=PASSWORD)
    accounts.add_user(engine, ADMIN, "root", Role.ADMIN, password=PASSWORD)
    return engine


def session_row(engine: Engine, session_id: int) -> dict:
    with engine.connect() as conn:
        found = conn.execute(select(UserSession).where(UserSession.id == session_id))
        return dict(found.mappings().one())


def signed_in(engine: Engine, at: datetime = T0) -> tuple[int, str]:
    """A session of ann begun at ``at`` and its cookie's token."""
    begun = sessions.begin(engine, "ann", method="password", now=at, user_agent="Chromium")
    token = sessions.redeem_ticket(engine, begun.ticket, now=at + timedelta(seconds=1))
    assert token is not None
    return begun.id, token


def test_only_hashes_of_the_ticket_and_token_are_stored(ann: Engine) -> None:
    begun = sessions.begin(ann, "ann", method="password", now=T0, user_agent="Chromium")
    stored = session_row(ann, begun.id)
    assert stored["ticket_hash"] == hashlib.sha256(begun.ticket.encode()).hexdigest()
    assert stored["token_hash"] is None  # no token until the browser trades the ticket
    token = sessions.redeem_ticket(ann, begun.ticket, now=T0)
    assert token is not None and len(token) >= 43  # 32 random bytes
    stored = session_row(ann, begun.id)
    assert stored["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert stored["ticket_hash"] is None
    assert begun.ticket not in str(stored) and token not in str(stored)
    assert (stored["user_agent"], stored["method"], stored["created_at"]) == (
        "Chromium",
        "password",
        T0,
    )


def test_a_ticket_is_good_once_and_for_one_minute(ann: Engine) -> None:
    begun = sessions.begin(ann, "ann", method="password", now=T0)
    late = sessions.begin(ann, "ann", method="password", now=T0)
    assert sessions.redeem_ticket(ann, late.ticket, now=T0 + timedelta(seconds=61)) is None
    assert sessions.redeem_ticket(ann, begun.ticket, now=T0 + timedelta(seconds=60)) is not None
    assert sessions.redeem_ticket(ann, begun.ticket, now=T0 + timedelta(seconds=60)) is None
    assert sessions.redeem_ticket(ann, "not a ticket", now=T0) is None
    assert sessions.redeem_ticket(ann, "", now=T0) is None


def test_an_ended_sessions_ticket_is_refused(ann: Engine) -> None:
    begun = sessions.begin(ann, "ann", method="password", now=T0)
    assert sessions.end(ann, begun.id, "sign-out", now=T0)
    assert sessions.redeem_ticket(ann, begun.ticket, now=T0) is None


def test_a_token_resumes_its_session_and_touches_it_at_most_once_a_minute(ann: Engine) -> None:
    session_id, token = signed_in(ann)
    found = sessions.resume(ann, token, idle=IDLE, now=T0 + timedelta(seconds=30))
    assert found.status is Status.LIVE
    assert (found.session_id, found.created_at, found.method) == (session_id, T0, "password")
    assert found.viewer is not None and found.viewer.username == "ann"
    assert session_row(ann, session_id)["last_seen_at"] == T0  # 30 s: not worth a write
    sessions.resume(ann, token, idle=IDLE, now=T0 + timedelta(minutes=2))
    assert session_row(ann, session_id)["last_seen_at"] == T0 + timedelta(minutes=2)
    assert sessions.resume(ann, "someone else's token", idle=IDLE, now=T0).status is Status.ENDED
    assert sessions.resume(ann, "", idle=IDLE, now=T0).status is Status.ENDED


def test_a_session_idle_too_long_is_ended_once(ann: Engine) -> None:
    session_id, token = signed_in(ann)
    late = T0 + IDLE + timedelta(seconds=1)
    found = sessions.resume(ann, token, idle=IDLE, now=late)
    assert found.status is Status.IDLE and found.viewer is not None  # to audit the timeout
    again = sessions.check(ann, session_id, idle=IDLE, now=late)
    assert (again.status, again.end_reason) == (Status.ENDED, "idle")  # not a second timeout
    stored = session_row(ann, session_id)
    assert (stored["ended_at"], stored["end_reason"]) == (late, "idle")
    assert not sessions.is_open(ann, token)


def test_activity_in_any_tab_keeps_the_session_alive(ann: Engine) -> None:
    session_id, _ = signed_in(ann)
    # This tab ran 20 minutes ago (the row, written at most once a minute, says 31).
    found = sessions.check(
        ann,
        session_id,
        idle=IDLE,
        now=T0 + timedelta(minutes=31),
        active_at=T0 + timedelta(minutes=11),
    )
    assert found.status is Status.LIVE
    assert sessions.last_seen(ann, session_id) == T0 + timedelta(minutes=31)


def test_a_role_change_applies_to_an_open_session(ann: Engine) -> None:
    session_id, _ = signed_in(ann)
    accounts.set_role(ann, ADMIN, "ann", Role.COMMANDER, agency_id=1)
    found = sessions.check(ann, session_id, idle=IDLE, now=T0)
    assert found.viewer == Viewer("ann", Role.COMMANDER, 1)


REVOCATIONS: dict[str, tuple[Callable[[Engine, int], object], str]] = {
    "sign-out": (lambda e, session_id: sessions.end(e, session_id, "sign-out"), "sign-out"),
    "sign-out everywhere": (
        lambda e, _: accounts.sign_out_everywhere(e, ADMIN, "ann"),
        "signed out everywhere",
    ),
    "account disabled": (lambda e, _: accounts.disable_user(e, ADMIN, "ann"), "account disabled"),
    "password reset": (
        lambda e, _: accounts.reset_password(e, ADMIN, "ann", NEW_PASSWORD),
        "password reset",
    ),
    "password changed": (
        lambda e, _: accounts.change_own_password(
            e, Viewer("ann", Role.ANALYST, 1), PASSWORD, NEW_PASSWORD
        ),
        "password changed",
    ),
}


@pytest.mark.parametrize("revocation", list(REVOCATIONS))
def test_each_revocation_ends_the_session(ann: Engine, revocation: str) -> None:
    now = datetime.now()
    session_id, token = signed_in(ann, at=now - timedelta(minutes=1))
    other_id, _ = signed_in(ann, at=now - timedelta(minutes=1))
    revoke, reason = REVOCATIONS[revocation]
    revoke(ann, session_id)
    found = sessions.resume(ann, token, idle=IDLE, now=now)
    assert (found.status, found.end_reason) == (Status.ENDED, reason)
    assert not sessions.is_open(ann, token)
    assert session_row(ann, session_id)["end_reason"] == reason
    other = session_row(ann, other_id)["end_reason"]
    # sign-out ends this browser's session; the others end every session of the account
    assert other == (None if revocation == "sign-out" else reason)


def test_a_disabled_accounts_session_is_refused_even_if_its_row_was_left_open(
    ann: Engine,
) -> None:
    session_id, token = signed_in(ann)
    with ann.begin() as conn:  # as `cgic demo --replace` releases demo accounts
        conn.execute(update(User).where(User.username == "ann").values(is_active=False))
    found = sessions.resume(ann, token, idle=IDLE, now=T0 + timedelta(minutes=1))
    assert (found.status, found.end_reason) == (Status.ENDED, "account disabled")
    assert session_row(ann, session_id)["end_reason"] == "account disabled"


def test_ending_a_session_leaves_the_accounts_other_sessions_open(ann: Engine) -> None:
    first, _ = signed_in(ann)
    second, token = signed_in(ann)
    assert sessions.end(ann, first, "sign-out", now=T0)
    assert not sessions.end(ann, first, "sign-out", now=T0)  # already ended
    assert sessions.is_open(ann, token)
    assert sessions.resume(ann, token, idle=IDLE, now=T0).session_id == second
