"""Peak memory of the app process: the real server (``streamlit run app.py``) on a bench store,
every page opened in headless Chromium, the server's resident memory read after each page.

usage: .venv/bin/python bench/app_memory.py --database-url URL [--periods "Last 28 days,All dates"]
                                            [--out bench/memory.md]

The store must exist (``bench/run.py`` builds it). Sign-in is off (``CGIC_AUTH=off``) so every
page opens for a lab-wide viewer: the whole store in scope. After each page the server's
``VmRSS`` (now) and ``VmHWM`` (the peak so far) come from ``/proc/<pid>/status`` (Linux). The
browser visit follows ``../shared/bin/shoot-pages`` (wait for the script to finish running).
Nothing here is a test: it prints what it measured and writes it to ``--out``.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, sync_playwright  # noqa: E402

from cgic_ui.context import ALL_DATES, DEFAULT_PERIOD  # noqa: E402
from cgic_ui.navigation import PAGES  # noqa: E402

WAIT_SECONDS = 600


def memory_mb(pid: int) -> tuple[float, float]:
    """(resident now, peak resident) of process ``pid`` in MB, from /proc."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(database_url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "CGIC_DATABASE_URL": database_url,
        "CGIC_AUTH": "off",
        "CGIC_DEMO_ON_EMPTY": "never",
    }
    command = [
        sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
        "--server.port", str(port), "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
    ]  # fmt: skip
    with log.open("w") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            urllib.request.urlopen(base + "/_stcore/health", timeout=1)
            return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit(f"the server never became healthy; see {log}")


def settle(page: Page) -> float:
    """Seconds until the page's script stopped running (and nothing is still loading)."""
    started = time.time()
    page.wait_for_selector('[data-testid="stApp"]', timeout=WAIT_SECONDS * 1000)
    while time.time() - started < WAIT_SECONDS:
        state = page.locator('[data-testid="stApp"]').get_attribute("data-test-script-state")
        if state == "notRunning" and page.locator('[data-testid="stSkeleton"]').count() == 0:
            break
        time.sleep(0.2)
    return time.time() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--periods", default=f"{DEFAULT_PERIOD},{ALL_DATES}")
    parser.add_argument("--out", default=str(ROOT / "bench" / "memory.md"))
    args = parser.parse_args()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(args.database_url, port, ROOT / "bench" / "out" / "app_memory.log")
    rows = [
        f"| (server started) | | | {memory_mb(server.pid)[0]:.0f} | {memory_mb(server.pid)[1]:.0f} |"
    ]
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            for period in args.periods.split(","):
                for spec in PAGES:
                    name = spec.path.removeprefix("pages/").removesuffix(".py")
                    query = urllib.parse.urlencode({"period": period})
                    page.goto(f"{base}/{name}?{query}", timeout=WAIT_SECONDS * 1000)
                    seconds = settle(page)
                    now, peak = memory_mb(server.pid)
                    rows.append(
                        f"| {spec.title} | {period} | {seconds:.1f} | {now:.0f} | {peak:.0f} |"
                    )
                    print(rows[-1], flush=True)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    report = "\n".join(
        [
            "# Memory of the app process",
            "",
            f"Store: `{args.database_url.split('@')[-1]}`. Every page opened in turn in one "
            "browser session (sign-in off: the whole store in scope), caches kept as a server "
            "keeps them. MB resident after the page, and the peak so far.",
            "",
            "| page | period | seconds in the browser | resident MB | peak MB |",
            "|---|---|---:|---:|---:|",
            *rows,
            "",
        ]
    )
    Path(args.out).write_text(report)
    print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
