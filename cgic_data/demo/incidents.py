"""Incidents: when, where and by whom gun crimes are recorded, shaped like Connecticut.

Counts follow the published concentration (Bridgeport, Hartford, New Haven, Stamford, then the
other cities; the rest by population), with more incidents in summer, at night and on weekends,
and a mild downward trend over the three years, as the state has seen recently.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from cgic_data.demo.chance import Weighted, pick
from cgic_data.demo.places import Place, TownPlaces
from cgic_data.demo.reference import Agency, Jurisdiction, Town
from cgic_data.schema import IncidentKind

if TYPE_CHECKING:
    from cgic_data.demo.guns import Gun

# Share of shootings / shots fired per town (DOMAIN.md); the remainder goes by population.
SHOOTING_SHARES = {
    "Bridgeport": 0.21,
    "Hartford": 0.19,
    "New Haven": 0.13,
    "Stamford": 0.07,
    "Waterbury": 0.055,
    "New Britain": 0.045,
    "Norwalk": 0.03,
    "Meriden": 0.03,
    "New London": 0.025,
    "Middletown": 0.02,
}
# Gun recoveries lean to the top recovery cities of ATF's trace data (Hartford, New Haven, Waterbury).
RECOVERY_SHARES = {
    "Hartford": 0.20,
    "New Haven": 0.16,
    "Bridgeport": 0.13,
    "Waterbury": 0.10,
    "New Britain": 0.05,
    "Stamford": 0.04,
    "Meriden": 0.03,
    "Norwalk": 0.025,
    "New London": 0.025,
    "Middletown": 0.02,
}
KIND_SHARES = [
    (IncidentKind.SHOOTING, 0.40),
    (IncidentKind.SHOTS_FIRED, 0.38),
    (IncidentKind.GUN_RECOVERY, 0.22),
]
# Midnight first: most gunfire happens between 8 pm and 3 am.
HOUR_WEIGHTS = [9, 8, 7, 5, 3, 2, 1.5, 1.2, 1.2, 1.3, 1.5, 1.8,
                2.2, 2.5, 3, 3.5, 4, 4.5, 5, 6, 7, 8, 9, 9.5]  # fmt: skip
WEEKDAY_WEIGHTS = [0.9, 0.85, 0.85, 0.9, 1.05, 1.25, 1.2]  # Monday first
TASK_FORCE_CITIES = {"Hartford", "New Haven", "Bridgeport", "Waterbury", "New Britain"}
INCIDENTS_PER_YEAR = 800
YEARS = 3


@dataclass(frozen=True)
class Window:
    """The period the demo covers: three years up to ``as_of`` (7:00 on ``today``).

    Nothing in the data happens after ``as_of``: later receipts, entries, leads and completions
    simply have not happened yet, so recent evidence is realistically still in the pipeline.
    """

    today: date
    start: datetime
    as_of: datetime

    @classmethod
    def ending(cls, today: date) -> Window:
        try:
            first = today.replace(year=today.year - YEARS)
        except ValueError:  # 29 February
            first = today.replace(year=today.year - YEARS, day=28)
        return cls(today, datetime.combine(first, time.min), datetime.combine(today, time(7)))

    def days(self) -> list[date]:
        n = (self.today - self.start.date()).days + 1
        return [self.start.date() + timedelta(days=i) for i in range(n)]


@dataclass(slots=True, eq=False)
class Incident:
    id: int
    agency: Agency
    number: str
    occurred_at: datetime
    kind: IncidentKind
    town: Town
    injured: int
    killed: int
    place: Place
    guns: list[Gun] = field(default_factory=list)  # guns whose casings were found here
    recovered: list[Gun] = field(default_factory=list)  # guns recovered here

    def row(self) -> dict[str, object]:
        return {
            "id": self.id,
            "agency_id": self.agency.id,
            "incident_number": self.number,
            "occurred_at": self.occurred_at,
            "kind": self.kind,
            "victims_injured": self.injured,
            "victims_killed": self.killed,
            "lat": self.place.lat,
            "lon": self.place.lon,
            "town_id": self.town.id,
            "address": self.place.address,
            # as an RMS export would give them: the town as text and its state, a known time;
            # calibers come with the lab's items, not on the incident
            "city": self.town.name,
            "state": "CT",
            "occurred_time_known": True,
            "caliber": None,
            "gun_type": None,
        }


def town_choice(towns: list[Town], shares: dict[str, float]) -> Weighted[Town]:
    """Named towns get their share; the remainder goes by population (weighted to urban towns)."""
    rest = [t for t in towns if t.name not in shares]
    rest_total = sum(t.population**1.25 for t in rest)
    remainder = 1 - sum(shares.values())
    weights = [
        shares[t.name] if t.name in shares else remainder * t.population**1.25 / rest_total
        for t in towns
    ]
    return Weighted(towns, weights)


def day_weight(day: date, window: Window) -> float:
    """Summer peak (mid-July), weekend peak, and a gentle decline over the window."""
    season = 1 + 0.3 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 196) / 365.25)
    progress = (day - window.start.date()).days / max(1, (window.today - window.start.date()).days)
    return season * WEEKDAY_WEIGHTS[day.weekday()] * (1.1 - 0.2 * progress)


def _victims(rng: random.Random, kind: IncidentKind) -> tuple[int, int]:
    """About 1 in 9 shootings kills someone and about 4 in 10 injure someone."""
    if kind != IncidentKind.SHOOTING:
        return 0, 0
    killed = (1 + (rng.random() < 0.08)) if rng.random() < 1 / 9 else 0
    injured = 0
    if rng.random() < 0.4:
        injured = 1
        while injured < 5 and rng.random() < 0.25:
            injured += 1
    return injured, killed


def _agency(rng: random.Random, kind: IncidentKind, town: Town, juris: Jurisdiction) -> Agency:
    """Mostly the town's department; task forces take some gun recoveries in the big cities,
    and the State Police some highway shootings."""
    local = juris.of_town(town.id)
    if kind == IncidentKind.GUN_RECOVERY and town.name in TASK_FORCE_CITIES and rng.random() < 0.1:
        return pick(rng, [(juris.task_force, 6), (juris.atf, 2), (juris.fbi, 2)])
    highway = kind != IncidentKind.GUN_RECOVERY and local is not juris.state_police
    if highway and rng.random() < 0.015:
        return juris.state_police
    return local


def make_incidents(
    rng: random.Random,
    window: Window,
    towns: list[Town],
    juris: Jurisdiction,
    places: dict[int, TownPlaces],
    count: int,
) -> list[Incident]:
    """``count`` incidents in time order, ids 1..count, numbered per agency and year."""
    days = window.days()
    day_choice = Weighted(days, [day_weight(d, window) for d in days])
    hour_choice = Weighted(list(range(24)), HOUR_WEIGHTS)
    kind_choice = Weighted([k for k, _ in KIND_SHARES], [w for _, w in KIND_SHARES])
    shooting_towns = town_choice(towns, SHOOTING_SHARES)
    recovery_towns = town_choice(towns, RECOVERY_SHARES)
    incidents: list[Incident] = []
    for _ in range(count):
        kind = kind_choice.draw(rng)
        town = (recovery_towns if kind == IncidentKind.GUN_RECOVERY else shooting_towns).draw(rng)
        while True:
            day = day_choice.draw(rng)
            minutes = hour_choice.draw(rng) * 60 + rng.randrange(60)
            occurred = datetime.combine(day, time.min) + timedelta(minutes=minutes)
            if window.start <= occurred < window.as_of:
                break
        injured, killed = _victims(rng, kind)
        agency = _agency(rng, kind, town, juris)
        place = places[town.id].draw(rng)
        incidents.append(Incident(0, agency, "", occurred, kind, town, injured, killed, place))
    incidents.sort(key=lambda i: i.occurred_at)  # stable: ties keep their draw order
    _number(incidents, rng)
    return incidents


def _number(incidents: list[Incident], rng: random.Random) -> None:
    """Ids in time order; RMS numbers like ``HPD-2025-004512``: per agency and year, rising with
    gaps (an RMS numbers every call, not only gun crimes), so unique per agency."""
    last: dict[tuple[int, int], int] = {}
    for i, incident in enumerate(incidents, start=1):
        incident.id = i
        key = (incident.agency.id, incident.occurred_at.year)
        seq = last.get(key, 0) + rng.randint(1, 25)
        last[key] = seq
        incident.number = f"{incident.agency.prefix}-{key[1]}-{seq:06d}"
