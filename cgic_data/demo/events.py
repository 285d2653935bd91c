"""Case events, the feedback loop: arrests and charges after recoveries and hits, lead follow-up.

Arrests follow a gun recovery (the possessor) or a CODIS/AFIS hit weeks later; charges follow
arrests. Investigators who work a lead record their follow-up steps against it, and the step that
closes a lead carries its outcome.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from cgic_data.demo.chance import days, hours
from cgic_data.demo.guns import Gun
from cgic_data.demo.incidents import Incident, Window
from cgic_data.demo.leads import Lead
from cgic_data.demo.results import Result
from cgic_data.schema import CaseEventKind, IncidentKind, ResultKind

FOLLOW_UP_NOTES = [
    "Reviewed linked case files with the other agency's investigator",
    "Canvassed the linked locations for cameras",
    "Requested the trace report for the recovered firearm",
    "Interviewed the victim again about the linked incident",
    "Shared the lead with the Gun Tracing Task Force",
    "Checked the linked incidents against known group conflicts",
]


@dataclass(slots=True, eq=False)
class CaseEvent:
    kind: CaseEventKind
    occurred_at: datetime
    incident: Incident | None
    lead: Lead | None
    outcome: str | None
    notes: str | None
    recorded_by: str | None
    id: int = 0
    number: str = ""

    def row(self) -> dict[str, object]:
        return {
            "id": self.id,
            "event_number": self.number,
            "incident_id": self.incident.id if self.incident else None,
            "lead_id": self.lead.id if self.lead else None,
            "kind": self.kind,
            "occurred_at": self.occurred_at,
            "outcome": self.outcome,
            "notes": self.notes,
            "recorded_by": self.recorded_by,
        }


def _charge(gun: Gun | None, incident: Incident) -> str:
    if incident.kind != IncidentKind.GUN_RECOVERY:
        return "Charged: murder" if incident.killed else "Charged: assault in the first degree"
    if gun is not None and gun.model.ghost:
        return "Charged: possession of an unserialized firearm"
    if gun is not None and gun.obliterated:
        return "Charged: altering a firearm's identification marks"
    return "Charged: criminal possession of a firearm"


class Recorder:
    def __init__(self, rng: random.Random, window: Window, rosters: dict[int, list[str]]) -> None:
        self.rng, self.window, self.rosters = rng, window, rosters
        self.events: list[CaseEvent] = []

    def _add(
        self,
        kind: CaseEventKind,
        at: datetime,
        incident: Incident | None,
        *,
        lead: Lead | None = None,
        outcome: str | None = None,
        notes: str | None = None,
        by: str | None = None,
    ) -> None:
        if at > self.window.as_of:
            return
        if by is None and incident is not None:
            by = self.rng.choice(self.rosters[incident.agency.id])
        self.events.append(CaseEvent(kind, at, incident, lead, outcome, notes, by))

    def _arrest(self, at: datetime, incident: Incident, gun: Gun | None, why: str) -> None:
        self._add(CaseEventKind.ARREST, at, incident, outcome=why)
        if self.rng.random() < 0.85:
            later = at + days(self.rng.uniform(0.5, 3))
            self._add(CaseEventKind.CHARGE, later, incident, outcome=_charge(gun, incident))

    def recoveries(self, guns: list[Gun]) -> None:
        for gun in guns:
            incident, at = gun.recovery, gun.recovered_at
            if incident is None or at is None:
                continue
            if incident.kind != IncidentKind.GUN_RECOVERY:
                self._arrest(at + hours(1), incident, gun, "Arrest at scene: suspect had the gun")
            elif self.rng.random() < 0.55 and incident.recovered[0] is gun:
                later = at + hours(self.rng.uniform(0.2, 3))
                self._arrest(later, incident, gun, "Arrest: possessor taken into custody")

    def hits(self, results: list[Result]) -> None:
        for result in results:
            if result.kind not in (ResultKind.CODIS, ResultKind.AFIS):
                continue
            if self.rng.random() < 0.35:
                at = result.reported_at + days(self.rng.uniform(7, 120))
                why = f"Arrest following a {result.kind.value} hit"
                self._arrest(at, result.item.incident, None, why)

    def follow_ups(self, leads: list[Lead]) -> None:
        rng, as_of = self.rng, self.window.as_of
        for lead in leads:
            if lead.assigned_at is None or lead.follow_up_status not in ("in progress", "closed"):
                continue
            span = (as_of - lead.assigned_at).total_seconds() / 86400
            limit = max(0.2, min(span, 90))
            steps = sorted(rng.uniform(0.1, limit) for _ in range(rng.randint(1, 3)))
            for n, step in enumerate(steps, start=1):
                closing = lead.follow_up_status == "closed" and n == len(steps)
                self._add(
                    CaseEventKind.FOLLOW_UP,
                    lead.assigned_at + days(step),
                    lead.trigger.incident,
                    lead=lead,
                    outcome=lead.outcome if closing else None,
                    notes=rng.choice(FOLLOW_UP_NOTES),
                    by=lead.assigned_to,
                )

    def number(self) -> list[CaseEvent]:
        """Ids in time order; numbers like ``EV-2025-000123``."""
        self.events.sort(key=lambda e: e.occurred_at)
        seq: dict[int, int] = {}
        for i, event in enumerate(self.events, start=1):
            year = event.occurred_at.year
            seq[year] = seq.get(year, 0) + 1
            event.id, event.number = i, f"EV-{year}-{seq[year]:06d}"
        return self.events
