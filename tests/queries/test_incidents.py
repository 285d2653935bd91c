"""Incident map queries: which incidents match, linked how, seen by whom, and one clicked.

The world is ``tests/incident_world.py``; every figure below is worked out by hand from it:

    i1 Alpha   2025-06-01 shooting, 1 injured   (41.700, -72.700)  9mm      L-1, L-3 (excluded)
    i2 Bravo   2025-06-05 shots fired           (41.705, -72.705)  9mm      L-1, L-2 (hit)
    i3 Charlie 2025-06-09 shooting, 1 killed    (41.300, -72.900)  .40 S&W  L-2 (hit)
    i4 Alpha   2025-06-12 gun recovery          (41.500, -73.000)  firearm .45 Auto, L-4
    i5 Bravo   2025-07-01 shooting              (41.301, -72.899)  9mm      L-3 (excluded)
    i6 Charlie 2025-06-20 shots fired           no coordinates     9mm      L-4

Series: L-1 = {i1, i2, i3} (L-1 + L-2), L-4 = {i4, i6}; the excluded L-3 joins nothing.
Alpha sees i1, i4 (own), i2 (L-1), i6 (L-4); Bravo sees i2, i5, i1, i3; Charlie sees i3, i6, i2, i4.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from cgic_data.lead_labels import CONFIRMED_LABEL, EXCLUDED_LABEL, UNCONFIRMED_LABEL
from cgic_data.metrics.series import series_membership
from cgic_data.queries import incident_choices, incident_detail, incidents
from cgic_data.queries.incidents import Linkage, MapFilter
from cgic_data.schema import IncidentKind
from cgic_data.scope import IncidentFilter, Viewer
from tests.incident_world import World, build_world

LAB = Viewer.system()
ALL = IncidentFilter()


@pytest.fixture
def world(engine: Engine) -> World:
    return build_world(engine)


def shown(data: incidents.MapData) -> set[int]:
    assert data.points is not None
    return set(data.points["incident_id"])


def test_a_lead_shows_exactly_its_incidents_with_their_links(engine: Engine, world: World) -> None:
    data = incidents.incident_map_data(engine, LAB, ALL, MapFilter(lead_numbers=("L-1",)))
    assert shown(data) == world.ids(1, 2)
    assert (data.total, data.unmapped, data.cells) == (2, 0, None)
    rows = data.points.set_index("incident_id")  # type: ignore[union-attr]
    one, two = rows.loc[world.i[1]], rows.loc[world.i[2]]
    assert one["leads"] == "L-1 (open), L-3 (excluded)"
    assert one["hit"] == "lead"  # the excluded L-3 links nothing
    assert one["nibin_status"] == UNCONFIRMED_LABEL
    assert two["nibin_status"] == CONFIRMED_LABEL
    assert two["leads"] == "L-1 (open), L-2 (confirmed hit)"
    assert two["hit"] == "confirmed hit"
    assert (one["series_id"], two["series_id"]) == ("L-1", "L-1")
    assert (one["calibers"], one["agency"], one["incident_number"]) == (
        "9mm Luger",
        "Alpha PD",
        "A-1",
    )
    assert (one["lat"], one["lon"], one["kind"], one["injured"]) == (41.7, -72.7, "shooting", 1)
    assert data.extent == incidents.Extent(41.7, -72.705, 41.705, -72.7)


def test_any_lead_number_of_a_series_selects_the_whole_series(engine: Engine, world: World) -> None:
    for number in ("L-1", "L-2"):
        data = incidents.incident_map_data(engine, LAB, ALL, MapFilter(series_ids=(number,)))
        assert shown(data) == world.ids(1, 2, 3)  # never i5: L-3 is excluded


def test_leads_and_series_are_a_union_and_unmapped_incidents_are_counted(
    engine: Engine, world: World
) -> None:
    mf = MapFilter(lead_numbers=("L-4",), series_ids=("L-1",))
    data = incidents.incident_map_data(engine, LAB, ALL, mf)
    assert shown(data) == world.ids(1, 2, 3, 4, 6)
    assert (data.total, data.unmapped) == (5, 1)
    assert data.points["lat"].isna().sum() == 1  # type: ignore[index]
    assert data.extent == incidents.Extent(41.3, -73.0, 41.705, -72.7)


@pytest.mark.parametrize(
    ("mf", "expected"),
    [
        (MapFilter(kinds=(IncidentKind.SHOOTING,)), (1, 3, 5)),
        (MapFilter(kinds=(IncidentKind.SHOTS_FIRED, IncidentKind.GUN_RECOVERY)), (2, 4, 6)),
        (MapFilter(calibers=(".45 Auto",)), (4,)),  # the recovered firearm's caliber
        (MapFilter(calibers=(".40 S&W", ".45 Auto")), (3, 4)),
        (MapFilter(linkage=Linkage.LEAD), (1, 2, 3, 4, 6)),  # i5's only lead is excluded
        (MapFilter(linkage=Linkage.HIT), (2, 3)),
        (MapFilter(series_ids=("L-1",), kinds=(IncidentKind.SHOOTING,)), (1, 3)),
    ],
)
def test_page_filters(engine: Engine, world: World, mf: MapFilter, expected: tuple[int]) -> None:
    assert shown(incidents.incident_map_data(engine, LAB, ALL, mf)) == world.ids(*expected)


def test_the_shared_filter_applies_too(engine: Engine, world: World) -> None:
    early_june = IncidentFilter(start=date(2025, 6, 1), end=date(2025, 6, 8))
    mf = MapFilter(series_ids=("L-1",))
    assert shown(incidents.incident_map_data(engine, LAB, early_june, mf)) == world.ids(1, 2)
    assert incidents.matching_count(engine, LAB, early_june, mf) == 2
    assert incidents.matching_count(engine, LAB, ALL, mf) == 3
    assert incidents.matching_count(engine, LAB, ALL, MapFilter()) == 6
    bravo_only = IncidentFilter(agency_ids=(world.bravo,))
    assert shown(incidents.incident_map_data(engine, LAB, bravo_only, MapFilter())) == world.ids(
        2, 5
    )


def test_agencies_see_their_own_and_what_their_leads_share(engine: Engine, world: World) -> None:
    everything = MapFilter()
    expected = {world.alpha: (1, 2, 4, 6), world.bravo: (1, 2, 3, 5), world.charlie: (2, 3, 4, 6)}
    for agency, numbers in expected.items():
        data = incidents.incident_map_data(engine, world.viewer(agency), ALL, everything)
        assert shown(data) == world.ids(*numbers)
    # Charlie's part of the series is built over Charlie's own lead L-2 and named after it: it
    # never reaches Alpha's i1 through L-1, and L-1 (not Charlie's) selects nothing.
    charlie = world.viewer(world.charlie)
    charlie_series = incidents.incident_map_data(
        engine, charlie, ALL, MapFilter(series_ids=("L-2",))
    )
    assert shown(charlie_series) == world.ids(2, 3)
    not_charlies = incidents.incident_map_data(engine, charlie, ALL, MapFilter(series_ids=("L-1",)))
    assert shown(not_charlies) == set()


def test_unknown_lead_numbers_are_reported(engine: Engine, world: World) -> None:
    mf = MapFilter(lead_numbers=("L-404", "L-1"), series_ids=("L-4",))
    assert incidents.incident_map_data(engine, LAB, ALL, mf).unknown_leads == ("L-404",)
    bravo = incidents.incident_map_data(engine, world.viewer(world.bravo), ALL, mf)
    assert bravo.unknown_leads == ("L-4", "L-404")  # L-4 links nothing Bravo may see
    assert shown(bravo) == world.ids(1, 2)


def test_above_the_point_cap_counts_per_cell_come_back(engine: Engine, world: World) -> None:
    data = incidents.incident_map_data(engine, LAB, ALL, MapFilter(), max_points=4)
    assert data.aggregated and data.points is None
    assert (data.total, data.unmapped) == (6, 1)
    cells = data.cells.sort_values("lat").to_dict("records")  # type: ignore[union-attr]
    assert cells == [
        {"lat": 41.3, "lon": -72.9, "incidents": 2, "shootings": 2, "shots_fired": 0,
         "gun_recoveries": 0, "victims": 1},
        {"lat": 41.5, "lon": -73.0, "incidents": 1, "shootings": 0, "shots_fired": 0,
         "gun_recoveries": 1, "victims": 0},
        {"lat": 41.7, "lon": -72.7, "incidents": 2, "shootings": 1, "shots_fired": 1,
         "gun_recoveries": 0, "victims": 1},
    ]  # fmt: skip


def test_series_walk_matches_the_series_definition(engine: Engine, world: World) -> None:
    expected = (
        series_membership(engine, Viewer.system()).set_index("incident_id")["series_id"].to_dict()
    )
    with engine.connect() as conn:
        assert incidents.series_of_incidents(conn, Viewer.system(), world.i.values()) == expected
        assert incidents.series_of_incidents(conn, Viewer.system(), [world.i[3]]) == {
            world.i[3]: "L-1"
        }
        assert incidents.series_of_incidents(conn, Viewer.system(), [world.i[5]]) == {}
        assert len(incidents.series_lead_ids(conn, Viewer.system(), ["L-2"])) == 2


def test_filter_choices(engine: Engine, world: World) -> None:
    leads = incident_choices.lead_choices(engine, LAB, ALL)
    assert leads.values.tolist() == [
        ["L-3", "excluded", 2],
        ["L-4", "open", 2],
        ["L-2", "confirmed hit", 2],
        ["L-1", "open", 2],
    ]
    june = IncidentFilter(start=date(2025, 6, 1), end=date(2025, 6, 10))
    # In early June only L-1 and L-2 link incidents; L-3 counts only i1 there.
    assert incident_choices.lead_choices(engine, LAB, june)["lead_number"].tolist() == [
        "L-3",
        "L-2",
        "L-1",
    ]
    assert incident_choices.lead_choices(engine, LAB, june)["incidents"].tolist() == [1, 2, 2]
    series = incident_choices.series_choices(engine, LAB, ALL)
    assert series.values.tolist() == [["L-1", 3, 2], ["L-4", 2, 1]]
    charlie = incident_choices.series_choices(engine, world.viewer(world.charlie), ALL)
    assert charlie.values.tolist() == [["L-2", 2, 1], ["L-4", 2, 1]]  # named after its own lead
    assert incident_choices.caliber_choices(engine) == [".40 S&W", ".45 Auto", "9mm Luger"]


def test_incident_detail_shows_evidence_leads_and_linked_results(
    engine: Engine, world: World
) -> None:
    detail = incident_detail.incident_detail(engine, LAB, world.i[2])
    assert detail is not None
    assert detail.incident["agency"] == "Bravo PD" and detail.incident["kind"] == "shots fired"
    assert detail.series_id == "L-1"
    assert len(detail.evidence) == 2
    assert detail.leads[["lead_number", "label", "linked_incidents"]].values.tolist() == [
        ["L-1", UNCONFIRMED_LABEL, "Alpha PD A-1"],
        ["L-2", CONFIRMED_LABEL, "Charlie PD C-3"],
    ]
    # i3's CODIS result reaches i2 through L-2.
    assert detail.results[["subject_ref", "incident", "this_incident"]].values.tolist() == [
        ["SUBJ-3", "Charlie PD C-3", False]
    ]
    # i1's leads: L-1 and the excluded L-3, whose i5 result must not travel.
    first = incident_detail.incident_detail(engine, LAB, world.i[1])
    assert first is not None and first.results.empty
    assert first.leads.set_index("lead_number").loc["L-3", "label"] == EXCLUDED_LABEL


def test_incident_detail_respects_what_the_viewer_may_see(engine: Engine, world: World) -> None:
    alpha = world.viewer(world.alpha)
    assert incident_detail.incident_detail(engine, alpha, world.i[3]) is None
    detail = incident_detail.incident_detail(engine, alpha, world.i[2])
    assert detail is not None
    # L-2 links Bravo's i2 to Charlie's i3 and touches no incident of Alpha: never named to
    # Alpha, even on i2 which Alpha may see (through L-1), and i3's result is never shown.
    assert "L-2" not in set(detail.leads["lead_number"])
    assert detail.results.empty
    gun = incident_detail.incident_detail(engine, LAB, world.i[4])
    assert gun is not None
    assert gun.evidence[["kind", "firearm"]].values.tolist() == [["test fire", "Glock 19"]]
