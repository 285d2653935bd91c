"""The commander's overview: a period's counts (the page compares them with the equivalent previous
period, ``cgic_data.periods``), the weekly trend, the most active series and NIBIN timeliness per
agency."""

from __future__ import annotations

from dataclasses import dataclass, fields

import pandas as pd
from sqlalchemy import Engine, and_, case, func, select, true

from cgic_data import settings
from cgic_data.frames import query_frame, read_frame
from cgic_data.metrics.series import chunks, series_from_pairs, series_membership, series_pairs
from cgic_data.schema import (
    Agency,
    EvidenceItem,
    Incident,
    IncidentKind,
    ItemKind,
    LeadItem,
    LeadStatus,
    NibinLead,
    Town,
)
from cgic_data.scope import (
    IncidentFilter,
    Viewer,
    date_conditions,
    in_incident_scope,
    incident_conditions,
    lead_visibility,
    scoped_incident_ids,
)
from cgic_data.sql_percentiles import median
from cgic_data.sqlfuncs import hours_between, week_start


@dataclass(frozen=True)
class PeriodCounts:
    """Headline counts for one period, over the incidents the viewer may see and asked for."""

    shootings: int
    victims: int
    casings_recovered: int
    nibin_entries: int
    leads_issued: int
    hits_confirmed: int

    @classmethod
    def labels(cls) -> dict[str, str]:
        return {
            "shootings": "Shootings",
            "victims": "Victims shot",
            "casings_recovered": "Casings recovered",
            "nibin_entries": "NIBIN entries",
            "leads_issued": "Leads issued",
            "hits_confirmed": "Hits confirmed",
        }

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def period_counts(engine: Engine, viewer: Viewer, filt: IncidentFilter) -> PeriodCounts:
    """Counts for ``filt``'s date range.

    Shootings and victims count incidents of kind 'shooting' that occurred in the range; casings
    count cartridge cases of in-scope incidents recovered in the range; NIBIN entries count
    cartridge cases and test fires entered in the range; leads issued count leads issued in the
    range, hits confirmed count leads an examiner confirmed in the range (by confirmation date,
    whenever issued), both among the leads the viewer may list that link at least one in-scope
    incident. "In scope" applies the viewer's visibility and the agency/town filter, not the dates.
    """
    undated = filt.with_period(None, None)
    in_scope = in_incident_scope(EvidenceItem.incident_id, viewer, undated)
    is_shooting = Incident.kind == IncidentKind.SHOOTING
    incidents = select(
        func.count().filter(is_shooting),
        func.coalesce(
            func.sum(
                case((is_shooting, Incident.victims_injured + Incident.victims_killed), else_=0)
            ),
            0,
        ),
    ).where(incident_conditions(viewer, filt))
    casings = select(func.count()).where(
        in_scope,
        EvidenceItem.kind == ItemKind.CARTRIDGE_CASE,
        *date_conditions(EvidenceItem.recovered_at, filt.start, filt.end),
    )
    entries = select(func.count()).where(
        in_scope,
        EvidenceItem.kind.in_([ItemKind.CARTRIDGE_CASE, ItemKind.TEST_FIRE]),
        *date_conditions(EvidenceItem.nibin_entered_at, filt.start, filt.end),
    )
    touching = (
        select(LeadItem.lead_id)
        .join(EvidenceItem, EvidenceItem.id == LeadItem.item_id)
        .where(in_scope)
    )
    issued = and_(true(), *date_conditions(NibinLead.issued_at, filt.start, filt.end))
    confirmed = and_(
        NibinLead.status == LeadStatus.CONFIRMED,
        *date_conditions(NibinLead.confirmed_at, filt.start, filt.end),
    )
    # Leads the viewer may list (``lead_visibility``), as on the Leads page: a lead between two
    # other agencies that reaches an incident shared with the viewer is never counted.
    leads = select(func.count().filter(issued), func.count().filter(confirmed)).where(
        NibinLead.id.in_(touching), lead_visibility(viewer)
    )
    with engine.connect() as conn:
        shootings, victims = conn.execute(incidents).one()
        leads_issued, hits_confirmed = conn.execute(leads).one()
        return PeriodCounts(
            shootings=int(shootings),
            victims=int(victims),
            casings_recovered=conn.execute(casings).scalar_one(),
            nibin_entries=conn.execute(entries).scalar_one(),
            leads_issued=int(leads_issued),
            hits_confirmed=int(hits_confirmed),
        )


def weekly_trend(engine: Engine, viewer: Viewer, filt: IncidentFilter) -> pd.DataFrame:
    """Per week (Monday): shootings, shots-fired calls, gun recoveries and victims, in scope."""
    week = week_start(Incident.occurred_at).label("week")
    stmt = (
        select(
            week,
            func.count().filter(Incident.kind == IncidentKind.SHOOTING).label("shootings"),
            func.count().filter(Incident.kind == IncidentKind.SHOTS_FIRED).label("shots_fired"),
            func.count().filter(Incident.kind == IncidentKind.GUN_RECOVERY).label("gun_recoveries"),
            func.coalesce(func.sum(Incident.victims_injured + Incident.victims_killed), 0).label(
                "victims"
            ),
        )
        .where(incident_conditions(viewer, filt))
        .group_by(week)
        .order_by(week)
    )
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(stmt).mappings().all())
    if frame.empty:
        return pd.DataFrame(
            columns=["week", "shootings", "shots_fired", "gun_recoveries", "victims"]
        )
    frame["week"] = pd.to_datetime(frame["week"])
    return frame


def most_active_series(
    engine: Engine, viewer: Viewer, filt: IncidentFilter, limit: int = 10
) -> pd.DataFrame:
    """Series with incidents in the filter's range, most incidents in range first.

    Columns: series_id, incidents_in_period, incidents (all visible), first, last, agencies, towns,
    victims. Only incidents visible to the viewer count (see ``metrics.series``).
    """
    columns = [
        "series_id",
        "incidents_in_period",
        "incidents",
        "first",
        "last",
        "agencies",
        "towns",
        "victims",
    ]
    membership = _membership_around(engine, viewer, filt)
    active_ids = _scoped_ids(engine, viewer, filt)
    active = membership[membership["incident_id"].isin(active_ids)]
    if active.empty:
        return pd.DataFrame(columns=columns)
    # Only the leading series (and any tied with the last of them) need their incidents' details.
    in_period = active.groupby("series_id").size()
    leaders = in_period[in_period >= in_period.nlargest(limit).min()].index
    members = membership[membership["series_id"].isin(leaders)]
    undated = filt.with_period(None, None)
    details = _incident_details(engine, viewer, undated, members["incident_id"].tolist())
    merged = members.merge(details, on="incident_id")
    merged["in_period"] = merged["incident_id"].isin(active_ids)
    summary = (
        merged.groupby("series_id")
        .agg(
            incidents_in_period=("in_period", "sum"),
            incidents=("incident_id", "nunique"),
            first=("occurred_at", "min"),
            last=("occurred_at", "max"),
            agencies=("agency", _joined),
            towns=("town", _joined),  # an incident with no town has NaN here
            victims=("victims", "sum"),
        )
        .reset_index()
        .sort_values(["incidents_in_period", "incidents", "last"], ascending=False)
    )
    return summary.head(limit)[columns].reset_index(drop=True)


def _joined(values: pd.Series) -> str:
    return ", ".join(sorted({v for v in values if isinstance(v, str) and v}))


def _membership_around(engine: Engine, viewer: Viewer, filt: IncidentFilter) -> pd.DataFrame:
    """Whole series touching the filter's incidents. Without a start date that is every series
    in the viewer's scope, built in one pass; otherwise a walk out from the period's incidents
    (a few steps over a few hundred incidents instead of the statewide graph)."""
    if filt.start is None:
        return series_membership(engine, viewer)
    with engine.connect() as conn:
        pairs = series_pairs(conn, viewer, incidents=scoped_incident_ids(viewer, filt))
    return series_from_pairs(pairs)


def _scoped_ids(engine: Engine, viewer: Viewer, filt: IncidentFilter) -> set[int]:
    with engine.connect() as conn:
        return set(conn.execute(scoped_incident_ids(viewer, filt)).scalars())


def _incident_details(
    engine: Engine, viewer: Viewer, filt: IncidentFilter, incident_ids: list[int]
) -> pd.DataFrame:
    stmt = (
        select(
            Incident.id.label("incident_id"),
            Incident.occurred_at,
            Agency.name.label("agency"),
            Town.name.label("town"),
            (Incident.victims_injured + Incident.victims_killed).label("victims"),
        )
        .join(Agency, Agency.id == Incident.agency_id)
        .outerjoin(Town, Town.id == Incident.town_id)
        .where(incident_conditions(viewer, filt))
    )
    columns = ["incident_id", "occurred_at", "agency", "town", "victims"]
    with engine.connect() as conn:
        frames = [
            read_frame(conn, stmt.where(Incident.id.in_(chunk)), columns)
            for chunk in chunks(incident_ids)
        ]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def nibin_timeliness_by_agency(
    engine: Engine, viewer: Viewer, filt: IncidentFilter
) -> pd.DataFrame:
    """Per agency: cartridge cases entered into NIBIN whose incident is in scope and in range.

    Columns: agency, entries, median_days (recovery to NIBIN entry), within_goal_share (share
    entered within the goal, ``CGIC_NIBIN_GOAL_HOURS``, 48 h by default). Most entries first.
    Counted and the median taken in SQL (``sql_percentiles``): one row per agency comes back.
    """
    goal = settings.int_setting(settings.NIBIN_GOAL_HOURS)
    hours = hours_between(EvidenceItem.recovered_at, EvidenceItem.nibin_entered_at)
    stmt = (
        select(
            Agency.name.label("agency"),
            func.count().label("entries"),
            median(hours).label("median_hours"),
            func.count(case((hours <= goal, 1))).label("within"),
        )
        .join(Incident, Incident.id == EvidenceItem.incident_id)
        .join(Agency, Agency.id == Incident.agency_id)
        .where(
            incident_conditions(viewer, filt),
            EvidenceItem.kind == ItemKind.CARTRIDGE_CASE,
            EvidenceItem.nibin_entered_at.is_not(None),
            EvidenceItem.recovered_at.is_not(None),
        )
        .group_by(Agency.name)
    )
    frame = query_frame(engine, stmt, ["agency", "entries", "median_hours", "within"])
    frame = frame.astype({"entries": int, "median_hours": float, "within": int})
    return pd.DataFrame(
        {
            "agency": frame["agency"],
            "entries": frame["entries"],
            "median_days": frame["median_hours"] / 24.0,
            "within_goal_share": frame["within"] / frame["entries"],
        }
    ).sort_values(["entries", "agency"], ascending=[False, True], ignore_index=True)
