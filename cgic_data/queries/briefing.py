"""The weekly briefing's content: one agency (or lab-wide), one ISO week, as its commander sees it.

An agency's briefing is built with the viewer of that agency's commander (``briefing_viewer``), so
it holds exactly what the commander may see, whoever asks (lab staff for a scheduled run, or the
agency's own users); an agency user may only ask for their own agency's. Its figures are the
overview's (``overview.period_counts``, named as on the Definitions page) over the agency's own
incidents, for the week, the week before and the same ISO week last year; then:

* leads **new** (issued in the week) or **grown** (an item joined in the week, issued before it),
  not excluded, that link one of the agency's incidents — each with its incidents the reader may
  see and what is still to be done (follow-up owner and status, ``leadwork``);
* the most active series of the week (``overview.most_active_series``) with their incidents;
* NIBIN timeliness of the week's entries against ``CGIC_NIBIN_GOAL_HOURS``;
* guns recovered in the week and how many of them have been traced;
* the agency's lab requests open at the week's end, oldest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Engine, exists, func, or_, select

from cgic_data.frames import read_frame
from cgic_data.lead_labels import lead_label
from cgic_data.leadwork import FollowUpStatus
from cgic_data.metrics.backlog import LabFilter, open_requests
from cgic_data.metrics.nibin_timeliness import entry_times, goal_hours
from cgic_data.metrics.weighted import weighted_median
from cgic_data.queries.bulletin import bulletins_issued
from cgic_data.queries.lead_selection import select_several_series, selection_incidents
from cgic_data.queries.overview import PeriodCounts, most_active_series, period_counts
from cgic_data.schema import (
    Agency,
    EvidenceItem,
    Firearm,
    Incident,
    LeadItem,
    LeadStatus,
    NibinLead,
    Role,
    Town,
    Trace,
)
from cgic_data.scope import (
    IncidentFilter,
    Viewer,
    date_conditions,
    day_start,
    incident_conditions,
    lead_visibility,
    visibility_condition,
)

SERIES_SHOWN = 3
REQUESTS_SHOWN = 10
LEADS_SHOWN = 60  # a lab-wide week can hold more; the briefing says how many it left out
INCIDENT_COLUMNS = [
    "incident_number", "agency", "occurred_at", "time_known", "kind", "town", "lat", "lon",
]  # fmt: skip


def parse_week(text: str) -> date:
    """The Monday of an ISO week written ``2026-W48`` (or ``2026W48``)."""
    cleaned = text.strip().upper().replace("-W", "W")
    try:
        year, week = cleaned.split("W")
        return date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO week such as 2026-W48") from None


def week_label(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def week_of(day: date) -> date:
    """The Monday of the ISO week holding ``day``."""
    return day - timedelta(days=day.weekday())


def same_week_last_year(monday: date) -> date:
    year, week, _ = monday.isocalendar()
    try:
        return date.fromisocalendar(year - 1, week, 1)
    except ValueError:  # week 53 in a year without one: 52 weeks back
        return monday - timedelta(weeks=52)


def briefing_viewer(viewer: Viewer, agency_id: int | None) -> Viewer:
    """Whose eyes the briefing is built with: an agency's commander (lab staff asking for an
    agency), the asking agency user (never widened), or lab staff for the lab-wide briefing."""
    if not viewer.sees_all_agencies:
        if agency_id not in (None, viewer.agency_id):
            raise PermissionError("an agency user may only have their own agency's briefing")
        return viewer
    if agency_id is None:
        return viewer
    return Viewer(viewer.username, Role.COMMANDER, agency_id)


@dataclass(frozen=True)
class SeriesBrief:
    series_id: str
    incidents_in_week: int
    incidents: pd.DataFrame  # INCIDENT_COLUMNS, oldest first
    leads: tuple[str, ...]
    unconfirmed: bool


@dataclass(frozen=True)
class Briefing:
    """Everything a briefing document shows, already scoped to its reader."""

    agency_code: str | None  # None: lab-wide
    agency_name: str
    week_start: date
    prepared_for: str  # the user (or command-line actor) who asked for it
    comparison: pd.DataFrame  # figure, this_week, previous_week, last_year
    leads: pd.DataFrame  # lead_number, change, status, label, issued_at, incidents, ..., to_do
    leads_left_out: int
    series: tuple[SeriesBrief, ...]
    timeliness: dict[str, float | int | None]
    requests: pd.DataFrame  # lab_case_number, discipline, priority, agency, received_at, age_days

    @property
    def week_end(self) -> date:
        return self.week_start + timedelta(days=6)

    @property
    def week(self) -> str:
        return week_label(self.week_start)

    @property
    def has_unconfirmed_leads(self) -> bool:
        labels = set(self.leads.get("label", pd.Series(dtype=str)))
        return lead_label(LeadStatus.OPEN) in labels or any(s.unconfirmed for s in self.series)


def weekly_briefing(
    engine: Engine, viewer: Viewer, week: date, agency_id: int | None = None
) -> Briefing:
    """The briefing for the ISO week holding ``week``: ``agency_id``'s (an agency user: their
    own, whatever is asked), or lab-wide for lab staff with no agency."""
    if agency_id is None and not viewer.sees_all_agencies:
        agency_id = viewer.agency_id
    reader = briefing_viewer(viewer, agency_id)
    monday = week_of(week)
    own = (agency_id,) if agency_id is not None else ()
    with engine.connect() as conn:
        agency = (
            conn.execute(select(Agency.code, Agency.name).where(Agency.id == agency_id)).first()
            if agency_id is not None
            else None
        )
    if agency_id is not None and agency is None:
        raise ValueError(f"no agency with id {agency_id}")
    periods = {
        "this_week": monday,
        "previous_week": monday - timedelta(weeks=1),
        "last_year": same_week_last_year(monday),
    }
    filters = {
        key: IncidentFilter(agency_ids=own, start=start, end=start + timedelta(days=6))
        for key, start in periods.items()
    }
    week_filter = filters["this_week"]
    return Briefing(
        agency_code=agency.code if agency else None,
        agency_name=agency.name if agency else "Lab-wide (all agencies)",
        week_start=monday,
        prepared_for=viewer.username,
        comparison=_comparison(engine, reader, filters),
        leads=(leads := _new_and_grown_leads(engine, reader, week_filter)).head(LEADS_SHOWN),
        leads_left_out=max(len(leads) - LEADS_SHOWN, 0),
        series=_active_series(engine, reader, week_filter),
        timeliness=_timeliness(engine, reader, week_filter),
        requests=_waiting_requests(engine, reader, own, week_filter.end or monday),
    )


def _comparison(engine: Engine, reader: Viewer, filters: dict[str, IncidentFilter]) -> pd.DataFrame:
    labels = PeriodCounts.labels() | {
        "guns_recovered": "Guns recovered",
        "guns_traced": "Guns recovered, traced",
        "bulletins": "Officer-safety bulletins issued",
    }
    values: dict[str, dict[str, int]] = {}
    for key, filt in filters.items():
        counts = period_counts(engine, reader, filt).as_dict()
        bulletins = {"bulletins": bulletins_issued(engine, reader, filt)}
        values[key] = counts | guns_recovered(engine, reader, filt) | bulletins
    rows = [
        {"figure": label, **{key: values[key][name] for key in filters}}
        for name, label in labels.items()
    ]
    return pd.DataFrame(rows, columns=["figure", *filters])


def guns_recovered(engine: Engine, viewer: Viewer, filt: IncidentFilter) -> dict[str, int]:
    """Firearms recovered in the period (by their recovery date, else their incident's) at an
    incident the viewer may see in the filter's agencies and towns (``guns_recovered``), and how
    many of them have an ATF eTrace result on file, whenever traced (``guns_traced``)."""
    reader = viewer
    traced = exists().where(Trace.firearm_id == Firearm.id)
    recovered = func.coalesce(Firearm.recovered_at, Incident.occurred_at)
    stmt = (
        select(func.count(), func.count().filter(traced))
        .select_from(Firearm)
        .join(Incident, Incident.id == Firearm.recovery_incident_id)
        .where(
            incident_conditions(reader, filt.with_period(None, None)),
            *date_conditions(recovered, filt.start, filt.end),  # type: ignore[arg-type]
        )
    )
    with engine.connect() as conn:
        total, with_trace = conn.execute(stmt).one()
    return {"guns_recovered": int(total), "guns_traced": int(with_trace)}


def _new_and_grown_leads(engine: Engine, reader: Viewer, filt: IncidentFilter) -> pd.DataFrame:
    start, end = day_start(filt.start), day_start(filt.end + timedelta(days=1))  # type: ignore[operator]
    grew = (
        select(LeadItem.lead_id)
        .where(LeadItem.added_at >= start, LeadItem.added_at < end)
        .where(LeadItem.lead_id == NibinLead.id)
    )
    touching = (
        select(LeadItem.lead_id)
        .join(EvidenceItem, EvidenceItem.id == LeadItem.item_id)
        .join(Incident, Incident.id == EvidenceItem.incident_id)
        .where(incident_conditions(reader, filt.with_period(None, None)))
    )
    new = (NibinLead.issued_at >= start) & (NibinLead.issued_at < end)
    stmt = (
        select(
            NibinLead.id,
            NibinLead.lead_number,
            NibinLead.status,
            NibinLead.issued_at,
            NibinLead.assigned_to,
            NibinLead.follow_up_status,
            NibinLead.outcome,
            new.label("is_new"),
        )
        .where(
            lead_visibility(reader),
            NibinLead.status != LeadStatus.EXCLUDED,
            NibinLead.id.in_(touching),
            NibinLead.issued_at < end,
            or_(new, exists(grew)),
        )
        .order_by(NibinLead.issued_at.desc(), NibinLead.lead_number)
    )
    columns = ["lead_id", "lead_number", "status", "issued_at", "assigned_to", "follow_up_status"]
    columns += ["outcome", "is_new"]
    with engine.connect() as conn:
        leads = read_frame(conn, stmt, columns)
        incidents = _lead_incidents(conn, reader, leads["lead_id"].tolist())
    out_columns = ["lead_number", "change", "status", "label", "issued_at", "incidents", "dates"]
    out_columns += ["towns", "assigned_to", "follow_up_status", "to_do"]
    if leads.empty:
        return pd.DataFrame(columns=out_columns)
    incidents["date"] = pd.to_datetime(incidents["occurred_at"]).dt.strftime("%Y-%m-%d")
    for column, source in (("incidents", "incident_number"), ("dates", "date"), ("towns", "town")):
        leads[column] = leads["lead_id"].map(_listed_per_lead(incidents, source))
    leads["change"] = np.where(leads["is_new"].astype(bool), "new", "grown")
    leads["status"] = leads["status"].map(str)
    leads["label"] = leads["status"].map(lead_label)
    leads["follow_up_status"] = leads["follow_up_status"].fillna("")
    leads["to_do"] = [_to_do(row) for row in leads.itertuples(index=False)]
    return leads.fillna({"incidents": "", "dates": "", "towns": "", "assigned_to": ""})[
        out_columns
    ].reset_index(drop=True)


def _listed_per_lead(incidents: pd.DataFrame, column: str) -> pd.Series:
    """Per lead_id: the distinct non-empty strings of ``column``, in the rows' order, joined.
    One vectorised pass (a Python function per lead took a second for a lab-wide week)."""
    values = incidents[["lead_id", column]]
    named = values[column].map(lambda v: isinstance(v, str) and v != "").astype(bool)
    distinct = values[named].drop_duplicates()
    return distinct.groupby("lead_id", sort=False)[column].agg(", ".join)


def _to_do(lead: object) -> str:
    """What is still to be done on a lead, in words, from its follow-up fields."""
    owner, status, outcome = (
        value if isinstance(value, str) and value else ""
        for value in (
            getattr(lead, "assigned_to", None),
            getattr(lead, "follow_up_status", None),
            getattr(lead, "outcome", None),
        )
    )
    if status == FollowUpStatus.CLOSED:
        return f"nothing: closed — {outcome}" if outcome else "nothing: follow-up closed"
    if not owner:
        return "assign an investigator"
    if status == FollowUpStatus.IN_PROGRESS:
        return f"follow-up in progress ({owner})"
    return f"start follow-up ({owner})"


def _lead_incidents(conn: object, reader: Viewer, lead_ids: list[int]) -> pd.DataFrame:
    """lead_id, incident_number, occurred_at, town: each lead's incidents the reader may see."""
    stmt = (
        select(LeadItem.lead_id, Incident.incident_number, Incident.occurred_at, Town.name)
        .join(EvidenceItem, EvidenceItem.id == LeadItem.item_id)
        .join(Incident, Incident.id == EvidenceItem.incident_id)
        .outerjoin(Town, Town.id == Incident.town_id)
        .where(LeadItem.lead_id.in_(lead_ids or [-1]), visibility_condition(reader))
        .distinct()
        .order_by(Incident.occurred_at, Incident.incident_number)
    )
    return read_frame(conn, stmt, ["lead_id", "incident_number", "occurred_at", "town"])  # type: ignore[arg-type]


def _active_series(engine: Engine, reader: Viewer, filt: IncidentFilter) -> tuple[SeriesBrief, ...]:
    active = most_active_series(engine, reader, filt, limit=SERIES_SHOWN).head(SERIES_SHOWN)
    selections = select_several_series(engine, reader, [str(s) for s in active["series_id"]])
    briefs = []
    for row in active.itertuples(index=False):
        selection = selections[str(row.series_id).strip()]
        if selection is None:
            continue
        with engine.connect() as conn:  # the selection is already the reader's to see
            incidents = selection_incidents(conn, selection.incident_ids)
        briefs.append(
            SeriesBrief(
                series_id=str(row.series_id),
                incidents_in_week=int(row.incidents_in_period),
                incidents=incidents[INCIDENT_COLUMNS],
                leads=selection.lead_numbers,
                unconfirmed=bool(selection.unconfirmed_leads),
            )
        )
    return tuple(briefs)


def _timeliness(
    engine: Engine, reader: Viewer, filt: IncidentFilter
) -> dict[str, float | int | None]:
    """Entries of the week, median hours recovery → entry and the share within the goal."""
    goal = goal_hours()
    as_of = filt.end or date.today()
    times = entry_times(engine, reader, filt, LabFilter(), filt.start, as_of)
    counts = times["entries"].to_numpy(dtype=float) if not times.empty else np.array([])
    hours = times["recovery_hours"].to_numpy(dtype=float) if not times.empty else np.array([])
    known = ~np.isnan(hours)
    measured = counts[known].sum()
    return {
        "goal_hours": goal,
        "entries": int(counts.sum()),
        "median_hours": weighted_median(hours[known], counts[known]) if measured else None,
        "within_goal_share": float(counts[known][hours[known] <= goal].sum() / measured)
        if measured
        else None,
    }


def _waiting_requests(
    engine: Engine, reader: Viewer, own: tuple[int, ...], as_of: date
) -> pd.DataFrame:
    """The reader's lab requests open at the end of ``as_of``, oldest first (the first few)."""
    requests = open_requests(engine, reader, IncidentFilter(agency_ids=own), LabFilter(), as_of)
    columns = ["lab_case_number", "discipline", "priority", "agency", "received_at", "age_days"]
    return requests.head(REQUESTS_SHOWN)[columns].reset_index(drop=True)


def generated_now() -> datetime:
    """The generation time stamped on a document (one place, so tests can reason about it)."""
    return datetime.now().replace(microsecond=0)
