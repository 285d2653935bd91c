"""The demo world, stage by stage: towns and agencies, incidents, the guns behind them, evidence,
the lab's work, NIBIN leads, results, traces and follow-up.

Each stage draws from its own seeded stream (``chance.stream``), in a fixed order over lists (never
sets), so the same seed, scale and day always give the same rows. Ids are assigned here, in time
order, so rows link to each other without a round trip to the database.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Table

from cgic_data import schema as s
from cgic_data.demo.chance import Weighted, stream
from cgic_data.demo.events import CaseEvent, Recorder
from cgic_data.demo.evidence import Intake, Item, Request
from cgic_data.demo.guns import Armory, Gun
from cgic_data.demo.incidents import (
    INCIDENTS_PER_YEAR,
    SHOOTING_SHARES,
    YEARS,
    Incident,
    Window,
    make_incidents,
    town_choice,
)
from cgic_data.demo.lab import complete
from cgic_data.demo.leads import Lead, LeadBook, rosters
from cgic_data.demo.places import build_places
from cgic_data.demo.reference import Agency, Jurisdiction, Town, build_agencies, load_towns
from cgic_data.demo.results import Result, report
from cgic_data.demo.traces import Trace, Tracer
from cgic_data.schema import AgencyKind


def firearm_row(gun: Gun) -> dict[str, object]:
    assert gun.recovery is not None
    return {
        "id": gun.firearm_id,
        "firearm_number": gun.firearm_number,
        "make": gun.model.make,
        "model": gun.model.model,
        "caliber": gun.caliber,
        "serial_number": gun.serial,
        "serial_obliterated": gun.obliterated,
        "recovery_incident_id": gun.recovery.id,
        "recovered_at": gun.recovered_at,
    }


@dataclass
class DemoWorld:
    """Everything generated, as linked objects; ``tables()`` turns it into rows."""

    window: Window
    towns: list[Town]
    agencies: list[Agency]
    incidents: list[Incident]
    requests: list[Request]
    firearms: list[Gun]
    items: list[Item]
    leads: list[Lead]
    results: list[Result]
    traces: list[Trace]
    events: list[CaseEvent]

    def tables(self) -> list[tuple[Table, Callable[[], Iterable[dict[str, object]]]]]:
        """(table, rows) in foreign-key order; rows are produced lazily, chunk by chunk."""

        def rows(objects: Iterable[object]) -> Callable[[], Iterator[dict[str, object]]]:
            return lambda: (o.row() for o in objects)  # type: ignore[attr-defined]

        def lead_items() -> Iterator[dict[str, object]]:
            for lead in self.leads:
                yield from lead.item_rows()

        return [
            (s.Town.__table__, rows(self.towns)),
            (s.Agency.__table__, rows(self.agencies)),
            (s.Incident.__table__, rows(self.incidents)),
            (s.LabRequest.__table__, rows(self.requests)),
            (s.Firearm.__table__, lambda: (firearm_row(g) for g in self.firearms)),
            (s.EvidenceItem.__table__, rows(self.items)),
            (s.NibinLead.__table__, rows(self.leads)),
            (s.LeadItem.__table__, lead_items),
            (s.ForensicResult.__table__, rows(self.results)),
            (s.Trace.__table__, rows(self.traces)),
            (s.CaseEvent.__table__, rows(self.events)),
        ]  # type: ignore[return-value]


def generate(*, seed: int, scale: float, today: date) -> DemoWorld:
    """Build the whole demo world in memory (about 1.3 GB at scale 100)."""
    window = Window.ending(today)
    towns = load_towns()
    agencies = build_agencies(towns)
    juris = Jurisdiction(towns, agencies)
    places = build_places(towns, stream(seed, "places"))
    count = max(1, round(INCIDENTS_PER_YEAR * YEARS * scale))
    incidents = make_incidents(stream(seed, "incidents"), window, towns, juris, places, count)

    hubs = town_choice(towns, SHOOTING_SHARES)
    armory = Armory(stream(seed, "guns"), window, towns, juris, hubs)
    armory.fire(incidents)
    armory.recover(incidents)

    intake = Intake(stream(seed, "evidence"), window)
    for incident in incidents:
        intake.collect(incident)
    workload = Counter(i.agency.id for i in incidents)
    submitters = [a for a in agencies if a.kind != AgencyKind.LAB]
    weights = [workload[a.id] * (3 if a is juris.state_police else 1) + 1 for a in submitters]
    intake.standalone(scale, Weighted(submitters, weights))
    intake.number()
    requests = list(intake.requests())
    complete(requests, stream(seed, "lab"), window)
    items = list(intake.items())

    names = rosters(stream(seed, "people"), agencies, dict(workload))
    book = LeadBook(stream(seed, "leads"), window)
    book.correlate(armory.guns, items)
    book.assign(names)

    results = report(intake.cases, stream(seed, "results"), window)
    tracer = Tracer(stream(seed, "traces"), window)
    tracer.trace_all(armory.guns)

    recorder = Recorder(stream(seed, "events"), window, names)
    recorder.recoveries(armory.guns)
    recorder.hits(results)
    recorder.follow_ups(book.leads)
    events = recorder.number()

    firearms = sorted((g for g in armory.guns if g.firearm_id), key=lambda g: g.firearm_id or 0)
    return DemoWorld(
        window,
        towns,
        agencies,
        incidents,
        requests,
        firearms,
        items,
        book.leads,
        results,
        tracer.traces,
        events,
    )
