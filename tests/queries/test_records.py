"""Records opened by number (incident, firearm, lab case): each opens only what the sharing rule
gives the viewer, a search finds only visible records, and a number two agencies use is listed.

Built on ``tests.scope_world`` (what each agency may see is known by construction), plus:
* DUP-1, an incident number used by both A and B (not linked: each sees only its own);
* FA-HIDDEN, a gun recovered at B's own BX-0001 whose test fire sits in A's AS-0001, in LEAD-AB:
  A sees the gun and its test fire, never the recovery incident.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import Engine

from cgic_data.queries import firearm_records, records
from cgic_data.schema import Firearm, ItemKind, Role, Trace
from cgic_data.scope import Viewer
from tests.factory import Builder
from tests.scope_world import World, build_world

LAB = Viewer("lab", Role.LAB_DIRECTOR)


@pytest.fixture
def world(engine: Engine) -> World:
    built = build_world(engine)
    b = Builder(engine)
    for agency in "AB":
        b.incident(built.agency_ids[agency], datetime(2025, 8, 1), number="DUP-1")
    gun = b._insert(
        Firearm,
        firearm_number="FA-HIDDEN",
        make="Ruger",
        model="LCP",
        caliber=".380 Auto",
        serial_obliterated=True,
        recovery_incident_id=built.incident_ids["BX-0001"],
        recovered_at=datetime(2025, 6, 20),
    )
    test_fire = b.item(
        built.incident_ids["AS-0001"], number="TF-HIDDEN", kind=ItemKind.TEST_FIRE, firearm_id=gun
    )
    b.grow(built.lead_ids["LEAD-AB"], test_fire, datetime(2025, 7, 1))
    b._insert(  # the world's own Builder numbered its traces: a number of its own here
        Trace,
        trace_number="TR-HIDDEN",
        firearm_id=gun,
        requested_at=datetime(2025, 6, 21),
        purchaser_ref="PU-SECRET",
    )
    return built


def agency(world: World, key: str) -> Viewer:
    return Viewer(f"analyst-{key}", Role.ANALYST, world.agency_ids[key])


def test_an_incident_opens_with_its_items_firearms_requests_and_linked_incidents(
    engine: Engine, world: World
) -> None:
    record = records.incident_record(engine, agency(world, "A"), "AS-0001")
    assert record is not None
    assert (record.ori, record.detail.incident["incident_number"]) == ("CTA0000", "AS-0001")
    assert set(record.items["item_number"]) == {"IT-AS-0001", "FI-AS-0001", "TF-HIDDEN"}
    casing = record.items.set_index("item_number").loc["IT-AS-0001"]
    assert (casing["lab_case_number"], casing["leads"]) == ("LB-AS-0001", "LEAD-AB")
    assert set(record.firearms["firearm_number"]) == {"FA-AS-0001", "FA-HIDDEN"}
    assert record.lab_requests["lab_case_number"].tolist() == ["LB-AS-0001"]
    # LEAD-AB links B's BS-0001 (shared), never the lead between B's own incidents
    assert record.linked[["lead_number", "incident_number", "ori"]].values.tolist() == [
        ["LEAD-AB", "BS-0001", "CTB0000"]
    ]


def test_an_incident_the_viewer_may_not_see_is_none(engine: Engine, world: World) -> None:
    a = agency(world, "A")
    assert records.incident_record(engine, a, "BX-0001") is None
    assert records.incident_matches(engine, a, "BX-0001").empty
    shared = records.incident_record(engine, a, "BS-0001")
    assert shared is not None
    assert "LEAD-BB" not in set(shared.items["leads"]) | set(shared.linked["lead_number"])
    assert "BX-0001" not in set(shared.linked["incident_number"])
    assert shared.lab_requests.empty  # B's request: only B and lab staff see it


def test_a_number_two_agencies_use_is_listed_and_the_ori_picks_one(
    engine: Engine, world: World
) -> None:
    matches = records.incident_matches(engine, LAB, "DUP-1")
    assert sorted(matches["ori"]) == ["CTA0000", "CTB0000"]
    assert records.incident_record(engine, LAB, "DUP-1") is None  # ambiguous: the page lists
    record = records.incident_record(engine, LAB, "DUP-1", ori="CTB0000")
    assert record is not None and record.ori == "CTB0000"
    # an agency sees only its own DUP-1, so the number alone opens it
    assert records.incident_matches(engine, agency(world, "A"), "DUP-1")["ori"].tolist() == [
        "CTA0000"
    ]
    assert records.incident_record(engine, agency(world, "A"), "DUP-1", "CTB0000") is None


def test_search_finds_only_visible_records_most_recent_first(engine: Engine, world: World) -> None:
    a = agency(world, "A")
    found = records.find_incidents(engine, a, "s-0001")  # any case, any part
    assert found["incident_number"].tolist() == ["BS-0001", "AS-0001"]
    everything = records.find_incidents(engine, a, "")
    assert set(everything["incident_number"]) == {
        "AX-0001", "AS-0001", "AE-0001", "BS-0001", "DUP-1"
    }  # fmt: skip
    assert everything["occurred_at"].is_monotonic_decreasing
    assert len(records.find_incidents(engine, LAB, "", limit=3)) == 3
    assert records.find_incidents(engine, a, "%").empty  # a wildcard is a plain character
    assert set(firearm_records.find_firearms(engine, a, "fa-b")["firearm_number"]) == {"FA-BS-0001"}
    assert set(records.find_lab_cases(engine, a, "LB-")["lab_case_number"]) == {
        "LB-AX-0001", "LB-AS-0001", "LB-AE-0001"
    }  # fmt: skip
    assert len(records.find_lab_cases(engine, LAB, "LB-")) == 9


def test_a_firearm_recovered_at_a_hidden_incident_never_names_it(
    engine: Engine, world: World
) -> None:
    a = agency(world, "A")
    record = firearm_records.firearm_record(engine, a, "FA-HIDDEN")
    assert record is not None
    assert record.facts["recovery_incident_number"] is None
    assert record.facts["recovery_ori"] is None
    assert record.items["incident_number"].tolist() == ["AS-0001"]
    assert record.leads["lead_number"].tolist() == ["LEAD-AB"]
    assert record.linked["incident_number"].tolist() == ["AS-0001", "BS-0001"]
    assert len(record.traces) == 1 and "purchaser_ref" not in record.traces.columns
    lab_view = firearm_records.firearm_record(engine, LAB, "FA-HIDDEN")
    assert lab_view is not None and lab_view.facts["recovery_incident_number"] == "BX-0001"


def test_a_firearm_the_viewer_may_not_see_is_none(engine: Engine, world: World) -> None:
    a = agency(world, "A")
    assert firearm_records.firearm_record(engine, a, "FA-BX-0001") is None
    assert firearm_records.firearm_record(engine, a, "FA-NOSUCH") is None
    shared = firearm_records.firearm_record(engine, a, "FA-BS-0001")
    assert shared is not None and shared.facts["recovery_incident_number"] == "BS-0001"


def test_a_lab_case_opens_only_for_its_agency_and_lab_staff(engine: Engine, world: World) -> None:
    a = agency(world, "A")
    assert records.lab_case_record(engine, a, "LB-BS-0001") is None  # B's, even on a shared case
    assert records.lab_case_record(engine, agency(world, "C"), "LB-AS-0001") is None
    record = records.lab_case_record(engine, a, "LB-AS-0001")
    assert record is not None
    request = record.requests.iloc[0]
    assert (request["discipline"], request["status"]) == ("firearms/NIBIN", "completed")
    assert (request["incident_number"], request["ori"]) == ("AS-0001", "CTA0000")
    assert set(record.items["item_number"]) == {"IT-AS-0001", "FI-AS-0001"}
    assert records.lab_case_record(engine, LAB, "LB-BS-0001") is not None
