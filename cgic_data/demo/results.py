"""Forensic results from the other disciplines: CODIS and AFIS hits, drug chemistry, digital.

Hits point at people, so they carry pseudonymous subject references (``SUBJ-7F3A2C``), never
names. People come in crews: a crew uses one or more guns, and now and then someone moves between
crews, so the same subject turns up in the hits of different series. That is what lets the
network page show subjects tying series together.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from cgic_data.demo.chance import UniqueRefs, days, pick
from cgic_data.demo.evidence import Item, LabCase
from cgic_data.demo.guns import Gun
from cgic_data.demo.incidents import Window
from cgic_data.schema import Discipline, IncidentKind, ItemKind, ResultKind

CODIS_SUMMARIES = [
    "CODIS hit to the convicted offender index; confirmation sample requested",
    "CODIS hit to the arrestee index; investigative lead only",
    "CODIS forensic hit: same profile developed in another case",
]
AFIS_SUMMARIES = [
    "AFIS/NGI hit: candidate verified by a second examiner",
    "AFIS hit on a latent from the firearm; verified",
]
DRUG_SUMMARIES = [
    "Cocaine, {g} g net",
    "Fentanyl and xylazine mixture, {g} g net",
    "Crack cocaine, {g} g net",
    "Marijuana, {g} g net",
    "Heroin and fentanyl mixture, {g} g net",
]
DIGITAL_SUMMARIES = [
    "Phone extraction: location data near the scene at the time of the incident",
    "Video from a neighbouring business: vehicle of interest identified",
    "Social media returns: photos of a firearm consistent with the recovered caliber",
    "Phone extraction: messages discussing the incident",
]


@dataclass(slots=True, eq=False)
class Result:
    item: Item
    kind: ResultKind
    reported_at: datetime
    subject_ref: str | None
    summary: str
    id: int = 0
    number: str = ""

    def row(self) -> dict[str, object]:
        return {
            "id": self.id,
            "result_number": self.number,
            "item_id": self.item.id,
            "kind": self.kind,
            "reported_at": self.reported_at,
            "subject_ref": self.subject_ref,
            "summary": self.summary,
        }


class People:
    """Crews of pseudonymous subjects, attached to the guns they use."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.refs = UniqueRefs(rng, "SUBJ")
        self.crews: list[list[str]] = []
        self.by_town: dict[int, list[list[str]]] = {}
        self.of_gun: dict[int, list[str]] = {}

    def crew(self, gun: Gun) -> list[str]:
        if gun.id in self.of_gun:
            return self.of_gun[gun.id]
        rng = self.rng
        first = gun.uses[0] if gun.uses else gun.recovery
        assert first is not None
        local = self.by_town.setdefault(first.town.id, [])
        if local and rng.random() < 0.55:
            crew = rng.choice(local)  # the same group uses several guns
        else:
            crew = [self.refs.new() for _ in range(rng.randint(2, 5))]
            donors = local or self.crews
            if donors and rng.random() < 0.25:  # someone moves between groups
                crew.append(rng.choice(rng.choice(donors)))
            local.append(crew)
            self.crews.append(crew)
        self.of_gun[gun.id] = crew
        return crew

    def subject(self, item: Item) -> str:
        guns = item.incident.guns or item.incident.recovered
        if not guns:
            return self.refs.new()
        crew = self.crew(self.rng.choice(guns))
        # the core members (listed first) are the ones most often tied to the gun
        return pick(self.rng, [(ref, 1 / (n + 1)) for n, ref in enumerate(crew)])


def report(cases: list[LabCase], rng: random.Random, window: Window) -> list[Result]:
    """Results on incident cases, numbered ``R25-000123`` in order of reporting."""
    people = People(rng)
    as_of = window.as_of
    results: list[Result] = []

    def add(item: Item, kind: ResultKind, at: datetime, subject: str | None, text: str) -> None:
        if at <= as_of:
            results.append(Result(item, kind, at, subject, text))

    for case in cases:
        incident = case.incident
        if incident is None:
            continue
        for request in case.requests:
            done = request.completed_at
            if done is None:
                continue
            for item in request.items:
                if item.kind == ItemKind.SWAB and rng.random() < 0.15:
                    at = done + days(rng.uniform(0, 10))
                    text = rng.choice(CODIS_SUMMARIES)
                    add(item, ResultKind.CODIS, at, people.subject(item), text)
                elif item.kind == ItemKind.LATENT_LIFT and rng.random() < 0.18:
                    at = done + days(rng.uniform(0, 5))
                    text = rng.choice(AFIS_SUMMARIES)
                    add(item, ResultKind.AFIS, at, people.subject(item), text)
        firearms = case.request(Discipline.FIREARMS_NIBIN)
        if firearms is None or not firearms.items:
            continue
        anchor = firearms.items[0]
        if incident.kind == IncidentKind.GUN_RECOVERY and rng.random() < 0.15:
            low, high = pick(rng, [((0.2, 5), 3), ((5, 120), 1)])
            text = rng.choice(DRUG_SUMMARIES).format(g=round(rng.uniform(low, high), 1))
            at = case.received_at + days(rng.uniform(10, 60))
            add(anchor, ResultKind.DRUG_CHEMISTRY, at, None, text)
        if incident.killed and rng.random() < 0.3:
            at = case.received_at + days(rng.uniform(20, 90))
            add(anchor, ResultKind.DIGITAL, at, None, rng.choice(DIGITAL_SUMMARIES))
    results.sort(key=lambda r: r.reported_at)
    seq: dict[int, int] = {}
    for i, result in enumerate(results, start=1):
        year = result.reported_at.year
        seq[year] = seq.get(year, 0) + 1
        result.id, result.number = i, f"R{year % 100:02d}-{seq[year]:06d}"
    return results
