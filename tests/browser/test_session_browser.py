"""A link opened in a new tab keeps the user signed in, in a real browser (issue 13).

AppTest has no browser and no cookies, so this starts ``streamlit run app.py`` (sign-in on) on a
small hand-built store, signs in through the real form in headless Chromium, and opens a deep
link in a new tab of the same browser, typed and followed from another site: the page opens
with its query, no sign-in form. After sign-out a new tab asks for the password again. Skips
without Chromium, as the map test does.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from sqlalchemy import Engine, select

from cgic_data import accounts
from cgic_data.schema import AuditEntry, Role, UserSession
from cgic_data.scope import Viewer
from cgic_data.store import make_engine, migrate
from tests.browser.server import running_app
from tests.browser.test_map_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    WAIT_MS,
    require_browser,
    settled,
)
from tests.queries.lead_world import build_lead_world

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"
LEAD = "L-1"  # a lead of the hand-built series (tests/queries/lead_world.py)
COOKIE = "cgic_session"


@dataclass
class Server:
    base: str
    engine: Engine


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    require_browser()
    folder = tmp_path_factory.mktemp("session-browser")
    url = f"sqlite:///{folder / 'store.sqlite'}"
    engine = make_engine(url)
    migrate(engine)
    build_lead_world(engine)
    accounts.add_user(engine, Viewer.system("tests"), "ann", Role.ADMIN, password=PASSWORD)
    try:
        with running_app(folder, url) as base:
            yield Server(base, engine)
    finally:
        engine.dispose()


@pytest.fixture
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def session_cookie(context: object, present: bool) -> dict[str, object] | None:
    """The session cookie once it is (or is no longer) in the browser: it arrives from a
    background request, so wait for it, up to the usual page deadline."""
    deadline = time.monotonic() + WAIT_MS / 1000
    while True:
        found = [c for c in context.cookies() if c["name"] == COOKIE]  # type: ignore[attr-defined]
        if bool(found) == present or time.monotonic() > deadline:
            return found[0] if found else None
        time.sleep(0.2)


def sign_in_form(tab: object) -> object:
    return tab.get_by_role("textbox", name="Username")  # type: ignore[attr-defined]


def open_tab(context: object, url: str) -> object:
    tab = context.new_page()  # type: ignore[attr-defined]
    tab.goto(url, timeout=WAIT_MS)
    settled(tab)
    return tab


def test_a_link_opened_in_a_new_tab_stays_signed_in_until_sign_out(
    server: Server, browser: object
) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 1200})  # type: ignore[attr-defined]
    first = open_tab(context, server.base + "/")
    sign_in_form(first).fill("ann")
    first.get_by_role("textbox", name="Password").fill(PASSWORD)  # type: ignore[attr-defined]
    first.get_by_role("button", name="Sign in").click()  # type: ignore[attr-defined]
    first.get_by_text("Signed in as").wait_for(timeout=WAIT_MS)  # type: ignore[attr-defined]

    cookie = session_cookie(context, present=True)
    assert cookie is not None, "the browser never got the session cookie"
    assert (cookie["httpOnly"], cookie["sameSite"], cookie["secure"]) == (True, "Strict", False)
    with server.engine.connect() as conn:
        stored = conn.execute(select(UserSession.token_hash, UserSession.ticket_hash)).all()
    assert all(str(cookie["value"]) not in str(row) for row in stored)  # only its hash is kept

    link = f"{server.base}/timeline?period=All+dates&lead={quote(LEAD)}"
    second = open_tab(context, link)
    second.get_by_role("heading", name="Lead timeline").wait_for(timeout=WAIT_MS)  # type: ignore[attr-defined]
    assert sign_in_form(second).count() == 0  # type: ignore[attr-defined]
    assert f"lead={LEAD}" in second.url  # type: ignore[attr-defined]
    # the lead itself, not the picker's empty state: the gaps section follows a chosen lead
    second.get_by_text("Gaps against the").wait_for(timeout=WAIT_MS)  # type: ignore[attr-defined]
    assert second.get_by_text("Signed in as").is_visible()  # type: ignore[attr-defined]
    assert COOKIE not in second.evaluate("document.cookie")  # type: ignore[attr-defined]
    with server.engine.connect() as conn:
        resumed = conn.execute(
            select(AuditEntry.username).where(AuditEntry.action == "session-resume")
        ).scalars()
        assert list(resumed) == ["ann"]

    # A link followed from another site (an email, a case system): the page request carries no
    # SameSite=Strict cookie, but the page's own websocket does.
    elsewhere = context.new_page()  # type: ignore[attr-defined]
    mail = "http://mail.example/inbox"  # answered here: nothing leaves the machine
    body = f'<a href="{link}">the lead</a>'
    elsewhere.route(mail, lambda route: route.fulfill(body=body, content_type="text/html"))
    elsewhere.goto(mail)
    elsewhere.get_by_text("the lead").click()
    settled(elsewhere)
    elsewhere.get_by_role("heading", name="Lead timeline").wait_for(timeout=WAIT_MS)
    assert sign_in_form(elsewhere).count() == 0  # type: ignore[attr-defined]

    first.get_by_role("button", name="Sign out").click()  # type: ignore[attr-defined]
    sign_in_form(first).wait_for(timeout=WAIT_MS)  # type: ignore[attr-defined]
    assert session_cookie(context, present=False) is None  # the server dropped it

    third = open_tab(context, link)
    sign_in_form(third).wait_for(timeout=WAIT_MS)  # type: ignore[attr-defined]
    assert third.get_by_role("heading", name="Lead timeline").count() == 0  # type: ignore[attr-defined]
    context.close()
