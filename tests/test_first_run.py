"""First run, as a new user meets it (issue 17): ``make run`` prepares the store before the server
starts (``cgic prepare``), so the demo accounts file is there before any browser request, and the
server starts without a warning the user cannot act on."""

from __future__ import annotations

import os
import re
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from cgic_data.cli import main
from cgic_data.startup import prepare_store
from cgic_data.store import is_demo, make_engine

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A not yet created SQLite store that the app may seed, as the default one is."""
    path = tmp_path / "data" / "cgic.sqlite"
    monkeypatch.setenv("CGIC_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("CGIC_DEMO_ON_EMPTY", "always")
    return path


def test_prepare_seeds_and_writes_the_accounts_file_before_any_request(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["prepare", "--demo-scale", "0.05"]) == 0
    out = capsys.readouterr().out
    accounts = store.parent / "demo-accounts.txt"
    assert "generating synthetic demo data" in out
    assert f"Sign in with a username and password from {accounts}" in out
    assert stat.S_IMODE(accounts.stat().st_mode) == 0o600
    assert re.search(r"^admin\s+admin\s", accounts.read_text(), re.M)
    engine = make_engine(f"sqlite:///{store}")
    try:
        assert is_demo(engine)
    finally:
        engine.dispose()

    before = accounts.read_text()
    assert main(["prepare"]) == 0  # a ready store: nothing seeded, passwords kept
    again = capsys.readouterr().out
    assert "generating" not in again
    assert f"Sign in with a username and password from {accounts}" in again
    assert accounts.read_text() == before


def test_prepare_adds_no_demo_data_where_it_is_not_allowed(
    store: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CGIC_DEMO_ON_EMPTY", "never")
    assert main(["prepare"]) == 0
    out = capsys.readouterr().out
    assert "`cgic import`" in out and "`cgic user add NAME --role admin`" in out
    assert store.exists() and not (store.parent / "demo-accounts.txt").exists()


def test_a_bare_streamlit_start_prepares_the_same_way(tmp_path: Path) -> None:
    """``cgic_ui/runtime.py`` calls ``prepare_store`` with a spinner around the seeding: on an
    empty store it seeds inside it and writes the accounts; on a ready one it does neither."""
    entered: list[str] = []

    @contextmanager
    def spinner() -> Iterator[None]:
        entered.append("seeding")
        yield

    engine = make_engine(f"sqlite:///{tmp_path / 'cgic.sqlite'}")
    try:
        first = prepare_store(engine, demo_when_empty=True, scale=0.05, seeding=spinner)
        again = prepare_store(engine, demo_when_empty=True, scale=0.05, seeding=spinner)
    finally:
        engine.dispose()
    assert entered == ["seeding"]
    assert first.demo and first.seeded_seconds is not None
    assert first.accounts_written == tmp_path / "demo-accounts.txt"
    assert (again.seeded_seconds, again.accounts_written, again.has_accounts) == (None, None, True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_server_starts_without_warnings(store: Path, tmp_path: Path) -> None:
    """What ``make run`` shows after ``cgic prepare``: the URL, and no warning (e.g. Streamlit's
    "no static folder found" in a fresh clone, where only the tracked static/.gitkeep makes it)."""
    assert (ROOT / "static" / ".gitkeep").is_file()
    assert main(["prepare", "--demo-scale", "0.05"]) == 0
    port = _free_port()
    log_path = tmp_path / "server.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [
                sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                "--server.headless", "true", "--server.fileWatcherType", "none",
            ],
            cwd=ROOT, env=dict(os.environ), stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60  # only a guard against a hung start
            while f"URL: http://127.0.0.1:{port}" not in log_path.read_text():
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"streamlit did not start:\n{log_path.read_text()}")
                time.sleep(0.2)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    output = log_path.read_text()
    warnings = [line for line in output.splitlines() if re.search(r"warn|deprecat", line, re.I)]
    assert warnings == [], output
