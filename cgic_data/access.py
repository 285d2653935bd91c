"""Accounts and sign-in: who may use the dashboard, how they prove it, and when a session ends.

CJIS Security Policy practice, as this module applies it:

* Passwords are stored only as argon2id hashes (``argon2-cffi``); the clear text never reaches the
  store, the audit log or a log line. A failed sign-in with an unknown username is audited as
  "(unknown)" plus a short fingerprint, so a password typed into the username box is not kept.
* ``settings.LOCKOUT_ATTEMPTS`` (5) consecutive failures lock the account for
  ``settings.LOCKOUT_MINUTES`` (10), or until an admin releases it; while locked even the right
  password is refused.
* Sign-out everywhere stamps ``users.sessions_valid_after``: every session begun before it is void
  at its next page run (``session_viewer``), as is every session of a disabled account.
* Roles: lab directors and admins are CGIC/lab staff and see all agencies; commanders and analysts
  belong to one agency (``agency_id``) or, without one, are CGIC staff who see all agencies.

Every sign-in attempt writes an audit row (``cgic_data.audit``); changes to accounts live in
``cgic_data.accounts`` and are audited there.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, case, func, select, update

from cgic_data import audit, settings
from cgic_data.frames import query_frame
from cgic_data.schema import Agency, Role, User
from cgic_data.scope import Viewer

# argon2id at OWASP's recommended minimum (19 MiB, 2 passes, 1 lane): about 0.15 s a check on a
# 2-core server, so sign-in stays quick and a flood of attempts cannot pin the CPU, while each
# guess still costs an attacker 19 MiB of memory. Hashes made with other parameters are
# re-hashed with these at the next successful sign-in.
HASHER = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)
MIN_PASSWORD_LENGTH = 12
LAB_WIDE_ROLES = frozenset({Role.LAB_DIRECTOR, Role.ADMIN})
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,119}$")
# Unambiguous characters for generated passwords (no 0/O, 1/l/I).
PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


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


# --- passwords ---------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; an account without a hash (identity-provider only) never does.

    A missing hash is still checked against a throw-away hash so the answer takes as long as a
    real check: response time does not tell which usernames exist.
    """
    try:
        return HASHER.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return HASHER.hash(secrets.token_urlsafe(16))


def check_password_policy(password: str, username: str) -> None:
    """NIST 800-63B style: long enough, not the username; no composition rules."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccessError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if username.lower() in password.lower():
        raise AccessError("a password may not contain the username")


def generate_password() -> str:
    """A random 20-character password in groups of five (about 116 bits), easy to read out."""
    chars = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(20))
    return "-".join(chars[i : i + 5] for i in range(0, 20, 5))


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
    """Check a username and password, count failures, lock on the limit; audited either way."""
    now = now or datetime.now()
    attempts = settings.int_setting(settings.LOCKOUT_ATTEMPTS)
    name = username.strip().lower()
    with engine.connect() as conn:
        row = conn.execute(
            select(
                User.id,
                User.password_hash,
                User.is_active,
                User.locked_until,
                User.role,
                User.agency_id,
            ).where(User.username == name)
        ).first()
    detail: dict[str, Any] = {"method": "password"}
    if row is None:
        password_matches(None, password)  # same work as for a real account
        detail |= {"reason": "unknown user", "fingerprint": _fingerprint(name)}
        audit.record(engine, None, "sign-in", detail=detail, outcome="failed", username="(unknown)")
        return SignIn(Outcome.WRONG)
    user_id_, stored_hash, is_active, locked_until, role, agency_id = row
    who = Viewer(name, Role(role), agency_id)  # for the audit row's agency; not signed in
    if locked_until is not None and now < locked_until:
        detail |= {"reason": "locked", "locked_until": locked_until}
        audit.record(engine, who, "sign-in", detail=detail, outcome="denied")
        return SignIn(Outcome.LOCKED, locked_until=locked_until)
    if not password_matches(stored_hash, password):
        return _count_failure(engine, user_id_, who, now, attempts, detail)
    if not is_active:
        detail |= {"reason": "disabled"}
        audit.record(engine, who, "sign-in", detail=detail, outcome="denied")
        return SignIn(Outcome.DISABLED)
    values: dict[str, Any] = {"failed_sign_ins": 0, "locked_until": None, "last_sign_in_at": now}
    if HASHER.check_needs_rehash(stored_hash):
        values["password_hash"] = hash_password(password)
    with engine.begin() as conn:
        conn.execute(update(User).where(User.id == user_id_).values(**values))
    audit.record(engine, who, "sign-in", detail=detail)
    return SignIn(Outcome.OK, viewer=who, at=now)


def _count_failure(
    engine: Engine,
    user_id_: int,
    who: Viewer,
    now: datetime,
    attempts: int,
    detail: dict[str, Any],
) -> SignIn:
    """One more consecutive failure (a run-out lock starts a fresh count); lock at the limit."""
    lock_ran_out = User.locked_until.is_not(None) & (User.locked_until <= now)
    with engine.begin() as conn:
        conn.execute(
            update(User)
            .where(User.id == user_id_)
            .values(
                failed_sign_ins=case((lock_ran_out, 1), else_=User.failed_sign_ins + 1),
                locked_until=None,
            )
        )
        failures = conn.execute(
            select(User.failed_sign_ins).where(User.id == user_id_)
        ).scalar_one()
        locked_until = None
        if failures >= attempts:
            locked_until = now + timedelta(minutes=settings.int_setting(settings.LOCKOUT_MINUTES))
            conn.execute(update(User).where(User.id == user_id_).values(locked_until=locked_until))
    detail |= {"reason": "wrong password", "consecutive_failures": failures}
    audit.record(engine, who, "sign-in", detail=detail, outcome="failed")
    if locked_until is not None:
        audit.record(
            engine,
            who,
            "account-lock",
            target=who.username,
            detail={"failures": failures, "locked_until": locked_until},
        )
        return SignIn(Outcome.LOCKED, locked_until=locked_until)
    return SignIn(Outcome.WRONG, attempts_left=attempts - failures)


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
