"""The timeliness scorecard: ATF's critical elements as numbers, per agency and month.

The unit is the **shooting incident**: an incident of kind shooting or shots fired (both leave
cartridge cases for NIBIN), counted for the agency that recorded it, in the month it occurred. For
each one the scorecard takes its cartridge cases' earliest recovery, earliest lab receipt (the
item's, else its request's), earliest NIBIN entry and the earliest time one of them produced a
NIBIN lead (``triggered_leads``: the new casing that matched, not the older one it matched, whose
wait for a later shooting is nobody's delay). Measures (``MEASURES`` holds the page's labels):

* ``entered_share`` — comprehensive collection and entry: shooting incidents with at least one
  cartridge case entered into NIBIN ÷ all shooting incidents.
* ``recovery_to_receipt_hours``, ``receipt_to_entry_hours``, ``entry_to_lead_hours`` — the chain,
  as medians over the incidents where both ends are known. A negative interval (clock or data-entry
  error) is left out of its median.
* ``entry_within_goal_share`` — of incidents entered, those whose first entry came within
  ``settings.NIBIN_GOAL_HOURS`` (48 h) of recovery (the same test as the overview's timeliness).
* ``lead_within_goal_share`` — of incidents whose evidence produced a lead (``with_lead``), those
  whose lead came within the goal hours of the incident: the lead in investigators' hands in 48 h.
* ``followed_up_share`` — the feedback loop: leads (not excluded) issued in the month that touch the
  agency's shooting incidents, with follow-up recorded — a case event of kind follow-up on the lead,
  or the lead's follow-up status set — ÷ those leads.

An agency user is scored on its own incidents only: the shared incidents of other agencies would
give those agencies partial, misleading figures. Lab-wide viewers see every agency. The 'all
agencies' rows count each incident once and each lead once, however many agencies it touches.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

import pandas as pd
from sqlalchemy import (
    ColumnElement,
    Date,
    Engine,
    Select,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal_column,
    null,
    or_,
    select,
    true,
    union_all,
)

from cgic_data import settings
from cgic_data.metrics.traces import SHOOTING_KINDS, frame_of
from cgic_data.periods import whole_months
from cgic_data.schema import (
    Agency,
    CaseEvent,
    CaseEventKind,
    EvidenceItem,
    Incident,
    ItemKind,
    LabRequest,
    LeadItem,
    LeadStatus,
    NibinLead,
)
from cgic_data.scope import IncidentFilter, Viewer, date_conditions, incident_conditions
from cgic_data.sql_percentiles import median
from cgic_data.sqlfuncs import hours_between, month_start

ALL_AGENCIES = "All agencies"


@dataclass(frozen=True)
class Measure:
    column: str
    label: str
    unit: Literal["share", "hours"]
    help: str


MEASURES = [
    Measure(
        "entered_share",
        "In NIBIN",
        "share",
        "Shooting incidents with a cartridge case entered into NIBIN",
    ),
    Measure(
        "recovery_to_receipt_hours",
        "Recovery → lab (h)",
        "hours",
        "Median hours from recovery to the lab's receipt",
    ),
    Measure(
        "receipt_to_entry_hours",
        "Lab → NIBIN (h)",
        "hours",
        "Median hours from the lab's receipt to NIBIN entry",
    ),
    Measure(
        "entry_to_lead_hours",
        "NIBIN → lead (h)",
        "hours",
        "Median hours from NIBIN entry to a lead",
    ),
    Measure(
        "entry_within_goal_share",
        "Entered ≤ goal",
        "share",
        "Incidents entered within the goal hours of recovery",
    ),
    Measure(
        "lead_within_goal_share",
        "Lead ≤ goal",
        "share",
        "Incidents whose evidence produced a lead, the lead within the goal hours of the incident",
    ),
    Measure(
        "followed_up_share",
        "Followed up",
        "share",
        "Leads with follow-up recorded",
    ),
]
COUNT_COLUMNS = ["incidents", "entered", "with_lead", "leads", "followed_up"]
COLUMNS = COUNT_COLUMNS + [m.column for m in MEASURES]
MEDIAN_COLUMNS = [m.column for m in MEASURES if m.unit == "hours"]


def goal_hours() -> int:
    return settings.int_setting(settings.NIBIN_GOAL_HOURS)


def scorecard_window(filt: IncidentFilter, today: date) -> IncidentFilter:
    """The whole calendar months the filter's period touches (``periods.whole_months``; the
    page says so): the grid has a column per month, and a part-month column would rate a few days
    against whole months. It follows the period, never more: pick 'Last 12 months' for a year.
    'All dates' stays open."""
    if filt.start is None or filt.end is None:
        return filt
    return filt.with_period(*whole_months(filt.start, filt.end, today))


@dataclass(frozen=True)
class Scorecard:
    """by_agency_month: agency, month + ``COLUMNS``; by_agency: agency + COLUMNS over the whole
    window; by_month: month + COLUMNS over all agencies in scope (agency = ``ALL_AGENCIES``)."""

    by_agency_month: pd.DataFrame
    by_agency: pd.DataFrame
    by_month: pd.DataFrame


def _scope(viewer: Viewer, filt: IncidentFilter) -> ColumnElement[bool]:
    own_only = true() if viewer.sees_all_agencies else Incident.agency_id == viewer.agency_id
    return and_(incident_conditions(viewer, filt), own_only)


def triggered_leads() -> Select[tuple[int, datetime]]:
    """(item_id, lead_at): when an item's entry first produced a lead (one not excluded).

    An item triggers a lead when, as it joins the lead, no other item already in it was entered
    into NIBIN after it: the new shooting's casing, not the old one it matched. The old one's
    'wait' for a match is no delay of anyone's, so it is not timed. 'Already in it' is a running
    maximum of entry times over the lead's links in the order they were added (ties included),
    one sort of the links instead of comparing every pair.
    """
    latest_so_far = func.max(EvidenceItem.nibin_entered_at).over(
        partition_by=LeadItem.lead_id, order_by=LeadItem.added_at
    )
    links = (
        select(
            LeadItem.item_id,
            LeadItem.added_at,
            EvidenceItem.nibin_entered_at.label("entered_at"),
            latest_so_far.label("latest_entered_at"),
        )
        .join(EvidenceItem, EvidenceItem.id == LeadItem.item_id)
        .join(NibinLead, NibinLead.id == LeadItem.lead_id)
        .where(NibinLead.status != LeadStatus.EXCLUDED)
        .subquery()
    )
    # an unknown entry time is never 'after' anything (as SQL compares it)
    newest = or_(links.c.entered_at.is_(None), links.c.latest_entered_at <= links.c.entered_at)
    return (
        select(links.c.item_id, func.min(links.c.added_at).label("lead_at"))
        .where(newest)
        .group_by(links.c.item_id)
    )


def incident_rows(viewer: Viewer, filt: IncidentFilter) -> Select[tuple[object, ...]]:
    """One row per shooting incident in scope: agency, month, entered, with_lead and the hours
    of each step (NULL when unknown or negative): the unit every figure counts."""
    first_lead = triggered_leads().subquery()
    shootings = select(Incident.id).where(_scope(viewer, filt), Incident.kind.in_(SHOOTING_KINDS))
    is_casing = and_(
        EvidenceItem.kind == ItemKind.CARTRIDGE_CASE, EvidenceItem.incident_id.in_(shootings)
    )
    # the item's receipt, else its request's: looked up only for an item without its own
    # (COALESCE stops at the first known value; most items carry their own)
    request_receipt = (
        select(LabRequest.received_at)
        .where(LabRequest.id == EvidenceItem.lab_request_id)
        .scalar_subquery()
    )
    # the incident's cartridge cases, earliest of each time (grouped before meeting incidents)
    casings = (
        select(
            EvidenceItem.incident_id,
            func.min(EvidenceItem.recovered_at).label("recovered_at"),
            func.min(func.coalesce(EvidenceItem.received_at, request_receipt)).label("received_at"),
            func.min(EvidenceItem.nibin_entered_at).label("entered_at"),
        )
        .where(is_casing)
        .group_by(EvidenceItem.incident_id)
        .subquery()
    )
    # ... and the first lead one of them triggered (few casings trigger one: grouped apart)
    leads = (
        select(EvidenceItem.incident_id, func.min(first_lead.c.lead_at).label("lead_at"))
        .join(first_lead, first_lead.c.item_id == EvidenceItem.id)
        .where(is_casing)
        .group_by(EvidenceItem.incident_id)
        .subquery()
    )
    c, lead_at = casings.c, leads.c.lead_at

    def known(start: ColumnElement[datetime], end: ColumnElement[datetime]) -> ColumnElement[float]:
        hours = hours_between(start, end)
        return case((hours >= 0, hours))

    return (
        select(
            Agency.name.label("agency"),
            month_start(Incident.occurred_at).label("month"),
            c.entered_at.is_not(None).label("entered"),
            lead_at.is_not(None).label("with_lead"),
            known(c.recovered_at, c.received_at).label("recovery_to_receipt_hours"),
            known(c.received_at, c.entered_at).label("receipt_to_entry_hours"),
            known(c.entered_at, lead_at).label("entry_to_lead_hours"),
            known(c.recovered_at, c.entered_at).label("recovery_to_entry_hours"),
            known(Incident.occurred_at, lead_at).label("incident_to_lead_hours"),
        )
        .join(Agency, Agency.id == Incident.agency_id)
        .outerjoin(casings, c.incident_id == Incident.id)
        .outerjoin(leads, leads.c.incident_id == Incident.id)
        .where(_scope(viewer, filt), Incident.kind.in_(SHOOTING_KINDS))
    )


def incident_times(engine: Engine, viewer: Viewer, filt: IncidentFilter) -> pd.DataFrame:
    """``incident_rows`` as a frame (month as datetime, hours as float, NaN when unknown)."""
    frame = frame_of(engine, incident_rows(viewer, filt))
    frame["month"] = pd.to_datetime(frame["month"])
    frame = frame.astype({"entered": bool, "with_lead": bool})
    for column in [c for c in frame.columns if c.endswith("_hours")]:
        frame[column] = frame[column].astype(float)
    return frame


LEVELS = {"agency_month": ["agency", "month"], "agency": ["agency"], "month": ["agency", "month"]}


def incident_figures(engine: Engine, viewer: Viewer, filt: IncidentFilter) -> pd.DataFrame:
    """``incident_rows`` counted in SQL at three levels (column ``level``, ``LEVELS``): per
    agency and month, per agency, and per month over all agencies (agency ``ALL_AGENCIES``).

    Columns: level, agency, month, incidents, entered, with_lead, the three median hours, and
    for each goal share its numerator and denominator (``entry_within`` of ``entry_known``,
    ``lead_within`` of ``lead_known``). The medians are exact (``sql_percentiles``); only the
    figures come back, not a row per incident.
    """
    goal = goal_hours()
    t = incident_rows(viewer, filt).cte("incident_rows").c
    figures = [
        func.count().label("incidents"),
        func.count(case((t.entered, 1))).label("entered"),
        func.count(case((t.with_lead, 1))).label("with_lead"),
        *[median(t[m]).label(m) for m in MEDIAN_COLUMNS],
        func.count(case((t.recovery_to_entry_hours <= goal, 1))).label("entry_within"),
        func.count(t.recovery_to_entry_hours).label("entry_known"),
        func.count(case((t.incident_to_lead_hours <= goal, 1))).label("lead_within"),
        func.count(t.incident_to_lead_hours).label("lead_known"),
    ]

    def level(name: str) -> ColumnElement[str]:
        return literal_column(f"'{name}'", String()).label("level")

    no_month = cast(null(), Date).label("month")
    all_agencies = literal_column(f"'{ALL_AGENCIES}'", String()).label("agency")
    stmt = union_all(
        select(level("agency_month"), t.agency, t.month, *figures).group_by(t.agency, t.month),
        select(level("agency"), t.agency, no_month, *figures).group_by(t.agency),
        select(level("month"), all_agencies, t.month, *figures).group_by(t.month),
    )
    frame = frame_of(engine, stmt)
    frame["month"] = pd.to_datetime(frame["month"])
    counts = ["incidents", "entered", "with_lead", "entry_within", "entry_known"]
    counts += ["lead_within", "lead_known"]
    return frame.astype({**dict.fromkeys(counts, int), **dict.fromkeys(MEDIAN_COLUMNS, float)})


def lead_follow_up(engine: Engine, viewer: Viewer, filt: IncidentFilter) -> pd.DataFrame:
    """One row per (agency, lead) for leads not excluded, issued in the period, touching the
    agency's shooting incidents in scope: agency, month (of issue), lead_id, followed_up."""
    followed = or_(
        func.coalesce(func.trim(NibinLead.follow_up_status), "") != "",
        exists().where(
            CaseEvent.lead_id == NibinLead.id, CaseEvent.kind == CaseEventKind.FOLLOW_UP
        ),
    )
    stmt = (
        select(
            Agency.name.label("agency"),
            month_start(NibinLead.issued_at).label("month"),
            NibinLead.id.label("lead_id"),
            followed.label("followed_up"),
        )
        .join(LeadItem, LeadItem.lead_id == NibinLead.id)
        .join(EvidenceItem, EvidenceItem.id == LeadItem.item_id)
        .join(Incident, Incident.id == EvidenceItem.incident_id)
        .join(Agency, Agency.id == Incident.agency_id)
        .where(
            _scope(viewer, filt.with_period(None, None)),
            Incident.kind.in_(SHOOTING_KINDS),
            NibinLead.status != LeadStatus.EXCLUDED,
            *date_conditions(NibinLead.issued_at, filt.start, filt.end),
        )
        .distinct()
    )
    frame = frame_of(engine, stmt)
    frame["month"] = pd.to_datetime(frame["month"])
    return frame.astype({"followed_up": bool})


def _summarise(figures: pd.DataFrame, leads: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """One level of ``incident_figures`` (indexed by ``keys``) with the shares and the leads'
    follow-up (``lead_follow_up``, each lead once per group)."""
    figures = figures.assign(
        entry_within_goal_share=figures["entry_within"]
        / figures["entry_known"].where(figures["entry_known"] > 0),
        lead_within_goal_share=figures["lead_within"]
        / figures["lead_known"].where(figures["lead_known"] > 0),
    )
    follow = (
        leads.drop_duplicates([*keys, "lead_id"])
        .groupby(keys)
        .agg(leads=("lead_id", "size"), followed_up=("followed_up", "sum"))
    )
    out = figures.set_index(keys).join(follow, how="outer").reset_index()
    for column in COUNT_COLUMNS:
        out[column] = out[column].fillna(0).astype(int)
    out["entered_share"] = out["entered"] / out["incidents"].where(out["incidents"] > 0)
    out["followed_up_share"] = out["followed_up"] / out["leads"].where(out["leads"] > 0)
    return out[[*keys, *COLUMNS]]


def scorecard(engine: Engine, viewer: Viewer, filt: IncidentFilter) -> Scorecard:
    """The scorecard for ``filt`` (pass it through ``scorecard_window`` for whole months)."""
    figures = incident_figures(engine, viewer, filt)
    leads = lead_follow_up(engine, viewer, filt)

    def at(level: str) -> pd.DataFrame:
        return figures[figures["level"] == level].drop(columns="level")

    by_agency_month = _summarise(at("agency_month"), leads, ["agency", "month"])
    by_agency = _summarise(at("agency").drop(columns="month"), leads, ["agency"])
    order = by_agency.sort_values(["incidents", "agency"], ascending=[False, True])["agency"]
    by_agency = by_agency.set_index("agency").loc[order].reset_index()
    by_month = _summarise(at("month"), leads.assign(agency=ALL_AGENCIES), ["agency", "month"])
    return Scorecard(
        by_agency_month=by_agency_month.sort_values(["agency", "month"], ignore_index=True),
        by_agency=by_agency,
        by_month=by_month.sort_values("month", ignore_index=True),
    )
