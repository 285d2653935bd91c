"""Statewide context counts, and which roles may see aggregates that cover all agencies.

The rule ("aggregate counts may cover all agencies only where the role allows"):

* Lab-wide viewers (CGIC and lab staff, no agency) see every agency at every level anyway.
* An agency's **commander** may see statewide totals for a period (incidents by kind, victims):
  counts only, never an incident, never a breakdown by agency or town, so a command staff can
  set its own figures against the state's. Totals of 1-4 that include other agencies' incidents
  are suppressed (``metrics.suppression``), so a narrow date range cannot point at one incident.
* An agency's **analyst** gets no statewide aggregate: their counts cover what they may see
  (``cgic_data.scope``), their own incidents and those shared with them through leads.

Incident-level rows of another agency are never returned here, whatever the role.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, case, func, select

from cgic_data.metrics.suppression import suppress_small_cells
from cgic_data.schema import Incident, IncidentKind, Role
from cgic_data.scope import IncidentFilter, Viewer, date_conditions

STATEWIDE_COUNT_ROLES = frozenset({Role.COMMANDER, Role.LAB_DIRECTOR, Role.ADMIN})
KINDS = {
    "shootings": IncidentKind.SHOOTING,
    "shots_fired": IncidentKind.SHOTS_FIRED,
    "gun_recoveries": IncidentKind.GUN_RECOVERY,
}


def may_see_statewide_counts(viewer: Viewer) -> bool:
    """Whether ``viewer``'s role allows aggregate counts over all agencies (see module rule)."""
    return viewer.sees_all_agencies or viewer.role in STATEWIDE_COUNT_ROLES


@dataclass(frozen=True)
class StatewideCounts:
    """Totals over all agencies for the filter's dates; None where a small total was suppressed."""

    shootings: int | None
    shots_fired: int | None
    gun_recoveries: int | None
    victims: int | None

    @property
    def suppressed(self) -> bool:
        return None in (self.shootings, self.shots_fired, self.gun_recoveries, self.victims)


def statewide_counts(
    engine: Engine, viewer: Viewer, filt: IncidentFilter
) -> StatewideCounts | None:
    """All agencies' incidents by kind and victims of shootings in the filter's date range.

    Only the dates of ``filt`` apply: agency and town choices would turn a statewide total into
    another agency's count. None for a viewer whose role does not allow statewide aggregates.
    """
    if not may_see_statewide_counts(viewer):
        return None
    own = Incident.agency_id == viewer.agency_id if viewer.agency_id is not None else None
    columns = []
    for name, kind in KINDS.items():
        is_kind = Incident.kind == kind
        columns.append(func.count().filter(is_kind).label(name))
        owned = is_kind & own if own is not None else is_kind
        columns.append(func.count().filter(owned).label(f"{name}_own"))
    victims = Incident.victims_injured + Incident.victims_killed
    is_shooting = Incident.kind == IncidentKind.SHOOTING
    own_shooting = is_shooting & own if own is not None else is_shooting
    columns.append(
        func.coalesce(func.sum(case((is_shooting, victims), else_=0)), 0).label("victims")
    )
    columns.append(
        func.coalesce(func.sum(case((own_shooting, victims), else_=0)), 0).label("victims_own")
    )
    stmt = select(*columns).where(*date_conditions(Incident.occurred_at, filt.start, filt.end))
    with engine.connect() as conn:
        frame = pd.DataFrame([conn.execute(stmt).mappings().one()])
    names = [*KINDS, "victims"]
    shown = suppress_small_cells(frame.astype("int64"), viewer, {n: f"{n}_own" for n in names})
    row = shown.iloc[0]
    return StatewideCounts(**{n: None if pd.isna(row[n]) else int(row[n]) for n in names})
