"""The dates the viewer's incidents span, so the app can tell when a period misses all the data.

A store of historic data (say 2013–2018 shootings) opened on 'Last 28 days' would otherwise show
zeros everywhere without a word; the shared filter compares the chosen period with this range and
offers the data's own range instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Engine, func, select

from cgic_data.schema import Incident
from cgic_data.scope import IncidentFilter, Viewer, incident_conditions


@dataclass(frozen=True)
class DataRange:
    """The first and last day an incident the viewer may see occurred (None: no incidents)."""

    first: date | None
    last: date | None


def _day(value: datetime | date | str | None) -> date | None:
    if value is None:
        return None
    if isinstance(value, str):  # SQLite may hand an aggregate back as text
        value = datetime.fromisoformat(value)
    return value.date() if isinstance(value, datetime) else value


def incident_date_range(engine: Engine, viewer: Viewer, filt: IncidentFilter) -> DataRange:
    """First and last incident day among the incidents the viewer may see, within the filter's
    agencies and towns (its dates are ignored: this is the range the dates are checked against).
    The viewer's visibility rule applies, so an agency never learns when another agency's
    unshared incidents happened."""
    undated = filt.with_period(None, None)
    stmt = select(func.min(Incident.occurred_at), func.max(Incident.occurred_at)).where(
        incident_conditions(viewer, undated)
    )
    with engine.connect() as conn:
        first, last = conn.execute(stmt).one()
    return DataRange(_day(first), _day(last))
