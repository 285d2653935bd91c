"""The password rule: long, not the username, and not common or trivial (with the reason why)."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import Engine

from cgic_data import accounts
from cgic_data.access import AccessError, check_password_policy, generate_password, sign_in
from cgic_data.cli import main
from cgic_data.schema import Role
from cgic_data.scope import Viewer
from tests.apptest import store_url

ADMIN = Viewer.system("tests")
PASSWORD = "correct horse battery staple"

# (password, a fragment of the reason given for refusing it)
WEAK = [
    (" " * 16, "only spaces"),
    ("\t \t \t \t \t \t ", "only spaces"),
    ("a" * 14, "one character repeated"),
    ("123456789012", "sequence"),
    ("abcdefghijklm", "sequence"),
    ("qwertyuiopasdf", "sequence"),
    ("987654321098", "sequence"),
    ("passwordpassword", "(?i)repeat"),
    ("password1234", "common password"),
    ("iloveyou12345", "commonly used"),
    ("trustno1trustno1", "easy to guess"),
]


@pytest.mark.parametrize(("weak", "reason"), WEAK)
def test_common_and_trivial_passwords_are_refused_with_the_reason(weak: str, reason: str) -> None:
    with pytest.raises(AccessError, match=reason) as refused:
        check_password_policy(weak, "ann")
    assert weak.strip() == "" or weak not in str(refused.value)  # the password is not echoed


def test_the_guesser_also_knows_the_accounts_own_name_and_email() -> None:
    check_password_policy("Annabelle Fitzgerald 77", "bob")
    with pytest.raises(AccessError, match="easy to guess"):
        check_password_policy(
            "Annabelle Fitzgerald 77", "bob", "Annabelle Fitzgerald", "afitz77@hpd.gov"
        )


def test_passphrases_and_generated_passwords_pass() -> None:
    for good in (PASSWORD, "another long passphrase", "a brand new passphrase"):
        check_password_policy(good, "ann")
    for name in ("admin", "hartford.commander", "newhaven.analyst"):
        for _ in range(50):
            check_password_policy(generate_password(), name)


def test_every_way_of_setting_a_password_applies_the_rule(engine: Engine) -> None:
    with pytest.raises(AccessError, match="sequence"):
        accounts.add_user(engine, ADMIN, "bob", Role.ADMIN, password="123456789012")
    accounts.add_user(engine, ADMIN, "ann", Role.ADMIN, password=PASSWORD)
    with pytest.raises(AccessError, match="repeated"):
        accounts.reset_password(engine, ADMIN, "ann", "zzzzzzzzzzzzzzzz")
    me = Viewer("ann", Role.ADMIN)
    with pytest.raises(AccessError, match="common password"):
        accounts.change_own_password(engine, me, PASSWORD, "password1234")
    assert sign_in(engine, "ann", PASSWORD).ok  # every refusal left the old password in place


def test_the_command_line_refuses_a_weak_password_and_says_why(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    store = ["--database-url", store_url(engine)]
    monkeypatch.setattr("sys.stdin", io.StringIO("qwertyuiopasdf\n"))
    assert main(["user", "add", "bob", "--role", "admin", "--password-stdin", *store]) == 2
    assert "sequence" in capsys.readouterr().err
    assert main(["user", "add", "bob", "--role", "admin", "--generate", *store]) == 0
    generated = capsys.readouterr().out.split("(shown once): ")[1].strip()
    assert sign_in(engine, "bob", generated).ok
