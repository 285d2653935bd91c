"""Accounts and sign-in: hashing, lockout, sessions, sign-out everywhere, identity-provider mapping."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, select

from cgic_data import accounts
from cgic_data.access import (
    AccessError,
    Outcome,
    get_account,
    oidc_sign_in,
    session_viewer,
    sign_in,
)
from cgic_data.schema import AuditEntry, Role, User
from cgic_data.scope import Viewer
from tests.factory import Builder

ADMIN = Viewer.system("tests")
PASSWORD = "correct horse battery staple"
T0 = datetime(2026, 3, 2, 9, 0, 0)


def audit_rows(engine: Engine) -> list[dict]:
    with engine.connect() as conn:
        return [
            dict(r) for r in conn.execute(select(AuditEntry).order_by(AuditEntry.id)).mappings()
        ]


def user_row(engine: Engine, username: str) -> dict:
    with engine.connect() as conn:
        return dict(conn.execute(select(User).where(User.username == username)).mappings().one())


@pytest.fixture
def ann(engine: Engine) -> Engine:
    """An analyst of agency A, with a password."""
    agency = Builder(engine).agency("A", name="Agency A")
    accounts.add_user(engine, ADMIN, "ann", Role.ANALYST, agency_id=agency, password=PASSWORD)
    return engine


@pytest.fixture
def verified(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every hash the password hasher checks a password against, in order (thread-safe)."""
    checked: list[str] = []
    lock = threading.Lock()
    real: Callable[[PasswordHasher, str, str], bool] = PasswordHasher.verify

    def verify(hasher: PasswordHasher, hash_: str, password: str) -> bool:
        with lock:
            checked.append(hash_)
        return real(hasher, hash_, password)

    monkeypatch.setattr(PasswordHasher, "verify", verify)  # __slots__: patch the class
    return checked


def test_only_an_argon2_hash_is_stored_never_the_password(ann: Engine) -> None:
    stored = user_row(ann, "ann")["password_hash"]
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    sign_in(ann, "ann", PASSWORD)
    sign_in(ann, "ann", PASSWORD + "x")
    everything = " ".join(str(v) for row in audit_rows(ann) for v in row.values())
    everything += " ".join(str(v) for v in user_row(ann, "ann").values())
    assert PASSWORD not in everything.replace(stored, "")


def test_right_password_signs_in_as_the_accounts_viewer(ann: Engine) -> None:
    result = sign_in(ann, "  Ann ", PASSWORD, now=T0)
    assert result.ok
    assert result.viewer == Viewer("ann", Role.ANALYST, get_account(ann, "ann").agency_id)
    assert result.at == T0
    assert user_row(ann, "ann")["last_sign_in_at"] == T0
    assert sign_in(ann, "ann", "wrong password", now=T0).outcome is Outcome.WRONG


def test_lockout_at_exactly_five_consecutive_failures_for_ten_minutes(ann: Engine) -> None:
    for attempt in range(1, 5):
        result = sign_in(ann, "ann", f"guess {attempt}", now=T0)
        assert result.outcome is Outcome.WRONG
        assert result.attempts_left == 5 - attempt
    assert user_row(ann, "ann")["locked_until"] is None
    fifth = sign_in(ann, "ann", "guess 5", now=T0)
    assert fifth.outcome is Outcome.LOCKED
    assert fifth.locked_until == T0 + timedelta(minutes=10)
    # Locked: even the right password is refused, up to the last second.
    assert sign_in(ann, "ann", PASSWORD, now=T0 + timedelta(minutes=9, seconds=59)).outcome is (
        Outcome.LOCKED
    )
    assert sign_in(ann, "ann", PASSWORD, now=T0 + timedelta(minutes=10)).ok
    assert user_row(ann, "ann")["failed_sign_ins"] == 0


def test_a_success_resets_the_count_of_consecutive_failures(ann: Engine) -> None:
    for _ in range(4):
        sign_in(ann, "ann", "guess", now=T0)
    assert sign_in(ann, "ann", PASSWORD, now=T0).ok
    for _ in range(4):
        assert sign_in(ann, "ann", "guess", now=T0).outcome is Outcome.WRONG
    assert user_row(ann, "ann")["failed_sign_ins"] == 4


def test_a_lock_that_ran_out_starts_a_fresh_count(ann: Engine) -> None:
    for _ in range(5):
        sign_in(ann, "ann", "guess", now=T0)
    later = T0 + timedelta(minutes=11)
    result = sign_in(ann, "ann", "guess again", now=later)
    assert result.outcome is Outcome.WRONG and result.attempts_left == 4
    assert user_row(ann, "ann")["locked_until"] is None


def test_an_admin_releases_a_lockout_at_once(ann: Engine) -> None:
    for _ in range(5):
        sign_in(ann, "ann", "guess", now=T0)
    accounts.unlock_user(ann, ADMIN, "ann")
    assert sign_in(ann, "ann", PASSWORD, now=T0 + timedelta(seconds=1)).ok


def test_lockout_is_audited(ann: Engine) -> None:
    for _ in range(5):
        sign_in(ann, "ann", "guess", now=T0)
    sign_in(ann, "ann", PASSWORD, now=T0)
    rows = [(r["action"], r["outcome"], r["username"], r["agency_code"]) for r in audit_rows(ann)]
    assert rows[-7:] == [
        *[("sign-in", "failed", "ann", "A")] * 5,
        ("account-lock", "ok", "ann", "A"),
        ("sign-in", "denied", "ann", "A"),
    ]


def test_unknown_username_is_audited_without_what_was_typed(ann: Engine) -> None:
    typed = "my-secret-password-in-the-username-box"
    assert sign_in(ann, typed, "whatever").outcome is Outcome.WRONG
    last = audit_rows(ann)[-1]
    assert (last["action"], last["outcome"], last["username"]) == ("sign-in", "failed", "(unknown)")
    assert typed not in str(last)


def test_disabled_account_cannot_sign_in_and_its_sessions_end(ann: Engine) -> None:
    session = sign_in(ann, "ann", PASSWORD, now=T0)
    assert session_viewer(ann, "ann", session.at) is not None
    accounts.disable_user(ann, ADMIN, "ann", now=T0 + timedelta(minutes=1))
    assert session_viewer(ann, "ann", session.at) is None
    assert sign_in(ann, "ann", PASSWORD).outcome is Outcome.DISABLED
    assert sign_in(ann, "ann", "wrong").outcome is Outcome.WRONG  # no hint without the password
    accounts.enable_user(ann, ADMIN, "ann")
    assert sign_in(ann, "ann", PASSWORD).ok


def test_sign_out_everywhere_voids_sessions_begun_before_it(ann: Engine) -> None:
    phone = sign_in(ann, "ann", PASSWORD, now=T0).at
    desk = sign_in(ann, "ann", PASSWORD, now=T0 + timedelta(minutes=5)).at
    accounts.sign_out_everywhere(ann, ann_viewer(ann), "ann", now=T0 + timedelta(minutes=6))
    assert session_viewer(ann, "ann", phone) is None
    assert session_viewer(ann, "ann", desk) is None
    later = sign_in(ann, "ann", PASSWORD, now=T0 + timedelta(minutes=7)).at
    assert session_viewer(ann, "ann", later) == ann_viewer(ann)


def ann_viewer(engine: Engine) -> Viewer:
    return get_account(engine, "ann").viewer()


def test_a_role_or_agency_change_reaches_an_open_session(ann: Engine) -> None:
    at = sign_in(ann, "ann", PASSWORD, now=T0).at
    other = Builder(ann).agency("B")
    accounts.set_role(ann, ADMIN, "ann", Role.COMMANDER, other)
    assert session_viewer(ann, "ann", at) == Viewer("ann", Role.COMMANDER, other)


def test_password_reset_releases_lock_and_ends_sessions(ann: Engine) -> None:
    at = sign_in(ann, "ann", PASSWORD, now=T0).at
    for _ in range(5):
        sign_in(ann, "ann", "guess", now=T0)
    accounts.reset_password(ann, ADMIN, "ann", "a brand new passphrase", now=T0)
    assert session_viewer(ann, "ann", at) is None
    assert sign_in(ann, "ann", "a brand new passphrase", now=T0 + timedelta(seconds=1)).ok


def test_changing_ones_own_password_needs_the_current_one(ann: Engine) -> None:
    me = ann_viewer(ann)
    assert not accounts.change_own_password(ann, me, "not it", "another long passphrase")
    assert accounts.change_own_password(ann, me, PASSWORD, "another long passphrase")
    assert sign_in(ann, "ann", "another long passphrase").ok
    assert audit_rows(ann)[-2]["outcome"] == "ok"  # the change; then the sign-in


def test_password_policy(ann: Engine) -> None:
    with pytest.raises(AccessError, match="12 characters"):
        accounts.add_user(ann, ADMIN, "bob", Role.ANALYST, password="short")
    with pytest.raises(AccessError, match="username"):
        accounts.add_user(ann, ADMIN, "bob", Role.ANALYST, password="bob-is-my-password")
    with pytest.raises(AccessError, match="username is"):
        accounts.add_user(ann, ADMIN, "bob smith", Role.ANALYST)
    with pytest.raises(AccessError, match="already exists"):
        accounts.add_user(ann, ADMIN, "ANN", Role.ANALYST)


def test_lab_wide_roles_take_no_agency_and_the_last_admin_stays(engine: Engine) -> None:
    agency = Builder(engine).agency("A")
    with pytest.raises(AccessError, match="sees all agencies"):
        accounts.add_user(engine, ADMIN, "dir", Role.LAB_DIRECTOR, agency_id=agency)
    accounts.add_user(engine, ADMIN, "root", Role.ADMIN, password=PASSWORD)
    with pytest.raises(AccessError, match="last active admin"):
        accounts.disable_user(engine, ADMIN, "root")
    with pytest.raises(AccessError, match="last active admin"):
        accounts.set_role(engine, ADMIN, "root", Role.ANALYST, None)


def test_only_a_lab_wide_admin_changes_accounts_and_refusals_are_audited(ann: Engine) -> None:
    with pytest.raises(PermissionError):
        accounts.disable_user(ann, ann_viewer(ann), "ann")
    last = audit_rows(ann)[-1]
    assert (last["action"], last["outcome"], last["username"]) == ("user-disable", "denied", "ann")
    assert get_account(ann, "ann").is_active


def test_identity_provider_email_maps_to_the_users_row(engine: Engine) -> None:
    agency = Builder(engine).agency("A")
    accounts.add_user(
        engine, ADMIN, "carol", Role.COMMANDER, agency_id=agency, email="Carol@Agency.gov"
    )
    result = oidc_sign_in(engine, "carol@AGENCY.gov", now=T0)
    assert result.ok and result.viewer == Viewer("carol", Role.COMMANDER, agency)
    last = audit_rows(engine)[-1]
    assert (last["action"], last["username"], last["outcome"]) == ("sign-in", "carol", "ok")
    assert '"method": "oidc"' in last["detail"]
    # No password: the account can only come in through the identity provider.
    assert sign_in(engine, "carol", "").outcome is Outcome.WRONG
    assert oidc_sign_in(engine, "mallory@agency.gov").outcome is Outcome.NO_ACCOUNT
    assert audit_rows(engine)[-1]["outcome"] == "denied"
    accounts.disable_user(engine, ADMIN, "carol")
    assert oidc_sign_in(engine, "carol@agency.gov").outcome is Outcome.DISABLED


def parallel_sign_ins(engine: Engine, passwords: list[str], now: datetime) -> list[Outcome]:
    """All of ``passwords`` tried for ann at once (a barrier releases every thread together)."""
    barrier = threading.Barrier(len(passwords))

    def attempt(password: str) -> Outcome:
        barrier.wait()
        return sign_in(engine, "ann", password, now=now).outcome

    with ThreadPoolExecutor(len(passwords)) as pool:
        return list(pool.map(attempt, passwords))


def test_parallel_guesses_get_at_most_the_limit_of_password_checks(
    ann: Engine, verified: list[str]
) -> None:
    stored = user_row(ann, "ann")["password_hash"]
    outcomes = parallel_sign_ins(ann, [f"guess number {i}" for i in range(20)], T0)
    assert verified.count(stored) == 5  # the limit, whatever the concurrency
    assert outcomes.count(Outcome.WRONG) == 4 and outcomes.count(Outcome.LOCKED) == 16
    assert user_row(ann, "ann")["failed_sign_ins"] == 5
    # Locked: the right password is refused without its hash even being checked.
    assert sign_in(ann, "ann", PASSWORD, now=T0 + timedelta(minutes=1)).outcome is Outcome.LOCKED
    assert verified.count(stored) == 5
    assert sign_in(ann, "ann", PASSWORD, now=T0 + timedelta(minutes=10)).ok


@pytest.mark.parametrize("case", ["unknown user", "wrong password", "locked", "disabled"])
def test_every_refusal_does_the_same_work(ann: Engine, verified: list[str], case: str) -> None:
    """One password check for every refusal, so response time does not tell them apart."""
    password = "wrong password"
    if case == "locked":
        for _ in range(5):
            sign_in(ann, "ann", "guess", now=T0)
        password = PASSWORD
    if case == "disabled":
        accounts.disable_user(ann, ADMIN, "ann", now=T0)
        password = PASSWORD
    verified.clear()
    result = sign_in(ann, "nobody" if case == "unknown user" else "ann", password, now=T0)
    assert not result.ok
    assert len(verified) == 1
    last = audit_rows(ann)[-1]
    assert last["action"] == "sign-in" and case.split()[0] in last["detail"]
