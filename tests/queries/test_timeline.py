"""Lead and series timelines: every event on its row, the gaps in hours, the 48-hour flag at its
exact boundary, and what an agency may see (fixture: tests/queries/lead_world.py)."""

from datetime import date
from datetime import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import Engine

from cgic_data.queries import lead_selection, timeline
from cgic_data.queries.lead_selection import LeadSelection
from cgic_data.scope import IncidentFilter, Viewer
from tests.factory import Builder
from tests.queries.lead_world import LeadWorld, build_lead_world

AS_OF = dt(2025, 8, 1)
LAB = Viewer.system()


@pytest.fixture
def world(engine: Engine) -> LeadWorld:
    return build_lead_world(engine)


def series(engine: Engine, viewer: Viewer, key: str = "L-1") -> LeadSelection:
    selection = lead_selection.select_series(engine, viewer, key)
    assert selection is not None
    return selection


def rows_and_events(events: pd.DataFrame) -> list[tuple[str, str, dt]]:
    return [
        (label, event, at.to_pydatetime())
        for label, event, at in events[["row_label", "event", "at"]].itertuples(index=False)
    ]


def gap_table(gaps: pd.DataFrame) -> list[tuple]:
    return [
        (g.gap, g.row_label, g.lead_number if isinstance(g.lead_number, str) else None,
         round(g.hours, 4), g.open, g.beyond_goal)
        for g in gaps.itertuples()
    ]  # fmt: skip


def test_series_timeline_has_every_event_on_its_row(engine: Engine, world: LeadWorld) -> None:
    result = timeline.lead_timeline(engine, LAB, series(engine, LAB), AS_OF)
    events = result.events
    firearm_row = events.loc[events["row_kind"] == "firearm", "row_label"].iloc[0]
    assert firearm_row.startswith("↳ Firearm FA-") and firearm_row.endswith("Glock 19")
    assert rows_and_events(events) == [
        ("Lead L-1", "lead issued", dt(2025, 6, 8, 6)),
        ("Lead L-2", "lead issued", dt(2025, 6, 24, 9)),
        ("Lead L-2", "examiner confirmation", dt(2025, 7, 15)),
        ("A-1 · shooting", "incident", dt(2025, 6, 1, 22)),
        ("A-1 · shooting", "follow-up", dt(2025, 6, 9, 10)),
        ("↳ C1 · cartridge case", "evidence recovered", dt(2025, 6, 1, 23)),
        ("↳ C1 · cartridge case", "received at lab", dt(2025, 6, 2, 10)),
        ("↳ C1 · cartridge case", "NIBIN entry", dt(2025, 6, 3, 23, 1)),
        ("↳ C1 · cartridge case", "added to lead", dt(2025, 6, 8, 6)),
        ("↳ S1 · swab", "evidence recovered", dt(2025, 6, 1, 23, 30)),
        ("↳ S1 · swab", "CODIS/AFIS hit", dt(2025, 7, 1)),
        ("B-1 · shooting", "incident", dt(2025, 6, 5, 21)),
        ("↳ C2 · cartridge case", "evidence recovered", dt(2025, 6, 5, 22)),
        ("↳ C2 · cartridge case", "NIBIN entry", dt(2025, 6, 7, 22)),
        ("↳ C2 · cartridge case", "added to lead", dt(2025, 6, 8, 6)),
        ("↳ C2 · cartridge case", "added to lead", dt(2025, 6, 24, 9)),
        ("C-1 · gun recovery", "incident", dt(2025, 6, 20, 15)),
        ("↳ T3 · test fire", "NIBIN entry", dt(2025, 6, 23, 15)),
        ("↳ T3 · test fire", "added to lead", dt(2025, 6, 24, 9)),
        (firearm_row, "firearm recovered", dt(2025, 6, 20, 15)),
        (firearm_row, "trace completed", dt(2025, 6, 27)),
    ]
    added = events[events["event"] == "added to lead"]
    assert added["lead_number"].tolist() == ["L-1", "L-1", "L-2", "L-2"]
    hit = events[events["event"] == "CODIS/AFIS hit"].iloc[0]
    assert (hit["agency"], hit["incident_number"], hit["item_number"]) == ("Alpha PD", "A-1", "S1")
    assert "subject SUBJ-1" in hit["detail"]
    assert "not a forensic identification" in events.iloc[0]["detail"]  # L-1 is unconfirmed
    assert "not a forensic identification" not in events.iloc[1]["detail"]  # L-2 is confirmed


def test_gap_hours_and_the_goal_flag(engine: Engine, world: LeadWorld) -> None:
    gaps = timeline.lead_timeline(engine, LAB, series(engine, LAB), AS_OF).gaps
    assert gap_table(gaps) == [
        # issued 06-08 06:00, first follow-up (on A-1) 06-09 10:00
        ("lead → follow-up", "Lead L-1", "L-1", 28.0, False, False),
        # issued 06-24 09:00, none yet: 30 days + 7 days 15 h to 08-01 00:00
        ("lead → follow-up", "Lead L-2", "L-2", 903.0, True, True),
        # 48 h and one minute: beyond the goal
        ("recovery → NIBIN entry", "↳ C1 · cartridge case", None, 48.0167, False, True),
        # exactly 48 h: within the goal
        ("recovery → NIBIN entry", "↳ C2 · cartridge case", None, 48.0, False, False),
        # L-1 could only be found once C2 was entered (06-07 22:00), not C1 days before
        ("NIBIN entry → lead", "↳ C2 · cartridge case", "L-1", 8.0, False, False),
        # the test fire counts from its firearm's recovery (06-20 15:00)
        ("recovery → NIBIN entry", "↳ T3 · test fire", None, 72.0, False, True),
        ("NIBIN entry → lead", "↳ T3 · test fire", "L-2", 18.0, False, False),
    ]
    assert gaps.iloc[1]["end"] is pd.NaT or pd.isna(gaps.iloc[1]["end"])


def test_the_goal_comes_from_the_setting(
    engine: Engine, world: LeadWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CGIC_NIBIN_GOAL_HOURS", "72")
    result = timeline.lead_timeline(engine, LAB, series(engine, LAB), AS_OF)
    flagged = result.gaps.loc[result.gaps["beyond_goal"], ["gap", "row_label"]]
    assert result.goal_hours == 72
    # the 72-hour test fire entry is now exactly at the goal: within it
    assert flagged.values.tolist() == [["lead → follow-up", "Lead L-2"]]


def test_open_gaps_need_as_of(engine: Engine, world: LeadWorld) -> None:
    gaps = timeline.lead_timeline(engine, LAB, series(engine, LAB)).gaps
    assert not gaps["open"].any()
    assert "Lead L-2" not in set(gaps["row_label"])


def test_a_grown_lead_measures_each_addition_from_its_own_entry(engine: Engine) -> None:
    b = Builder(engine)
    agency = b.agency("A")
    first = b.item(b.incident(agency), nibin_entered_at=dt(2025, 1, 1, 0))
    second = b.item(b.incident(agency), nibin_entered_at=dt(2025, 1, 1, 10))
    late = b.item(b.incident(agency), number="LATE", nibin_entered_at=dt(2025, 3, 1, 0))
    lead = b.lead([first, second], number="G-1", issued_at=dt(2025, 1, 1, 16))
    b.grow(lead, late, dt(2025, 3, 3))  # the lead grows two months later
    selection = lead_selection.select_lead(engine, LAB, "G-1")
    assert selection is not None
    gaps = timeline.lead_timeline(engine, LAB, selection).gaps
    to_lead = gaps[gaps["gap"] == "NIBIN entry → lead"]
    assert to_lead["item_number"].tolist()[1] == "LATE"
    assert to_lead["hours"].tolist() == [6.0, 48.0]
    assert to_lead["beyond_goal"].tolist() == [False, False]


def test_an_agency_sees_only_its_leads_and_what_they_share(
    engine: Engine, world: LeadWorld
) -> None:
    alpha = world.analyst(world.alpha)
    selection = series(engine, alpha)
    assert (selection.series_id, selection.lead_numbers) == ("L-1", ("L-1",))
    assert set(selection.incident_ids) == {world.a1, world.b1}
    result = timeline.lead_timeline(engine, alpha, selection, AS_OF)
    assert result.events.drop_duplicates("row")["row_label"].tolist() == [
        "Lead L-1",
        "A-1 · shooting",
        "↳ C1 · cartridge case",
        "↳ S1 · swab",
        "B-1 · shooting",
        "↳ C2 · cartridge case",
    ]
    assert "L-2" not in set(result.events["lead_number"].dropna())
    assert set(result.gaps["row_label"]) == {
        "Lead L-1",
        "↳ C1 · cartridge case",
        "↳ C2 · cartridge case",
    }
    charlie = world.analyst(world.charlie)
    assert lead_selection.select_lead(engine, charlie, "L-1") is None
    assert lead_selection.select_series(engine, charlie, "L-1") is None  # not Charlie's lead
    assert series(engine, charlie, "L-2").lead_numbers == ("L-2",)
    assert set(series(engine, charlie, "L-2").incident_ids) == {world.b1, world.c1_incident}
    assert lead_selection.select_series(engine, charlie, "L-5") is None


def test_a_hand_made_selection_cannot_widen_what_an_agency_sees(
    engine: Engine, world: LeadWorld
) -> None:
    everything = series(engine, LAB)
    charlie = world.analyst(world.charlie)
    result = timeline.lead_timeline(engine, charlie, everything, AS_OF)
    assert set(result.events["incident_number"].dropna()) == {"B-1", "C-1"}
    assert set(result.events["lead_number"].dropna()) == {"L-2"}


def test_an_excluded_lead_shows_an_agency_its_own_incidents_and_joins_no_series(
    engine: Engine, world: LeadWorld
) -> None:
    alpha = world.analyst(world.alpha)
    selection = lead_selection.select_lead(engine, alpha, "L-9")
    assert selection is not None
    assert (selection.series_id, selection.incident_ids) == (None, (world.a1,))
    result = timeline.lead_timeline(engine, alpha, selection, AS_OF)
    assert set(result.events["incident_number"].dropna()) == {"A-1"}
    # no follow-up is owed on an excluded lead; C1's entry still produced it (5 days 59 min)
    assert gap_table(result.gaps[result.gaps["gap"] != "recovery → NIBIN entry"]) == [
        ("NIBIN entry → lead", "↳ C1 · cartridge case", "L-9", 120.9833, False, True)
    ]
    everyone = lead_selection.select_lead(engine, LAB, "L-9")
    assert everyone is not None and set(everyone.incident_ids) == {world.a1, world.b3}


def test_any_lead_number_of_a_series_opens_it(engine: Engine, world: LeadWorld) -> None:
    assert series(engine, LAB, "L-2") == LeadSelection(
        kind="series",
        asked_for="L-2",
        series_id="L-1",
        lead_ids=series(engine, LAB).lead_ids,
        lead_numbers=("L-1", "L-2"),
        unconfirmed_leads=("L-1",),
        incident_ids=tuple(sorted([world.a1, world.b1, world.c1_incident])),
        series_leads=2,
    )
    lead = lead_selection.select_lead(engine, LAB, "L-5")
    assert lead is not None and (lead.series_id, lead.series_leads) == ("L-5", 1)
    assert lead_selection.select_series(engine, LAB, "L-9") is None  # excluded: no series
    assert lead_selection.select_lead(engine, LAB, "NO-SUCH-LEAD") is None


def test_folding_items_into_incidents_counts_identical_events(engine: Engine) -> None:
    b = Builder(engine)
    agency = b.agency("A")
    incident = b.incident(agency, dt(2025, 5, 1, 23), number="N-1")
    casings = [
        b.item(incident, recovered_at=dt(2025, 5, 2), nibin_entered_at=dt(2025, 5, 5))
        for _ in range(3)
    ]
    other = b.item(
        b.incident(agency, dt(2025, 5, 9), number="N-2"), nibin_entered_at=dt(2025, 5, 10)
    )
    b.lead([*casings, other], number="F-1", issued_at=dt(2025, 5, 10, 6))
    selection = lead_selection.select_lead(engine, LAB, "F-1")
    assert selection is not None
    full, folded = timeline.timeline_views(engine, LAB, selection)
    assert folded.events.equals(timeline.by_incident(full).events)
    n1 = folded.events[folded.events["row_label"] == "N-1 · shooting"]
    recovered = n1[n1["event"] == "evidence recovered"].iloc[0]
    assert recovered["item_number"].split(", ") == sorted(
        full.events.loc[full.events["event"] == "evidence recovered", "item_number"].iloc[:3]
    )  # the three casings, one folded event
    assert n1[["event", "detail"]].values.tolist()[:3] == [
        ["incident", "shooting · A Police · no location · 0 injured, 0 killed"],
        ["evidence recovered", "3 items · cartridge case, 9mm Luger"],
        ["NIBIN entry", "3 items · cartridge case, 9mm Luger"],
    ]
    assert len(full.gaps[full.gaps["gap"] == "recovery → NIBIN entry"]) == 3
    recovery = folded.gaps[folded.gaps["gap"] == "recovery → NIBIN entry"]
    assert recovery[["row_label", "hours"]].values.tolist() == [["N-1 · shooting", 72.0]]


def test_pickers_offer_what_the_filter_and_the_viewer_allow(
    engine: Engine, world: LeadWorld
) -> None:
    everything = IncidentFilter()
    assert lead_selection.lead_choices(engine, LAB, everything)["lead_number"].tolist() == [
        "L-2",
        "L-9",
        "L-1",
        "L-5",
    ]
    june = IncidentFilter(start=date(2025, 6, 1), end=date(2025, 6, 30))
    alpha = world.analyst(world.alpha)
    mine = lead_selection.lead_choices(engine, alpha, june)
    assert mine[["lead_number", "incidents"]].values.tolist() == [["L-9", 1], ["L-1", 2]]
    offered = lead_selection.series_choices(engine, LAB, everything)
    assert offered[["series_id", "incidents"]].values.tolist() == [["L-5", 2], ["L-1", 3]]
    charlie = world.analyst(world.charlie)
    assert lead_selection.series_choices(engine, charlie, everything)[
        ["series_id", "incidents"]
    ].values.tolist() == [["L-2", 2]]  # named after Charlie's own lead


def test_a_period_offers_the_whole_series_it_touches(engine: Engine, world: LeadWorld) -> None:
    """With a period the series are walked out from its incidents (not built from every lead):
    each offered series still counts all its visible incidents and its latest, as All dates does."""
    everything = IncidentFilter()
    for viewer in (LAB, world.analyst(world.alpha), world.analyst(world.charlie)):
        whole = lead_selection.series_choices(engine, viewer, everything).set_index("series_id")
        for month in range(1, 13):
            period = IncidentFilter(start=date(2025, month, 1), end=date(2025, month, 28))
            offered = lead_selection.series_choices(engine, viewer, period)
            expected = whole.loc[offered["series_id"]].reset_index()
            pd.testing.assert_frame_equal(offered, expected, check_dtype=False)
    june = IncidentFilter(start=date(2025, 6, 1), end=date(2025, 6, 30))
    assert lead_selection.series_choices(engine, LAB, june)["series_id"].tolist() != []
    before = IncidentFilter(start=date(2000, 1, 1), end=date(2000, 12, 31))
    assert lead_selection.series_choices(engine, LAB, before).empty


def test_several_series_in_one_walk_are_each_as_selected_alone(
    engine: Engine, world: LeadWorld
) -> None:
    keys = ["L-1", "L-2", "L-5", "L-9", "NO-SUCH-LEAD"]
    for viewer in (LAB, world.analyst(world.alpha), world.analyst(world.charlie)):
        together = lead_selection.select_several_series(engine, viewer, keys)
        assert together == {key: lead_selection.select_series(engine, viewer, key) for key in keys}
    assert lead_selection.select_several_series(engine, LAB, []) == {}
