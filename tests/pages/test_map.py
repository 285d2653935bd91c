"""The Incident map page in the real Streamlit runtime, on the hand-built world of
``tests/queries/test_incidents.py`` (six incidents, series L-1 = i1-i3 and L-4 = i4, i6).

The map is a custom component AppTest cannot draw: these tests read what the page gave it (the
rows in its script) and stand in for ``st_folium`` to simulate a click. The browser test draws it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import streamlit_folium
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from cgic_data.lead_labels import CONFIRMED_LABEL, UNCONFIRMED_LABEL
from cgic_data.schema import AuditEntry, Role
from cgic_data.scope import Viewer
from tests.apptest import app_on, open_page
from tests.incident_world import World, build_world

PAGE = "pages/map.py"


@pytest.fixture
def world(engine: Engine) -> World:
    return build_world(engine)


def map_args(at: AppTest) -> dict[str, Any]:
    (component,) = at.get("component_instance")
    return json.loads(component.proto.json_args)


def drawn_rows(at: AppTest) -> list[list[Any]]:
    """The rows the map script draws: incidents (13 values) or grid cells (7)."""
    found = re.search(r"var rows = (\[.*?\]);\n", map_args(at)["script"], re.DOTALL)
    return json.loads(found.group(1)) if found else []


def drawn_ids(at: AppTest) -> set[int]:
    """Incident ids in the rows the map script draws (row[2] is the id)."""
    return {row[2] for row in drawn_rows(at) if len(row) == 13}


def markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_the_map_has_the_page_width_and_leads_and_series_a_row_of_their_own(
    engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 17: the map sat 460 px wide beside an empty column, and lead chips were cut."""
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, {"period": "All dates"})
    assert all(not column.get("component_instance") for column in at.columns)  # not in a column
    args = map_args(at)
    assert args["height"] == 560 and args["width"] is None  # container width, fits 1280x800
    weights = {
        ms.key: column.weight
        for column in at.columns
        for ms in column.multiselect
        if ms.key in ("map_lead", "map_series", "kind")
    }
    assert weights == {"map_lead": 0.5, "map_series": 0.5, "kind": pytest.approx(1 / 3)}
    assert any("clusters, by how many they hold" in h.value for h in at.get("html"))


def test_a_lead_in_the_url_shows_exactly_that_leads_incidents(
    engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, {"period": "All dates", "map_lead": "L-1"})
    assert at.title[0].value == "Incident map"
    assert at.multiselect(key="map_lead").value == ["L-1"]
    assert drawn_ids(at) == world.ids(1, 2)
    assert "**2** incidents match" in markdown(at)
    listed = at.dataframe[0].value
    assert listed["incident_number"].tolist() == ["A-1", "B-2"]  # in date order
    args = map_args(at)
    assert args["returned_objects"] == ["last_object_clicked_tooltip"]  # no rerun on pan/zoom
    links = [*args["js_links"], *args["css_links"]]
    assert links and all(link.startswith("/app/static/vendor/") for link in links)
    assert "Series lines" in args["script"]
    assert [b.label for b in at.get("download_button")] == ["Download the 2 incidents (CSV)"]


def test_series_and_type_filters_from_the_url(
    engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, {"period": "All dates", "map_series": "L-2", "kind": "Shooting"})
    assert drawn_ids(at) == world.ids(1, 3)  # the shootings of series L-1 (named by any lead)
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, {"period": "All dates", "linked": "Confirmed hits only"})
    assert drawn_ids(at) == world.ids(2, 3)
    assert not at.dataframe  # nothing selected: no list beside the map


def test_an_unknown_lead_says_so(
    engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, {"period": "All dates", "map_lead": "L-404"})
    assert "**0** incidents match" in markdown(at)
    assert any("`L-404`" in w.value for w in at.warning)
    assert drawn_ids(at) == set()


def test_clicking_an_incident_shows_its_evidence_leads_and_results(
    engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[dict[str, Any]] = []

    def clicked_on_b2(fig: Any, **kwargs: Any) -> dict[str, Any]:
        seen.append(kwargs)
        return {"last_object_clicked_tooltip": f"Shots fired …B-2[[incident:{world.i[2]}]]"}

    monkeypatch.setattr(streamlit_folium, "st_folium", clicked_on_b2)
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, {"period": "All dates", "map_lead": "L-1"})
    assert seen[-1]["returned_objects"] == ["last_object_clicked_tooltip"]
    text = markdown(at)
    assert "##### Bravo PD · [B-2](record?" in text
    assert f"**L-1** :orange[{UNCONFIRMED_LABEL}]" in text
    assert f"**L-2** :green[{CONFIRMED_LABEL}]" in text
    assert "[Timeline](timeline?period=All+dates&show=Lead&lead=L-1)" in text
    # The detail is below the map; the click's run scrolls it into view (once, on the click).
    assert any("scrollIntoView" in h.value for h in at.get("html"))
    evidence, results = at.dataframe[1].value, at.dataframe[2].value
    assert len(evidence) == 2
    assert results["subject_ref"].tolist() == ["SUBJ-3"]  # from i3, linked by L-2
    with engine.connect() as conn:
        views = conn.execute(select(AuditEntry.target).where(AuditEntry.action == "view")).scalars()
        assert "incident Bravo PD B-2" in list(views)
    # The incident's series has more than the lead shows: one click puts all of it on the map.
    at.button[0].click().run()
    assert at.multiselect(key="map_series").value == ["L-1"]
    assert "**3** incidents match" in markdown(at)


def test_an_agency_never_sees_what_its_leads_do_not_share(
    engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    alpha = Viewer("alpha-analyst", Role.ANALYST, agency_id=world.alpha)
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, {"period": "All dates", "map_lead": "L-2"}, viewer=alpha)
    assert drawn_ids(at) == world.ids(2)  # i3 is Charlie's and touches no lead of Alpha's


def view_rows(at: AppTest, name: str) -> list[list[Any]]:
    """The cells or points of the view layer the page swaps into the map (``map_drill``)."""
    layer = map_args(at)["feature_group"]
    if name == "cells":
        found = re.search(r"\n\s*(\[.*?\])\.forEach", layer)
    else:
        found = re.search(r"var points = (\[.*?\]);\n", layer, re.DOTALL)
    assert found, layer[:400]
    return json.loads(found.group(1))


def test_above_the_point_cap_the_map_is_drawn_per_view_and_drills_to_an_incident(
    engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 16: above the cap no incident could be reached but by narrowing the filter."""
    monkeypatch.setenv("CGIC_MAP_MAX_POINTS", "3")
    monkeypatch.setenv("CGIC_MAP_VIEW_POINTS", "2")
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, {"period": "All dates"})
    args = map_args(at)
    # The map reruns on pan and zoom to fetch its view; the base map holds no incident.
    assert args["returned_objects"] == ["last_object_clicked_tooltip", "bounds", "zoom"]
    assert drawn_rows(at) == []
    # Before the map reports its view: the incidents' extent at zoom 9. Hartford's two and New
    # Haven's two are counted per cell; i4, alone in its cell, is a point to click.
    assert "**5** in view of **5** on the map: counts per area" in markdown(at)
    assert sorted(row[2] for row in view_rows(at, "cells")) == [2, 2]
    assert [row[2] for row in view_rows(at, "points")] == [world.i[4]]
    assert any("incidents close together: click to zoom in" in h.value for h in at.get("html"))
    assert any("1 matching incidents have no coordinates" in c.value for c in at.caption)
    assert [b.label for b in at.get("download_button")] == [
        "Download counts for 3 areas in view (CSV)"
    ]

    # A click on Hartford's count zooms the map there; st_folium reports the new view.
    at.session_state["incident_map"] = {
        "bounds": {
            "_southWest": {"lat": 41.69, "lng": -72.72},
            "_northEast": {"lat": 41.72, "lng": -72.68},
        },
        "zoom": 15,
        "last_object_clicked_tooltip": None,
    }
    at.run()
    assert "**2** in view of **5** on the map: click an incident" in markdown(at)
    assert sorted(row[2] for row in view_rows(at, "points")) == sorted(world.ids(1, 2))
    assert view_rows(at, "cells") == []
    assert [b.label for b in at.get("download_button")] == [
        "Download the 2 incidents in view (CSV)"
    ]


def test_a_chosen_lead_is_shown_whole_whatever_the_period(
    engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Leads page → map journey: a lead issued in the period whose incidents happened before
    it showed '0 incidents match'. A chosen lead ignores the period, and the page says so."""
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, {"period": "Last 7 days", "map_lead": "L-1"})
    assert drawn_ids(at) == world.ids(1, 2)
    assert "**2** incidents match the selected leads and series, shown whole" in markdown(at)
    # one click from the map to the same lead's timeline and packet
    assert "[Timeline](timeline?period=Last+7+days&show=Lead&lead=L-1)" in markdown(at)
    assert "[Packet](packet?period=Last+7+days&show=Lead&lead=L-1)" in markdown(at)
    assert any(
        "2 of these 2 incidents lie outside the sidebar period" in c.value for c in at.caption
    )


def test_a_part_of_a_lead_number_offers_the_leads_that_contain_it(
    engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, {"map_lead": "l-4"})
    (warning,) = [w.value for w in at.warning if "No lead visible to you" in w.value]
    assert "Leads containing it: [L-4](map?map_lead=L-4)" in warning


def test_site_layers_from_the_configured_folder_and_a_bad_file_named_on_the_page(
    engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    beat = {
        "type": "Feature",
        "properties": {"name": "Beat 12"},
        "geometry": {"type": "Point", "coordinates": [-72.68, 41.76]},
    }
    (tmp_path / "patrol_beats.geojson").write_text(json.dumps(beat), encoding="utf-8")
    (tmp_path / "roads.geojson").write_text("{not json", encoding="utf-8")
    monkeypatch.setenv("CGIC_MAP_LAYERS_DIR", str(tmp_path))
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, {"period": "All dates"})
    script = map_args(at)["script"]
    assert '"Patrol beats"' in script and "Beat 12" in script  # an overlay in the layer control
    (warning,) = [w.value for w in at.warning if "map layers could not be drawn" in w.value]
    assert "roads.geojson: not valid JSON" in warning
    assert drawn_ids(at) == world.ids(1, 2, 3, 4, 5)  # the map is unharmed (i6 has no place)
