"""Accounts and sign-in: who may use the dashboard, how they prove it, and when a session ends.

CJIS Security Policy practice, as this module applies it:

* Passwords are stored only as argon2id hashes (``argon2-cffi``); the clear text never reaches the
  store, the audit log or a log line. A failed sign-in with an unknown username is audited as
  "(unknown)" plus a short fingerprint, so a password typed into the username box is not kept.
* ``settings.LOCKOUT_ATTEMPTS`` (5) consecutive failures lock the account for
  ``settings.LOCKOUT_MINUTES`` (10), or until an admin releases it; while locked even the right
  password is refused. Each attempt is counted before its password is checked
  (``cgic_data.lockout``), so parallel attempts get no more checks than the limit.
* Every refusal (unknown user, wrong password, locked, disabled) costs one password check and
  reads the same to the person at the form; the reason goes to the audit log, and the lock to
  the admins (Accounts page, ``cgic user list``).
* Sign-out everywhere stamps ``users.sessions_valid_after`` and ends the account's
  ``user_sessions`` rows (``cgic_data.sessions``): every session begun before it is void at its
  next page run, in every tab, as is every session of a disabled account.
* Roles: lab directors and admins are CGIC/lab staff and see all agencies; commanders and analysts
  belong to one agency (``agency_id``) or, without one, are CGIC staff who see all agencies.

Every sign-in attempt writes an audit row (``cgic_data.audit``); changes to accounts live in
``cgic_data.accounts`` and are audited there.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import pandas as pd
from sqlalchemy import Engine, func, select, update

from cgic_data import audit, lockout, settings
from cgic_data.frames import query_frame
from cgic_data.passwords import HASHER as HASHER
from cgic_data.passwords import MIN_PASSWORD_LENGTH as MIN_PASSWORD_LENGTH
from cgic_data.passwords import generate_password as generate_password
from cgic_data.passwords import hash_password as hash_password
from cgic_data.passwords import needs_rehash, password_problem
from cgic_data.passwords import password_matches as password_matches
from cgic_data.schema import Agency, Role, User
from cgic_data.scope import Viewer

LAB_WIDE_ROLES = frozenset({Role.LAB_DIRECTOR, Role.ADMIN})
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,119}$")


class AccessError(ValueError):
    """A refused account change (bad name, weak password, last admin, ...): the message says why."""


class Outcome(StrEnum):
    OK = "ok"
    WRONG = "wrong username or password"
    LOCKED = "locked"
    DISABLED = "disabled"
    NO_ACCOUNT = "no account"  # an identity-provider user with no users row


@dataclass(frozen=True)
class SignIn:
    """The result of a sign-in attempt; ``viewer`` and ``at`` are set only when it succeeded."""

    outcome: Outcome
    viewer: Viewer | None = None
    at: datetime | None = None
    locked_until: datetime | None = None
    attempts_left: int | None = None

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.OK


@dataclass(frozen=True)
class Account:
    """A users row as admins see it: never the password hash."""

    id: int
    username: str
    display_name: str | None
    email: str | None
    role: Role
    agency_id: int | None
    agency_code: str | None
    is_active: bool
    failed_sign_ins: int
    locked_until: datetime | None
    last_sign_in_at: datetime | None
    has_password: bool

    def is_locked(self, now: datetime | None = None) -> bool:
        return self.locked_until is not None and (now or datetime.now()) < self.locked_until

    def viewer(self) -> Viewer:
        return Viewer(username=self.username, role=self.role, agency_id=self.agency_id)


# --- passwords (hashing and the rule: cgic_data.passwords) ------------------------------------


def check_password_policy(password: str, username: str, *others: str | None) -> None:
    """Refuse a password that is short, holds the username, or is common or easy to guess
    (``others``: the account's display name and email, which a guesser would try too)."""
    problem = password_problem(password, username, *others)
    if problem is not None:
        raise AccessError(problem)


# --- reading accounts --------------------------------------------------------------------------


def normalise_username(username: str) -> str:
    name = username.strip().lower()
    if not USERNAME_PATTERN.match(name):
        raise AccessError(
            "a username is 2-120 characters: letters, digits, '.', '_', '-', '@', "
            "starting with a letter or digit"
        )
    return name


_ACCOUNT_COLUMNS = (
    User.id,
    User.username,
    User.display_name,
    User.email,
    User.role,
    User.agency_id,
    Agency.code,
    User.is_active,
    User.failed_sign_ins,
    User.locked_until,
    User.last_sign_in_at,
    User.password_hash.is_not(None),
)


def _account_query():  # type: ignore[no-untyped-def]
    return select(*_ACCOUNT_COLUMNS).outerjoin(Agency, Agency.id == User.agency_id)


def get_account(engine: Engine, username: str) -> Account | None:
    with engine.connect() as conn:
        row = conn.execute(
            _account_query().where(User.username == username.strip().lower())
        ).first()
    return Account(*row) if row else None


def require_account(engine: Engine, username: str) -> Account:
    account = get_account(engine, username)
    if account is None:
        raise AccessError(f"no account named {username!r}")
    return account


def user_id(engine: Engine, username: str) -> int | None:
    """The users.id of ``username`` (e.g. for per-user rows such as lead_views)."""
    with engine.connect() as conn:
        return conn.execute(select(User.id).where(User.username == username)).scalar_one_or_none()


def list_accounts(engine: Engine) -> pd.DataFrame:
    """Every account, by username, with its agency's name and lock state (no password hashes)."""
    stmt = (
        select(*_ACCOUNT_COLUMNS, Agency.name)
        .outerjoin(Agency, Agency.id == User.agency_id)
        .order_by(User.username)
    )
    columns = [
        "id",
        "username",
        "display_name",
        "email",
        "role",
        "agency_id",
        "agency",
        "active",
        "failed_sign_ins",
        "locked_until",
        "last_sign_in_at",
        "has_password",
        "agency_name",
    ]
    frame = query_frame(engine, stmt, columns)
    frame["role"] = frame["role"].astype(str)
    frame["agency_id"] = frame["agency_id"].astype("Int64")
    return frame


# --- signing in and staying signed in ----------------------------------------------------------


def _fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def sign_in(engine: Engine, username: str, password: str, *, now: datetime | None = None) -> SignIn:
    """Check a username and password under the lockout; audited either way, with the reason.

    The attempt is counted before the password is checked (``lockout.reserve``), so parallel
    attempts cannot exceed the limit; a refused one checks the password against a throw-away
    hash instead, so every refusal takes the same time.
    """
    now = now or datetime.now()
    name = username.strip().lower()
    limit = settings.int_setting(settings.LOCKOUT_ATTEMPTS)
    minutes = settings.int_setting(settings.LOCKOUT_MINUTES)
    attempt = lockout.reserve(engine, name, now, limit, minutes)
    detail: dict[str, Any] = {"method": "password"}
    if attempt is None:
        password_matches(None, password)  # same work as for a real account
        detail |= {"reason": "unknown user", "fingerprint": _fingerprint(name)}
        audit.record(engine, None, "sign-in", detail=detail, outcome="failed", username="(unknown)")
        return SignIn(Outcome.WRONG)
    who = Viewer(name, attempt.role, attempt.agency_id)  # for the audit row's agency only
    if not attempt.reserved:
        password_matches(None, password)  # same work; the account's hash is not tried
        detail |= {"reason": "locked", "locked_until": attempt.locked_until}
        audit.record(engine, who, "sign-in", detail=detail, outcome="denied")
        return SignIn(Outcome.LOCKED, locked_until=attempt.locked_until)
    if not password_matches(attempt.password_hash, password):
        return _audit_failure(engine, who, attempt, limit, detail)
    values: dict[str, Any] = {}
    if attempt.is_active:
        values["last_sign_in_at"] = now
        if needs_rehash(attempt.password_hash or ""):
            values["password_hash"] = hash_password(password)
    lockout.release(engine, attempt, **values)
    if not attempt.is_active:
        detail |= {"reason": "disabled"}
        audit.record(engine, who, "sign-in", detail=detail, outcome="denied")
        return SignIn(Outcome.DISABLED)
    audit.record(engine, who, "sign-in", detail=detail)
    return SignIn(Outcome.OK, viewer=who, at=now)


def _audit_failure(
    engine: Engine, who: Viewer, attempt: lockout.Attempt, limit: int, detail: dict[str, Any]
) -> SignIn:
    """A wrong password (already counted by its reservation); the lock it set, if any."""
    detail |= {"reason": "wrong password", "consecutive_failures": attempt.failures}
    audit.record(engine, who, "sign-in", detail=detail, outcome="failed")
    if attempt.locks():
        audit.record(
            engine,
            who,
            "account-lock",
            target=who.username,
            detail={"failures": attempt.failures, "locked_until": attempt.locked_until},
        )
        return SignIn(Outcome.LOCKED, locked_until=attempt.locked_until)
    return SignIn(Outcome.WRONG, attempts_left=limit - attempt.failures)


def oidc_sign_in(engine: Engine, email: str, *, now: datetime | None = None) -> SignIn:
    """Map an identity-provider sign-in (its verified email) to the users row with that email.

    The provider has checked the password and any second factor; the dashboard still decides,
    through the users row, whether the person may use it and what they may see.
    """
    now = now or datetime.now()
    mail = email.strip().lower()
    detail: dict[str, Any] = {"method": "oidc", "email": mail}
    with engine.connect() as conn:
        row = conn.execute(
            select(User.username, User.is_active, User.role, User.agency_id).where(
                func.lower(User.email) == mail
            )
        ).first()
    if row is None or not mail:
        audit.record(
            engine,
            None,
            "sign-in",
            detail=detail | {"reason": "no account"},
            outcome="denied",
            username="(unknown)",
        )
        return SignIn(Outcome.NO_ACCOUNT)
    name, is_active, role, agency_id = row
    who = Viewer(name, Role(role), agency_id)
    if not is_active:
        detail |= {"reason": "disabled"}
        audit.record(engine, who, "sign-in", detail=detail, outcome="denied")
        return SignIn(Outcome.DISABLED)
    with engine.begin() as conn:
        conn.execute(update(User).where(User.username == name).values(last_sign_in_at=now))
    audit.record(engine, who, "sign-in", detail=detail)
    return SignIn(Outcome.OK, viewer=who, at=now)


def session_viewer(engine: Engine, username: str, signed_in_at: datetime) -> Viewer | None:
    """The viewer of a session begun at ``signed_in_at``, or None when that session is void.

    Read on every page run, so a disabled account, a sign-out everywhere or a role change takes
    effect at the user's next click.
    """
    with engine.connect() as conn:
        row = conn.execute(
            select(User.role, User.agency_id, User.is_active, User.sessions_valid_after).where(
                User.username == username
            )
        ).first()
    if row is None:
        return None
    role, agency_id, is_active, valid_after = row
    if not is_active or (valid_after is not None and signed_in_at <= valid_after):
        return None
    return Viewer(username=username, role=Role(role), agency_id=agency_id)


def record_sign_out(engine: Engine, viewer: Viewer, reason: str) -> None:
    """Audit the end of a session: 'sign-out' (asked for) or 'session-timeout' (idle)."""
    audit.record(engine, viewer, reason, target=viewer.username)
