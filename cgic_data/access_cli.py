"""``cgic user ...`` (accounts) and ``cgic audit prune`` (retention), on the command line.

Passwords are read from a prompt (``getpass``, asked twice) or, for scripts, one line of
standard input (``--password-stdin``); never from an argument, which would sit in the shell
history and the process list. ``--generate`` draws a random one and prints it once. A weak
password (short, common, a sequence...) is refused with the reason (``cgic_data.passwords``).
Every change is audited with the actor ``cli:<operating-system user>``.

Importing this module for the command line also hooks the demo accounts into ``cgic demo``.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from datetime import datetime

from sqlalchemy import Connection, Engine, delete, func, insert, or_, select, update

from cgic_data import accounts, audit
from cgic_data.access import AccessError, generate_password, list_accounts
from cgic_data.schema import Agency, AuditEntry, Role, User
from cgic_data.scope import Viewer

MIN_RETENTION_DAYS = 365  # CJIS: audit records are kept at least one year


def parse_role(text: str) -> Role:
    """A role from the command line: 'lab director', 'lab-director' and 'lab_director' alike."""
    try:
        return Role(text.strip().lower().replace("-", " ").replace("_", " "))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a role ({', '.join(ROLE_NAMES)})"
        ) from None


ROLE_NAMES = [str(r).replace(" ", "-") for r in Role]


def _actor() -> Viewer:
    return Viewer.system(f"cli:{getpass.getuser()}")


def _engine(args: argparse.Namespace) -> Engine:
    from cgic_data.store import make_engine, prepare

    engine = make_engine(args.database_url)
    prepare(engine)
    return engine


def resolve_agency(engine: Engine, text: str | None) -> int | None:
    """An agency id from its code or its name (case-insensitive); None for no agency."""
    if text is None:
        return None
    wanted = text.strip().lower()
    with engine.connect() as conn:
        ids = conn.execute(
            select(Agency.id).where(
                or_(func.lower(Agency.code) == wanted, func.lower(Agency.name) == wanted)
            )
        ).scalars()
        found = list(ids)
    if len(found) != 1:
        raise AccessError(f"no single agency with the code or name {text!r}")
    return found[0]


def read_password(args: argparse.Namespace) -> tuple[str, bool]:
    """(password, generated?) from --generate, --password-stdin or a prompt asked twice."""
    if getattr(args, "generate", False):
        return generate_password(args.username.strip().lower()), True
    if getattr(args, "password_stdin", False):
        line = sys.stdin.readline()
        return line.rstrip("\r\n"), False
    first = getpass.getpass("New password: ")
    if first != getpass.getpass("Same password again: "):
        raise AccessError("the two passwords differ")
    return first, False


def _announce(username: str, password: str, generated: bool) -> None:
    if generated:
        print(f"password for {username} (shown once): {password}")


# --- commands ----------------------------------------------------------------------------------


def _add(args: argparse.Namespace) -> int:
    engine = _engine(args)
    agency_id = resolve_agency(engine, args.agency)
    password, generated = (None, False) if args.no_password else read_password(args)
    accounts.add_user(
        engine,
        _actor(),
        args.username,
        args.role,
        agency_id=agency_id,
        password=password,
        email=args.email,
        display_name=args.display_name,
    )
    print(f"added {args.username.strip().lower()} ({args.role})")
    if password is not None:
        _announce(args.username, password, generated)
    return 0


def _reset(args: argparse.Namespace) -> int:
    engine = _engine(args)
    password, generated = read_password(args)
    accounts.reset_password(engine, _actor(), args.username, password)
    print(f"password of {args.username} reset; its sessions are signed out, any lockout released")
    _announce(args.username, password, generated)
    return 0


def _disable(args: argparse.Namespace) -> int:
    accounts.disable_user(_engine(args), _actor(), args.username)
    print(f"disabled {args.username}; its sessions end at their next page view")
    return 0


def _enable(args: argparse.Namespace) -> int:
    accounts.enable_user(_engine(args), _actor(), args.username)
    print(f"enabled {args.username}")
    return 0


def _unlock(args: argparse.Namespace) -> int:
    accounts.unlock_user(_engine(args), _actor(), args.username)
    print(f"released the lockout of {args.username}")
    return 0


def _sign_out_everywhere(args: argparse.Namespace) -> int:
    accounts.sign_out_everywhere(_engine(args), _actor(), args.username)
    print(f"every session of {args.username} is signed out")
    return 0


def _role(args: argparse.Namespace) -> int:
    engine = _engine(args)
    accounts.set_role(
        engine, _actor(), args.username, args.role, resolve_agency(engine, args.agency)
    )
    print(f"{args.username} is now {args.role} ({args.agency or 'all agencies'})")
    return 0


def _list(args: argparse.Namespace) -> int:
    frame = list_accounts(_engine(args))
    if frame.empty:
        print("no accounts (add the first admin: cgic user add NAME --role admin)")
        return 0
    now = datetime.now()
    print(f"{'username':<22} {'role':<13} {'agency':<12} {'state':<22} last sign-in")
    for row in frame.itertuples():
        state = "active" if row.active else "disabled"
        if row.locked_until is not None and row.locked_until > now:
            state += f", locked to {row.locked_until:%H:%M}"
        last = f"{row.last_sign_in_at:%Y-%m-%d %H:%M}" if row.last_sign_in_at else "never"
        agency = row.agency if isinstance(row.agency, str) else "all"
        print(f"{row.username:<22} {row.role:<13} {agency:<12} {state:<22} {last}")
    return 0


def prune_audit(engine: Engine, actor: Viewer, older_than_days: int) -> int:
    """Delete audit rows older than ``older_than_days`` (at least 365); the prune is audited."""
    if older_than_days < MIN_RETENTION_DAYS:
        raise AccessError(
            f"audit rows are kept at least {MIN_RETENTION_DAYS} days; refusing to delete rows "
            f"younger than that ({older_than_days} asked)"
        )
    cutoff = audit.cutoff(older_than_days)  # a ValueError, not OverflowError, past year 1
    with engine.begin() as conn:
        deleted = conn.execute(delete(AuditEntry).where(AuditEntry.at < cutoff)).rowcount
    audit.record(engine, actor, "audit-prune", detail={"before": cutoff, "rows_deleted": deleted})
    return deleted


def _prune(args: argparse.Namespace) -> int:
    deleted = prune_audit(_engine(args), _actor(), args.older_than_days)
    print(f"deleted {deleted} audit rows older than {args.older_than_days} days")
    return 0


# --- the parser --------------------------------------------------------------------------------


def _with_store(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--database-url", default=None, help="default: CGIC_DATABASE_URL")
    return parser


def _with_password(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    source.add_argument(
        "--generate", action="store_true", help="generate a random password and print it once"
    )


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    roles = {"type": parse_role, "metavar": "{" + ",".join(ROLE_NAMES) + "}"}
    user = subparsers.add_parser("user", help="manage dashboard accounts")
    sub = user.add_subparsers(dest="user_command", required=True)

    add = _with_store(sub.add_parser("add", help="create an account"))
    add.add_argument("username")
    add.add_argument("--role", required=True, **roles)  # type: ignore[arg-type]
    add.add_argument("--agency", help="agency code or name (none: CGIC/lab staff, all agencies)")
    add.add_argument("--email", help="identity-provider email (OIDC sign-in maps to it)")
    add.add_argument("--display-name")
    _with_password(add)
    add.add_argument("--no-password", action="store_true", help="identity-provider sign-in only")
    add.set_defaults(func=_add)

    reset = _with_store(sub.add_parser("reset", help="set a new password (ends its sessions)"))
    reset.add_argument("username")
    _with_password(reset)
    reset.set_defaults(func=_reset)

    role = _with_store(sub.add_parser("role", help="change role and agency"))
    role.add_argument("username")
    role.add_argument("--role", required=True, **roles)  # type: ignore[arg-type]
    role.add_argument("--agency", help="agency code or name (none: all agencies)")
    role.set_defaults(func=_role)

    for name, handler, text in [
        ("disable", _disable, "disable an account and end its sessions"),
        ("enable", _enable, "enable a disabled account"),
        ("unlock", _unlock, "release a lockout after failed sign-ins"),
        ("sign-out-everywhere", _sign_out_everywhere, "end every session of an account"),
    ]:
        command = _with_store(sub.add_parser(name, help=text))
        command.add_argument("username")
        command.set_defaults(func=handler)

    _with_store(sub.add_parser("list", help="list accounts")).set_defaults(func=_list)

    audit_parser = subparsers.add_parser("audit", help="audit log retention")
    audit_sub = audit_parser.add_subparsers(dest="audit_command", required=True)
    prune = _with_store(
        audit_sub.add_parser(
            "prune", help=f"delete audit rows older than N (>= {MIN_RETENTION_DAYS}) days"
        )
    )
    prune.add_argument("--older-than-days", type=int, required=True)
    prune.set_defaults(func=_prune)

    _hook_into_demo()


# --- demo accounts around `cgic demo` ----------------------------------------------------------


def _release_demo_accounts(conn: Connection) -> None:
    """Before ``cgic demo --replace`` deletes the agencies: detach and disable the demo accounts
    (the new seed re-attaches, re-enables and re-keys them)."""
    from cgic_data.demo_accounts import DEMO_USERS

    names = [name for name, _, _ in DEMO_USERS]
    now = datetime.now()
    released = conn.execute(
        update(User)
        .where(User.username.in_(names), User.agency_id.is_not(None))
        .values(agency_id=None, is_active=False, sessions_valid_after=now)
    ).rowcount
    if released:
        conn.execute(
            insert(AuditEntry).values(
                at=now,
                username="demo-setup",
                action="user-disable",
                target="demo accounts",
                detail=json.dumps({"reason": "cgic demo --replace", "accounts": released}),
                outcome="ok",
            )
        )


def _print_demo_accounts(engine: Engine, args: argparse.Namespace) -> list[str]:
    from cgic_data.demo_accounts import format_accounts, publish_demo_accounts

    made, written = publish_demo_accounts(engine)
    where = f"; also in {written}, readable only by you" if written else ""
    return [
        "",
        f"Demo accounts (random passwords, shown once{where}):",
        *format_accounts(made).splitlines(),
    ]


def _hook_into_demo() -> None:
    from cgic_data.demo import cli as demo_cli

    if _print_demo_accounts not in demo_cli.AFTER_SEED:
        demo_cli.AFTER_SEED.append(_print_demo_accounts)
    if _release_demo_accounts not in demo_cli.BEFORE_REPLACE:
        demo_cli.BEFORE_REPLACE.append(_release_demo_accounts)
