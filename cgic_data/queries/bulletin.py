"""What an officer-safety bulletin may say about a lead or series, for one viewer.

A bulletin goes to patrol: where and when the series' guns were fired (dates, times of day,
calibers, towns), whether a firearm has been recovered, and — never a subject's reference — only
that a DNA or fingerprint association is on file and the CGIC is the one to call. Its incidents
are those the viewer may see of the lead or series (``queries.lead_selection``, the packet's rule).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, func, or_, select

from cgic_data.frames import read_frame
from cgic_data.lead_labels import CONFIRMED_LABEL, UNCONFIRMED_LABEL
from cgic_data.queries.lead_selection import SelectionKind, select_view, selection_incidents
from cgic_data.schema import (
    Bulletin,
    EvidenceItem,
    Firearm,
    ForensicResult,
    ResultKind,
)
from cgic_data.scope import IncidentFilter, Viewer, date_conditions

ASSOCIATION_NOTE = "DNA/fingerprint association on file — contact the CGIC"
NOT_RECOVERED = "firearm not recovered"
INCIDENT_COLUMNS = [
    "incident_number", "agency", "occurred_at", "time_known", "time_of_day", "kind", "town",
    "calibers", "lat", "lon",
]  # fmt: skip
TIME_UNKNOWN = "unknown (date only)"


@dataclass(frozen=True)
class BulletinContent:
    """The facts a bulletin prints, already limited to what the viewer may see."""

    kind: SelectionKind
    subject: str  # the lead number, or the series id
    leads: tuple[str, ...]
    label: str  # the lead label: investigative unless every lead shown is confirmed
    incidents: pd.DataFrame  # INCIDENT_COLUMNS, oldest first
    firearms: tuple[str, ...]  # one line per recovered firearm; empty: not recovered
    association_on_file: bool

    @property
    def title(self) -> str:
        return f"{'Lead' if self.kind == 'lead' else 'Series'} {self.subject}"


def time_of_day(hour: int) -> str:
    """The part of the day a patrol officer plans by."""
    if hour < 6:
        return "night (00–06)"
    if hour < 12:
        return "morning (06–12)"
    if hour < 18:
        return "afternoon (12–18)"
    return "evening (18–24)"


def bulletin_content(
    engine: Engine, viewer: Viewer, kind: SelectionKind, key: str
) -> BulletinContent | None:
    """The bulletin of lead (or series) ``key`` as ``viewer`` may see it; None if not open."""
    selection = select_view(engine, viewer, kind, key)
    if selection is None or not selection.incident_ids:
        return None
    ids = list(selection.incident_ids)
    calibers_stmt = (
        select(EvidenceItem.incident_id, EvidenceItem.caliber)
        .where(EvidenceItem.incident_id.in_(ids), EvidenceItem.caliber.is_not(None))
        .distinct()
    )
    fired_here = select(EvidenceItem.firearm_id).where(
        EvidenceItem.incident_id.in_(ids), EvidenceItem.firearm_id.is_not(None)
    )
    firearms_stmt = (
        select(Firearm.make, Firearm.model, Firearm.caliber, Firearm.recovered_at)
        .where(or_(Firearm.recovery_incident_id.in_(ids), Firearm.id.in_(fired_here)))
        .order_by(Firearm.recovered_at, Firearm.firearm_number)
    )
    hits_stmt = (
        select(func.count())
        .select_from(ForensicResult)
        .join(EvidenceItem, EvidenceItem.id == ForensicResult.item_id)
        .where(
            EvidenceItem.incident_id.in_(ids),
            ForensicResult.kind.in_([ResultKind.CODIS, ResultKind.AFIS]),
            ForensicResult.subject_ref.is_not(None),
        )
    )
    with engine.connect() as conn:
        incidents = selection_incidents(conn, selection.incident_ids)
        calibers = read_frame(conn, calibers_stmt, ["incident_id", "caliber"])
        firearms = conn.execute(firearms_stmt).all()
        hits = conn.execute(hits_stmt).scalar_one()
    by_incident = calibers.groupby("incident_id")["caliber"].agg(lambda c: ", ".join(sorted(c)))
    incidents["calibers"] = incidents["incident_id"].map(by_incident).fillna("")
    incidents["time_known"] = incidents["time_known"].astype(bool)
    hours = pd.to_datetime(incidents["occurred_at"]).dt.hour.map(time_of_day)
    incidents["time_of_day"] = hours.where(incidents["time_known"], TIME_UNKNOWN)  # not "night"
    guns = tuple(
        " ".join(part for part in (make, model, f"({caliber})" if caliber else "") if part)
        + (f", recovered {recovered:%Y-%m-%d}" if recovered else "")
        for make, model, caliber, recovered in firearms
    )
    label = CONFIRMED_LABEL if not selection.unconfirmed_leads else UNCONFIRMED_LABEL
    return BulletinContent(
        kind=selection.kind,
        subject=selection.asked_for if selection.kind == "lead" else str(selection.series_id),
        leads=selection.lead_numbers,
        label=label,
        incidents=incidents[INCIDENT_COLUMNS].reset_index(drop=True),
        firearms=guns,
        association_on_file=hits > 0,
    )


def bulletins_issued(engine: Engine, viewer: Viewer, filt: IncidentFilter) -> int:
    """Officer-safety bulletins issued in the filter's period: by the viewer's agency's users
    (every bulletin for lab staff), whatever lead or series they cover."""
    conditions = date_conditions(Bulletin.issued_at, filt.start, filt.end)
    if not viewer.sees_all_agencies:
        conditions.append(Bulletin.agency_id == viewer.agency_id)
    with engine.connect() as conn:
        stmt = select(func.count()).select_from(Bulletin).where(*conditions)
        return int(conn.execute(stmt).scalar_one())
