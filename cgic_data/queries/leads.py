"""Linkage tables: the leads a viewer may work and the series those leads build.

Which leads a viewer sees: lab/CGIC staff see every lead; an agency sees the leads that link at
least one of its own incidents (any status: it received them) — ``scope.lead_visibility``, the rule
the packet, timeline and network pages share. Every figure on a row (incidents, agencies, towns,
victims, hits) counts only incidents the viewer may see (``cgic_data.scope``), so an agency never
learns about incidents of leads that do not touch it.

The sidebar filter picks leads by their incidents (agency, town) and by issue date (the period);
the row's figures then describe the whole visible lead, so an analyst filtering on one agency still
sees which other agencies the lead reaches.

Scale: a store holds tens of thousands of leads. Both tables start from one read of the viewer's
leads and lead items (``lead_universe``, see ``lead_facts``), grouped per lead or series in pandas;
the names a row lists (agencies, towns, calibers, lead numbers) are joined only for the rows shown
(``lead_names``; ``series_table.series_page``). ``lead_table`` returns every row, for exports
and checks; the series table is ``cgic_data.queries.series_table``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import ColumnElement, Engine, Select, func, select

from cgic_data.frames import raw_frame
from cgic_data.lead_labels import lead_label
from cgic_data.metrics.series import chunks, series_from_pairs
from cgic_data.queries.lead_facts import (
    INCIDENT_TOTALS,
    incident_extras,
    incident_numbers,
    join_names,
    lead_item_rows,
    lead_rows,
    series_pairs_from,
)
from cgic_data.schema import (
    Agency,
    CaseEvent,
    CaseEventKind,
    EvidenceItem,
    Incident,
    LeadItem,
    LeadStatus,
    NibinLead,
    Town,
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

NAME_COLUMNS = ["agencies", "towns", "calibers"]
LEAD_COLUMNS = [
    "lead_id", "lead_number", "status", "label", "issued_at", "days_since_issued", "incidents",
    "agencies", "towns", "calibers", "first_incident", "last_incident", "victims",
    "recovered_firearm", "codis_hits", "afis_hits", "series_id", "series_size", "assigned_to",
    "assigned_at", "follow_up_status", "outcome", "last_follow_up_at", "last_item_added_at",
]  # fmt: skip
BASE_COLUMNS = [c for c in LEAD_COLUMNS if c not in NAME_COLUMNS]


@dataclass(frozen=True)
class LeadFilter:
    """The Leads page's own filters. Empty ``statuses``: all. Ages in whole days since issue."""

    statuses: tuple[LeadStatus, ...] = ()
    min_age_days: int | None = None
    max_age_days: int | None = None
    min_series_size: int = 1


# --- which leads ------------------------------------------------------------------------------


def _matching_leads(viewer: Viewer, filt: IncidentFilter) -> Select[tuple[int]]:
    """Leads linking an incident the viewer may see in the filter's agencies and towns (any
    date). Walked from the lead side: a store has far fewer lead items than incidents."""
    if viewer.sees_all_agencies and not filt.agency_ids and not filt.town_ids:
        return select(LeadItem.lead_id)  # every item belongs to an incident anyone may see
    return (
        select(LeadItem.lead_id)
        .join(EvidenceItem, EvidenceItem.id == LeadItem.item_id)
        .join(Incident, Incident.id == EvidenceItem.incident_id)
        .where(incident_conditions(viewer, filt.with_period(None, None)))
    )


def listed_conditions(viewer: Viewer, filt: IncidentFilter) -> list[ColumnElement[bool]]:
    """On ``NibinLead``: leads the viewer may list, linking an incident that matches the filter's
    agency/town, issued in the filter's period."""
    return [
        lead_visibility(viewer),
        NibinLead.id.in_(_matching_leads(viewer, filt)),
        *date_conditions(NibinLead.issued_at, filt.start, filt.end),
    ]


def chosen_conditions(
    viewer: Viewer, filt: IncidentFilter, lead_filter: LeadFilter, today: date
) -> list[ColumnElement[bool]]:
    """``listed_conditions`` and the page's status and age filters (series size comes later)."""
    conditions = listed_conditions(viewer, filt)
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
    return conditions


# --- what both tables are built from -----------------------------------------------------------


@dataclass(frozen=True)
class LeadUniverse:
    """Every lead the viewer may list, their items and the viewer's series, read once."""

    leads: pd.DataFrame  # lead_facts.LEAD_ROW_COLUMNS
    items: pd.DataFrame  # lead_facts.ITEM_COLUMNS
    membership: pd.DataFrame  # incident_id, series_id, series_size: visible incidents in a series


def lead_universe(
    engine: Engine,
    viewer: Viewer,
    chosen: Sequence[ColumnElement[bool]] = (),
    series_only: bool = False,
) -> LeadUniverse:
    """The viewer's leads (``chosen`` flags those meeting these conditions), their items and, for
    every incident the viewer may see in a series, its series and the series' size.

    The components are ``metrics.series.series_from_pairs`` over the leads in the viewer's scope
    (``lead_facts.series_pairs_from``) and the incidents the viewer may see; every incident such a
    lead links is one the viewer may see (``scope`` shares exactly those), so these are the
    components of ``metrics.series.series_membership``, and the size counts visible incidents.
    ``series_only``: read just what the series and their incidents' dates need.
    """
    leads = lead_rows(engine, viewer, chosen, series_only)
    items = lead_item_rows(engine, viewer, series_only)
    membership = series_from_pairs(series_pairs_from(leads, items))
    membership = membership.assign(
        series_size=membership.groupby("series_id")["incident_id"].transform("size")
    )
    columns = ["incident_id", "series_id", "series_size"]
    return LeadUniverse(leads, items, membership[columns].reset_index(drop=True))


def matching_incidents(engine: Engine, viewer: Viewer, filt: IncidentFilter) -> set[int] | None:
    """Lead-linked incidents the viewer may see and the filter asks for; None when that is every
    one of them (lab staff, no filter), so callers need not read them."""
    if viewer.sees_all_agencies and filt == IncidentFilter():
        return None
    matching = (
        select(EvidenceItem.incident_id)
        .join(LeadItem, LeadItem.item_id == EvidenceItem.id)
        .join(Incident, Incident.id == EvidenceItem.incident_id)
        .where(incident_conditions(viewer, filt))
        .distinct()
    )
    with engine.connect() as conn:
        return set(conn.execute(matching).scalars())


def series_touching(membership: pd.DataFrame, incident_ids: set[int] | None) -> set[str]:
    """Series of ``membership`` holding one of ``incident_ids`` (None: every series)."""
    if incident_ids is None:
        return set(membership["series_id"])
    return set(membership.loc[membership["incident_id"].isin(incident_ids), "series_id"])


# --- the leads table -------------------------------------------------------------------------


def lead_base(
    engine: Engine, viewer: Viewer, filt: IncidentFilter, lead_filter: LeadFilter, today: date
) -> pd.DataFrame:
    """Every row of ``lead_table`` without the name columns (agencies, towns, calibers): what the
    leads are counted, filtered and ranked on. Newest issued first, then by lead number."""
    universe = lead_universe(engine, viewer, chosen_conditions(viewer, filt, lead_filter, today))
    all_leads, membership = universe.leads, universe.membership
    leads = all_leads[all_leads["chosen"]]
    if leads.empty:
        return pd.DataFrame(columns=BASE_COLUMNS)
    items = universe.items[universe.items["lead_id"].isin(leads["lead_id"])]
    incidents = incident_numbers(items, incident_extras(engine))  # visible ones
    pairs = items[["lead_id", "incident_id"]].drop_duplicates()
    facts = (
        pairs.merge(incidents, on="incident_id")
        .groupby("lead_id")
        .agg(
            incidents=("incident_id", "size"),
            **INCIDENT_TOTALS,
        )
    )
    in_series = pairs[pairs["lead_id"].isin(leads.loc[leads["in_series"], "lead_id"])]
    lead_series = (
        in_series.merge(membership, on="incident_id")
        .drop_duplicates("lead_id")
        .set_index("lead_id")[["series_id", "series_size"]]
    )  # an excluded lead is in no series
    added = _last_added(engine, viewer, universe.items).rename("last_item_added_at")
    table = leads.join(facts, on="lead_id").join(lead_series, on="lead_id")
    table = table.join(added, on="lead_id")
    table = table.join(_last_follow_ups(engine, viewer), on="lead_id")
    table["label"] = table["status"].map(lead_label)
    table["days_since_issued"] = (
        pd.Timestamp(today) - table["issued_at"].dt.normalize()
    ).dt.days.astype(int)
    for column in ("incidents", "victims", "codis_hits", "afis_hits"):
        table[column] = table[column].fillna(0).astype(int)
    table["recovered_firearm"] = table["recovered_firearm"].astype("boolean").fillna(False)
    if lead_filter.min_series_size > 1:
        table = table[table["series_size"].fillna(0) >= lead_filter.min_series_size]
    table = table.sort_values(["issued_at", "lead_number"], ascending=[False, True])
    return table[BASE_COLUMNS].reset_index(drop=True)


def lead_names(
    engine: Engine, viewer: Viewer, lead_ids: tuple[int, ...] | Select[tuple[int]]
) -> pd.DataFrame:
    """Per lead (index lead_id): agencies and towns of its visible incidents and the calibers of
    its items on them, each comma-joined and sorted."""
    stmt = (
        select(LeadItem.lead_id, Agency.name, Town.name, EvidenceItem.caliber)
        .join(EvidenceItem, EvidenceItem.id == LeadItem.item_id)
        .join(Incident, Incident.id == EvidenceItem.incident_id)
        .join(Agency, Agency.id == Incident.agency_id)
        .outerjoin(Town, Town.id == Incident.town_id)
        .where(visibility_condition(viewer))
        .distinct()
    )
    columns = ["lead_id", "agency", "town", "caliber"]
    if isinstance(lead_ids, Select):
        rows = raw_frame(engine, stmt.where(LeadItem.lead_id.in_(lead_ids)), columns)
    else:
        parts = [
            raw_frame(engine, stmt.where(LeadItem.lead_id.in_(ids)), columns)
            for ids in chunks(lead_ids)
        ]
        rows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    names = pd.DataFrame(index=pd.Index(sorted(set(rows["lead_id"])), name="lead_id"))
    for name, column in zip(NAME_COLUMNS, ["agency", "town", "caliber"], strict=True):
        names[name] = join_names(rows, "lead_id", column)
    return names.fillna("")


def lead_table(
    engine: Engine, viewer: Viewer, filt: IncidentFilter, lead_filter: LeadFilter, today: date
) -> pd.DataFrame:
    """One row per lead the viewer may list and asked for (see module docstring), newest first.

    ``days_since_issued`` counts whole days from the issue date to ``today``; ``series_size`` is the
    visible size of the series the lead belongs to (excluded leads belong to none).
    """
    base = lead_base(engine, viewer, filt, lead_filter, today)
    if base.empty:
        return pd.DataFrame(columns=LEAD_COLUMNS)
    chosen = select(NibinLead.id).where(*chosen_conditions(viewer, filt, lead_filter, today))
    named = base.join(lead_names(engine, viewer, chosen), on="lead_id")
    named[NAME_COLUMNS] = named[NAME_COLUMNS].fillna("")
    return named[LEAD_COLUMNS]


def _last_added(engine: Engine, viewer: Viewer, items: pd.DataFrame) -> pd.Series:
    """Per lead the viewer may list: when an item last joined it, any item (an agency is told a
    lead grew even when the new item sits at an incident it may not see). Lab staff see every
    item, so ``items`` (``lead_item_rows``) has them all."""
    if viewer.sees_all_agencies:
        return items.groupby("lead_id")["added_at"].max()
    stmt = (
        select(LeadItem.lead_id, func.max(LeadItem.added_at))
        .where(LeadItem.lead_id.in_(select(NibinLead.id).where(lead_visibility(viewer))))
        .group_by(LeadItem.lead_id)
    )
    frame = raw_frame(engine, stmt, ["lead_id", "added_at"], dates=["added_at"])
    return frame.set_index("lead_id")["added_at"]


def _last_follow_ups(engine: Engine, viewer: Viewer) -> pd.Series:
    """Per lead the viewer may list: when its latest follow-up case event happened."""
    stmt = (
        select(CaseEvent.lead_id, func.max(CaseEvent.occurred_at))
        .where(CaseEvent.kind == CaseEventKind.FOLLOW_UP, CaseEvent.lead_id.is_not(None))
        .group_by(CaseEvent.lead_id)
    )
    if not viewer.sees_all_agencies:
        stmt = stmt.where(
            CaseEvent.lead_id.in_(select(NibinLead.id).where(lead_visibility(viewer)))
        )
    frame = raw_frame(engine, stmt, ["lead_id", "last_follow_up_at"], dates=["last_follow_up_at"])
    return frame.set_index("lead_id")["last_follow_up_at"]
