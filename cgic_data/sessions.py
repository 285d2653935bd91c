"""Server-side sessions: what lets a link opened in a new tab keep its user signed in.

A sign-in begins a ``user_sessions`` row and a one-time ticket (60 s). The browser trades the
ticket for the session's token, which the server sets as an HttpOnly cookie
(``cgic_ui.session_cookie``); a tab that opens without a session of its own resumes the row the
cookie names. Only SHA-256 hashes of the token and ticket are stored, so the table (or a backup
of it) signs nobody in. The token is 256 random bits: a plain hash is enough, there is nothing
to guess.

A row is dead once ended (sign-out, sign-out everywhere, account disabled, password reset or
changed), once idle longer than ``settings.IDLE_MINUTES``, or when its account is disabled or
voided (``users.sessions_valid_after``) by a path that did not end it. ``last_seen_at`` is
written at most once a minute, so page runs seldom write.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.sql.elements import ColumnElement

from cgic_data.schema import Role, User, UserSession
from cgic_data.scope import Viewer

TICKET_LIFETIME = timedelta(seconds=60)
TOUCH_EVERY = timedelta(minutes=1)
MAX_SECRET_LENGTH = 200  # a token is 43 characters; anything longer is not one of ours


def digest(secret: str) -> str:
    """The stored form of a token or ticket."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class Status(StrEnum):
    LIVE = "live"
    IDLE = "idle"  # idle too long: this check ended it (audit it as a timeout once)
    ENDED = "ended"  # ended before, unknown, or refused now (disabled, voided)


@dataclass(frozen=True)
class Check:
    """A session as a page run found it; ``viewer`` is set when LIVE or IDLE."""

    status: Status
    session_id: int | None = None
    viewer: Viewer | None = None
    created_at: datetime | None = None
    method: str | None = None
    end_reason: str | None = None


@dataclass(frozen=True)
class Begun:
    id: int
    created_at: datetime
    ticket: str  # one-time, for the browser to trade for the cookie's token


def begin(
    engine: Engine,
    username: str,
    *,
    method: str,
    now: datetime | None = None,
    user_agent: str | None = None,
) -> Begun:
    """A new session of ``username`` (already signed in), with its one-time ticket."""
    now = now or datetime.now()
    ticket = new_secret()
    with engine.begin() as conn:
        user_id = conn.execute(select(User.id).where(User.username == username)).scalar_one()
        session_id = conn.execute(
            insert(UserSession)
            .values(
                user_id=user_id,
                method=method,
                ticket_hash=digest(ticket),
                ticket_expires_at=now + TICKET_LIFETIME,
                created_at=now,
                last_seen_at=now,
                user_agent=(user_agent or "")[:300] or None,
            )
            .returning(UserSession.id)
        ).scalar_one()
    return Begun(session_id, now, ticket)


def redeem_ticket(engine: Engine, ticket: str, *, now: datetime | None = None) -> str | None:
    """The session token a fresh, unused ticket stands for (once), or None.

    The token is made here and only its hash kept: the clear token exists only in this answer,
    on its way into the cookie.
    """
    if not ticket or len(ticket) > MAX_SECRET_LENGTH:
        return None
    now = now or datetime.now()
    token = new_secret()
    with engine.begin() as conn:
        redeemed = conn.execute(
            update(UserSession)
            .where(
                UserSession.ticket_hash == digest(ticket),
                UserSession.ticket_expires_at >= now,
                UserSession.ended_at.is_(None),
            )
            .values(ticket_hash=None, ticket_expires_at=None, token_hash=digest(token))
        ).rowcount
    return token if redeemed == 1 else None


def check(
    engine: Engine,
    session_id: int,
    *,
    idle: timedelta,
    now: datetime | None = None,
    active_at: datetime | None = None,
) -> Check:
    """Whether this tab's session may go on (``active_at``: the tab's own last activity, which
    may be up to a minute newer than the row's)."""
    return _check(engine, UserSession.id == session_id, idle, now or datetime.now(), active_at)


def resume(engine: Engine, token: str, *, idle: timedelta, now: datetime | None = None) -> Check:
    """The session a cookie's token names, for a tab that has none of its own."""
    if not token or len(token) > MAX_SECRET_LENGTH:
        return Check(Status.ENDED)
    return _check(engine, UserSession.token_hash == digest(token), idle, now or datetime.now())


def _check(
    engine: Engine,
    which: ColumnElement[bool],
    idle: timedelta,
    now: datetime,
    active_at: datetime | None = None,
) -> Check:
    stmt = (
        select(
            UserSession.id,
            UserSession.created_at,
            UserSession.last_seen_at,
            UserSession.ended_at,
            UserSession.end_reason,
            UserSession.method,
            User.username,
            User.role,
            User.agency_id,
            User.is_active,
            User.sessions_valid_after,
        )
        .join(User, User.id == UserSession.user_id)
        .where(which)
    )
    with engine.connect() as conn:
        row = conn.execute(stmt).first()
    if row is None:
        return Check(Status.ENDED)
    sid, created, seen, ended, reason, method, name, role, agency_id, active, valid_after = row
    if ended is not None:
        return Check(Status.ENDED, sid, end_reason=reason)
    viewer = Viewer(username=name, role=Role(role), agency_id=agency_id)
    if not active or (valid_after is not None and created <= valid_after):
        reason = "account disabled" if not active else "revoked"
        end(engine, sid, reason, now=now)
        return Check(Status.ENDED, sid, end_reason=reason)
    last = max(seen, active_at) if active_at is not None else seen
    if now - last > idle:
        if end(engine, sid, "idle", now=now):
            return Check(Status.IDLE, sid, viewer, created, method, "idle")
        return Check(Status.ENDED, sid, end_reason="idle")
    if now - seen >= TOUCH_EVERY:
        with engine.begin() as conn:
            conn.execute(
                update(UserSession)
                .where(UserSession.id == sid, UserSession.ended_at.is_(None))
                .values(last_seen_at=now)
            )
    return Check(Status.LIVE, sid, viewer, created, method)


def last_seen(engine: Engine, session_id: int) -> datetime | None:
    """When any tab of this session last ran (to a minute); None once it has ended."""
    with engine.connect() as conn:
        return conn.execute(
            select(UserSession.last_seen_at).where(
                UserSession.id == session_id, UserSession.ended_at.is_(None)
            )
        ).scalar_one_or_none()


def is_open(engine: Engine, token: str) -> bool:
    """Whether a cookie's token names a session not yet ended (read only: no touch, no end)."""
    if not token or len(token) > MAX_SECRET_LENGTH:
        return False
    with engine.connect() as conn:
        found = conn.execute(
            select(UserSession.id).where(
                UserSession.token_hash == digest(token), UserSession.ended_at.is_(None)
            )
        ).first()
    return found is not None


def end(engine: Engine, session_id: int, reason: str, *, now: datetime | None = None) -> bool:
    """End one session; True when this call ended it (False: it had already ended)."""
    with engine.begin() as conn:
        return bool(_end(conn, UserSession.id == session_id, reason, now or datetime.now()))


def end_all(conn: Connection, user_id: int, reason: str, now: datetime) -> int:
    """End every open session of a user, inside the caller's transaction (the account change
    that voids them: sign-out everywhere, disable, password reset or change)."""
    return _end(conn, UserSession.user_id == user_id, reason, now)


def _end(conn: Connection, which: ColumnElement[bool], reason: str, now: datetime) -> int:
    return conn.execute(
        update(UserSession)
        .where(which, UserSession.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason, ticket_hash=None, ticket_expires_at=None)
    ).rowcount
