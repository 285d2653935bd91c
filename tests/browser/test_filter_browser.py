"""The shared sidebar filter in a real browser (issue 17): typing an agency's name and Enter picks
that agency alone, pages the filter does not narrow do not draw it, and the choices made survive
a visit to one of them.

Streamlit's multiselect puts a "Select all matches" entry first in its list while one types, and
Enter took it: "Hartford Police" + Enter chose Hartford, East Hartford and West Hartford. AppTest
cannot type into a widget, hence a browser.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

from cgic_data.demo import seed_demo
from cgic_data.demo_accounts import create_demo_accounts
from cgic_data.store import make_engine, migrate
from tests.browser.server import running_app
from tests.browser.test_map_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    WAIT_MS,
    require_browser,
    settled,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The app's base URL on a small demo store, and the admin's password."""
    require_browser()
    folder = tmp_path_factory.mktemp("filter")
    url = f"sqlite:///{folder / 'demo.sqlite'}"
    engine = make_engine(url)
    migrate(engine)
    seed_demo(engine, seed=7, scale=0.2)
    password = next(a.password for a in create_demo_accounts(engine) if a.username == "admin")
    engine.dispose()
    with running_app(folder, url) as base:
        yield base, password


def chosen(url: str, key: str) -> list[str]:
    return parse_qs(urlsplit(url).query).get(key, [])


def test_enter_picks_one_agency_and_the_filter_skips_the_audit_log(app: tuple[str, str]) -> None:
    from playwright.sync_api import sync_playwright

    base, password = app
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        tab = browser.new_page(viewport={"width": 1280, "height": 800})
        tab.goto(base + "/", timeout=WAIT_MS)
        settled(tab)
        tab.get_by_role("textbox", name="Username").fill("admin")
        tab.get_by_role("textbox", name="Password").fill(password)
        tab.get_by_role("button", name="Sign in").click()
        tab.get_by_text("Signed in as").wait_for(timeout=WAIT_MS)
        settled(tab)
        sidebar = tab.locator('[data-testid="stSidebar"]')

        sidebar.locator('[data-testid="stSelectbox"]').first.click()
        tab.get_by_role("option", name="Last 90 days").click()
        settled(tab)
        agencies = sidebar.locator('[data-testid="stMultiSelect"]').first.locator("input")
        agencies.click()
        agencies.type("Hartford Police")
        tab.wait_for_timeout(500)
        agencies.press("Enter")
        tab.keyboard.press("Escape")
        settled(tab)
        assert chosen(tab.url, "agency") == ["Hartford Police Department"]

        sidebar.get_by_text(re.compile(r"^View \d+ more$")).click()
        sidebar.get_by_role("link", name="Audit log").click()
        tab.get_by_role("heading", name="Audit log").wait_for(timeout=WAIT_MS)
        settled(tab)
        assert sidebar.get_by_text("Period", exact=True).count() == 0
        assert sidebar.locator('[data-testid="stMultiSelect"]').count() == 0

        sidebar.get_by_role("link", name="Leads", exact=True).click()
        tab.get_by_role("heading", name="Leads").wait_for(timeout=WAIT_MS)
        settled(tab)
        assert chosen(tab.url, "period") == ["Last 90 days"]
        assert chosen(tab.url, "agency") == ["Hartford Police Department"]
        browser.close()
