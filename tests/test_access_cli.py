"""`cgic user ...`, `cgic audit prune` and the demo accounts made around `cgic demo`."""

from __future__ import annotations

import io
import stat
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from cgic_data import accounts
from cgic_data.access import Outcome, get_account, sign_in
from cgic_data.cli import main
from cgic_data.demo_accounts import DEMO_USERS, create_demo_accounts, ensure_demo_accounts
from cgic_data.schema import AuditEntry, Role, StoreInfo
from cgic_data.scope import Viewer
from tests.apptest import store_url
from tests.factory import Builder

PASSWORD = "correct horse battery staple"


def cgic(engine: Engine, *args: str, stdin: str = "", monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main([*args, "--database-url", store_url(engine)])


def test_add_reset_unlock_disable_from_the_command_line(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    Builder(engine).agency("CT0006400", name="Hartford Police Department")
    assert (
        cgic(
            engine,
            "user", "add", "Ann", "--role", "analyst", "--agency", "hartford police department",
            "--password-stdin",
            stdin=PASSWORD + "\n",
            monkeypatch=monkeypatch,
        )
        == 0
    )  # fmt: skip
    assert get_account(engine, "ann").agency_code == "CT0006400"
    assert sign_in(engine, "ann", PASSWORD).ok
    for _ in range(5):
        sign_in(engine, "ann", "guess")
    # The lock is for the admin to see, not the person at the sign-in form.
    assert cgic(engine, "user", "list", monkeypatch=monkeypatch) == 0
    assert "locked to" in capsys.readouterr().out
    assert cgic(engine, "user", "unlock", "ann", monkeypatch=monkeypatch) == 0
    assert cgic(engine, "user", "reset", "ann", "--generate", monkeypatch=monkeypatch) == 0
    printed = capsys.readouterr().out
    generated = printed.split("(shown once): ")[1].strip()
    assert sign_in(engine, "ann", generated).ok
    assert (
        cgic(engine, "user", "role", "ann", "--role", "lab-director", monkeypatch=monkeypatch) == 0
    )
    assert get_account(engine, "ann").role is Role.LAB_DIRECTOR
    assert cgic(engine, "user", "disable", "ann", monkeypatch=monkeypatch) == 0
    assert sign_in(engine, "ann", generated).outcome is Outcome.DISABLED
    assert cgic(engine, "user", "list", monkeypatch=monkeypatch) == 0
    assert "ann" in capsys.readouterr().out
    with engine.connect() as conn:
        actors = set(
            conn.execute(
                select(AuditEntry.username).where(AuditEntry.action.like("user-%"))
            ).scalars()
        )
    assert all(a.startswith("cli:") for a in actors)


def test_refusals_exit_2_with_the_reason(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    short = cgic(
        engine, "user", "add", "bob", "--role", "admin", "--password-stdin",
        stdin="short\n", monkeypatch=monkeypatch,
    )  # fmt: skip
    assert short == 2 and "12 characters" in capsys.readouterr().err
    assert cgic(engine, "audit", "prune", "--older-than-days", "30", monkeypatch=monkeypatch) == 2
    assert "at least 365 days" in capsys.readouterr().err


def demo_store(engine: Engine) -> Engine:
    b = Builder(engine)
    for name in ("Hartford Police Department", "New Haven Police Department", "Other PD"):
        b.agency(name=name)
    with engine.begin() as conn:
        conn.execute(StoreInfo.__table__.insert(), [{"key": "demo", "value": "true"}])
    return engine


def test_demo_accounts_one_per_role_in_two_agencies_with_random_passwords(engine: Engine) -> None:
    made = create_demo_accounts(demo_store(engine))
    assert [a.username for a in made] == [name for name, _, _ in DEMO_USERS]
    assert {a.role for a in made} == set(Role)
    assert {a.agency for a in made} == {
        None,
        "Hartford Police Department",
        "New Haven Police Department",
    }
    assert len({a.password for a in made}) == len(made)
    assert all(sign_in(engine, a.username, a.password).ok for a in made)
    again = create_demo_accounts(engine)  # a re-run re-keys: the old passwords stop working
    assert not sign_in(engine, made[0].username, made[0].password).ok
    assert sign_in(engine, again[0].username, again[0].password).ok
    with engine.connect() as conn:
        log = " ".join(str(r) for r in conn.execute(select(AuditEntry)).all())
    assert not any(a.password in log for a in [*made, *again])


def test_first_start_writes_the_passwords_to_an_owner_only_file(tmp_path: Path) -> None:
    from cgic_data.store import make_engine, migrate

    engine = make_engine(f"sqlite:///{tmp_path / 'cgic.sqlite'}")
    migrate(engine)
    demo_store(engine)
    written = ensure_demo_accounts(engine)
    assert written == tmp_path / "demo-accounts.txt"
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    text = written.read_text()
    lines = [line.split() for line in text.splitlines() if line.startswith("hartford.analyst")]
    assert sign_in(engine, "hartford.analyst", lines[0][-1]).ok
    assert ensure_demo_accounts(engine) is None  # accounts exist: nothing is re-made


def test_no_demo_accounts_on_a_real_store(engine: Engine) -> None:
    Builder(engine).agency()
    assert ensure_demo_accounts(engine) is None
    accounts.add_user(engine, Viewer.system(), "root", Role.ADMIN)
    assert get_account(engine, "admin") is None


def test_cgic_demo_prints_the_accounts_and_replace_keeps_them_working(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    args = [
        "demo",
        "--scale",
        "0.05",
        "--seed",
        "3",
        "--today",
        "2025-06-30",
        "--database-url",
        url,
    ]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert "Demo accounts" in first and "hartford.analyst" in first
    assert main([*args, "--replace"]) == 0
    second = capsys.readouterr().out
    from cgic_data.store import make_engine

    engine = make_engine(url)
    password = next(
        line.split()[-1] for line in second.splitlines() if line.startswith("newhaven.analyst")
    )
    result = sign_in(engine, "newhaven.analyst", password, now=datetime.now())
    assert (
        result.ok and result.viewer.agency_id == get_account(engine, "newhaven.analyst").agency_id
    )
    assert get_account(engine, "newhaven.analyst").agency_code is not None
