"""The real app for browser tests: ``streamlit run app.py`` on a free 127.0.0.1 port, against a
given store, until the test module is done. One place, so every browser test starts it the same
way (headless, no usage stats, no file watcher) and fails with the server log's path."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_app(folder: Path, database_url: str, **env: str) -> Iterator[str]:
    """Serve the app on ``database_url`` (never seeding it); yields its base URL. ``env`` adds
    settings (e.g. ``CGIC_AUTH="off"``); sign-in is on unless it says otherwise."""
    port = free_port()
    settings = dict(
        os.environ, CGIC_DATABASE_URL=database_url, CGIC_DEMO_ON_EMPTY="never", CGIC_AUTH="on"
    )
    settings.update(env)
    log_path = folder / "server.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                "--server.address", "127.0.0.1", "--server.headless", "true",
                "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
            ],
            cwd=ROOT, env=settings, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(f"{base}/_stcore/health", timeout=1)
                    break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        pytest.fail(f"streamlit did not start; see {log_path}")
                    time.sleep(0.3)
            yield base
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
