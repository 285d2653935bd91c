"""The users' real tasks across pages, in a real browser, counted in clicks (issue 13).

``streamlit run app.py`` on a small demo store with its demo accounts; each user signs in through
the real form, then plays a task and the test fails if it takes more clicks than promised:

* analyst: a Leads row → the map of all that lead's incidents (1 click), and from that map → the
  same lead's timeline and packet (1 click each);
* commander: overview → the most active series' network (1 click);
* lab director: backlog → the oldest open requests of the agency with most old requests (2 clicks:
  the agency tab, its row's link).

Every view reached is then opened again from its copied URL in a new tab of the same browser:
it must open the same view with no new sign-in. Tables are drawn on a canvas, so the test finds a
link cell by clicking along the row until the browser opens the URL it expects (tabs opened by
the search are closed unseen): the user's single click is the one that opens it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import Engine, select

from cgic_data.demo import seed_demo
from cgic_data.demo_accounts import create_demo_accounts
from cgic_data.queries import lead_selection
from cgic_data.schema import Agency
from cgic_data.scope import Viewer
from cgic_data.store import make_engine, migrate
from tests.browser.server import running_app
from tests.browser.test_map_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    LOCAL,
    WAIT_MS,
    require_browser,
    settled,
)

pytestmark = pytest.mark.browser

ROW_Y = 35 + 35 // 2  # a dataframe's header row, then the middle of its first row (px)


@dataclass
class Demo:
    base: str
    engine: Engine
    passwords: dict[str, str]
    viewers: dict[str, Viewer]
    screenshots: Path
    outside: list[str]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    require_browser()
    folder = tmp_path_factory.mktemp("journeys")
    url = f"sqlite:///{folder / 'demo.sqlite'}"
    engine = make_engine(url)
    migrate(engine)
    seed_demo(engine, seed=7, scale=0.3)
    made = create_demo_accounts(engine)
    with engine.connect() as conn:
        names = dict(conn.execute(select(Agency.name, Agency.id)).all())
    viewers = {a.username: Viewer(a.username, a.role, names.get(a.agency or "")) for a in made}
    shots = Path(os.environ.get("CGIC_TEST_SCREENSHOTS") or folder / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    passwords = {a.username: a.password for a in made}
    try:
        with running_app(folder, url) as base:
            yield Demo(base, engine, passwords, viewers, shots, [])
    finally:
        engine.dispose()


@pytest.fixture
def browser(demo: Demo) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    assert demo.outside == [], f"requests left 127.0.0.1: {sorted(set(demo.outside))}"


def signed_in(browser: object, demo: Demo, user: str) -> tuple[object, object]:
    """A browser context signed in as ``user`` through the real form, and its first tab."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})  # type: ignore[attr-defined]
    context.on("request", lambda r: None if LOCAL.match(r.url) else demo.outside.append(r.url))
    tab = context.new_page()
    tab.goto(demo.base + "/", timeout=WAIT_MS)
    settled(tab)
    tab.get_by_role("textbox", name="Username").fill(user)
    tab.get_by_role("textbox", name="Password").fill(demo.passwords[user])
    tab.get_by_role("button", name="Sign in").click()
    tab.get_by_text("Signed in as").wait_for(timeout=WAIT_MS)
    settled(tab)
    return context, tab


def visit(context: object, url: str) -> object:
    tab = context.new_page()  # type: ignore[attr-defined]
    tab.goto(url, timeout=WAIT_MS)
    settled(tab)
    return tab


def click_row_link(context: object, tab: object, url_part: str, row: int = 0) -> object:
    """Click the link cell of ``row`` (in the first table holding a ``url_part`` link) and
    return the tab the browser opened for it."""
    cells = f'[id^="glide-cell-"]:has-text("{url_part}")'
    tab.locator(cells).first.wait_for(state="attached", timeout=WAIT_MS)  # type: ignore[attr-defined]
    grids = tab.locator('[data-testid="stDataFrame"]')  # type: ignore[attr-defined]
    grid = next(
        grids.nth(i)
        for i in range(grids.count())
        if grids.nth(i).locator('[id^="glide-cell-"]', has_text=url_part).count()
    )
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    y = box["y"] + ROW_Y + 35 * row
    opened: list[object] = []
    context.on("page", lambda page: opened.append(page))  # type: ignore[attr-defined]
    checked = 0
    # From 40 px in: the row-selection checkbox (a click there opens the packet in this tab).
    for x in range(int(box["x"]) + 40, int(box["x"] + box["width"]) - 8, 10):
        tab.mouse.click(x, y)  # type: ignore[attr-defined]
        deadline = time.monotonic() + 1.0
        while len(opened) == checked and time.monotonic() < deadline:
            tab.wait_for_timeout(100)  # type: ignore[attr-defined]
        for page in opened[checked:]:  # late tabs of earlier clicks too
            page.wait_for_load_state("commit", timeout=WAIT_MS)  # type: ignore[attr-defined]
            if url_part in page.url:  # type: ignore[attr-defined]
                settled(page)
                return page
            page.close()  # type: ignore[attr-defined]
        checked = len(opened)
    raise AssertionError(f"no link to {url_part!r} in row {row}")


def click_link(context: object, tab: object, name: str) -> object:
    """Click a text link; return the tab it opened in (a new one, or the same)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    link = tab.get_by_role("link", name=name, exact=True).first  # type: ignore[attr-defined]
    try:
        with context.expect_page(timeout=3000) as opened:  # type: ignore[attr-defined]
            link.click()
        page = opened.value
    except PlaywrightTimeout:
        page = tab
    page.wait_for_load_state()
    settled(page)
    return page


def same_view_in_a_new_tab(context: object, tab: object, heading: str) -> object:
    """The view's URL, copied and opened in a new tab: same view, no sign-in form."""
    again = visit(context, tab.url)  # type: ignore[attr-defined]
    again.get_by_role("heading", name=heading).wait_for(timeout=WAIT_MS)  # type: ignore[attr-defined]
    assert again.get_by_role("textbox", name="Password").count() == 0  # type: ignore[attr-defined]
    return again


def test_analyst_leads_row_to_map_timeline_and_packet(browser: object, demo: Demo) -> None:
    context, _ = signed_in(browser, demo, "hartford.analyst")
    leads = visit(context, demo.base + "/leads?period=All+dates")
    leads.get_by_role("heading", name="Leads").wait_for(timeout=WAIT_MS)  # type: ignore[attr-defined]

    on_map = click_row_link(context, leads, "map?")  # click 1
    lead = parse_qs(urlsplit(on_map.url).query)["map_lead"][0]  # type: ignore[attr-defined]
    selection = lead_selection.select_lead(demo.engine, demo.viewers["hartford.analyst"], lead)
    assert selection is not None, (lead, on_map.url)  # type: ignore[attr-defined]
    expected = len(selection.incident_ids)
    on_map.get_by_text(f"{expected} incidents match the selected leads").wait_for(timeout=WAIT_MS)  # type: ignore[attr-defined]
    on_map.screenshot(path=demo.screenshots / "journey-analyst-map.png", full_page=True)  # type: ignore[attr-defined]
    same_view_in_a_new_tab(context, on_map, "Incident map").get_by_text(
        f"{expected} incidents match the selected leads"
    ).wait_for(timeout=WAIT_MS)

    timeline = click_link(context, on_map, "Timeline")  # one click from the map
    timeline.get_by_role("heading", name="Lead timeline").wait_for(timeout=WAIT_MS)  # type: ignore[attr-defined]
    timeline.get_by_text("Gaps against the").wait_for(timeout=WAIT_MS)  # type: ignore[attr-defined]
    assert f"lead={lead}" in timeline.url  # type: ignore[attr-defined]
    same_view_in_a_new_tab(context, timeline, "Lead timeline")

    if timeline is on_map:
        on_map.go_back()  # type: ignore[attr-defined]
        settled(on_map)
    packet = click_link(context, on_map, "Packet")  # one click from the map
    packet.get_by_role("heading", name="Lead packet").wait_for(timeout=WAIT_MS)  # type: ignore[attr-defined]
    assert f"lead={lead}" in packet.url  # type: ignore[attr-defined]
    packet.screenshot(path=demo.screenshots / "journey-analyst-packet.png", full_page=True)  # type: ignore[attr-defined]
    same_view_in_a_new_tab(context, packet, "Lead packet")
    context.close()  # type: ignore[attr-defined]


def test_commander_overview_to_the_most_active_series_network(browser: object, demo: Demo) -> None:
    context, overview = signed_in(browser, demo, "hartford.commander")
    overview.get_by_role("heading", name="Command overview").wait_for(timeout=WAIT_MS)  # type: ignore[attr-defined]
    overview.get_by_text("statewide").first.wait_for(timeout=WAIT_MS)  # type: ignore[attr-defined]
    network = click_row_link(context, overview, "network?")  # click 1
    network.get_by_role("heading", name="Series network").wait_for(timeout=WAIT_MS)  # type: ignore[attr-defined]
    series = parse_qs(urlsplit(network.url).query)["series"][0]  # type: ignore[attr-defined]
    network.locator(".js-plotly-plot").first.wait_for(timeout=WAIT_MS)  # type: ignore[attr-defined]
    assert network.get_by_text(series).count() > 0  # type: ignore[attr-defined]
    network.screenshot(path=demo.screenshots / "journey-commander-network.png", full_page=True)  # type: ignore[attr-defined]
    same_view_in_a_new_tab(context, network, "Series network")
    context.close()  # type: ignore[attr-defined]


def test_lab_director_backlog_to_the_oldest_requests_of_the_agency(
    browser: object, demo: Demo
) -> None:
    context, backlog = signed_in(browser, demo, "lab.director")
    backlog.get_by_role("heading", name="Lab backlog").wait_for(timeout=WAIT_MS)  # type: ignore[attr-defined]
    backlog.get_by_role("tab", name="By submitting agency").click()  # click 1  # type: ignore[attr-defined]
    oldest = click_row_link(context, backlog, "#oldest-open-requests")  # click 2
    agency = parse_qs(urlsplit(oldest.url).query)["agency"][0]  # type: ignore[attr-defined]
    oldest.get_by_role("heading", name="Oldest open requests").wait_for(timeout=WAIT_MS)  # type: ignore[attr-defined]
    assert oldest.get_by_text("Page not found").count() == 0  # type: ignore[attr-defined]
    sidebar = oldest.locator('[data-testid="stSidebar"]')  # type: ignore[attr-defined]
    assert sidebar.get_by_text(agency).count() > 0  # the agency filter is set to it
    oldest.screenshot(path=demo.screenshots / "journey-director-oldest.png", full_page=True)  # type: ignore[attr-defined]
    same_view_in_a_new_tab(context, oldest, "Oldest open requests")
    context.close()  # type: ignore[attr-defined]
