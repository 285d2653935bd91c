"""The sign-in lockout, race-free: an attempt is reserved (counted) before its password is checked.

Checking the lock, then the slow password hash, then counting the failure lets parallel attempts
(ten browser tabs, a script) all pass the check before any failure is counted: twenty attempts
got twenty password checks against a limit of five. Here the check and the count are one atomic
step on the users row (``SELECT ... FOR UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite):
each attempt is counted as a failure before its password is checked and, when it reaches the
limit, locks the account at once. So at most ``settings.LOCKOUT_ATTEMPTS`` passwords are ever
checked per lockout window, whatever the concurrency; a right password releases its reservation.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from cgic_data.schema import Role, User


@dataclass(frozen=True)
class Attempt:
    """A users row as a sign-in attempt found it, and whether the attempt may check a password."""

    user_id: int
    password_hash: str | None
    is_active: bool
    role: Role
    agency_id: int | None
    reserved: bool  # counted as a failure, so its password may be checked
    failures: int  # consecutive failures, this attempt included when reserved
    locked_until: datetime | None  # set by this attempt when it reached the limit, or earlier

    def locks(self) -> bool:
        """Whether this attempt, should its password be wrong, is the one that locked."""
        return self.reserved and self.locked_until is not None


@contextmanager
def _row_lock_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that holds the write lock from its first statement (SQLite), so a read and
    the write that follows it are atomic; on PostgreSQL the caller locks the row it reads."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            # pysqlite would begin only at the first write, after the read: take the lock now.
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.rollback()
            raise
        conn.commit()


def reserve(
    engine: Engine, username: str, now: datetime, limit: int, minutes: int
) -> Attempt | None:
    """Count one failed sign-in for ``username`` before its password is checked; None when there
    is no such account. Refused (``reserved`` False, nothing counted) while the account is locked.
    A lock that ran out starts a fresh count; the attempt that reaches ``limit`` locks."""
    with _row_lock_transaction(engine) as conn:
        row = conn.execute(
            select(
                User.id,
                User.password_hash,
                User.is_active,
                User.role,
                User.agency_id,
                User.failed_sign_ins,
                User.locked_until,
            )
            .where(User.username == username)
            .with_for_update()
        ).first()
        if row is None:
            return None
        user_id, stored_hash, is_active, role, agency_id, failures, locked_until = row
        found: dict[str, Any] = {
            "user_id": user_id,
            "password_hash": stored_hash,
            "is_active": bool(is_active),
            "role": Role(role),
            "agency_id": agency_id,
        }
        if locked_until is not None and now < locked_until:
            return Attempt(**found, reserved=False, failures=failures, locked_until=locked_until)
        failures = 1 if locked_until is not None else failures + 1
        locked_until = now + timedelta(minutes=minutes) if failures >= limit else None
        conn.execute(
            update(User)
            .where(User.id == user_id)
            .values(failed_sign_ins=failures, locked_until=locked_until)
        )
    return Attempt(**found, reserved=True, failures=failures, locked_until=locked_until)


def release(engine: Engine, attempt: Attempt, **values: Any) -> None:
    """A right password: clear the count and any lock its reservation set (a success resets the
    count of consecutive failures), and store ``values`` (last sign-in, a re-hash)."""
    with engine.begin() as conn:
        conn.execute(
            update(User)
            .where(User.id == attempt.user_id)
            .values(failed_sign_ins=0, locked_until=None, **values)
        )
