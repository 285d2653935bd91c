"""Demo accounts: one per role, in two agencies, with random passwords that never enter the repo.

A demo store needs people to sign in as, to show what each role and agency sees. The accounts are
made (or, on a re-run, given new passwords) after the demo data is seeded; their passwords are
drawn at random and hashed into the store. ``cgic demo`` prints them and, for a SQLite store,
writes them to ``demo-accounts.txt`` beside it (the git-ignored ``data/`` for the default store);
the app's first start on an empty store writes that file (for a server store:
``data/demo-accounts-<database>.txt``). The file is readable only by its owner (mode 0600).
Passwords never go to a log line or to the audit log.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, func, select

from cgic_data import accounts, settings
from cgic_data.access import generate_password, get_account
from cgic_data.schema import Agency, AgencyKind, Incident, Role, User
from cgic_data.scope import Viewer
from cgic_data.store import is_demo

DEMO_ACCOUNTS_NAME = "demo-accounts.txt"
SETUP_ACTOR = Viewer.system("demo-setup")
log = logging.getLogger(__name__)

# username, role, index into the two demo agencies (None: CGIC/lab staff, all agencies)
DEMO_USERS: list[tuple[str, Role, int | None]] = [
    ("admin", Role.ADMIN, None),
    ("lab.director", Role.LAB_DIRECTOR, None),
    ("cgic.analyst", Role.ANALYST, None),
    ("hartford.commander", Role.COMMANDER, 0),
    ("hartford.analyst", Role.ANALYST, 0),
    ("newhaven.commander", Role.COMMANDER, 1),
    ("newhaven.analyst", Role.ANALYST, 1),
]
PREFERRED_AGENCIES = ("Hartford Police Department", "New Haven Police Department")


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    agency: str | None
    password: str


def accounts_file_for(engine: Engine) -> Path:
    """Where the demo passwords of this store go: beside its SQLite file, else in the project's
    git-ignored data/ folder under the database's name."""
    url = engine.url
    if _is_sqlite_file(engine):
        return Path(str(url.database)).resolve().parent / DEMO_ACCOUNTS_NAME
    return settings.PROJECT_ROOT / "data" / f"demo-accounts-{url.database or 'store'}.txt"


def _is_sqlite_file(engine: Engine) -> bool:
    url = engine.url
    return url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")


def demo_agencies(engine: Engine) -> list[tuple[int, str]]:
    """(id, name) of the two agencies demo users belong to: Hartford and New Haven when present,
    else the two local agencies with the most incidents."""
    with engine.connect() as conn:
        by_name = dict(
            conn.execute(
                select(Agency.name, Agency.id).where(Agency.name.in_(PREFERRED_AGENCIES))
            ).all()
        )
        if len(by_name) == len(PREFERRED_AGENCIES):
            return [(by_name[name], name) for name in PREFERRED_AGENCIES]
        busiest = conn.execute(
            select(Agency.id, Agency.name)
            .outerjoin(Incident, Incident.agency_id == Agency.id)
            .where(Agency.kind == AgencyKind.LOCAL)
            .group_by(Agency.id, Agency.name)
            .order_by(func.count(Incident.id).desc(), Agency.name)
            .limit(2)
        ).all()
    if len(busiest) < 2:
        raise ValueError("demo accounts need at least two local agencies in the store")
    return [(row[0], row[1]) for row in busiest]


def create_demo_accounts(engine: Engine) -> list[DemoAccount]:
    """Create the demo accounts, or give existing ones a fresh random password (re-enabled,
    unlocked, role and agency as listed). Returns them with their clear passwords, to hand out."""
    agencies = demo_agencies(engine)
    made: list[DemoAccount] = []
    for username, role, index in DEMO_USERS:
        agency_id, agency_name = agencies[index] if index is not None else (None, None)
        password = generate_password()
        existing = get_account(engine, username)
        if existing is None:
            accounts.add_user(
                engine, SETUP_ACTOR, username, role, agency_id=agency_id, password=password
            )
        else:
            accounts.set_role(engine, SETUP_ACTOR, username, role, agency_id)
            accounts.enable_user(engine, SETUP_ACTOR, username)
            accounts.reset_password(engine, SETUP_ACTOR, username, password)
        made.append(DemoAccount(username, role, agency_name, password))
    return made


def format_accounts(made: Sequence[DemoAccount]) -> str:
    """A plain table of the accounts and passwords, for a terminal or the accounts file."""
    lines = [f"{'username':<20} {'role':<13} {'agency':<30} password"]
    for a in made:
        agency = a.agency or "all agencies (CGIC/lab)"
        lines.append(f"{a.username:<20} {a.role:<13} {agency:<30} {a.password}")
    return "\n".join(lines) + "\n"


def write_accounts_file(engine: Engine, made: Sequence[DemoAccount]) -> Path:
    """Write the accounts to ``accounts_file_for(engine)`` (mode 0600, replaced on a re-run)."""
    path = accounts_file_for(engine)
    path.parent.mkdir(parents=True, exist_ok=True)
    store = engine.url.render_as_string(hide_password=True)
    text = (
        "# CGIC dashboard demo accounts (synthetic data only). Do not commit or share.\n"
        f"# store: {store}\n" + format_accounts(made)
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # also when the file already existed with wider permissions
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    return path


def publish_demo_accounts(engine: Engine) -> tuple[list[DemoAccount], Path | None]:
    """For ``cgic demo``: create (or re-key) the accounts; for a SQLite store also write the
    accounts file beside it (a server store's passwords are only printed)."""
    made = create_demo_accounts(engine)
    return made, write_accounts_file(engine, made) if _is_sqlite_file(engine) else None


def has_accounts(engine: Engine) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(User.id).limit(1)).first() is not None


def ensure_demo_accounts(engine: Engine) -> Path | None:
    """At app start: on a demo store without any account, create the demo accounts and write the
    accounts file. Logs where the passwords are, never the passwords. Returns the file, if made."""
    if not is_demo(engine) or has_accounts(engine):
        return None
    written = write_accounts_file(engine, create_demo_accounts(engine))
    log.warning("Demo accounts created; their passwords are in %s (mode 0600)", written)
    return written
