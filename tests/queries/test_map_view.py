"""The incident map's view above the point cap: what a view holds, clustered by its zoom.

The world is ``tests/incident_world.py`` (see ``test_incidents.py`` for the figures): i1 and i2
200 m apart in Hartford, i3 and i5 side by side in New Haven, i4 alone in between, i6 without
coordinates. At zoom 8 a cell is 32 px: 0.1758 degrees of longitude, 0.1318 of latitude.
"""

from __future__ import annotations

import dataclasses
import math

import pytest
from sqlalchemy import Engine

from cgic_data.queries import map_view
from cgic_data.queries.incidents import MapFilter
from cgic_data.queries.map_view import Viewport
from cgic_data.scope import IncidentFilter, Viewer
from tests.factory import Builder
from tests.incident_world import World, build_world

LAB = Viewer.system()
ALL = IncidentFilter()
CONNECTICUT = Viewport(40.9, -73.8, 42.1, -71.7, zoom=8)
HARTFORD = Viewport(41.6, -72.8, 41.8, -72.6, zoom=13)


@pytest.fixture
def world(engine: Engine) -> World:
    return build_world(engine)


def test_above_the_view_cap_crowded_cells_are_counted_and_lone_incidents_are_points(
    engine: Engine, world: World
) -> None:
    view = map_view.view_data(engine, LAB, ALL, MapFilter(), CONNECTICUT, max_points=2)
    assert view.aggregated and view.in_view == 5  # i6 has no place on any map
    cells = view.cells.sort_values("lat").to_dict("records")  # type: ignore[union-attr]
    assert [(c["incidents"], c["shootings"], c["shots_fired"], c["victims"]) for c in cells] == [
        (2, 2, 0, 1),  # New Haven: i3 (1 killed) and i5
        (2, 1, 1, 1),  # Hartford: i1 (1 injured) and i2
    ]
    # Placed at the mean of their incidents; a click fits the map to exactly their extent.
    hartford = cells[1]
    assert (hartford["lat"], hartford["lon"]) == (41.7025, -72.7025)
    assert (hartford["south"], hartford["west"], hartford["north"], hartford["east"]) == (
        41.7,
        -72.705,
        41.705,
        -72.7,
    )
    assert set(view.points["incident_id"]) == world.ids(4)  # alone in its cell: one click away
    assert view.points["calibers"].tolist() == [".45 Auto"]  # with its links, as on the map
    assert sum(c["incidents"] for c in cells) + len(view.points) == view.in_view


def test_at_or_under_the_view_cap_every_incident_in_view_is_a_point(
    engine: Engine, world: World
) -> None:
    view = map_view.view_data(engine, LAB, ALL, MapFilter(), HARTFORD, max_points=2)
    assert (view.in_view, view.cells) == (2, None)
    assert set(view.points["incident_id"]) == world.ids(1, 2)
    assert view.points["leads"].tolist() == [
        "L-1 (open), L-3 (excluded)",
        "L-1 (open), L-2 (confirmed hit)",
    ]
    assert view.points["series_id"].isna().all()  # named in a clicked incident's detail


def test_zoomed_in_to_a_street_every_incident_is_a_point_whatever_the_view_cap(
    engine: Engine, world: World
) -> None:
    """A count at the deepest zoom could only zoom to where it already is: i1 and i2 at the
    same spot (one address) would stay a '2' no click opens."""
    street = Viewport(41.69, -72.71, 41.71, -72.69, zoom=map_view.POINTS_FROM_ZOOM)
    view = map_view.view_data(engine, LAB, ALL, MapFilter(), street, max_points=1)
    assert (view.in_view, view.cells) == (2, None)
    assert set(view.points["incident_id"]) == world.ids(1, 2)
    above = dataclasses.replace(street, zoom=map_view.POINTS_FROM_ZOOM - 0.25)
    assert map_view.view_data(engine, LAB, ALL, MapFilter(), above, max_points=1).aggregated


def test_the_sharing_rule_and_both_filters_apply_to_the_view(engine: Engine, world: World) -> None:
    alpha = world.viewer(world.alpha)  # sees i1, i4 (own), i2 (L-1), i6 (L-4, no place)
    view = map_view.view_data(engine, alpha, ALL, MapFilter(), CONNECTICUT, max_points=0)
    assert view.in_view == 3
    assert sum(view.cells["incidents"]) + len(view.points) == 3  # type: ignore[index]
    assert set(view.points["incident_id"]) == world.ids(4)
    by_lead = map_view.view_data(engine, LAB, ALL, MapFilter(lead_numbers=("L-2",)), CONNECTICUT)
    assert set(by_lead.points["incident_id"]) == world.ids(2, 3)
    bravo_only = IncidentFilter(agency_ids=(world.bravo,))
    assert map_view.view_data(engine, LAB, bravo_only, MapFilter(), HARTFORD).in_view == 1


def test_incidents_outside_connecticut_are_in_the_views_that_reach_them(
    engine: Engine, world: World
) -> None:
    springfield = Builder(engine).incident(world.alpha, number="A-MA", lat=42.10, lon=-72.59)
    massachusetts = Viewport(42.0, -72.8, 42.3, -72.3, zoom=11)
    view = map_view.view_data(engine, LAB, ALL, MapFilter(), massachusetts)
    assert (view.in_view, set(view.points["incident_id"])) == (1, {springfield})
    northeast = Viewport(37.0, -82.0, 47.5, -66.5, zoom=5)
    assert map_view.view_data(engine, LAB, ALL, MapFilter(), northeast).in_view == 6


def test_cells_halve_with_each_zoom_level_and_stay_put_within_one() -> None:
    lat8, lon8 = Viewport(zoom=8).cell_size()
    assert lon8 == pytest.approx(360 / 2**8 / 8)  # an eighth of a 256-px tile
    assert lat8 == pytest.approx(lon8 * map_view.LAT_PER_LON)
    assert Viewport(zoom=9).cell_size() == (lat8 / 2, lon8 / 2)
    assert Viewport(zoom=9.75).cell_size() == Viewport(zoom=9).cell_size()


@pytest.mark.parametrize(
    "bounds",
    [(42.0, -73.0, 41.0, -72.0), (41.0, -72.0, 42.0, -73.0), (math.nan, -73.0, 42.0, -72.0)],
)
def test_a_view_that_is_inside_out_or_not_a_number_is_refused(
    bounds: tuple[float, float, float, float],
) -> None:
    with pytest.raises(ValueError, match="map view"):
        Viewport(*bounds, zoom=9)
