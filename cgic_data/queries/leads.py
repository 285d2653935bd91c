"""Linkage tables: the leads a viewer may work and the series those leads build.

Which leads a viewer sees: lab/CGIC staff see every lead; an agency sees the leads that link at
least one of its own incidents (any status: it received them) — ``lead_selection.lead_visibility``,
the rule the packet, timeline and network pages share. Every figure on a row (incidents,
agencies, towns, victims, hits) counts only incidents the viewer may see (``cgic_data.scope``), so
an agency never learns about incidents of leads that do not touch it.

The sidebar filter picks leads by their incidents (agency, town) and by issue date (the period);
the row's figures then describe the whole visible lead, so an analyst filtering on one agency still
sees which other agencies the lead reaches.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Engine, Select, func, select, union

from cgic_data.frames import query_frame
from cgic_data.lead_labels import CONFIRMED_LABEL, UNCONFIRMED_LABEL, lead_label
from cgic_data.metrics.series import lead_incident_pairs, series_from_pairs
from cgic_data.schema import (
    Agency,
    CaseEvent,
    CaseEventKind,
    EvidenceItem,
    Firearm,
    ForensicResult,
    Incident,
    ItemKind,
    LeadItem,
    LeadStatus,
    NibinLead,
    ResultKind,
    Town,
)
from cgic_data.scope import (
    IncidentFilter,
    Viewer,
    date_conditions,
    day_start,
    lead_visibility,
    scoped_incident_ids,
    visibility_condition,
)

LEAD_COLUMNS = [
    "lead_id", "lead_number", "status", "label", "issued_at", "days_since_issued", "incidents",
    "agencies", "towns", "calibers", "first_incident", "last_incident", "victims",
    "recovered_firearm", "codis_hits", "afis_hits", "series_id", "series_size", "assigned_to",
    "assigned_at", "follow_up_status", "outcome", "last_follow_up_at", "last_item_added_at",
]  # fmt: skip
SERIES_COLUMNS = [
    "series_id", "label", "incidents", "leads", "lead_numbers", "first_incident", "last_incident",
    "span_days", "days_since_last", "agencies", "towns", "victims", "confirmed_hits",
    "recovered_firearm", "codis_hits", "afis_hits",
]  # fmt: skip
FACT_COLUMNS = [
    "incident_id", "occurred_at", "agency", "town", "victims", "recovered_firearm",
    "codis_hits", "afis_hits",
]  # fmt: skip


@dataclass(frozen=True)
class LeadFilter:
    """The Leads page's own filters. Empty ``statuses``: all. Ages in whole days since issue."""

    statuses: tuple[LeadStatus, ...] = ()
    min_age_days: int | None = None
    max_age_days: int | None = None
    min_series_size: int = 1


@dataclass(frozen=True)
class SeriesFilter:
    """Series with at least ``min_size`` visible incidents, optionally active recently."""

    min_size: int = 2
    max_days_since_last: int | None = None


# --- which leads and incidents ----------------------------------------------------------------


def listed_lead_ids(viewer: Viewer, filt: IncidentFilter) -> Select[tuple[int]]:
    """Leads the viewer may list, linking an incident that matches the filter's agency/town,
    issued in the filter's period."""
    matching = (
        select(LeadItem.lead_id)
        .join(EvidenceItem, EvidenceItem.id == LeadItem.item_id)
        .where(
            EvidenceItem.incident_id.in_(scoped_incident_ids(viewer, filt.with_period(None, None)))
        )
    )
    return select(NibinLead.id).where(
        lead_visibility(viewer),
        NibinLead.id.in_(matching),
        *date_conditions(NibinLead.issued_at, filt.start, filt.end),
    )


def lead_incident_ids(lead_ids: Select[tuple[int]]) -> Select[tuple[int]]:
    """Incidents linked by the given leads (visibility is applied by the caller)."""
    return (
        select(EvidenceItem.incident_id)
        .join(LeadItem, LeadItem.item_id == EvidenceItem.id)
        .where(LeadItem.lead_id.in_(lead_ids))
    )


def incident_facts(
    engine: Engine, viewer: Viewer, incident_ids: Select[tuple[int]]
) -> pd.DataFrame:
    """Per visible incident: date, agency, town, victims, firearm recovered, CODIS/AFIS hits.

    A firearm counts as recovered at an incident when the firearm's recovery incident is that
    incident or a firearm item was collected there. A CODIS/AFIS *hit* is a result of that kind
    naming a (pseudonymous) subject; a search without a subject is not a hit.
    """
    hits = (
        select(
            EvidenceItem.incident_id,
            func.count(ForensicResult.id)
            .filter(ForensicResult.kind == ResultKind.CODIS)
            .label("codis"),
            func.count(ForensicResult.id)
            .filter(ForensicResult.kind == ResultKind.AFIS)
            .label("afis"),
        )
        .join(ForensicResult, ForensicResult.item_id == EvidenceItem.id)
        .where(ForensicResult.subject_ref.is_not(None))
        .group_by(EvidenceItem.incident_id)
        .subquery()
    )
    with_firearm = union(
        select(Firearm.recovery_incident_id).where(Firearm.recovery_incident_id.is_not(None)),
        select(EvidenceItem.incident_id).where(EvidenceItem.kind == ItemKind.FIREARM),
    )
    stmt = (
        select(
            Incident.id,
            Incident.occurred_at,
            Agency.name,
            Town.name,
            Incident.victims_injured + Incident.victims_killed,
            Incident.id.in_(with_firearm),
            func.coalesce(hits.c.codis, 0),
            func.coalesce(hits.c.afis, 0),
        )
        .join(Agency, Agency.id == Incident.agency_id)
        .outerjoin(Town, Town.id == Incident.town_id)
        .outerjoin(hits, hits.c.incident_id == Incident.id)
        .where(visibility_condition(viewer), Incident.id.in_(incident_ids))
    )
    frame = query_frame(engine, stmt, FACT_COLUMNS)
    frame["recovered_firearm"] = frame["recovered_firearm"].astype(bool)
    return frame


def _join_names(values: pd.Series) -> str:
    return ", ".join(sorted({v for v in values if isinstance(v, str) and v}))


def _summarise(members: pd.DataFrame, key: str) -> pd.DataFrame:
    """Per ``key``: incidents, dates, agencies, towns, victims, firearm and hit figures."""
    return members.groupby(key).agg(
        incidents=("incident_id", "nunique"),
        first_incident=("occurred_at", "min"),
        last_incident=("occurred_at", "max"),
        agencies=("agency", _join_names),
        towns=("town", _join_names),
        victims=("victims", "sum"),
        recovered_firearm=("recovered_firearm", "any"),
        codis_hits=("codis_hits", "sum"),
        afis_hits=("afis_hits", "sum"),
    )


def visible_series(engine: Engine, viewer: Viewer) -> pd.DataFrame:
    """(incident_id, series_id, series_size) for every incident the viewer may see in a series.

    The components come from all non-excluded leads (``metrics.series``); the size counts only the
    viewer's visible incidents, as everywhere else.
    """
    membership = series_from_pairs(lead_incident_pairs(engine, viewer))
    with engine.connect() as conn:
        visible = set(conn.execute(scoped_incident_ids(viewer, IncidentFilter())).scalars())
    membership = membership[membership["incident_id"].isin(visible)].copy()
    membership["series_size"] = membership.groupby("series_id")["incident_id"].transform("size")
    return membership[["incident_id", "series_id", "series_size"]]


# --- the leads table -------------------------------------------------------------------------


def lead_table(
    engine: Engine, viewer: Viewer, filt: IncidentFilter, lead_filter: LeadFilter, today: date
) -> pd.DataFrame:
    """One row per lead the viewer may list and asked for (see module docstring), newest first.

    ``days_since_issued`` counts whole days from the issue date to ``today``; ``series_size`` is the
    visible size of the series the lead belongs to (excluded leads belong to none).
    """
    listed = listed_lead_ids(viewer, filt)
    conditions = [NibinLead.id.in_(listed)]
    if lead_filter.statuses:
        conditions.append(NibinLead.status.in_(lead_filter.statuses))
    if lead_filter.max_age_days is not None:
        conditions.append(
            NibinLead.issued_at >= day_start(today - timedelta(lead_filter.max_age_days))
        )
    if lead_filter.min_age_days is not None:
        conditions.append(
            NibinLead.issued_at < day_start(today - timedelta(lead_filter.min_age_days - 1))
        )
    chosen = select(NibinLead.id).where(*conditions)
    leads = _lead_rows(engine, chosen)
    if leads.empty:
        return pd.DataFrame(columns=LEAD_COLUMNS)

    pairs = _lead_incidents(engine, viewer, chosen)
    facts = incident_facts(engine, viewer, lead_incident_ids(chosen))
    summary = _summarise(pairs.merge(facts, on="incident_id"), "lead_id")
    calibers = _lead_calibers(engine, viewer, chosen)
    series = visible_series(engine, viewer)
    lead_series = (
        pairs.merge(series, on="incident_id").drop_duplicates("lead_id").set_index("lead_id")
    )
    table = leads.join(summary, on="lead_id").join(calibers, on="lead_id")
    table = table.join(lead_series[["series_id", "series_size"]], on="lead_id")
    excluded = table["status"] == LeadStatus.EXCLUDED
    table.loc[excluded, ["series_id", "series_size"]] = None  # an excluded lead joins nothing
    table["label"] = table["status"].map(lead_label)
    table["days_since_issued"] = (
        pd.Timestamp(today) - table["issued_at"].dt.normalize()
    ).dt.days.astype(int)
    for column in ("incidents", "victims", "codis_hits", "afis_hits"):
        table[column] = table[column].fillna(0).astype(int)
    table["recovered_firearm"] = table["recovered_firearm"].astype("boolean").fillna(False)
    table["calibers"] = table["calibers"].fillna("")
    if lead_filter.min_series_size > 1:
        table = table[table["series_size"].fillna(0) >= lead_filter.min_series_size]
    table = table.sort_values(["issued_at", "lead_number"], ascending=[False, True])
    return table[LEAD_COLUMNS].reset_index(drop=True)


def _lead_rows(engine: Engine, lead_ids: Select[tuple[int]]) -> pd.DataFrame:
    last_added = (
        select(func.max(LeadItem.added_at))
        .where(LeadItem.lead_id == NibinLead.id)
        .scalar_subquery()
    )
    last_follow_up = (
        select(func.max(CaseEvent.occurred_at))
        .where(CaseEvent.lead_id == NibinLead.id, CaseEvent.kind == CaseEventKind.FOLLOW_UP)
        .scalar_subquery()
    )
    columns = [
        "lead_id", "lead_number", "status", "issued_at", "assigned_to", "assigned_at",
        "follow_up_status", "outcome", "last_follow_up_at", "last_item_added_at",
    ]  # fmt: skip
    stmt = select(
        NibinLead.id,
        NibinLead.lead_number,
        NibinLead.status,
        NibinLead.issued_at,
        NibinLead.assigned_to,
        NibinLead.assigned_at,
        NibinLead.follow_up_status,
        NibinLead.outcome,
        last_follow_up,
        last_added,
    ).where(NibinLead.id.in_(lead_ids))
    frame = query_frame(engine, stmt, columns)
    frame["status"] = frame["status"].map(lambda s: LeadStatus(s).value)
    for column in ("issued_at", "assigned_at", "last_follow_up_at", "last_item_added_at"):
        frame[column] = pd.to_datetime(frame[column])
    return frame


def _visible_item_values(
    engine: Engine, viewer: Viewer, lead_ids: Select[tuple[int]], column: Any, name: str
) -> pd.DataFrame:
    """Distinct (lead_id, ``column``) over the given leads' items on visible incidents."""
    stmt = (
        select(LeadItem.lead_id, column)
        .join(EvidenceItem, EvidenceItem.id == LeadItem.item_id)
        .join(Incident, Incident.id == EvidenceItem.incident_id)
        .where(LeadItem.lead_id.in_(lead_ids), visibility_condition(viewer))
        .distinct()
    )
    return query_frame(engine, stmt, ["lead_id", name])


def _lead_incidents(engine: Engine, viewer: Viewer, lead_ids: Select[tuple[int]]) -> pd.DataFrame:
    """(lead_id, incident_id) for the given leads, visible incidents only."""
    return _visible_item_values(engine, viewer, lead_ids, EvidenceItem.incident_id, "incident_id")


def _lead_calibers(engine: Engine, viewer: Viewer, lead_ids: Select[tuple[int]]) -> pd.DataFrame:
    """Per lead: the calibers of its items on visible incidents, comma-joined."""
    frame = _visible_item_values(engine, viewer, lead_ids, EvidenceItem.caliber, "caliber")
    return frame.groupby("lead_id").agg(calibers=("caliber", _join_names))


# --- the series table ------------------------------------------------------------------------


def series_table(
    engine: Engine,
    viewer: Viewer,
    filt: IncidentFilter,
    series_filter: SeriesFilter,
    today: date,
) -> pd.DataFrame:
    """One row per series with an incident matching the filter, most recent activity first.

    Figures count the series' visible incidents. ``confirmed_hits``: for each confirmed lead, the
    cases it links beyond the first (a hit links cases; each further case is one more hit).
    ``leads`` counts the series' leads the viewer may list. The label stays "investigative lead"
    until every lead in the series is a confirmed hit.
    """
    pairs = lead_incident_pairs(engine, viewer)
    series = visible_series(engine, viewer)
    with engine.connect() as conn:
        matching = set(conn.execute(scoped_incident_ids(viewer, filt)).scalars())
        listable = dict(
            conn.execute(
                select(NibinLead.id, NibinLead.status).where(
                    lead_visibility(viewer), NibinLead.status != LeadStatus.EXCLUDED
                )
            ).all()
        )
    chosen = set(series.loc[series["incident_id"].isin(matching), "series_id"])
    series = series[
        series["series_id"].isin(chosen) & (series["series_size"] >= series_filter.min_size)
    ]
    if series.empty:
        return pd.DataFrame(columns=SERIES_COLUMNS)
    linked = select(EvidenceItem.incident_id).join(LeadItem, LeadItem.item_id == EvidenceItem.id)
    facts = incident_facts(engine, viewer, linked)
    table = _summarise(series.merge(facts, on="incident_id"), "series_id")

    leads = pairs[
        pairs["lead_id"].isin(listable) & pairs["incident_id"].isin(series["incident_id"])
    ]
    leads = leads.merge(series[["incident_id", "series_id"]], on="incident_id")
    per_lead = leads.groupby(["series_id", "lead_id", "lead_number"]).size().rename("cases")
    per_lead = per_lead.reset_index()
    per_lead["status"] = per_lead["lead_id"].map(listable).map(lambda s: LeadStatus(s))
    per_lead["hits"] = (per_lead["cases"] - 1).where(per_lead["status"] == LeadStatus.CONFIRMED, 0)
    by_series = per_lead.groupby("series_id").agg(
        leads=("lead_id", "nunique"),
        lead_numbers=("lead_number", _join_names),
        confirmed_hits=("hits", "sum"),
        all_confirmed=("status", lambda s: bool((s == LeadStatus.CONFIRMED).all())),
    )
    table = table.join(by_series).reset_index()
    table["leads"] = table["leads"].fillna(0).astype(int)
    table["confirmed_hits"] = table["confirmed_hits"].fillna(0).astype(int)
    table["lead_numbers"] = table["lead_numbers"].fillna("")
    table["label"] = [
        CONFIRMED_LABEL if confirmed is True else UNCONFIRMED_LABEL
        for confirmed in table["all_confirmed"]
    ]
    table["span_days"] = (table["last_incident"] - table["first_incident"]).dt.days
    table["days_since_last"] = (pd.Timestamp(today) - table["last_incident"].dt.normalize()).dt.days
    if series_filter.max_days_since_last is not None:
        table = table[table["days_since_last"] <= series_filter.max_days_since_last]
    table = table.sort_values(["last_incident", "incidents"], ascending=False)
    return table[SERIES_COLUMNS].reset_index(drop=True)
