"""Changing accounts: add, disable, enable, reset, unlock, role and agency, sign-out everywhere.

Used by the ``cgic user`` commands and the Admin page. Each change is checked (username form,
password rule of ``cgic_data.passwords``, lab-wide roles, never the last active admin) and writes
an audit row naming the actor; no password, clear or hashed, ever goes into the audit detail.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, insert, select, update

from cgic_data import audit, sessions
from cgic_data.access import (
    LAB_WIDE_ROLES,
    AccessError,
    Account,
    check_password_policy,
    get_account,
    hash_password,
    normalise_username,
    password_matches,
    require_account,
)
from cgic_data.schema import Agency, Role, User
from cgic_data.scope import Viewer


def require_admin(engine: Engine, actor: Viewer, action: str, username: str) -> None:
    """Only a lab-wide admin (or the command line's system actor) changes other accounts; a
    refused attempt is audited too."""
    if actor.role is not Role.ADMIN or not actor.sees_all_agencies:
        audit.record(engine, actor, action, target=username, outcome="denied")
        raise PermissionError(f"{actor.username} may not change accounts")


def _check_role_agency(engine: Engine, role: Role, agency_id: int | None) -> str | None:
    """Lab directors and admins are lab-wide; an agency, when given, must exist. Returns its code."""
    if agency_id is None:
        return None
    if role in LAB_WIDE_ROLES:
        raise AccessError(f"a {role} is CGIC/lab staff and sees all agencies: give no agency")
    with engine.connect() as conn:
        code = conn.execute(select(Agency.code).where(Agency.id == agency_id)).scalar_one_or_none()
    if code is None:
        raise AccessError(f"no agency with id {agency_id}")
    return code


def _other_active_admins(engine: Engine, username: str) -> int:
    with engine.connect() as conn:
        return conn.execute(
            select(func.count()).where(
                User.role == Role.ADMIN, User.is_active.is_(True), User.username != username
            )
        ).scalar_one()


def _audit_change(engine: Engine, actor: Viewer, action: str, username: str, **detail: Any) -> None:
    audit.record(engine, actor, action, target=username, detail=detail or None)


def add_user(
    engine: Engine,
    actor: Viewer,
    username: str,
    role: Role,
    *,
    agency_id: int | None = None,
    password: str | None = None,
    email: str | None = None,
    display_name: str | None = None,
) -> Account:
    """Create an account. Without a password it can sign in only through the identity provider."""
    require_admin(engine, actor, "user-add", username)
    name = normalise_username(username)
    role = Role(role)
    agency_code = _check_role_agency(engine, role, agency_id)
    mail = email.strip().lower() if email and email.strip() else None
    if password is not None:
        check_password_policy(password, name, display_name, mail)
    if get_account(engine, name) is not None:
        raise AccessError(f"an account named {name!r} already exists")
    if mail is not None:
        with engine.connect() as conn:
            if conn.execute(select(User.id).where(User.email == mail)).first():
                raise AccessError(f"another account already has the email {mail!r}")
    with engine.begin() as conn:
        conn.execute(
            insert(User).values(
                username=name,
                display_name=(display_name or "").strip() or None,
                email=mail,
                password_hash=hash_password(password) if password is not None else None,
                role=role,
                agency_id=agency_id,
                is_active=True,
                failed_sign_ins=0,
                created_at=datetime.now(),
            )
        )
    _audit_change(engine, actor, "user-add", name, role=str(role), agency=agency_code, email=mail)
    return require_account(engine, name)


def set_role(
    engine: Engine, actor: Viewer, username: str, role: Role, agency_id: int | None
) -> None:
    """Change role and agency; open sessions pick it up at their next page run."""
    require_admin(engine, actor, "user-set-role", username)
    account = require_account(engine, username)
    role = Role(role)
    agency_code = _check_role_agency(engine, role, agency_id)
    demoting = account.role is Role.ADMIN and role is not Role.ADMIN and account.is_active
    if demoting and _other_active_admins(engine, account.username) == 0:
        raise AccessError("this is the last active admin: make another admin first")
    with engine.begin() as conn:
        conn.execute(
            update(User).where(User.id == account.id).values(role=role, agency_id=agency_id)
        )
    _audit_change(
        engine,
        actor,
        "user-set-role",
        account.username,
        before={"role": str(account.role), "agency": account.agency_code},
        after={"role": str(role), "agency": agency_code},
    )


def disable_user(
    engine: Engine, actor: Viewer, username: str, *, now: datetime | None = None
) -> None:
    """Disable an account and end its sessions (they are void at their next page run)."""
    require_admin(engine, actor, "user-disable", username)
    account = require_account(engine, username)
    if account.role is Role.ADMIN and _other_active_admins(engine, account.username) == 0:
        raise AccessError("this is the last active admin: make another admin first")
    at = now or datetime.now()
    with engine.begin() as conn:
        conn.execute(
            update(User)
            .where(User.id == account.id)
            .values(is_active=False, sessions_valid_after=at)
        )
        sessions.end_all(conn, account.id, "account disabled", at)
    _audit_change(engine, actor, "user-disable", account.username)


def enable_user(engine: Engine, actor: Viewer, username: str) -> None:
    """Let a disabled account sign in again (its old sessions stay void)."""
    require_admin(engine, actor, "user-enable", username)
    account = require_account(engine, username)
    with engine.begin() as conn:
        conn.execute(update(User).where(User.id == account.id).values(is_active=True))
    _audit_change(engine, actor, "user-enable", account.username)


def reset_password(
    engine: Engine, actor: Viewer, username: str, password: str, *, now: datetime | None = None
) -> None:
    """Set a new password, release any lockout and end the account's open sessions."""
    require_admin(engine, actor, "user-reset-password", username)
    account = require_account(engine, username)
    check_password_policy(password, account.username, account.display_name, account.email)
    at = now or datetime.now()
    with engine.begin() as conn:
        conn.execute(
            update(User)
            .where(User.id == account.id)
            .values(
                password_hash=hash_password(password),
                failed_sign_ins=0,
                locked_until=None,
                sessions_valid_after=at,
            )
        )
        sessions.end_all(conn, account.id, "password reset", at)
    _audit_change(engine, actor, "user-reset-password", account.username)


def change_own_password(
    engine: Engine, viewer: Viewer, current: str, new: str, *, now: datetime | None = None
) -> bool:
    """A signed-in user changes their password; False (audited) when ``current`` is wrong."""
    with engine.connect() as conn:
        stored = conn.execute(
            select(User.password_hash).where(User.username == viewer.username)
        ).scalar_one_or_none()
    if not password_matches(stored, current):
        audit.record(engine, viewer, "password-change", target=viewer.username, outcome="failed")
        return False
    account = require_account(engine, viewer.username)
    check_password_policy(new, account.username, account.display_name, account.email)
    at = now or datetime.now()
    with engine.begin() as conn:
        conn.execute(
            update(User)
            .where(User.username == viewer.username)
            .values(password_hash=hash_password(new), sessions_valid_after=at)
        )
        sessions.end_all(conn, account.id, "password changed", at)
    audit.record(engine, viewer, "password-change", target=viewer.username)
    return True


def unlock_user(engine: Engine, actor: Viewer, username: str) -> None:
    """An admin releases a lockout before it runs out."""
    require_admin(engine, actor, "user-unlock", username)
    account = require_account(engine, username)
    with engine.begin() as conn:
        conn.execute(
            update(User).where(User.id == account.id).values(failed_sign_ins=0, locked_until=None)
        )
    _audit_change(
        engine, actor, "user-unlock", account.username, was_locked_until=account.locked_until
    )


def sign_out_everywhere(
    engine: Engine, actor: Viewer, username: str, *, now: datetime | None = None
) -> datetime:
    """Void every session of ``username`` begun up to now (this one included): the user
    themself, or an admin."""
    account = require_account(engine, username)
    if actor.username != account.username:
        require_admin(engine, actor, "sign-out-everywhere", username)
    at = now or datetime.now()
    with engine.begin() as conn:
        conn.execute(update(User).where(User.id == account.id).values(sessions_valid_after=at))
        sessions.end_all(conn, account.id, "signed out everywhere", at)
    _audit_change(engine, actor, "sign-out-everywhere", account.username)
    return at
