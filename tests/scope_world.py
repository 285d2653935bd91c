"""A hand-built three-agency store where what each agency may see is known by construction.

Every incident carries a token (its incident number, e.g. "BX-0001") that also appears in its
address, its evidence item and firearm numbers, the firearm's serial and trace purchaser, the
forensic result's subject, the case event's outcome and the lab request's case number. Incident
ids are large and distinctive (900001...), so an id found in a query's output cannot be a count.

Agencies A, B, C (Hartford, New Haven, Bridgeport) and three leads:
* LEAD-AB (open) links AS-0001 (A) and BS-0001 (B): shared between A and B.
* LEAD-BC (confirmed) links BC-0001 (B) and CB-0001 (C): shared between B and C, not A.
* LEAD-AE (excluded by an examiner) links AE-0001 (A) and BE-0001 (B): shares nothing.
* LEAD-BB (open) links BS-0001 and BX-0001, both B's: A sees BS-0001 (through LEAD-AB) but must
  never be told LEAD-BB, which a case event on BS-0001 also carries.
AX-0001, BX-0001 and CX-0001 belong to their agency alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Engine

from cgic_data import schema as s
from tests.factory import Builder

AGENCIES = {
    "A": "Hartford Police Department",
    "B": "New Haven Police Department",
    "C": "Bridgeport Police Department",
}
# incident number -> (agency key, agencies that may see it)
INCIDENTS: dict[str, tuple[str, frozenset[str]]] = {
    "AX-0001": ("A", frozenset("A")),
    "AS-0001": ("A", frozenset("AB")),
    "AE-0001": ("A", frozenset("A")),
    "BX-0001": ("B", frozenset("B")),
    "BS-0001": ("B", frozenset("AB")),
    "BE-0001": ("B", frozenset("B")),
    "BC-0001": ("B", frozenset("BC")),
    "CB-0001": ("C", frozenset("BC")),
    "CX-0001": ("C", frozenset("C")),
}
LEADS: dict[str, tuple[list[str], s.LeadStatus, frozenset[str]]] = {
    "LEAD-AB": (["AS-0001", "BS-0001"], s.LeadStatus.OPEN, frozenset("AB")),
    "LEAD-BC": (["BC-0001", "CB-0001"], s.LeadStatus.CONFIRMED, frozenset("BC")),
    "LEAD-AE": (["AE-0001", "BE-0001"], s.LeadStatus.EXCLUDED, frozenset("AB")),
    "LEAD-BB": (["BS-0001", "BX-0001"], s.LeadStatus.OPEN, frozenset("B")),
}
FIRST_ID = 900_001
DAY = datetime(2025, 6, 10, 22, 0)
AS_OF = date(2025, 12, 31)


@dataclass(frozen=True)
class World:
    engine: Engine
    agency_ids: dict[str, int]  # "A" -> id
    incident_ids: dict[str, int]  # incident number -> id
    lead_ids: dict[str, int]

    def hidden_from(self, agency: str) -> tuple[set[str], set[int]]:
        """(tokens, incident ids) that a viewer of ``agency`` must never receive."""
        numbers = {n for n, (_, seen_by) in INCIDENTS.items() if agency not in seen_by}
        numbers |= {n for n, (_, _, seen_by) in LEADS.items() if agency not in seen_by}
        return numbers, {self.incident_ids[n] for n in numbers if n in self.incident_ids}

    def visible_to(self, agency: str) -> set[int]:
        return {self.incident_ids[n] for n, (_, seen) in INCIDENTS.items() if agency in seen}


def build_world(engine: Engine) -> World:
    b = Builder(engine)
    towns = {key: b.town(f"Town {key}") for key in AGENCIES}
    agency_ids = {key: b.agency(f"CT{key}0000", name=name) for key, name in AGENCIES.items()}
    incident_ids: dict[str, int] = {}
    items: dict[str, int] = {}
    for offset, (number, (key, _)) in enumerate(INCIDENTS.items()):
        occurred = DAY + timedelta(days=offset)
        incident = b._insert(
            s.Incident,
            id=FIRST_ID + offset,
            agency_id=agency_ids[key],
            incident_number=number,
            occurred_at=occurred,
            kind=s.IncidentKind.SHOOTING,
            victims_injured=1,
            victims_killed=0,
            lat=41.7,
            lon=-72.7,
            town_id=towns[key],
            address=f"1 {number} Street",
        )
        incident_ids[number] = incident
        request = b.request(
            agency_ids[key],
            occurred + timedelta(days=1),
            completed_at=occurred + timedelta(days=20) if offset % 2 else None,
            incident_id=incident,
            case_number=f"LB-{number}",
        )
        firearm = b._insert(
            s.Firearm,
            firearm_number=f"FA-{number}",
            make="Glock",
            model="19",
            caliber="9mm Luger",
            serial_number=f"SN-{number}",
            serial_obliterated=False,
            recovery_incident_id=incident,
            recovered_at=occurred,
        )
        items[number] = b.item(
            incident,
            number=f"IT-{number}",
            recovered_at=occurred,
            received_at=occurred + timedelta(days=1),
            nibin_entered_at=occurred + timedelta(days=2),
            lab_request_id=request,
        )
        b.item(
            incident,
            number=f"FI-{number}",
            kind=s.ItemKind.FIREARM,
            firearm_id=firearm,
            recovered_at=occurred,
            lab_request_id=request,
        )
        b.trace(
            firearm,
            requested_at=occurred + timedelta(days=1),
            completed_at=occurred + timedelta(days=8),
            time_to_crime_days=400,
            purchaser_ref=f"PU-{number}",
        )
        b.result(
            items[number], reported_at=occurred + timedelta(days=30), subject_ref=f"SU-{number}"
        )
        b.case_event(
            s.CaseEventKind.ARREST,
            occurred + timedelta(days=40),
            incident_id=incident,
            outcome=f"arrest {number}",
        )
    lead_ids = {
        number: b.lead(
            [items[n] for n in members],
            number=number,
            status=status,
            issued_at=DAY + timedelta(days=12),
            confirmed_at=DAY + timedelta(days=14) if status is s.LeadStatus.CONFIRMED else None,
        )
        for number, (members, status, _) in LEADS.items()
    }
    b.case_event(
        s.CaseEventKind.FOLLOW_UP,
        DAY + timedelta(days=50),
        incident_id=incident_ids["BS-0001"],
        lead_id=lead_ids["LEAD-BB"],
        outcome="follow-up on a lead between B's own incidents",
    )
    return World(engine, agency_ids, incident_ids, lead_ids)
