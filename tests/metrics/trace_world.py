"""Hand-built trace fixtures shared by the trace metric, query and page tests."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Engine, update

from cgic_data import schema as s
from tests.factory import Builder

UNSET = date(1900, 1, 1)  # "keep the factory's default purchase date"


def traced_gun(
    b: Builder,
    agency_id: int,
    recovered: datetime,
    *,
    ttc: int | None = None,
    purchase: date | None = UNSET,
    state: str | None = "CT",
    ffl: str | None = "6-06-000-01-0A-00001",
    purchaser: str | None = None,
    possessor: bool | None = False,
    obliterated: bool = False,
    kind: s.IncidentKind = s.IncidentKind.GUN_RECOVERY,
    incident_id: int | None = None,
) -> int:
    """A gun recovered by ``agency_id`` (in a new incident unless given) with one trace."""
    incident = incident_id or b.incident(agency_id, recovered, kind=kind)
    gun = b.firearm(incident, recovered_at=recovered, obliterated=obliterated)
    b.trace(
        gun,
        time_to_crime_days=ttc,
        purchase_date=date(2021, 1, 1) if purchase is UNSET else purchase,
        dealer_state=state,
        dealer_ffl=ffl,
        purchaser_ref=purchaser,
        purchaser_is_possessor=possessor,
    )
    return gun


def set_serial(engine: Engine, firearm_id: int, serial: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(s.Firearm).where(s.Firearm.id == firearm_id).values(serial_number=serial)
        )


def set_dealer_name(engine: Engine, firearm_id: int, name: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(s.Trace).where(s.Trace.firearm_id == firearm_id).values(dealer_name=name)
        )


def add_test_fire(b: Builder, firearm_id: int, incident_id: int, entered: datetime | None) -> int:
    """A test-fire item of ``firearm_id`` (in its recovery incident), entered into NIBIN."""
    return b.item(
        incident_id, kind=s.ItemKind.TEST_FIRE, firearm_id=firearm_id, nibin_entered_at=entered
    )
