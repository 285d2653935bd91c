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

Hours are computed in SQL (``hours_between``). Items of one incident share their times, so SQL
counts entries per agency, month and distinct pair of hours (a histogram about a quarter of the
entries' size); pandas takes the exact medians from it (``metrics.weighted``: the same figures as
a median over one row per entry), the shares and the bins. One histogram serves the three views
(``timeliness``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import Engine, func, select

from cgic_data import settings
from cgic_data.frames import query_frame
from cgic_data.metrics.backlog import LabFilter, request_scope
from cgic_data.metrics.weighted import weighted_median
from cgic_data.metrics.windows import trend_and_period
from cgic_data.schema import Agency, EvidenceItem, Firearm, ItemKind, LabRequest
from cgic_data.scope import IncidentFilter, Viewer, date_conditions, day_start
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
ENTRY_COLUMNS = ["agency", "month", "recovery_hours", "receipt_hours", "entries"]


def goal_hours() -> int:
    return settings.int_setting(settings.NIBIN_GOAL_HOURS)


def entry_times(
    engine: Engine,
    viewer: Viewer,
    filt: IncidentFilter,
    lab: LabFilter,
    start: date | None,
    as_of: date,
    *,
    flags: dict[str, date] | None = None,
) -> pd.DataFrame:
    """NIBIN entries from ``start`` (None: all) to the end of ``as_of``, counted per submitting
    agency, month of entry and distinct (recovery_hours, receipt_hours).

    Columns: ``ENTRY_COLUMNS`` (hours NaN when unknown or negative; entries: how many), then one
    boolean column per ``flags`` entry: entered on or after that day.
    """
    # Items of one incident share their times: first collapse identical items (no joins), then
    # look up each group's request and firearm once.
    entered = EvidenceItem.nibin_entered_at
    same_items = [
        EvidenceItem.lab_request_id,
        EvidenceItem.firearm_id,
        entered,
        EvidenceItem.recovered_at,
        EvidenceItem.received_at,
    ]
    items = (
        select(*same_items, func.count().label("items"))
        .where(
            EvidenceItem.kind.in_([ItemKind.CARTRIDGE_CASE, ItemKind.TEST_FIRE]),
            EvidenceItem.lab_request_id.is_not(None),
            *date_conditions(entered, start, as_of),
        )
        .group_by(*same_items)
        .subquery()
    )
    i = items.c
    recovered = func.coalesce(i.recovered_at, Firearm.recovered_at)
    received = func.coalesce(i.received_at, LabRequest.received_at)
    flag_columns = [
        (i.nibin_entered_at >= day_start(day)).label(name) for name, day in (flags or {}).items()
    ]
    keys = [
        LabRequest.agency_id.label("agency_id"),
        month_start(i.nibin_entered_at).label("month"),
        hours_between(recovered, i.nibin_entered_at).label("recovery_hours"),
        hours_between(received, i.nibin_entered_at).label("receipt_hours"),
        *flag_columns,
    ]
    histogram = (
        select(*keys, func.sum(i["items"]).label("entries"))
        .join(LabRequest, LabRequest.id == i.lab_request_id)
        .outerjoin(Firearm, Firearm.id == i.firearm_id)
        .where(request_scope(viewer, filt, lab))
        .group_by(*keys)
        .subquery()
    )
    h = histogram.c
    stmt = select(
        Agency.name,
        h.month,
        h.recovery_hours,
        h.receipt_hours,
        h.entries,
        *[h[column.name] for column in flag_columns],
    ).join(Agency, Agency.id == h.agency_id)
    flag_names = [column.name for column in flag_columns]
    frame = query_frame(engine, stmt, [*ENTRY_COLUMNS, *flag_names])
    frame["month"] = pd.to_datetime(frame["month"])
    frame = frame.astype({"entries": int, **dict.fromkeys(flag_names, bool)})
    for column in MEASURES:
        hours = frame[column].astype(float)
        frame[column] = hours.where(hours >= 0)
    return frame


def _measure_summary(values: np.ndarray, counts: np.ndarray, goal: int) -> tuple[float, float]:
    """(median, share within the goal) of the known hours among ``values`` × ``counts``."""
    known = ~np.isnan(values)
    values, counts = values[known], counts[known]
    if not counts.sum():
        return math.nan, math.nan
    order = np.argsort(values, kind="stable")
    median = weighted_median(values[order], counts[order])
    return median, float(counts[values <= goal].sum() / counts.sum())


def _summary(times: pd.DataFrame, keys: list[str], goal: int) -> pd.DataFrame:
    """Per ``keys``: entries, then per measure its median hours and share within the goal."""
    columns = [*keys, "entries"]
    for measure in MEASURES:
        prefix = measure.removesuffix("_hours")
        columns += [f"{prefix}_median_hours", f"{prefix}_within_share"]
    rows = []
    for key, group in times.groupby(keys, sort=True):
        counts = group["entries"].to_numpy()
        row: list[object] = [*(key if isinstance(key, tuple) else (key,)), int(counts.sum())]
        for measure in MEASURES:
            row += _measure_summary(group[measure].to_numpy(dtype=float), counts, goal)
        rows.append(row)
    return pd.DataFrame(rows, columns=columns)


def _distribution(times: pd.DataFrame) -> pd.DataFrame:
    """Entries per ``HOUR_BINS`` bin for each measure. Columns: measure, bin, entries."""
    labels = [label for label, _ in HOUR_BINS]
    edges = [-math.inf] + [edge for _, edge in HOUR_BINS]
    rows = []
    for measure, name in MEASURES.items():
        known = times[times[measure].notna()]
        bins = pd.cut(known[measure], bins=edges, labels=labels)
        counts = known["entries"].groupby(bins, observed=False).sum()
        rows += [(name, label, int(counts.get(label, 0))) for label in labels]
    return pd.DataFrame(rows, columns=["measure", "bin", "entries"])


@dataclass(frozen=True)
class NibinTimeliness:
    """by_agency: ``within_goal_by_agency``; trend: ``within_goal_trend``; distribution:
    ``entry_time_distribution``."""

    by_agency: pd.DataFrame
    trend: pd.DataFrame
    distribution: pd.DataFrame


def timeliness(
    engine: Engine,
    viewer: Viewer,
    filt: IncidentFilter,
    lab: LabFilter,
    trend_start: date | None,
    period_start: date | None,
    as_of: date,
) -> NibinTimeliness:
    """Per agency and the distribution from ``period_start``, the monthly trend from
    ``trend_start`` (None: all dates), all to the end of ``as_of``, from one query."""
    trend, period = trend_and_period(
        lambda lower, flags: entry_times(engine, viewer, filt, lab, lower, as_of, flags=flags),
        trend_start,
        period_start,
    )
    goal = goal_hours()
    by_agency = _summary(period, ["agency"], goal).sort_values(
        ["entries", "agency"], ascending=[False, True], ignore_index=True
    )
    return NibinTimeliness(
        by_agency=by_agency,
        trend=_summary(trend, ["month"], goal),
        distribution=_distribution(period),
    )


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
    return timeliness(engine, viewer, filt, lab, start, start, as_of).by_agency


def within_goal_trend(
    engine: Engine,
    viewer: Viewer,
    filt: IncidentFilter,
    lab: LabFilter,
    start: date | None,
    as_of: date,
) -> pd.DataFrame:
    """Per month of entry: the same columns as ``within_goal_by_agency``, oldest month first."""
    return timeliness(engine, viewer, filt, lab, start, start, as_of).trend


def entry_time_distribution(
    engine: Engine,
    viewer: Viewer,
    filt: IncidentFilter,
    lab: LabFilter,
    start: date | None,
    as_of: date,
) -> pd.DataFrame:
    """Entries per ``HOUR_BINS`` bin for each measure. Columns: measure, bin, entries."""
    return timeliness(engine, viewer, filt, lab, start, start, as_of).distribution
