"""Gap definitions on hand-made frames: exact hours, the goal boundary, open gaps, empty input."""

from datetime import datetime as dt

import pandas as pd

from cgic_data.metrics import lead_gaps

GOAL = 48


def items(*rows: tuple) -> pd.DataFrame:
    columns = ["item_id", "kind", "recovered_at", "firearm_recovered_at", "nibin_entered_at"]
    return pd.DataFrame(list(rows), columns=columns)


def test_recovery_to_entry_boundary_open_and_not_applicable() -> None:
    frame = items(
        (1, "cartridge case", dt(2025, 1, 1), None, dt(2025, 1, 3)),  # exactly 48 h
        (2, "cartridge case", dt(2025, 1, 1), None, dt(2025, 1, 3, 0, 0, 1)),  # one second more
        (3, "test fire", None, dt(2025, 1, 1), None),  # open, from its firearm's recovery
        (4, "swab", dt(2025, 1, 1), None, None),  # never entered into NIBIN: no gap
        (5, "cartridge case", None, None, dt(2025, 1, 2)),  # no recovery time: not measurable
    )
    out = lead_gaps.recovery_to_entry(frame, dt(2025, 1, 5), GOAL)
    assert out["item_id"].tolist() == [1, 2, 3]
    assert out["hours"].tolist() == [48.0, 48.0 + 1 / 3600, 96.0]
    assert out["beyond_goal"].tolist() == [False, True, True]
    assert out["open"].tolist() == [False, False, True]
    assert lead_gaps.recovery_to_entry(frame, None, GOAL)["item_id"].tolist() == [1, 2]


def test_entry_to_lead_uses_the_latest_entry_of_each_addition() -> None:
    memberships = pd.DataFrame(
        [
            (7, 1, dt(2025, 1, 10), dt(2025, 1, 1)),
            (7, 2, dt(2025, 1, 10), dt(2025, 1, 9, 12)),  # produced the lead: 12 h
            (7, 3, dt(2025, 2, 1), dt(2025, 1, 29)),  # grew the lead: 72 h
            (7, 4, dt(2025, 2, 1), None),  # never entered
        ],
        columns=["lead_id", "item_id", "added_at", "nibin_entered_at"],
    )
    out = lead_gaps.entry_to_lead(memberships, GOAL)
    assert out[["lead_id", "item_id", "hours", "beyond_goal"]].values.tolist() == [
        [7, 2, 12.0, False],
        [7, 3, 72.0, True],
    ]


def test_lead_to_follow_up_ignores_earlier_events_and_excluded_leads() -> None:
    leads = pd.DataFrame(
        [(1, dt(2025, 1, 1), "open"), (2, dt(2025, 1, 1), "excluded"), (3, dt(2025, 1, 1), "open")],
        columns=["lead_id", "issued_at", "status"],
    )
    follow_ups = pd.DataFrame(
        [(1, dt(2024, 12, 31)), (1, dt(2025, 1, 2)), (1, dt(2025, 1, 4)), (2, dt(2025, 1, 2))],
        columns=["lead_id", "occurred_at"],
    )
    out = lead_gaps.lead_to_follow_up(leads, follow_ups, dt(2025, 1, 3), GOAL)
    assert out[["lead_id", "hours", "open", "beyond_goal"]].values.tolist() == [
        [1, 24.0, False, False],
        [3, 48.0, True, False],  # open, exactly at the goal so far
    ]


def test_empty_inputs_give_empty_frames() -> None:
    assert lead_gaps.recovery_to_entry(items(), dt(2025, 1, 1), GOAL).empty
    no_leads = pd.DataFrame(columns=["lead_id", "issued_at", "status"])
    no_events = pd.DataFrame(columns=["lead_id", "occurred_at"])
    assert lead_gaps.lead_to_follow_up(no_leads, no_events, None, GOAL).empty
    no_members = pd.DataFrame(columns=["lead_id", "item_id", "added_at", "nibin_entered_at"])
    assert lead_gaps.entry_to_lead(no_members, GOAL).empty


def test_lead_with_no_follow_up_after_issue_stays_open() -> None:
    """pandas 3 cast an empty timestamp mapping to float64 and raised here (41 demo leads)."""
    leads = pd.DataFrame([(1, dt(2025, 1, 1), "open")], columns=["lead_id", "issued_at", "status"])
    before_issue = pd.DataFrame([(1, dt(2024, 12, 1))], columns=["lead_id", "occurred_at"])
    out = lead_gaps.lead_to_follow_up(leads, before_issue, dt(2025, 1, 4), GOAL)
    assert out[["lead_id", "hours", "open", "beyond_goal"]].values.tolist() == [
        [1, 72.0, True, True]
    ]
