"""One factory for hand-built fixtures: each method inserts one row with sensible defaults and
returns its id, so a test states only the facts it is about."""

from __future__ import annotations

from datetime import date, datetime
from itertools import count
from typing import Any

from sqlalchemy import Engine, insert

from cgic_data import schema as s
from cgic_data import sharing


class Builder:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._n = count(1)

    def _insert(self, table: type[s.Base], /, **values: Any) -> int:
        # positional-only: a column may be called "model" (firearms)
        with self.engine.begin() as conn:
            return conn.execute(insert(table).returning(table.id), values).scalar_one()  # type: ignore[attr-defined]

    def _next(self, prefix: str) -> str:
        return f"{prefix}{next(self._n):05d}"

    def town(self, name: str | None = None, lat: float = 41.6, lon: float = -72.7) -> int:
        return self._insert(
            s.Town, name=name or self._next("Town"), lat=lat, lon=lon, population=1000
        )

    def agency(
        self,
        code: str | None = None,
        name: str | None = None,
        kind: s.AgencyKind = s.AgencyKind.LOCAL,
    ) -> int:
        code = code or self._next("CT")
        return self._insert(s.Agency, code=code, name=name or f"{code} Police", kind=kind)

    def incident(
        self,
        agency_id: int,
        occurred_at: datetime = datetime(2025, 6, 1, 22, 0),
        *,
        number: str | None = None,
        kind: s.IncidentKind = s.IncidentKind.SHOOTING,
        town_id: int | None = None,
        injured: int = 0,
        killed: int = 0,
        lat: float | None = 41.7,
        lon: float | None = -72.7,
    ) -> int:
        return self._insert(
            s.Incident,
            agency_id=agency_id,
            incident_number=number or self._next("INC-"),
            occurred_at=occurred_at,
            kind=kind,
            town_id=town_id,
            victims_injured=injured,
            victims_killed=killed,
            lat=lat,
            lon=lon,
        )

    def item(
        self,
        incident_id: int,
        *,
        number: str | None = None,
        kind: s.ItemKind = s.ItemKind.CARTRIDGE_CASE,
        caliber: str | None = "9mm Luger",
        recovered_at: datetime | None = None,
        received_at: datetime | None = None,
        nibin_entered_at: datetime | None = None,
        firearm_id: int | None = None,
        lab_request_id: int | None = None,
    ) -> int:
        return self._insert(
            s.EvidenceItem,
            item_number=number or self._next("ITEM-"),
            incident_id=incident_id,
            kind=kind,
            caliber=caliber,
            recovered_at=recovered_at,
            received_at=received_at,
            nibin_entered_at=nibin_entered_at,
            firearm_id=firearm_id,
            lab_request_id=lab_request_id,
        )

    def lead(
        self,
        item_ids: list[int],
        *,
        number: str | None = None,
        status: s.LeadStatus = s.LeadStatus.OPEN,
        issued_at: datetime = datetime(2025, 6, 3, 9, 0),
        confirmed_at: datetime | None = None,
    ) -> int:
        lead_id = self._insert(
            s.NibinLead,
            lead_number=number or self._next("LEAD-"),
            issued_at=issued_at,
            status=status,
            confirmed_at=confirmed_at,
        )
        with self.engine.begin() as conn:
            conn.execute(
                insert(s.LeadItem),
                [{"lead_id": lead_id, "item_id": i, "added_at": issued_at} for i in item_ids],
            )
            sharing.refresh_leads(conn, [lead_id])  # as every writer of leads does
        return lead_id

    def grow(self, lead_id: int, item_id: int, added_at: datetime) -> None:
        """An item joins an existing lead (the sharing tables follow, as in a real import)."""
        with self.engine.begin() as conn:
            conn.execute(
                insert(s.LeadItem).values(lead_id=lead_id, item_id=item_id, added_at=added_at)
            )
            sharing.refresh_leads(conn, [lead_id])

    def firearm(
        self,
        recovery_incident_id: int | None = None,
        *,
        caliber: str = "9mm Luger",
        recovered_at: datetime | None = None,
        obliterated: bool = False,
    ) -> int:
        return self._insert(
            s.Firearm,
            firearm_number=self._next("FA-"),
            make="Glock",
            model="19",
            caliber=caliber,
            serial_obliterated=obliterated,
            recovery_incident_id=recovery_incident_id,
            recovered_at=recovered_at,
        )

    def result(
        self,
        item_id: int,
        kind: s.ResultKind = s.ResultKind.CODIS,
        reported_at: datetime = datetime(2025, 7, 1),
        subject_ref: str | None = "SUBJ-1",
    ) -> int:
        return self._insert(
            s.ForensicResult,
            result_number=self._next("RES-"),
            item_id=item_id,
            kind=kind,
            reported_at=reported_at,
            subject_ref=subject_ref,
        )

    def trace(
        self,
        firearm_id: int,
        *,
        requested_at: datetime = datetime(2025, 6, 2),
        completed_at: datetime | None = datetime(2025, 6, 9),
        purchase_date: date | None = date(2021, 1, 1),
        dealer_state: str | None = "CT",
        dealer_ffl: str | None = "6-06-000-01-0A-00001",
        time_to_crime_days: int | None = None,
        purchaser_is_possessor: bool | None = False,
        purchaser_ref: str | None = None,
    ) -> int:
        return self._insert(
            s.Trace,
            trace_number=self._next("T"),
            firearm_id=firearm_id,
            requested_at=requested_at,
            completed_at=completed_at,
            purchase_date=purchase_date,
            dealer_name="Dealer",
            dealer_ffl=dealer_ffl,
            dealer_state=dealer_state,
            time_to_crime_days=time_to_crime_days,
            purchaser_is_possessor=purchaser_is_possessor,
            purchaser_ref=purchaser_ref,
        )

    def request(
        self,
        agency_id: int,
        received_at: datetime,
        *,
        completed_at: datetime | None = None,
        discipline: s.Discipline = s.Discipline.FIREARMS_NIBIN,
        priority: s.Priority = s.Priority.ROUTINE,
        status: s.RequestStatus | None = None,
        reopened_at: datetime | None = None,
        incident_id: int | None = None,
        case_number: str | None = None,
    ) -> int:
        if status is None:
            status = s.RequestStatus.COMPLETED if completed_at else s.RequestStatus.OPEN
        return self._insert(
            s.LabRequest,
            lab_case_number=case_number or self._next("L26-"),
            agency_id=agency_id,
            incident_id=incident_id,
            discipline=discipline,
            received_at=received_at,
            completed_at=completed_at,
            reopened_at=reopened_at,
            status=status,
            priority=priority,
        )

    def case_event(
        self,
        kind: s.CaseEventKind,
        occurred_at: datetime,
        *,
        incident_id: int | None = None,
        lead_id: int | None = None,
        outcome: str | None = None,
    ) -> int:
        return self._insert(
            s.CaseEvent,
            event_number=self._next("EV-"),
            kind=kind,
            occurred_at=occurred_at,
            incident_id=incident_id,
            lead_id=lead_id,
            outcome=outcome,
        )
