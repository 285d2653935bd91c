"""NIBIN leads: issued when a gun's casings (or test fire) from another event are entered.

A lead is issued 4-12 hours after the entry that produced it (sometimes days). Later events of
the same gun are mostly ADDED to the gun's latest lead (``added_at`` after ``issued_at``: the lead
grows); sometimes a NEW lead links the new event to one earlier event, so a gun's series is joined
transitively across several leads. About 60% of older leads are confirmed by an examiner weeks
later; recent ones are mostly open. Excluded leads are false correlations between DIFFERENT guns
that an examiner rejected: they must not join series.

Every lead links items from at least two incidents, or one incident and a test fire.
"""

from __future__ import annotations

import random
from bisect import bisect_left
from dataclasses import dataclass
from datetime import datetime, timedelta

from cgic_data.demo.chance import days, hours, lognormal, pick
from cgic_data.demo.evidence import Item
from cgic_data.demo.guns import Gun
from cgic_data.demo.incidents import Window
from cgic_data.demo.reference import Agency
from cgic_data.schema import ItemKind, LeadStatus

SURNAMES = [
    "Rivera", "Kowalski", "Brennan", "Okafor", "Delgado", "Marchetti", "Nguyen", "Sullivan",
    "Castillo", "Haddad", "Lindqvist", "Moreau", "Petrakis", "Quinlan", "Santos", "Whitfield",
    "Abernathy", "Baptiste", "Calloway", "Donnelly", "Esposito", "Fitzgerald", "Gallagher",
    "Holloway", "Iacono", "Jankowski", "Kaminski", "Lombardi", "Mancuso", "Novak", "Ortega",
    "Pellegrino", "Reyes", "Szymanski", "Thibodeau", "Underwood", "Vasquez", "Wojcik", "Yates",
]  # fmt: skip
OUTCOMES = [
    "Suspect identified; arrest warrant application submitted",
    "Arrest made; charges filed in linked incidents",
    "Linked incidents referred to the Gun Tracing Task Force",
    "Firearm recovered during search warrant",
    "Victims and witnesses re-interviewed; no new information",
    "Added to ongoing group violence investigation",
    "No further investigative value at this time",
]
EXCLUDED_OUTCOME = "Lead excluded by examiner comparison; no further action"


@dataclass(slots=True, eq=False)
class Lead:
    issued_at: datetime
    trigger: Item  # the entry that produced the lead: its agency works the lead
    members: list[tuple[Item, datetime]]  # (item, added_at)
    gun: Gun | None  # None: a false correlation between different guns
    status: LeadStatus = LeadStatus.OPEN
    confirmed_at: datetime | None = None
    excluded_at: datetime | None = None
    assigned_to: str | None = None
    assigned_at: datetime | None = None
    follow_up_status: str | None = None
    outcome: str | None = None
    id: int = 0
    number: str = ""

    def row(self) -> dict[str, object]:
        return {
            "id": self.id,
            "lead_number": self.number,
            "issued_at": self.issued_at,
            "status": self.status,
            "confirmed_at": self.confirmed_at,
            "excluded_at": self.excluded_at,
            "assigned_to": self.assigned_to,
            "assigned_at": self.assigned_at,
            "follow_up_status": self.follow_up_status,
            "outcome": self.outcome,
        }

    def item_rows(self) -> list[dict[str, object]]:
        return [
            {"lead_id": self.id, "item_id": item.id, "added_at": added}
            for item, added in self.members
        ]


def _issue_delay(rng: random.Random) -> timedelta:
    """Connecticut's kiosks return leads 4-12 h after entry; sometimes review takes days."""
    return hours(rng.uniform(4, 12)) if rng.random() < 0.85 else days(rng.uniform(1, 6))


def nibin_events(items: list[Item]) -> dict[int, list[Item]]:
    """Per gun id, its entered exemplars in entry order: one casing per incident, test fires."""
    seen: set[tuple[int, int]] = set()
    events: dict[int, list[Item]] = {}
    for item in items:
        if item.gun is None or item.nibin_entered_at is None:
            continue
        if item.kind == ItemKind.CARTRIDGE_CASE:
            key = (item.gun.id, item.incident.id)
            if key in seen:
                continue
            seen.add(key)
        elif item.kind != ItemKind.TEST_FIRE:
            continue
        events.setdefault(item.gun.id, []).append(item)
    for gun_events in events.values():
        gun_events.sort(key=lambda i: (i.nibin_entered_at, i.id))
    return events


class LeadBook:
    """Issues, grows, confirms, excludes and assigns leads."""

    def __init__(self, rng: random.Random, window: Window) -> None:
        self.rng, self.window = rng, window
        self.leads: list[Lead] = []

    def correlate(self, guns: list[Gun], items: list[Item]) -> None:
        events = nibin_events(items)
        for gun in guns:
            self._gun_leads(gun, events.get(gun.id, []))
        self._false_correlations(events)
        self._number()

    def _gun_leads(self, gun: Gun, events: list[Item]) -> None:
        rng, as_of = self.rng, self.window.as_of
        mine: list[Lead] = []
        for k in range(1, len(events)):
            event = events[k]
            assert event.nibin_entered_at is not None
            if rng.random() < 0.05:  # the correlation missed it; a later entry may still link
                continue
            if all(e.incident is event.incident for e in events[:k]):
                continue  # a test fire from the gun found at this very scene: compared in-case
            at = event.nibin_entered_at + _issue_delay(rng)
            if at > as_of:
                continue
            if not mine:
                members = [(e, at) for e in events[:k]] + [(event, at)]
                mine.append(self._new(Lead(at, event, members, gun)))
            elif rng.random() < 0.72:
                lead = mine[-1]
                added = max(at, lead.issued_at + hours(rng.uniform(1, 6)))
                if added <= as_of:
                    lead.members.append((event, added))
            else:
                others = [e for e in events[:k] if e.incident is not event.incident]
                partner = others[-1] if rng.random() < 0.6 else rng.choice(others)
                mine.append(self._new(Lead(at, event, [(partner, at), (event, at)], gun)))

    def _new(self, lead: Lead) -> Lead:
        """Decide a true lead's examiner review: ~62% confirmed weeks later (if that is past)."""
        rng = self.rng
        if rng.random() < 0.62:
            confirmed = lead.issued_at + days(max(7.0, lognormal(rng, 30, 0.6)))
            if confirmed <= self.window.as_of:
                lead.status, lead.confirmed_at = LeadStatus.CONFIRMED, confirmed
        self.leads.append(lead)
        return lead

    def _false_correlations(self, events: dict[int, list[Item]]) -> None:
        """About 5% more leads pair casings of two different guns of one caliber; an examiner
        excluded each of them (only those whose review is already past are kept)."""
        rng, as_of = self.rng, self.window.as_of
        casings = sorted(
            (e for es in events.values() for e in es if e.kind == ItemKind.CARTRIDGE_CASE),
            key=lambda i: (i.nibin_entered_at, i.id),
        )
        by_caliber: dict[str | None, list[Item]] = {}
        for item in casings:
            by_caliber.setdefault(item.caliber, []).append(item)
        wanted = round(0.05 * len(self.leads))
        for _ in range(wanted * 3):
            if wanted == 0 or not casings:
                break
            later = rng.choice(casings)
            pool = by_caliber[later.caliber]
            assert later.nibin_entered_at is not None
            end = bisect_left(pool, later.nibin_entered_at, key=lambda i: i.nibin_entered_at)
            if end == 0:
                continue
            earlier = pool[rng.randrange(max(0, end - 200), end)]
            if earlier.gun is later.gun or earlier.incident is later.incident:
                continue
            issued = later.nibin_entered_at + _issue_delay(rng)
            excluded = issued + days(rng.uniform(7, 60))
            if excluded > as_of:
                continue
            lead = Lead(issued, later, [(earlier, issued), (later, issued)], None)
            lead.status, lead.excluded_at = LeadStatus.EXCLUDED, excluded
            self.leads.append(lead)
            wanted -= 1

    def _number(self) -> None:
        """Ids in order of issue; opaque numbers like ``NIBIN-CT-2025-00123`` per year."""
        self.leads.sort(key=lambda lead: lead.issued_at)  # stable
        seq: dict[int, int] = {}
        for i, lead in enumerate(self.leads, start=1):
            year = lead.issued_at.year
            seq[year] = seq.get(year, 0) + 1
            lead.id, lead.number = i, f"NIBIN-CT-{year}-{seq[year]:05d}"

    def assign(self, rosters: dict[int, list[str]]) -> None:
        """Most leads go to an investigator of the agency whose entry produced them; the
        follow-up status and outcome follow from how long ago that was."""
        rng, as_of = self.rng, self.window.as_of
        for lead in self.leads:
            age = (as_of - lead.issued_at).total_seconds() / 86400
            if rng.random() >= (0.4 if age < 2 else 0.75):
                continue
            assigned = lead.issued_at + hours(lognormal(rng, 18, 0.8))
            if assigned > as_of:
                continue
            agency: Agency = lead.trigger.incident.agency
            lead.assigned_to, lead.assigned_at = rng.choice(rosters[agency.id]), assigned
            since = (as_of - assigned).total_seconds() / 86400
            if lead.status == LeadStatus.EXCLUDED:
                lead.follow_up_status, lead.outcome = "closed", EXCLUDED_OUTCOME
                continue
            if since < 3:
                weights = [("not started", 70), ("in progress", 30)]
            elif since < 30:
                weights = [("not started", 20), ("in progress", 60), ("closed", 20)]
            else:
                weights = [("not started", 5), ("in progress", 30), ("closed", 65)]
            lead.follow_up_status = pick(rng, weights)
            if lead.follow_up_status == "closed":
                lead.outcome = rng.choice(OUTCOMES)


def rosters(
    rng: random.Random, agencies: list[Agency], workload: dict[int, int]
) -> dict[int, list[str]]:
    """Invented investigators per agency (``Det. A. Rivera``), more where there is more work."""
    out: dict[int, list[str]] = {}
    for agency in agencies:
        size = min(12, max(2, round(workload.get(agency.id, 0) ** 0.5 / 2)))
        names: list[str] = []
        while len(names) < size:
            name = f"{agency.title} {rng.choice('ABCDEFGHJKLMNPRST')}. {rng.choice(SURNAMES)}"
            if name not in names:
                names.append(name)
        out[agency.id] = names
    return out
