"""The series table: one row per series (incidents joined by leads, transitively) with an
incident in the sidebar filter, built from the same read of the viewer's leads as the lead table
(``leads.lead_universe``). Every figure counts incidents the viewer may see; names are joined only
for the rows shown (``series_page``); ``series_table`` returns every row, for exports and checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import Engine, select

from cgic_data.lead_labels import CONFIRMED_LABEL, UNCONFIRMED_LABEL
from cgic_data.queries.lead_facts import (
    INCIDENT_TOTALS,
    incident_extras,
    incident_numbers,
    join_names,
)
from cgic_data.queries.leads import LeadUniverse, lead_universe, matching_incidents, series_touching
from cgic_data.schema import Agency, LeadStatus, Town
from cgic_data.scope import IncidentFilter, Viewer

SERIES_NAME_COLUMNS = ["agencies", "towns", "lead_numbers"]
SERIES_COLUMNS = [
    "series_id", "label", "incidents", "leads", "lead_numbers", "first_incident", "last_incident",
    "span_days", "days_since_last", "agencies", "towns", "victims", "confirmed_hits",
    "recovered_firearm", "codis_hits", "afis_hits",
]  # fmt: skip


@dataclass(frozen=True)
class SeriesFilter:
    """Series with at least ``min_size`` visible incidents, optionally active recently."""

    min_size: int = 2
    max_days_since_last: int | None = None


@dataclass(frozen=True)
class SeriesPage:
    """The first rows of ``series_table`` (names joined for them only) and how many there are."""

    rows: pd.DataFrame  # SERIES_COLUMNS
    total: int


@dataclass(frozen=True)
class _SeriesRows:
    table: pd.DataFrame  # SERIES_COLUMNS without the names, in order
    members: pd.DataFrame  # incident_id, series_id, agency_id, town_id
    leads: pd.DataFrame  # series_id, lead_number (listable leads)


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
    rows = _series_rows(engine, viewer, filt, series_filter, today)
    if rows is None:
        return pd.DataFrame(columns=SERIES_COLUMNS)
    return _named_series(engine, rows, rows.table)


def series_page(
    engine: Engine,
    viewer: Viewer,
    filt: IncidentFilter,
    series_filter: SeriesFilter,
    today: date,
    limit: int,
) -> SeriesPage:
    """The first ``limit`` rows of ``series_table`` and the number of rows it has."""
    rows = _series_rows(engine, viewer, filt, series_filter, today)
    if rows is None:
        return SeriesPage(pd.DataFrame(columns=SERIES_COLUMNS), 0)
    return SeriesPage(_named_series(engine, rows, rows.table.head(limit)), len(rows.table))


def _series_rows(
    engine: Engine,
    viewer: Viewer,
    filt: IncidentFilter,
    series_filter: SeriesFilter,
    today: date,
) -> _SeriesRows | None:
    universe = lead_universe(engine, viewer)
    membership = universe.membership
    chosen = series_touching(membership, matching_incidents(engine, viewer, filt))
    members = membership[
        membership["series_id"].isin(chosen) & (membership["series_size"] >= series_filter.min_size)
    ]
    if members.empty:
        return None
    facts = incident_numbers(universe.items, incident_extras(engine))
    merged = members[["incident_id", "series_id"]].merge(facts, on="incident_id")
    table = merged.groupby("series_id").agg(
        incidents=("incident_id", "nunique"),
        **INCIDENT_TOTALS,
    )
    leads = _series_leads(universe, merged)
    table = table.join(
        leads.groupby("series_id").agg(
            leads=("lead_id", "nunique"),
            confirmed_hits=("hits", "sum"),
            all_confirmed=("confirmed", "all"),
        )
    ).reset_index()
    table["leads"] = table["leads"].fillna(0).astype(int)
    table["confirmed_hits"] = table["confirmed_hits"].fillna(0).astype(int)
    table["label"] = [
        CONFIRMED_LABEL if confirmed is True else UNCONFIRMED_LABEL
        for confirmed in table["all_confirmed"]
    ]
    table["span_days"] = (table["last_incident"] - table["first_incident"]).dt.days
    table["days_since_last"] = (pd.Timestamp(today) - table["last_incident"].dt.normalize()).dt.days
    if series_filter.max_days_since_last is not None:
        table = table[table["days_since_last"] <= series_filter.max_days_since_last]
    table = table.sort_values(
        ["last_incident", "incidents", "series_id"], ascending=[False, False, True]
    )
    columns = [c for c in SERIES_COLUMNS if c not in SERIES_NAME_COLUMNS]
    return _SeriesRows(
        table[columns].reset_index(drop=True),
        merged[["incident_id", "series_id", "agency_id", "town_id"]],
        leads[["series_id", "lead_number"]],
    )


def _series_leads(universe: LeadUniverse, members: pd.DataFrame) -> pd.DataFrame:
    """(series_id, lead_id, lead_number, cases, confirmed, hits) for each listable, not excluded
    lead of the series in ``members``: the cases it links there, and the hits those make if it is
    confirmed."""
    live = universe.leads.loc[
        universe.leads["status"] != LeadStatus.EXCLUDED, ["lead_id", "lead_number", "status"]
    ]
    pairs = universe.items.loc[
        universe.items["incident_id"].isin(members["incident_id"]), ["lead_id", "incident_id"]
    ].drop_duplicates()
    leads = pairs.merge(live, on="lead_id").merge(
        members[["incident_id", "series_id"]], on="incident_id"
    )
    per_lead = leads.groupby(["series_id", "lead_id", "lead_number", "status"]).size()
    per_lead = per_lead.rename("cases").reset_index()
    per_lead["confirmed"] = per_lead["status"] == LeadStatus.CONFIRMED
    per_lead["hits"] = (per_lead["cases"] - 1).where(per_lead["confirmed"], 0)
    return per_lead


def _named_series(engine: Engine, rows: _SeriesRows, shown: pd.DataFrame) -> pd.DataFrame:
    """``shown`` (rows of ``rows.table``) with agencies, towns and lead numbers joined."""
    with engine.connect() as conn:
        agencies = dict(conn.execute(select(Agency.id, Agency.name)).all())
        towns = dict(conn.execute(select(Town.id, Town.name)).all())
    ids = set(shown["series_id"])
    members = rows.members[rows.members["series_id"].isin(ids)]
    members = members.assign(
        agency=members["agency_id"].map(agencies), town=members["town_id"].map(towns)
    )
    leads = rows.leads[rows.leads["series_id"].isin(ids)]
    named = shown.set_index("series_id")
    named["agencies"] = join_names(members, "series_id", "agency")
    named["towns"] = join_names(members, "series_id", "town")
    named["lead_numbers"] = join_names(leads, "series_id", "lead_number")
    named[SERIES_NAME_COLUMNS] = named[SERIES_NAME_COLUMNS].fillna("")
    return named.reset_index()[SERIES_COLUMNS]
