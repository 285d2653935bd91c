"""The incident map above the point cap, in a real browser: from the statewide view to one
incident's detail in at most three interactions (issue 16).

The store is the small demo store; the point caps are set low (``CGIC_MAP_MAX_POINTS``,
``CGIC_MAP_VIEW_POINTS``) so that it is far above them: the page takes the same path as a
statewide store of 240k incidents (``bench/map_drill.py`` measures that one). At every step the
counts drawn on the map add up to the "N in view" the page states, and no request leaves
127.0.0.1.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.browser.server import running_app
from tests.browser.test_map_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    LOCAL,
    MAP_FRAME,
    ON_TOP,
    WAIT_MS,
    demo_store,
    map_frame,
    require_browser,
    settled,
)

pytestmark = pytest.mark.browser

IN_VIEW = re.compile(r"([\d,]+) in view of ([\d,]+) on the map")


@dataclass
class App:
    base: str
    statewide: int
    screenshots: Path
    outside: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    require_browser()
    folder = tmp_path_factory.mktemp("map-drill")
    url, _, _, statewide = demo_store(folder / "demo.sqlite")
    shots = Path(os.environ.get("CGIC_TEST_SCREENSHOTS") or folder / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    # The demo store holds ~700 incidents: caps of 50 and 40 put it far above both.
    env = {"CGIC_AUTH": "off", "CGIC_MAP_MAX_POINTS": "50", "CGIC_MAP_VIEW_POINTS": "40"}
    with running_app(folder, url, **env) as base:
        yield App(base, statewide, shots)


@pytest.fixture
def page(app: App) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        tab = browser.new_page(viewport={"width": 1440, "height": 1400})
        app.outside.clear()
        tab.on("request", lambda r: None if LOCAL.match(r.url) else app.outside.append(r.url))
        yield tab
        browser.close()


def in_view(tab: object) -> tuple[int, int]:
    """The page's "N in view of M on the map"."""
    text = tab.get_by_text(IN_VIEW).first.inner_text()  # type: ignore[attr-defined]
    found = IN_VIEW.search(text)
    assert found, text
    return int(found.group(1).replace(",", "")), int(found.group(2).replace(",", ""))


def drawn(frame: object) -> tuple[list[int], int]:
    """Counts on the cells, and single incidents (markers plus markercluster groups' counts)."""
    cells = frame.locator(".leaflet-marker-pane .cgic-cell")  # type: ignore[attr-defined]
    singles = frame.locator(".leaflet-marker-pane path.leaflet-interactive")  # type: ignore[attr-defined]
    groups = frame.locator(".leaflet-marker-pane .marker-cluster")  # type: ignore[attr-defined]
    counts = [int(t.replace(",", "")) for t in cells.all_inner_texts()]
    grouped = sum(int(t.replace(",", "")) for t in groups.all_inner_texts())
    return counts, singles.count() + grouped


def steady(tab: object) -> tuple[int, list[int], int]:
    """Once the page and the map agree and have stopped changing: N in view, cells, points."""
    deadline, last, since = time.monotonic() + 60, None, time.monotonic()
    while time.monotonic() < deadline:
        settled(tab)
        frame = map_frame(tab)
        try:
            now = (in_view(tab)[0], *drawn(frame))
        except AssertionError:
            now = None
        if now != last:
            last, since = now, time.monotonic()
        elif now is not None and time.monotonic() - since > 1.5:
            count, cells, points = now
            if sum(cells) + points == count:
                return count, cells, points
        time.sleep(0.25)
    raise AssertionError(f"the map never settled on its stated count: {last}")


def click_on_top(tab: object, locator: object) -> None:
    """Click the first of ``locator``'s elements a click at its centre would hit."""
    for element in locator.all():  # type: ignore[attr-defined]
        if element.evaluate(ON_TOP):
            element.click()
            return
    raise AssertionError("nothing to click: every candidate is under a control")


def test_from_the_statewide_view_to_one_incident_in_three_interactions(
    app: App, page: object
) -> None:
    page.goto(f"{app.base}/map?period=All+dates", timeout=WAIT_MS)  # type: ignore[attr-defined]
    settled(page)
    frame = map_frame(page)
    frame.locator(".leaflet-marker-pane .cgic-cell").first.wait_for(timeout=WAIT_MS)
    count, cells, points = steady(page)
    assert count == app.statewide and sum(cells) + points == app.statewide
    assert in_view(page)[1] == app.statewide
    page.screenshot(path=app.screenshots / "drill-0-statewide.png", full_page=True)  # type: ignore[attr-defined]

    # Into the largest count (Hartford), and into the largest count there, if any is left.
    interactions = 0
    while interactions < 2 and cells:
        biggest = max(range(len(cells)), key=cells.__getitem__)
        frame.locator(".leaflet-marker-pane .cgic-cell").nth(biggest).click()
        interactions += 1
        page.wait_for_timeout(500)  # type: ignore[attr-defined]
        count, cells, points = steady(page)
        page.screenshot(path=app.screenshots / f"drill-{interactions}.png", full_page=True)  # type: ignore[attr-defined]
        assert 0 < count < app.statewide
    assert points > 0, "no single incident to click after two clicks into counts"
    click_on_top(page, frame.locator(".leaflet-marker-pane path.leaflet-interactive"))
    interactions += 1
    page.get_by_text("NIBIN leads").wait_for(timeout=WAIT_MS)  # type: ignore[attr-defined]
    assert interactions <= 3
    assert page.locator(".st-key-map_detail").get_by_text("Evidence").is_visible()  # type: ignore[attr-defined]
    page.screenshot(path=app.screenshots / "drill-detail.png", full_page=True)  # type: ignore[attr-defined]
    assert page.locator(MAP_FRAME).count() == 1  # type: ignore[attr-defined]
    assert app.outside == [], f"requests left 127.0.0.1: {sorted(set(app.outside))}"
