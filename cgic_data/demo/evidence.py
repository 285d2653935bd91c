"""Evidence and submissions: what officers collect, when the lab receives it, when NIBIN gets it.

One incident's evidence goes to the lab as one lab case (``L25-004512``) holding one request per
discipline: firearms/NIBIN (cartridge cases, bullets, firearms and their test fires), DNA (swabs)
and latent prints (lifts). Evidence that has not reached the lab by ``as_of`` is not in the data
yet, as a LIMS export would not show it. Standalone cases (no incident in the RMS feed) round out
the lab's intake; they have no items, because every item belongs to an incident.

A test fire is made by the lab: its ``recovered_at`` is when the gun was test-fired and its
``received_at`` that of the gun it came from (so receipt -> NIBIN entry includes the wait for the
test fire, as the lab director's timeliness figure should).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cgic_data.demo.chance import Weighted, business_hours, days, hours, lognormal, pick
from cgic_data.demo.guns import Gun
from cgic_data.demo.incidents import Incident, Window
from cgic_data.demo.reference import Agency
from cgic_data.schema import Discipline, IncidentKind, ItemKind, Priority, RequestStatus

CASINGS_WEIGHTS = [18, 16, 14, 12, 10, 8, 7, 6, 5, 4]  # 1..10 casings per gun per scene
# Standalone requests per year at scale 1 (a state lab's intake is far larger than gun cases).
STANDALONE_PER_YEAR = {
    Discipline.FIREARMS_NIBIN: 550,
    Discipline.DNA: 1000,
    Discipline.LATENT_PRINTS: 350,
}
LAW_IN_FORCE = datetime(2024, 10, 1)  # PA 24-32: casings submitted as soon as practicable
MIN_WORK_DAYS = {Priority.RUSH: 1, Priority.COURT: 3, Priority.ROUTINE: 5}


@dataclass(slots=True, eq=False)
class Item:
    incident: Incident
    kind: ItemKind
    caliber: str | None
    recovered_at: datetime | None
    gun: Gun | None = None  # the gun that fired it (casings, test fires) or that it is (firearm)
    nibin_entered_at: datetime | None = None
    id: int = 0
    number: str = ""
    request: Request | None = None

    @property
    def received_at(self) -> datetime:
        assert self.request is not None
        return self.request.case.received_at

    def row(self) -> dict[str, object]:
        holds_gun = self.kind in (ItemKind.FIREARM, ItemKind.TEST_FIRE)
        return {
            "id": self.id,
            "item_number": self.number,
            "incident_id": self.incident.id,
            "lab_request_id": self.request.id if self.request else None,
            "firearm_id": self.gun.firearm_id if holds_gun and self.gun else None,
            "kind": self.kind,
            "caliber": self.caliber,
            "recovered_at": self.recovered_at,
            "received_at": self.received_at,
            "nibin_entered_at": self.nibin_entered_at,
        }


@dataclass(slots=True, eq=False)
class Request:
    """One discipline's work on one lab case; see ``cgic_data.demo.lab`` for its life cycle."""

    case: LabCase
    discipline: Discipline
    priority: Priority
    items: list[Item] = field(default_factory=list)
    ready_at: datetime | None = None  # earliest moment the report can be signed
    completed_at: datetime | None = None
    reopened_at: datetime | None = None
    status: RequestStatus = RequestStatus.OPEN
    id: int = 0

    def row(self) -> dict[str, object]:
        return {
            "id": self.id,
            "lab_case_number": self.case.number,
            "agency_id": self.case.agency.id,
            "incident_id": self.case.incident.id if self.case.incident else None,
            "discipline": self.discipline,
            "received_at": self.case.received_at,
            "completed_at": self.completed_at,
            "reopened_at": self.reopened_at,
            "status": self.status,
            "priority": self.priority,
        }


@dataclass(slots=True, eq=False)
class LabCase:
    agency: Agency
    incident: Incident | None
    received_at: datetime
    requests: list[Request] = field(default_factory=list)
    number: str = ""

    def request(self, discipline: Discipline) -> Request | None:
        return next((r for r in self.requests if r.discipline == discipline), None)


PRIORITIES = [Priority.RUSH, Priority.COURT, Priority.ROUTINE]
HOMICIDE_PRIORITY = Weighted(PRIORITIES, [0.6, 0.05, 1.0])  # homicides are mostly rushed
USUAL_PRIORITY = Weighted(PRIORITIES, [0.08, 0.05, 1.0])


def _priority(rng: random.Random, incident: Incident | None) -> Priority:
    homicide = incident is not None and incident.killed
    return (HOMICIDE_PRIORITY if homicide else USUAL_PRIORITY).draw(rng)


def _submission_delay(rng: random.Random, recovered: datetime) -> timedelta:
    """Most evidence reaches the lab within 1-5 days; a long tail sits in a property room.
    Submission speeds up once PA 24-32 requires it "as soon as practicable" (October 2024)."""
    weights = (70, 20, 7, 3) if recovered >= LAW_IN_FORCE else (55, 27, 13, 5)
    buckets = [(0.3, 2), (2, 5), (5, 20), (20, 120)]
    low, high = pick(rng, list(zip(buckets, weights, strict=True)))
    return days(rng.uniform(low, high))


def _entry_delay(rng: random.Random, rush: bool) -> timedelta | None:
    """Receipt to NIBIN entry: mostly 24-72 h, some within a day, some weeks late, a few never."""
    if rush and rng.random() < 0.6:
        return hours(rng.uniform(3, 24))
    choice = pick(rng, [("day", 30), ("days", 45), ("week", 15), ("weeks", 6), ("never", 4)])
    if choice == "never":
        return None
    low, high = {"day": (4, 24), "days": (24, 72), "week": (72, 336), "weeks": (336, 1440)}[choice]
    return hours(rng.uniform(low, high))


class Intake:
    """Builds lab cases, items, requests, NIBIN entries and test fires, incident by incident."""

    def __init__(self, rng: random.Random, window: Window) -> None:
        self.rng, self.window = rng, window
        self.cases: list[LabCase] = []
        self.casing_counts = Weighted(list(range(1, 11)), CASINGS_WEIGHTS)

    def scene_time(self, incident: Incident) -> datetime:
        return min(incident.occurred_at + hours(self.rng.uniform(0.3, 5)), self.window.as_of)

    def collect(self, incident: Incident) -> None:
        """Collect an incident's evidence; submit it unless it has not reached the lab yet."""
        rng = self.rng
        items: list[Item] = []
        for gun in incident.guns:
            at = self.scene_time(incident)
            n = self.casing_counts.draw(rng)
            items += [
                Item(incident, ItemKind.CARTRIDGE_CASE, gun.caliber, at, gun) for _ in range(n)
            ]
        is_shooting = incident.kind == IncidentKind.SHOOTING
        if rng.random() < (0.45 if is_shooting else 0.15 if incident.guns else 0):
            for _ in range(rng.randint(1, 3 if is_shooting else 2)):
                gun = rng.choice(incident.guns) if incident.guns and rng.random() < 0.7 else None
                caliber = gun.caliber if gun else None
                at = self.scene_time(incident)
                items.append(Item(incident, ItemKind.BULLET, caliber, at, gun))
        for gun in incident.recovered:
            assert gun.recovered_at is not None
            items.append(Item(incident, ItemKind.FIREARM, gun.caliber, gun.recovered_at, gun))
        if not items:
            return
        recovery = incident.kind == IncidentKind.GUN_RECOVERY
        swabs = rng.random() < (0.45 if recovery else 0.3)
        lifts = rng.random() < (0.3 if recovery else 0.2)
        at = max(i.recovered_at for i in items if i.recovered_at is not None)
        if swabs:
            items += [Item(incident, ItemKind.SWAB, None, at) for _ in range(rng.randint(1, 3))]
        if lifts:
            items += [
                Item(incident, ItemKind.LATENT_LIFT, None, at) for _ in range(rng.randint(1, 3))
            ]
        received = business_hours(at + _submission_delay(rng, at), rng)
        if received > self.window.as_of:
            return
        self._submit(incident, items, received)

    def _submit(self, incident: Incident, items: list[Item], received: datetime) -> None:
        case = LabCase(incident.agency, incident, received)
        self.cases.append(case)
        by_discipline = {
            Discipline.FIREARMS_NIBIN: [
                i for i in items if i.kind not in (ItemKind.SWAB, ItemKind.LATENT_LIFT)
            ],
            Discipline.DNA: [i for i in items if i.kind == ItemKind.SWAB],
            Discipline.LATENT_PRINTS: [i for i in items if i.kind == ItemKind.LATENT_LIFT],
        }
        for discipline, members in by_discipline.items():
            if not members:
                continue
            request = Request(case, discipline, _priority(self.rng, incident), members)
            case.requests.append(request)
            for item in members:
                item.request = request
        firearms = case.request(Discipline.FIREARMS_NIBIN)
        if firearms is not None:
            self._enter_nibin(firearms)
        for request in case.requests:
            self._ready(request)

    def _enter_nibin(self, request: Request) -> None:
        """Casings of one gun are entered together; each recovered gun is test-fired and entered."""
        rng, as_of = self.rng, self.window.as_of
        rush = request.priority == Priority.RUSH
        received = request.case.received_at
        entered: dict[int, datetime | None] = {}
        for item in list(request.items):
            if item.kind == ItemKind.CARTRIDGE_CASE and item.gun is not None:
                if item.gun.id not in entered:
                    delay = _entry_delay(rng, rush)
                    at = received + delay if delay is not None else None
                    entered[item.gun.id] = at if at is not None and at <= as_of else None
                item.nibin_entered_at = entered[item.gun.id]
            elif item.kind == ItemKind.FIREARM and item.gun is not None and rng.random() < 0.98:
                fired = business_hours(received + days(lognormal(rng, 2 if rush else 5, 0.8)), rng)
                if fired > as_of:
                    continue
                test = Item(item.incident, ItemKind.TEST_FIRE, item.gun.caliber, fired, item.gun)
                delay = _entry_delay(rng, True)
                at = fired + delay if delay is not None else None
                test.nibin_entered_at = at if at is not None and at <= as_of else None
                test.request = request
                request.items.append(test)

    def _ready(self, request: Request) -> None:
        """A report can be signed after the minimum work time and after every NIBIN entry."""
        floor = request.case.received_at + days(MIN_WORK_DAYS[request.priority])
        entries = [i.nibin_entered_at for i in request.items if i.nibin_entered_at is not None]
        tests = [i.recovered_at for i in request.items if i.kind == ItemKind.TEST_FIRE]
        request.ready_at = max([floor, *entries, *(t for t in tests if t is not None)])

    def standalone(self, scale: float, agencies: Weighted[Agency]) -> None:
        """Requests without an incident in the feeds (other cases the lab works)."""
        rng, window = self.rng, self.window
        span = (window.as_of - window.start).total_seconds() / 86400
        years = span / 365.25
        for discipline, per_year in STANDALONE_PER_YEAR.items():
            for _ in range(round(per_year * years * scale)):
                while True:
                    moment = window.start + days(rng.uniform(0, span))
                    if moment.weekday() < 5 or rng.random() < 0.1:
                        break
                received = business_hours(moment, rng)
                if received > window.as_of:
                    continue
                case = LabCase(agencies.draw(rng), None, received)
                request = Request(case, discipline, _priority(rng, None))
                case.requests.append(request)
                self._ready(request)
                self.cases.append(case)

    def number(self) -> None:
        """Ids and numbers in order of receipt: lab cases ``L25-004512`` (per year, with gaps
        for other case types), items ``L25-004512-003``, firearms ``FA25-00012``."""
        rng = self.rng
        self.cases.sort(key=lambda c: c.received_at)  # stable: ties keep creation order
        case_seq: dict[int, int] = {}
        firearm_seq: dict[int, int] = {}
        request_id = item_id = firearm_id = 0
        for case in self.cases:
            year = case.received_at.year
            case_seq[year] = case_seq.get(year, 0) + rng.randint(1, 2)
            case.number = f"L{year % 100:02d}-{case_seq[year]:06d}"
            n = 0
            for request in case.requests:
                request_id += 1
                request.id = request_id
                for item in request.items:
                    item_id += 1
                    n += 1
                    item.id, item.number = item_id, f"{case.number}-{n:03d}"
                    gun = item.gun
                    if item.kind == ItemKind.FIREARM and gun is not None:
                        firearm_id += 1
                        firearm_seq[year] = firearm_seq.get(year, 0) + 1
                        gun.firearm_id = firearm_id
                        gun.firearm_number = f"FA{year % 100:02d}-{firearm_seq[year]:05d}"

    def requests(self) -> Iterator[Request]:
        for case in self.cases:
            yield from case.requests

    def items(self) -> Iterator[Item]:
        for request in self.requests():
            yield from request.items
