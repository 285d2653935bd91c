"""The delays that matter on a lead's timeline, each measured against the timeliness goal.

Definitions (hours; ``beyond_goal`` when longer than ``CGIC_NIBIN_GOAL_HOURS``, 48 h by default —
exactly the goal is within it):

* **recovery → NIBIN entry**, per cartridge case or test fire (and any other item that was entered):
  from the item's recovery — for a test fire without its own recovery time, its firearm's
  recovery — to its NIBIN entry. Open while a cartridge case or test fire is not entered yet.
* **NIBIN entry → lead**, per lead and per moment items joined it (its issue, and each time it grew):
  from the latest NIBIN entry among the items that joined at that moment — the entry that produced
  the correlation — to that moment. Measuring from each item's own entry would blame the lab for
  the months before the matching shooting happened.
* **lead → follow-up**, per lead that is not excluded: from issue to the first arrest, charge or
  follow-up on the lead or on one of its incidents. Open while there is none.

Open gaps run to ``as_of``; without it (or before the start) they are left out. Arithmetic is on
timestamps (exact), so the boundary is exact on SQLite and PostgreSQL alike. Inputs are the small
per-lead frames the timeline query already fetched; these functions only do the arithmetic.
"""

from __future__ import annotations

import enum
from datetime import datetime

import pandas as pd

from cgic_data.schema import ItemKind, LeadStatus

NIBIN_KINDS = {str(ItemKind.CARTRIDGE_CASE), str(ItemKind.TEST_FIRE)}
MEASURE_COLUMNS = ["start", "end", "hours", "open", "beyond_goal"]


class GapKind(enum.StrEnum):
    RECOVERY_TO_ENTRY = "recovery → NIBIN entry"
    ENTRY_TO_LEAD = "NIBIN entry → lead"
    LEAD_TO_FOLLOW_UP = "lead → follow-up"


def _none(*keys: str) -> pd.DataFrame:
    return pd.DataFrame(columns=[*keys, *MEASURE_COLUMNS])


def measure(
    start: pd.Series, end: pd.Series, as_of: datetime | None, goal_hours: int
) -> pd.DataFrame:
    """start, end (NaT: open), hours (open: to ``as_of``), open, beyond_goal; unmeasurable rows
    (no start, or open with no ``as_of`` or ``as_of`` before the start) are dropped."""
    start = pd.to_datetime(start)
    end = pd.to_datetime(end)
    stop = end.fillna(pd.Timestamp(as_of)) if as_of is not None else end
    out = pd.DataFrame({"start": start, "end": end})
    out["hours"] = (stop - start).dt.total_seconds() / 3600.0
    out["open"] = end.isna()
    out["beyond_goal"] = out["hours"] > goal_hours
    keep = start.notna() & stop.notna() & ~(out["open"] & (out["hours"] < 0))
    return out[keep]


def recovery_to_entry(items: pd.DataFrame, as_of: datetime | None, goal: int) -> pd.DataFrame:
    """``items``: item_id, kind, recovered_at, firearm_recovered_at, nibin_entered_at."""
    if items.empty:
        return _none("item_id")
    is_test_fire = items["kind"].astype(str) == str(ItemKind.TEST_FIRE)
    start = items["recovered_at"].where(
        items["recovered_at"].notna() | ~is_test_fire, items["firearm_recovered_at"]
    )
    counts = items["kind"].astype(str).isin(NIBIN_KINDS) | items["nibin_entered_at"].notna()
    measured = measure(start[counts], items.loc[counts, "nibin_entered_at"], as_of, goal)
    return items.loc[measured.index, ["item_id"]].join(measured).reset_index(drop=True)


def entry_to_lead(memberships: pd.DataFrame, goal: int) -> pd.DataFrame:
    """``memberships``: lead_id, item_id, added_at, nibin_entered_at — every item of the lead.

    One row per (lead, added_at) with an entered item: item_id is the item whose entry produced
    that addition (the latest entry among the items that joined then).
    """
    entered = memberships.dropna(subset=["nibin_entered_at"])
    if entered.empty:
        return _none("lead_id", "item_id")
    latest = (
        entered.sort_values(["nibin_entered_at", "item_id"])
        .groupby(["lead_id", "added_at"], as_index=False)
        .last()
    )
    measured = measure(latest["nibin_entered_at"], latest["added_at"], None, goal)
    return latest[["lead_id", "item_id"]].join(measured).reset_index(drop=True)


def lead_to_follow_up(
    leads: pd.DataFrame, follow_ups: pd.DataFrame, as_of: datetime | None, goal: int
) -> pd.DataFrame:
    """``leads``: lead_id, issued_at, status. ``follow_ups``: lead_id, occurred_at — every arrest,
    charge or follow-up on the lead or on one of its incidents (any time; earlier ones ignored)."""
    live = leads[leads["status"].astype(str) != str(LeadStatus.EXCLUDED)]
    if live.empty:
        return _none("lead_id")
    after = follow_ups.merge(live[["lead_id", "issued_at"]], on="lead_id")
    after = after[after["occurred_at"] >= after["issued_at"]]
    first = after.groupby("lead_id")["occurred_at"].min()
    # reindex, not map: pandas 3 casts an empty mapping to float64 and fails on timestamps
    end = pd.Series(first.reindex(live["lead_id"]).to_numpy(), index=live.index)
    measured = measure(live["issued_at"], end, as_of, goal)
    return live.loc[measured.index, ["lead_id"]].join(measured).reset_index(drop=True)
