"""Trace lists: the traced guns behind the figures with their trafficking indicators, the guns in
NIBIN with no trace on file, which recovered guns fired in which shootings, and the search of traces
by purchaser, dealer or serial number.

These are rows, not aggregates: a viewer sees every row of the incidents they may see
(``cgic_data.scope``) and nothing is suppressed. Lists are sorted and bounded in SQL (``limit``).
The indicator list leaves out purchaser and serial number: those are reached only through
``search_traces``, which the page runs after the user has stated a purpose (and audits).
Definitions of time-to-crime and the indicators: ``cgic_data.metrics.traces``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Engine, and_, case, func, literal, or_, select
from sqlalchemy.orm import aliased

from cgic_data.metrics.series import series_from_pairs, series_pairs
from cgic_data.metrics.traces import (
    INDICATORS,
    SCENE_ITEM_KINDS,
    SHOOTING_KINDS,
    frame_of,
    latest_trace_only,
    lead_shown_to,
    recovered_at,
    trace_facts,
    ttc_days,
    untraced_condition,
)
from cgic_data.schema import (
    Agency,
    EvidenceItem,
    Firearm,
    Incident,
    LeadItem,
    LeadStatus,
    NibinLead,
    Town,
    Trace,
)
from cgic_data.scope import IncidentFilter, Viewer, incident_conditions, visibility_condition

MIN_SEARCH_CHARACTERS = 3


def trace_list(
    engine: Engine,
    viewer: Viewer,
    filt: IncidentFilter,
    fired_only: bool = False,
    flagged_only: bool = False,
    limit: int = 500,
) -> pd.DataFrame:
    """Traced guns with their indicators, most indicators first, then latest recovery.

    Columns: trace_number, firearm_number, make, model, caliber, agency, incident_number,
    recovered_at, ttc_days, dealer_name, dealer_ffl, dealer_state, each ``INDICATORS`` key, and
    indicators (how many). ``flagged_only`` keeps guns with at least one indicator.
    """
    facts = trace_facts(viewer, filt, fired_only)
    indicators = sum((case((facts.c[key], 1), else_=0) for key in INDICATORS), literal(0))
    stmt = (
        select(
            facts.c.trace_number,
            Firearm.firearm_number,
            Firearm.make,
            Firearm.model,
            Firearm.caliber,
            Agency.name.label("agency"),
            Incident.incident_number,
            facts.c.recovered_at,
            facts.c.ttc_days,
            facts.c.dealer_name,
            facts.c.dealer_ffl,
            facts.c.dealer_state,
            *(facts.c[key] for key in INDICATORS),
            indicators.label("indicators"),
        )
        .join(Firearm, Firearm.id == facts.c.firearm_id)
        .join(Incident, Incident.id == facts.c.incident_id)
        .join(Agency, Agency.id == facts.c.agency_id)
        .order_by(indicators.desc(), facts.c.recovered_at.desc(), facts.c.trace_number)
        .limit(limit)
    )
    if flagged_only:
        stmt = stmt.where(indicators > 0)
    frame = frame_of(engine, stmt)
    return frame.astype({key: bool for key in INDICATORS})


def untraced_nibin_guns(
    engine: Engine, viewer: Viewer, filt: IncidentFilter, limit: int = 500
) -> pd.DataFrame:
    """Recovered guns whose test fires are in NIBIN but that have no trace on file, the longest
    waiting first. Columns: firearm_number, make, model, caliber, serial_obliterated, agency,
    incident_number, recovered_at, first_nibin_entry."""
    first_entry = (
        select(func.min(EvidenceItem.nibin_entered_at))
        .where(EvidenceItem.firearm_id == Firearm.id)
        .scalar_subquery()
    )
    stmt = (
        select(
            Firearm.firearm_number,
            Firearm.make,
            Firearm.model,
            Firearm.caliber,
            Firearm.serial_obliterated,
            Agency.name.label("agency"),
            Incident.incident_number,
            recovered_at().label("recovered_at"),
            first_entry.label("first_nibin_entry"),
        )
        .select_from(Firearm)
        .join(Incident, Incident.id == Firearm.recovery_incident_id)
        .join(Agency, Agency.id == Incident.agency_id)
        .where(incident_conditions(viewer, filt), untraced_condition())
        .order_by(first_entry, Firearm.firearm_number)
        .limit(limit)
    )
    return frame_of(engine, stmt)


def guns_in_shootings(
    engine: Engine, viewer: Viewer, filt: IncidentFilter, limit: int = 1000
) -> pd.DataFrame:
    """Which recovered guns fired in which shootings: one row per gun and shooting (or
    shots-fired incident) that a lead not excluded links to the gun's test fires.

    The gun's recovery is in the filter; the shootings are any the viewer may see, whatever
    their date, through leads the viewer may list (``lead_shown_to``). Columns: firearm_number, make, model, caliber, recovering_agency, trace_number
    (None: never traced), dealer_state, ttc_days, series_id, lead_number, lead_status,
    incident_number, occurred_at, kind, agency, town. Newest recoveries first.
    """
    gun_item, shot_item = aliased(EvidenceItem), aliased(EvidenceItem)
    gun_link, shot_link = aliased(LeadItem), aliased(LeadItem)
    shot, shot_agency, recovering = aliased(Incident), aliased(Agency), aliased(Agency)
    latest = and_(Trace.firearm_id == Firearm.id, latest_trace_only())
    recovered = recovered_at().label("recovered_at")
    stmt = (
        select(
            Firearm.firearm_number,
            Firearm.make,
            Firearm.model,
            Firearm.caliber,
            recovering.name.label("recovering_agency"),
            Trace.trace_number,
            func.upper(Trace.dealer_state).label("dealer_state"),
            ttc_days().label("ttc_days"),
            NibinLead.lead_number,
            NibinLead.status.label("lead_status"),
            shot.id.label("incident_id"),
            shot.incident_number,
            shot.occurred_at,
            shot.kind,
            shot_agency.name.label("agency"),
            Town.name.label("town"),
            recovered,
        )
        .select_from(Firearm)
        .join(Incident, Incident.id == Firearm.recovery_incident_id)
        .join(recovering, recovering.id == Incident.agency_id)
        .outerjoin(Trace, latest)
        .join(gun_item, gun_item.firearm_id == Firearm.id)
        .join(gun_link, gun_link.item_id == gun_item.id)
        .join(NibinLead, NibinLead.id == gun_link.lead_id)
        .join(shot_link, shot_link.lead_id == NibinLead.id)
        .join(shot_item, shot_item.id == shot_link.item_id)
        .join(shot, shot.id == shot_item.incident_id)
        .join(shot_agency, shot_agency.id == shot.agency_id)
        .outerjoin(Town, Town.id == shot.town_id)
        .where(
            incident_conditions(viewer, filt),
            visibility_condition(viewer, shot),
            NibinLead.status != LeadStatus.EXCLUDED,
            lead_shown_to(viewer, NibinLead.id),
            shot.kind.in_(SHOOTING_KINDS),
            shot_item.kind.in_(SCENE_ITEM_KINDS),
        )
        .distinct()
        .order_by(recovered.desc(), Firearm.firearm_number, shot.occurred_at)
        .limit(limit)
    )
    frame = frame_of(engine, stmt)
    with engine.connect() as conn:  # only the series of the shootings listed, not the whole graph
        pairs = series_pairs(conn, viewer, incident_ids=frame["incident_id"].tolist())
    series = series_from_pairs(pairs)[["incident_id", "series_id"]]
    frame = frame.merge(series, on="incident_id", how="left")
    columns = [
        "firearm_number", "make", "model", "caliber", "recovering_agency", "trace_number",
        "dealer_state", "ttc_days", "series_id", "lead_number", "lead_status", "incident_number",
        "occurred_at", "kind", "agency", "town",
    ]  # fmt: skip
    return frame[columns]


@dataclass(frozen=True)
class TraceSearch:
    """What a user searches for; blank terms are ignored, given terms must all match.

    purchaser: the purchaser reference, exactly (case ignored); dealer: an FFL number exactly, or
    part of the dealer's name; serial: part of the serial number.
    """

    purchaser: str = ""
    dealer: str = ""
    serial: str = ""

    def terms(self) -> dict[str, str]:
        given = {"purchaser": self.purchaser, "dealer": self.dealer, "serial": self.serial}
        return {key: value.strip() for key, value in given.items() if value.strip()}

    def problem(self) -> str | None:
        """Why this search may not run (None: it may): a term, each of 3+ characters."""
        terms = self.terms()
        if not terms:
            return "Enter a purchaser, a dealer or a serial number."
        short = [key for key, value in terms.items() if len(value) < MIN_SEARCH_CHARACTERS]
        if short:
            return f"Search terms need at least {MIN_SEARCH_CHARACTERS} characters: {', '.join(short)}."
        return None


def _contains(column: Any, text: str) -> Any:
    """Case-insensitive 'column contains text', with LIKE wildcards in ``text`` taken literally."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(column).like(f"%{escaped}%", escape="\\")


def search_traces(
    engine: Engine, viewer: Viewer, search: TraceSearch, limit: int = 200
) -> pd.DataFrame:
    """Every trace (re-traces included) matching ``search`` among the guns the viewer may see,
    whatever the period: a search looks for a person, dealer or gun, not a month. Latest request
    first. Values are bound parameters; raises ValueError when ``search.problem()`` says why."""
    problem = search.problem()
    if problem:
        raise ValueError(problem)
    terms = search.terms()
    conditions: list[Any] = [visibility_condition(viewer)]
    if "purchaser" in terms:
        conditions.append(func.lower(Trace.purchaser_ref) == terms["purchaser"].lower())
    if "dealer" in terms:
        conditions.append(
            or_(
                func.lower(Trace.dealer_ffl) == terms["dealer"].lower(),
                _contains(Trace.dealer_name, terms["dealer"]),
            )
        )
    if "serial" in terms:
        conditions.append(_contains(Firearm.serial_number, terms["serial"]))
    stmt = (
        select(
            Trace.trace_number,
            Trace.requested_at,
            Firearm.firearm_number,
            Firearm.make,
            Firearm.model,
            Firearm.caliber,
            Firearm.serial_number,
            Firearm.serial_obliterated,
            Agency.name.label("agency"),
            Incident.incident_number,
            recovered_at().label("recovered_at"),
            Trace.purchase_date,
            ttc_days().label("ttc_days"),
            Trace.dealer_name,
            Trace.dealer_ffl,
            func.upper(Trace.dealer_state).label("dealer_state"),
            Trace.purchaser_ref,
            Trace.purchaser_is_possessor,
        )
        .join(Firearm, Firearm.id == Trace.firearm_id)
        .join(Incident, Incident.id == Firearm.recovery_incident_id)
        .join(Agency, Agency.id == Incident.agency_id)
        .where(*conditions)
        .order_by(Trace.requested_at.desc(), Trace.trace_number)
        .limit(limit)
    )
    return frame_of(engine, stmt)
