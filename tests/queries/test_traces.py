"""Trace lists and the trace search: rows the viewer may see, in the order an analyst needs."""

from datetime import date, datetime

import pytest
from sqlalchemy import Engine

from cgic_data.queries.traces import (
    TraceSearch,
    guns_in_shootings,
    search_traces,
    trace_list,
    untraced_nibin_guns,
)
from cgic_data.schema import IncidentKind, LeadStatus, Role
from cgic_data.scope import IncidentFilter, Viewer
from tests.factory import Builder
from tests.metrics.trace_world import add_test_fire, set_dealer_name, set_serial, traced_gun

ALL = IncidentFilter()
LAB = Viewer.system()
JUNE = datetime(2025, 6, 10, 12)


def analyst(agency_id: int) -> Viewer:
    return Viewer("ann", Role.ANALYST, agency_id=agency_id)


def test_trace_list_puts_most_indicators_first(engine: Engine) -> None:
    b = Builder(engine)
    a = b.agency("A")
    traced_gun(b, a, JUNE, ttc=5000, possessor=True)
    traced_gun(b, a, datetime(2025, 6, 1), ttc=100, possessor=False)
    traced_gun(b, a, datetime(2025, 5, 1), ttc=100, possessor=False, state="GA")
    listed = trace_list(engine, LAB, ALL)
    assert listed["indicators"].tolist() == [3, 2, 0]
    assert listed["out_of_state"].tolist() == [True, False, False]
    assert listed["ttc_days"].tolist() == [100, 100, 5000]
    flagged = trace_list(engine, LAB, ALL, flagged_only=True)
    assert len(flagged) == 2
    assert "purchaser_ref" not in listed and "serial_number" not in listed


def test_untraced_nibin_guns_longest_waiting_first(engine: Engine) -> None:
    b = Builder(engine)
    a, other = b.agency("A"), b.agency("B")
    incident = b.incident(a, JUNE, kind=IncidentKind.GUN_RECOVERY)
    later = b.firearm(incident, recovered_at=JUNE, obliterated=True)
    add_test_fire(b, later, incident, datetime(2025, 6, 20))
    earlier = b.firearm(incident, recovered_at=JUNE)
    add_test_fire(b, earlier, incident, datetime(2025, 6, 14))
    add_test_fire(b, earlier, incident, datetime(2025, 6, 12))
    traced = traced_gun(b, a, JUNE, ttc=100)
    add_test_fire(b, traced, incident, datetime(2025, 6, 11))  # traced: not listed
    b.firearm(incident, recovered_at=JUNE)  # not in NIBIN: not listed
    hidden_incident = b.incident(other, JUNE, kind=IncidentKind.GUN_RECOVERY)
    add_test_fire(b, b.firearm(hidden_incident), hidden_incident, datetime(2025, 6, 1))

    rows = untraced_nibin_guns(engine, analyst(a), ALL)
    assert rows["first_nibin_entry"].tolist() == [
        datetime(2025, 6, 12),
        datetime(2025, 6, 20),
    ]
    assert rows["serial_obliterated"].tolist() == [False, True]
    assert rows["agency"].tolist() == ["A Police", "A Police"]
    assert len(untraced_nibin_guns(engine, LAB, ALL)) == 3


def test_guns_in_shootings_lists_each_gun_and_shooting(engine: Engine) -> None:
    b = Builder(engine)
    a, other = b.agency("A"), b.agency("B")
    first = b.incident(a, datetime(2025, 5, 1, 22), number="HPD-1")
    second = b.incident(other, datetime(2025, 5, 20, 23), number="NHPD-7")
    shots = b.incident(other, datetime(2025, 5, 25, 1), kind=IncidentKind.SHOTS_FIRED)
    recovery = b.incident(a, JUNE, kind=IncidentKind.GUN_RECOVERY)
    gun = traced_gun(b, a, JUNE, ttc=400, state="GA", incident_id=recovery)
    fire = add_test_fire(b, gun, recovery, datetime(2025, 6, 12))
    b.lead([b.item(first), b.item(second), fire], number="L-1")
    b.lead([b.item(shots), fire], number="L-2", status=LeadStatus.EXCLUDED)
    untraced = b.firearm(recovery, recovered_at=JUNE)
    b.lead(
        [b.item(first), add_test_fire(b, untraced, recovery, datetime(2025, 6, 13))],
        number="L-3",
        status=LeadStatus.CONFIRMED,
    )

    rows = guns_in_shootings(engine, LAB, ALL)
    pairs = sorted(zip(rows["lead_number"], rows["incident_number"], strict=True))
    assert pairs == [("L-1", "HPD-1"), ("L-1", "NHPD-7"), ("L-3", "HPD-1")]
    traced_rows = rows[rows["lead_number"] == "L-1"]
    assert set(traced_rows["dealer_state"]) == {"GA"} and set(traced_rows["ttc_days"]) == {400}
    assert rows[rows["lead_number"] == "L-3"]["trace_number"].isna().all()
    assert set(rows["series_id"]) == {"L-1"}  # L-1 and L-3 share HPD-1: one series

    # B sees its shooting and, shared by L-1, A's gun and shooting; not lead L-3, which touches
    # only A's incidents, though B may see both of them through L-1
    seen_by_b = guns_in_shootings(engine, analyst(other), ALL)
    assert sorted(seen_by_b["incident_number"]) == ["HPD-1", "NHPD-7"]


@pytest.fixture
def searchable(engine: Engine) -> tuple[Engine, int, int]:
    b = Builder(engine)
    a, other = b.agency("A"), b.agency("B")
    gun = traced_gun(b, a, JUNE, ttc=100, purchaser="PUR-0042", ffl="1-58-000-01-2C-12345")
    set_serial(engine, gun, "ABX1234")
    set_dealer_name(engine, gun, "Peach State Pawn")
    second = traced_gun(b, a, datetime(2025, 5, 1), ttc=900, purchaser="PUR-0099")
    set_serial(engine, second, "XY%Z_99")
    hidden = traced_gun(b, other, JUNE, ttc=100, purchaser="PUR-0042")
    set_serial(engine, hidden, "ABX9999")
    return engine, a, other


def test_search_by_purchaser_dealer_or_serial(searchable: tuple[Engine, int, int]) -> None:
    engine, _, _ = searchable
    by_purchaser = search_traces(engine, LAB, TraceSearch(purchaser="pur-0042"))
    assert sorted(by_purchaser["serial_number"]) == ["ABX1234", "ABX9999"]
    assert search_traces(engine, LAB, TraceSearch(purchaser="PUR-004")).empty  # exact only
    by_ffl = search_traces(engine, LAB, TraceSearch(dealer="1-58-000-01-2C-12345"))
    by_name = search_traces(engine, LAB, TraceSearch(dealer="peach"))
    assert by_ffl["serial_number"].tolist() == by_name["serial_number"].tolist() == ["ABX1234"]
    by_serial = search_traces(engine, LAB, TraceSearch(serial="bx1"))
    assert by_serial["serial_number"].tolist() == ["ABX1234"]
    both = search_traces(engine, LAB, TraceSearch(purchaser="PUR-0042", serial="999"))
    assert both["serial_number"].tolist() == ["ABX9999"]  # every given term must match


def test_search_takes_wildcards_and_quotes_literally(searchable: tuple[Engine, int, int]) -> None:
    engine, _, _ = searchable
    assert search_traces(engine, LAB, TraceSearch(serial="%Z_"))["serial_number"].tolist() == [
        "XY%Z_99"
    ]
    assert search_traces(engine, LAB, TraceSearch(serial="%%%")).empty
    for attack in ["' OR '1'='1", "x'; DROP TABLE traces; --", '" OR 1=1 --']:
        assert search_traces(engine, LAB, TraceSearch(purchaser=attack, dealer=attack)).empty
    assert len(search_traces(engine, LAB, TraceSearch(serial="ABX"))) == 2  # table intact


def test_search_only_finds_what_the_agency_may_see(searchable: tuple[Engine, int, int]) -> None:
    engine, a, other = searchable
    mine = search_traces(engine, analyst(a), TraceSearch(purchaser="PUR-0042"))
    assert mine["serial_number"].tolist() == ["ABX1234"]
    theirs = search_traces(engine, analyst(other), TraceSearch(serial="ABX"))
    assert theirs["serial_number"].tolist() == ["ABX9999"]


def test_a_search_needs_a_term_of_three_characters() -> None:
    assert TraceSearch().problem() == "Enter a purchaser, a dealer or a serial number."
    assert "serial" in (TraceSearch(serial=" ab ").problem() or "")
    assert TraceSearch(dealer="abc").problem() is None
    assert TraceSearch(purchaser=" P-1 ", serial="").terms() == {"purchaser": "P-1"}
    with pytest.raises(ValueError):
        search_traces(None, LAB, TraceSearch(serial="1"))  # type: ignore[arg-type]


def test_search_ignores_the_period(searchable: tuple[Engine, int, int]) -> None:
    engine, _, _ = searchable
    # the sidebar period does not apply: a search looks for a person, dealer or gun
    found = search_traces(engine, LAB, TraceSearch(purchaser="PUR-0099"))
    assert found["purchase_date"].tolist() == [date(2021, 1, 1)]
