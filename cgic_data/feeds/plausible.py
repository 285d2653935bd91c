"""Plausibility: values that are well formed but cannot be true are rejected; values that are only
odd load, with a warning recorded with the batch.

Typing (``validate``) accepts any ISO date and any latitude from -90 to 90; a records system
also sends placeholders and slips that pass it: 0001-01-01 and 2099-12-31 for "unknown", (0, 0)
for a failed geocode, latitude and longitude in each other's columns. Each would distort the
pages quietly (a shooting in 2099 never leaves "last 28 days"; a point off Africa stretches the
map), so each is a rejected value with its reason, like any other (``docs/feeds.md``,
*Plausibility*).

* **Dates**: not in the future (one day of clock skew allowed), not before the column's floor
  (``FLOORS``): incidents reach back to cold cases, lab and NIBIN records to when those systems
  began, and a traced gun's first retail sale can be a century old.
* **Places**: not (0, 0); not a pair that lies in the state only when swapped; not outside the
  state when the row names one of its towns. The state is the box around the store's own towns
  (reference data, ``cgic_data/towns.py``) widened by ``MARGIN``, so another state's store
  gets its own box. Rows without a town may lie anywhere (the NYPD mapping loads New York).
* **Warnings** (the row loads): a step dated before the step it follows (a request completed
  before it was received), a place far from the centre of the town the row names.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select

from cgic_data import settings
from cgic_data.feeds.formats import ColumnType
from cgic_data.feeds.problems import Problem, ProblemKind
from cgic_data.feeds.validate import Record, Validated
from cgic_data.schema import Town

SKEW = timedelta(days=1)  # clocks and time zones: a date up to a day ahead is still accepted
MARGIN = 0.25  # degrees around the towns' centres (about 20-28 km): the state's own edges
TOWN_RADIUS_KM = 25.0  # farther than this from the named town's centre: a warning

INCIDENTS_SINCE = date(1950, 1, 1)  # cold cases reach back decades, not a century
LAB_SINCE = date(1970, 1, 1)  # lab records, results and trace requests
NIBIN_SINCE = date(1990, 1, 1)  # NIBIN and its forerunners (DRUGFIRE, IBIS) began in the 1990s
PURCHASES_SINCE = date(1850, 1, 1)  # a traced gun's first retail sale can be an antique's

# The earliest plausible value of every date column, by feed (a test keeps this complete).
FLOORS: dict[str, dict[str, date]] = {
    "incidents": {"occurred_at": INCIDENTS_SINCE},
    "lab_requests": {"received_at": LAB_SINCE, "completed_at": LAB_SINCE, "reopened_at": LAB_SINCE},
    "firearms": {"recovered_at": INCIDENTS_SINCE},
    "lab_items": {
        "recovered_at": INCIDENTS_SINCE,
        "received_at": LAB_SINCE,
        "nibin_entered_at": NIBIN_SINCE,
    },
    "nibin_leads": {
        "issued_at": NIBIN_SINCE,
        "item_numbers": NIBIN_SINCE,  # the dates items joined the lead (ITEM@date)
        "reported_at": NIBIN_SINCE,
        "confirmed_at": NIBIN_SINCE,
        "excluded_at": NIBIN_SINCE,
        "assigned_at": NIBIN_SINCE,
    },
    "forensic_results": {"reported_at": LAB_SINCE},
    "traces": {
        "requested_at": LAB_SINCE,
        "completed_at": LAB_SINCE,
        "purchase_date": PURCHASES_SINCE,
    },
    "case_events": {"occurred_at": INCIDENTS_SINCE},
}

# (earlier, later): a later step dated before the earlier one loads with a warning.
ORDER: dict[str, tuple[tuple[str, str], ...]] = {
    "lab_requests": (("received_at", "completed_at"), ("completed_at", "reopened_at")),
    "lab_items": (("recovered_at", "received_at"), ("received_at", "nibin_entered_at")),
    "nibin_leads": (
        ("issued_at", "confirmed_at"),
        ("issued_at", "excluded_at"),
        ("issued_at", "assigned_at"),
    ),
    "traces": (("requested_at", "completed_at"), ("purchase_date", "requested_at")),
}


@dataclass(frozen=True)
class Box:
    """The state: its towns' centres, widened by ``MARGIN`` degrees."""

    south: float
    north: float
    west: float
    east: float

    def holds(self, lat: float, lon: float) -> bool:
        return self.south <= lat <= self.north and self.west <= lon <= self.east

    def __str__(self) -> str:
        return f"lat {self.south:.2f} to {self.north:.2f}, lon {self.west:.2f} to {self.east:.2f}"


class _Rules:
    """The checks of one import: the feed's floors, the store's towns and box, now."""

    def __init__(self, conn: Connection, v: Validated) -> None:
        self.v, self.feed = v, v.feed
        zone = ZoneInfo(settings.TIME_ZONE.value())
        self.latest = datetime.now(zone).replace(tzinfo=None) + SKEW
        self.floors = FLOORS.get(self.feed.name, {})
        self.towns: dict[str, tuple[str, float, float]] = {}
        self.box: Box | None = None
        names = set(self.feed.column_names)
        if {"lat", "lon"} <= names:
            rows = conn.execute(select(Town.name, Town.lat, Town.lon)).all()
            self.towns = {name.casefold(): (name, lat, lon) for name, lat, lon in rows}
            if rows:
                lats, lons = [r.lat for r in rows], [r.lon for r in rows]
                self.box = Box(
                    min(lats) - MARGIN, max(lats) + MARGIN, min(lons) - MARGIN, max(lons) + MARGIN
                )

    def label(self, name: str) -> str:
        mapper = self.v.mapper
        return mapper.label(name) if name in mapper.rules else name

    def problem(self, record: Record, column: str, value: Any, expected: str) -> Problem:
        return Problem(record.lines[0], column, str(value), expected, ProblemKind.VALUE)

    def dates(self, record: Record) -> list[Problem]:
        problems = []
        for name, floor in self.floors.items():
            value = record.values.get(name)
            values = [a for _, a in value if a] if name == "item_numbers" and value else [value]
            for when in values:
                if when is None:
                    continue
                moment = _moment(when)
                if moment > self.latest:
                    expected = (
                        f"a date no later than {self.latest:%Y-%m-%d %H:%M}: {name} cannot be in "
                        "the future (one day is allowed for clock skew)"
                    )
                elif moment.date() < floor:
                    expected = (
                        f"a date on or after {floor:%Y-%m-%d}, the earliest plausible {name} "
                        "(an unknown date is left empty, not a placeholder)"
                    )
                else:
                    continue
                problems.append(self.problem(record, self.label(name), when, expected))
                break
        return problems

    def place(self, record: Record) -> tuple[list[Problem], list[Problem]]:
        """(problems, warnings) of a record's latitude and longitude."""
        lat, lon = record.values.get("lat"), record.values.get("lon")
        if lat is None or lon is None:
            return [], []
        column = f"{self.label('lat')}+{self.label('lon')}"
        shown = f"{lat} / {lon}"
        if lat == 0 and lon == 0:
            expected = (
                "a real place: (0, 0) is where a failed geocode lands (leave lat and lon empty "
                "when the place is unknown)"
            )
            return [self.problem(record, column, shown, expected)], []
        box = self.box
        if box is None:
            return [], []
        if not box.holds(lat, lon) and box.holds(lon, lat):
            expected = (
                f"latitude in lat and longitude in lon: latitude and longitude look swapped "
                f"(({lon}, {lat}) is in the state, {box}; ({lat}, {lon}) is not)"
            )
            return [self.problem(record, column, shown, expected)], []
        town = record.values.get("town")
        known = self.towns.get(town.casefold()) if isinstance(town, str) else None
        if known is None:
            return [], []
        name, town_lat, town_lon = known
        if not box.holds(lat, lon):
            expected = f"a place in the state, as {name} is: {box} (the store's towns, ±{MARGIN}°)"
            return [self.problem(record, column, shown, expected)], []
        away = _km(lat, lon, town_lat, town_lon)
        if away <= TOWN_RADIUS_KM:
            return [], []
        expected = (
            f"a place within {TOWN_RADIUS_KM:g} km of the centre of {name}: this one is "
            f"{away:.0f} km from the centre of {name} (is the town or the place wrong?)"
        )
        return [], [_warning(self.problem(record, column, shown, expected))]

    def order(self, record: Record) -> list[Problem]:
        warnings = []
        for earlier, later in ORDER.get(self.feed.name, ()):
            first, then = record.values.get(earlier), record.values.get(later)
            if first is None or then is None:
                continue
            if _moment(then) < _moment(first):
                expected = (
                    f"a time after {earlier} ({first}): {later} is dated before the step it follows"
                )
                warnings.append(_warning(self.problem(record, self.label(later), then, expected)))
        return warnings


def _moment(value: date) -> datetime:
    """A date as its midnight, so dates and date-times compare."""
    return value if isinstance(value, datetime) else datetime.combine(value, time.min)


def _warning(problem: Problem) -> Problem:
    return Problem(
        problem.line, problem.column, problem.value, problem.expected, ProblemKind.WARNING
    )


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def check(conn: Connection, v: Validated) -> list[Problem]:
    """Reject ``v``'s implausible records (as bad values); return warnings about the others."""
    rules = _Rules(conn, v)
    kept: list[Record] = []
    warnings: list[Problem] = []
    for record in v.records:
        problems, flags = rules.place(record)
        problems = rules.dates(record) + problems
        if problems:
            v.reject(record, problems)
            continue
        kept.append(record)
        warnings += flags + rules.order(record)
    v.records = kept
    return sorted(warnings, key=lambda w: w.line)


def date_columns() -> dict[str, list[str]]:
    """Every date and date-time column of every feed (what ``FLOORS`` must cover)."""
    from cgic_data.feeds.formats import FEEDS

    dated = (ColumnType.DATE, ColumnType.DATETIME, ColumnType.ITEM_LIST)
    return {
        name: [c.name for c in f.columns if c.type in dated]
        for name, f in FEEDS.items()
        if any(c.type in dated for c in f.columns)
    }
