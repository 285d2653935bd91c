"""NIBIN timeliness: how fast the lab's cartridge cases and test fires reach NIBIN.

Definitions (ATF's timeliness element; goal ``CGIC_NIBIN_GOAL_HOURS``, 48 h):

* **Entries**: cartridge cases and test fires entered into NIBIN in the window (by entry time)
  that came to the lab on a request in scope (``metrics.backlog.request_scope``: the submitting
  agency, discipline and priority of the request the item came on).
* **Recovery → entry**: hours from the item's recovery to its entry; a test fire has no recovery of
  its own and takes its firearm's.
* **Receipt → entry**: hours from the lab's receipt of the item (else of its request) to entry.
* **Within goal**: ≤ the goal's hours. Shares count only items whose start time is known; a
  start after the entry is a data error and is left out of that measure.

Hours are computed in SQL (``hours_between``); the narrow, filtered columns come back for the
medians and bins (SQLite has no percentile function).
"""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
from sqlalchemy import Engine, func, select

from cgic_data import settings
from cgic_data.frames import query_frame
from cgic_data.metrics.backlog import LabFilter, request_scope
from cgic_data.schema import Agency, EvidenceItem, Firearm, ItemKind, LabRequest
from cgic_data.scope import IncidentFilter, Viewer, date_conditions
from cgic_data.sqlfuncs import hours_between, month_start

MEASURES = {"recovery_hours": "Recovery → entry", "receipt_hours": "Receipt → entry"}
# Entry-time bins: label, longest time (hours) in the bin.
HOUR_BINS: list[tuple[str, float]] = [
    ("≤ 24 h", 24),
    ("24–48 h", 48),
    ("48–72 h", 72),
    ("3–7 days", 7 * 24),
    ("1–4 weeks", 28 * 24),
    ("> 4 weeks", math.inf),
]
ENTRY_COLUMNS = ["agency", "month", "recovery_hours", "receipt_hours"]


def goal_hours() -> int:
    return settings.int_setting(settings.NIBIN_GOAL_HOURS)


def entry_times(
    engine: Engine,
    viewer: Viewer,
    filt: IncidentFilter,
    lab: LabFilter,
    start: date | None,
    as_of: date,
) -> pd.DataFrame:
    """One row per NIBIN entry from ``start`` (None: all) to the end of ``as_of``.

    Columns: agency (submitting), month (of entry), recovery_hours, receipt_hours (NaN when
    unknown or negative).
    """
    entered = EvidenceItem.nibin_entered_at
    recovered = func.coalesce(EvidenceItem.recovered_at, Firearm.recovered_at)
    received = func.coalesce(EvidenceItem.received_at, LabRequest.received_at)
    stmt = (
        select(
            Agency.name,
            month_start(entered),
            hours_between(recovered, entered),
            hours_between(received, entered),
        )
        .join(LabRequest, LabRequest.id == EvidenceItem.lab_request_id)
        .join(Agency, Agency.id == LabRequest.agency_id)
        .outerjoin(Firearm, Firearm.id == EvidenceItem.firearm_id)
        .where(
            request_scope(viewer, filt, lab),
            EvidenceItem.kind.in_([ItemKind.CARTRIDGE_CASE, ItemKind.TEST_FIRE]),
            *date_conditions(entered, start, as_of),
        )
    )
    frame = query_frame(engine, stmt, ENTRY_COLUMNS)
    frame["month"] = pd.to_datetime(frame["month"])
    for column in MEASURES:
        hours = frame[column].astype(float)
        frame[column] = hours.where(hours >= 0)
    return frame


def _within_share(hours: pd.Series, goal: int) -> float:
    known = hours.dropna()
    return float((known <= goal).mean()) if len(known) else math.nan


def _summary(times: pd.DataFrame, keys: list[str], goal: int) -> pd.DataFrame:
    columns = {"entries": ("recovery_hours", "size")}
    for measure in MEASURES:
        prefix = measure.removesuffix("_hours")
        columns[f"{prefix}_median_hours"] = (measure, "median")
        columns[f"{prefix}_within_share"] = (measure, lambda h: _within_share(h, goal))
    return times.groupby(keys).agg(**columns).reset_index()


def within_goal_by_agency(
    engine: Engine,
    viewer: Viewer,
    filt: IncidentFilter,
    lab: LabFilter,
    start: date | None,
    as_of: date,
) -> pd.DataFrame:
    """Per submitting agency: entries, then for recovery and receipt → entry the median hours
    and the share within the goal. Most entries first."""
    times = entry_times(engine, viewer, filt, lab, start, as_of)
    summary = _summary(times, ["agency"], goal_hours())
    return summary.sort_values(["entries", "agency"], ascending=[False, True], ignore_index=True)


def within_goal_trend(
    engine: Engine,
    viewer: Viewer,
    filt: IncidentFilter,
    lab: LabFilter,
    start: date | None,
    as_of: date,
) -> pd.DataFrame:
    """Per month of entry: the same columns as ``within_goal_by_agency``, oldest month first."""
    times = entry_times(engine, viewer, filt, lab, start, as_of)
    return _summary(times, ["month"], goal_hours())


def entry_time_distribution(
    engine: Engine,
    viewer: Viewer,
    filt: IncidentFilter,
    lab: LabFilter,
    start: date | None,
    as_of: date,
) -> pd.DataFrame:
    """Entries per ``HOUR_BINS`` bin for each measure. Columns: measure, bin, entries."""
    times = entry_times(engine, viewer, filt, lab, start, as_of)
    labels = [label for label, _ in HOUR_BINS]
    edges = [-math.inf] + [edge for _, edge in HOUR_BINS]
    rows = []
    for measure, name in MEASURES.items():
        counts = pd.cut(times[measure].dropna(), bins=edges, labels=labels).value_counts()
        rows += [(name, label, int(counts.get(label, 0))) for label in labels]
    return pd.DataFrame(rows, columns=["measure", "bin", "entries"])
