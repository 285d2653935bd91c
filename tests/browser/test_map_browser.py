"""The incident map in a real browser, offline: headless Chromium against ``streamlit run app.py``.

AppTest cannot draw the map (a custom component in an iframe), so this starts the real server on a
free 127.0.0.1 port against a small demo store, opens the map in Debian's Chromium through
Playwright, and checks what an analyst would see: a typed lead's incidents drawn as markers with
their series line over the town boundaries, a click showing the incident's leads (also when the
map is partly below the fold), the statewide clusters, town names once zoomed in, the scale, and a
site's own layer (``CGIC_MAP_LAYERS_DIR``) in the layer control. Any request leaving 127.0.0.1
fails the test (the app must work in a closed network). Screenshots go to ``CGIC_TEST_SCREENSHOTS``
if set, else to pytest's temporary folder.

Needs ``/usr/bin/chromium`` (``apt-get install chromium``; Playwright's own browser download is not
used). Without it the tests skip, unless ``CGIC_TEST_REQUIRE_BROWSER=1`` (CI), where they fail.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest

from cgic_data.queries import incident_choices, incidents
from cgic_data.scope import IncidentFilter, Viewer
from cgic_data.store import make_engine, migrate
from tests.browser.server import running_app

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip
LOCAL = re.compile(r"^(https?://127\.0\.0\.1[:/]|data:|blob:|about:)")
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
WAIT_MS = 90_000
# Whether an element is what a click at its centre would hit (run in the map's frame).
ON_TOP = """el => {
    const r = el.getBoundingClientRect();
    return document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2) === el;
}"""
# A site layer: one patrol district around downtown Hartford (longitude, latitude).
DISTRICT = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"DISTRICT": "Downtown"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [
                        [-72.70, 41.75],
                        [-72.66, 41.75],
                        [-72.66, 41.78],
                        [-72.70, 41.78],
                        [-72.70, 41.75],
                    ]
                ],
            },
        }
    ],
}


def require_browser() -> None:
    """Skip without Chromium, except where the browser is required (CI): fail there."""
    missing = None
    if not CHROMIUM.exists():
        missing = f"{CHROMIUM} is missing (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            missing = "Playwright's Python package is not installed (pip install -e '.[test]')"
    if missing is None:
        return
    if os.environ.get("CGIC_TEST_REQUIRE_BROWSER") == "1":
        pytest.fail(f"CGIC_TEST_REQUIRE_BROWSER=1 but {missing}")
    pytest.skip(f"browser test: {missing}; CI sets CGIC_TEST_REQUIRE_BROWSER=1 and fails instead")


@dataclass
class App:
    base: str
    lead: str
    lead_incidents: int
    statewide: int
    screenshots: Path
    outside: list[str] = field(default_factory=list)


def demo_store(path: Path) -> tuple[str, str, int, int]:
    """A small demo store; the lead of its largest series, that lead's and all incidents."""
    from cgic_data.demo import seed_demo

    url = f"sqlite:///{path}"
    engine = make_engine(url)
    migrate(engine)
    seed_demo(engine, seed=7, scale=0.3)
    viewer, everything = Viewer.system(), IncidentFilter()
    lead = incident_choices.series_choices(engine, viewer, everything)["series_id"].iloc[0]
    by_lead = incidents.MapFilter(lead_numbers=(lead,))
    lead_incidents = incidents.matching_count(engine, viewer, everything, by_lead)
    statewide = incidents.matching_count(engine, viewer, everything, incidents.MapFilter())
    engine.dispose()
    return url, lead, lead_incidents, statewide


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    require_browser()
    folder = tmp_path_factory.mktemp("map-browser")
    url, lead, lead_incidents, statewide = demo_store(folder / "demo.sqlite")
    layers = folder / "site-layers"
    layers.mkdir()
    (layers / "patrol_districts.geojson").write_text(json.dumps(DISTRICT), encoding="utf-8")
    (layers / "broken.geojson").write_text('{"type": "FeatureCollection", "features": [')
    shots = Path(os.environ.get("CGIC_TEST_SCREENSHOTS") or folder / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    # Sign-in has its own tests; this one is about the map.
    with running_app(folder, url, CGIC_AUTH="off", CGIC_MAP_LAYERS_DIR=str(layers)) as base:
        yield App(base, lead, lead_incidents, statewide, shots)


@pytest.fixture
def page(app: App) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        tab = browser.new_page(viewport={"width": 1440, "height": 1400})
        app.outside.clear()
        tab.on("request", lambda r: None if LOCAL.match(r.url) else app.outside.append(r.url))
        # Open the app as a user does, then follow a link to the map.
        tab.goto(app.base + "/", timeout=WAIT_MS)
        settled(tab)
        yield tab
        browser.close()


def stayed_local(app: App) -> None:
    """Nothing the page loaded came from outside 127.0.0.1 (CDNs, fonts, tiles, telemetry)."""
    assert app.outside == [], f"requests left 127.0.0.1: {sorted(set(app.outside))}"


def settled(tab: object) -> None:
    """Wait until Streamlit has finished running the script."""
    tab.wait_for_selector(  # type: ignore[attr-defined]
        '[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=WAIT_MS
    )


def drawn_incidents(frame: object, expected: int) -> int:
    """Single markers plus the counts on cluster icons, once the map has stopped moving.

    The map fits itself to the incidents after its frame is sized, and markercluster animates
    that zoom: counted mid-animation, markers of both zoom levels are in the page.
    """
    markers = frame.locator(".leaflet-marker-pane path.leaflet-interactive")  # type: ignore[attr-defined]
    clusters = frame.locator(".leaflet-marker-pane .marker-cluster")  # type: ignore[attr-defined]
    counted, stable_since, deadline = -1, time.monotonic(), time.monotonic() + 30
    while time.monotonic() < deadline:
        now = markers.count() + sum(int(t.replace(",", "")) for t in clusters.all_inner_texts())
        if now != counted:
            counted, stable_since = now, time.monotonic()
        elif counted == expected and time.monotonic() - stable_since > 1.0:
            break
        time.sleep(0.2)
    return counted


def map_frame(tab: object) -> object:
    frame = tab.frame_locator(MAP_FRAME)  # type: ignore[attr-defined]
    frame.locator(".leaflet-container").wait_for(timeout=WAIT_MS)
    return frame


def scroll_map_to(tab: object, top: float) -> dict[str, float]:
    """Scroll the page (Streamlit's scrolling container) until the map's top is at ``top`` px."""
    tab.locator(MAP_FRAME).evaluate(  # type: ignore[attr-defined]
        """(map, top) => {
            let box = map.parentElement;
            while (box && !(box.scrollHeight > box.clientHeight
                             && getComputedStyle(box).overflowY !== "visible")) {
                box = box.parentElement;
            }
            (box || document.scrollingElement).scrollBy(0, map.getBoundingClientRect().top - top);
        }""",
        top,
    )
    box = tab.locator(MAP_FRAME).bounding_box()  # type: ignore[attr-defined]
    assert box is not None
    return box


def test_a_typed_lead_draws_its_incidents_and_series_line_offline(app: App, page: object) -> None:
    page.goto(f"{app.base}/map?period=All+dates&map_lead={quote(app.lead)}", timeout=WAIT_MS)  # type: ignore[attr-defined]
    settled(page)
    frame = map_frame(page)
    markers = frame.locator(".leaflet-marker-pane path.leaflet-interactive")
    markers.first.wait_for(timeout=WAIT_MS)
    assert drawn_incidents(frame, app.lead_incidents) == app.lead_incidents
    assert frame.locator(".leaflet-towns-pane path").count() == 169  # every town boundary
    assert frame.locator(".leaflet-overlay-pane path").count() >= 1  # the series line
    assert page.get_by_text(f"Selected: {app.lead_incidents} incidents").is_visible()  # type: ignore[attr-defined]
    page.screenshot(path=app.screenshots / "map-lead.png", full_page=True)  # type: ignore[attr-defined]

    markers.first.hover()
    tooltip = frame.locator(".leaflet-tooltip").first.inner_text()
    assert app.lead in tooltip
    markers.first.click()
    label = page.get_by_text(  # type: ignore[attr-defined]
        re.compile("investigative lead — not a forensic identification|confirmed hit — examiner")
    )
    label.first.wait_for(timeout=WAIT_MS)
    assert page.get_by_text("NIBIN leads").is_visible()  # type: ignore[attr-defined]
    page.screenshot(path=app.screenshots / "map-lead-clicked.png", full_page=True)  # type: ignore[attr-defined]
    stayed_local(app)


def test_the_statewide_map_draws_clusters_then_a_typed_lead_offline(app: App, page: object) -> None:
    page.goto(f"{app.base}/map?period=All+dates", timeout=WAIT_MS)  # type: ignore[attr-defined]
    settled(page)
    frame = map_frame(page)
    frame.locator(".leaflet-marker-pane .marker-cluster").first.wait_for(timeout=WAIT_MS)
    assert drawn_incidents(frame, app.statewide) == app.statewide
    box = page.locator(MAP_FRAME).bounding_box()  # type: ignore[attr-defined]
    assert box is not None and box["height"] > 500  # not the blank, collapsed map
    page.screenshot(path=app.screenshots / "map-statewide.png", full_page=True)  # type: ignore[attr-defined]

    # The analyst types a lead number: the map redraws for it and the URL now holds it.
    lead_box = (
        page.locator('[data-testid="stMultiSelect"]')  # type: ignore[attr-defined]
        .filter(has_text="NIBIN lead numbers")
        .locator("input")
    )
    lead_box.fill(app.lead)
    lead_box.press("Enter")
    page.get_by_text(f"Selected: {app.lead_incidents} incidents").wait_for(timeout=WAIT_MS)  # type: ignore[attr-defined]
    settled(page)  # until the rerun ends, the old map's frame is still in the page beside the new
    assert f"map_lead={quote(app.lead)}" in page.url  # type: ignore[attr-defined]
    assert drawn_incidents(map_frame(page), app.lead_incidents) == app.lead_incidents
    stayed_local(app)


def test_one_click_opens_the_detail_with_the_map_partly_below_the_fold(
    app: App, page: object
) -> None:
    """Leaflet focused the map on mousedown, and the focus scrolled the page to show all of it:
    the marker moved from under the pointer before mouseup, and the click was lost."""
    page.set_viewport_size({"width": 1280, "height": 800})  # type: ignore[attr-defined]
    page.goto(f"{app.base}/map?period=All+dates&map_lead={quote(app.lead)}", timeout=WAIT_MS)  # type: ignore[attr-defined]
    settled(page)
    frame = map_frame(page)
    markers = frame.locator(".leaflet-marker-pane path.leaflet-interactive")
    markers.first.wait_for(timeout=WAIT_MS)
    assert drawn_incidents(frame, app.lead_incidents) == app.lead_incidents
    # The highest marker not under a control (a click there toggles a layer), put 60 px above the
    # bottom of the window: the map runs on below the fold.
    clickable = [m for m in markers.all() if m.evaluate(ON_TOP)]
    before = page.locator(MAP_FRAME).bounding_box()  # type: ignore[attr-defined]
    assert clickable and before is not None
    offset = min(box["y"] - before["y"] for box in (m.bounding_box() for m in clickable) if box)
    shown = scroll_map_to(page, 800 - 60 - offset)
    assert shown["y"] < 800 < shown["y"] + shown["height"]
    target = min(
        (box for box in (m.bounding_box() for m in clickable) if box), key=lambda b: b["y"]
    )
    assert target["y"] < 800
    page.mouse.click(target["x"] + target["width"] / 2, target["y"] + target["height"] / 2)  # type: ignore[attr-defined]
    page.get_by_text("NIBIN leads").wait_for(timeout=WAIT_MS)  # type: ignore[attr-defined]
    page.screenshot(path=app.screenshots / "map-click-below-fold-1280x800.png")  # type: ignore[attr-defined]
    stayed_local(app)


def test_town_names_appear_as_the_map_zooms_in_with_a_scale_and_credits(
    app: App, page: object
) -> None:
    page.goto(f"{app.base}/map?period=All+dates", timeout=WAIT_MS)  # type: ignore[attr-defined]
    settled(page)
    frame = map_frame(page)
    frame.locator(".leaflet-marker-pane .marker-cluster").first.wait_for(timeout=WAIT_MS)
    labels = frame.locator(".leaflet-labels-pane .cgic-label span:visible")  # the div is 0 x 0
    assert frame.locator(".leaflet-labels-pane .cgic-label").count() >= 169  # there, but hidden
    assert labels.count() == 0  # the whole state: names would pile up under the clusters
    zoom_in = frame.locator(".leaflet-control-zoom-in")
    zoom_in.click()
    zoom_in.click()
    labels.first.wait_for(timeout=WAIT_MS)
    assert labels.count() > 0
    assert "Hartford" in labels.all_inner_texts()
    scale = frame.locator(".leaflet-control-scale-line").all_inner_texts()
    assert len(scale) == 2 and re.search(r"k?m$", scale[0]) and re.search(r"(mi|ft)$", scale[1])
    assert "HandsOnDataViz" in frame.locator(".leaflet-control-attribution").inner_text()
    page.screenshot(path=app.screenshots / "map-zoomed-names.png")  # type: ignore[attr-defined]
    stayed_local(app)


def test_a_site_layer_is_an_overlay_and_a_bad_file_is_named_on_the_page(
    app: App, page: object
) -> None:
    page.goto(f"{app.base}/map?period=All+dates", timeout=WAIT_MS)  # type: ignore[attr-defined]
    settled(page)
    frame = map_frame(page)
    overlay = frame.locator(".leaflet-control-layers-overlays label").filter(
        has_text="Patrol districts"
    )
    overlay.wait_for(timeout=WAIT_MS)
    district = frame.locator(".leaflet-site-pane path")
    district.first.wait_for(timeout=WAIT_MS)
    assert district.count() == 1
    overlay.locator("input").uncheck()  # switched in the map, no rerun
    assert district.count() == 0
    warning = page.locator('[data-testid="stAlert"]').filter(has_text="broken.geojson")  # type: ignore[attr-defined]
    assert "not valid JSON" in warning.inner_text()
    stayed_local(app)
