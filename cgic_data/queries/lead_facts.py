"""The rows the Leads page ranks, counts and joins on, each read in one plain query.

* ``lead_rows``: every lead the viewer may list, flagged when it counts toward the viewer's series
  and when it meets the page's filter;
* ``lead_item_rows``: their items on incidents the viewer may see, each with when it joined the
  lead and the figures of its incident (date, agency, town, victims: injured + killed);
* ``incident_extras``: per incident, CODIS/AFIS hits (a result of that kind naming a pseudonymous
  subject; a search without a subject is not a hit) and whether a firearm was recovered there
  (the firearm's recovery incident is that incident, or a firearm item was collected there).

A store holds ~150k lead items: grouping them per lead or series in pandas takes milliseconds,
where the same GROUP BY over joined tables takes a second or more in SQLite. Rows come through
``frames.raw_frame``: as the database driver returns them, dates parsed in one vectorised step.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from sqlalchemy import ColumnElement, Engine, and_, case, func, select, true

from cgic_data.frames import raw_frame
from cgic_data.schema import (
    EvidenceItem,
    Firearm,
    ForensicResult,
    Incident,
    ItemKind,
    LeadItem,
    LeadStatus,
    NibinLead,
    ResultKind,
)
from cgic_data.scope import Viewer, lead_in_scope, lead_visibility, visibility_condition

LEAD_ROW_COLUMNS = [
    "lead_id", "lead_number", "status", "issued_at", "assigned_to", "assigned_at",
    "follow_up_status", "outcome", "in_series", "chosen",
]  # fmt: skip
ITEM_COLUMNS = [
    "lead_id", "incident_id", "added_at", "occurred_at", "agency_id", "town_id", "victims",
]  # fmt: skip
INCIDENT_COLUMNS = [
    "incident_id", "occurred_at", "agency_id", "town_id", "victims", "recovered_firearm",
    "codis_hits", "afis_hits",
]  # fmt: skip
PAIR_COLUMNS = ["lead_id", "lead_number", "incident_id"]

# How the incidents of a lead or a series add up (pandas named aggregations; the incident count,
# which differs, comes first at each use).
INCIDENT_TOTALS = {
    "first_incident": ("occurred_at", "min"),
    "last_incident": ("occurred_at", "max"),
    "victims": ("victims", "sum"),
    "recovered_firearm": ("recovered_firearm", "any"),
    "codis_hits": ("codis_hits", "sum"),
    "afis_hits": ("afis_hits", "sum"),
}


def lead_rows(
    engine: Engine,
    viewer: Viewer,
    chosen: Sequence[ColumnElement[bool]] = (),
    series_only: bool = False,
) -> pd.DataFrame:
    """``LEAD_ROW_COLUMNS``: one row per lead the viewer may list (``scope.lead_visibility``).

    ``in_series``: the lead is not excluded and is in the viewer's scope (``scope.lead_in_scope``),
    the leads ``metrics.series`` builds the viewer's series from. ``chosen``: the lead meets every
    condition in ``chosen`` (on ``NibinLead``). ``series_only``: just lead_id, lead_number,
    status and in_series (what series are built from; half the read).
    """
    in_series = and_(NibinLead.status != LeadStatus.EXCLUDED, lead_in_scope(viewer))
    if series_only:
        stmt = select(
            NibinLead.id, NibinLead.lead_number, NibinLead.status, case((in_series, 1), else_=0)
        ).where(lead_visibility(viewer))
        columns = ["lead_id", "lead_number", "status", "in_series"]
        return raw_frame(engine, stmt, columns, flags=["in_series"])
    stmt = select(
        NibinLead.id,
        NibinLead.lead_number,
        NibinLead.status,
        NibinLead.issued_at,
        NibinLead.assigned_to,
        NibinLead.assigned_at,
        NibinLead.follow_up_status,
        NibinLead.outcome,
        case((in_series, 1), else_=0),
        case((and_(true(), *chosen), 1), else_=0),
    ).where(lead_visibility(viewer))
    return raw_frame(
        engine,
        stmt,
        LEAD_ROW_COLUMNS,
        dates=["issued_at", "assigned_at"],
        flags=["in_series", "chosen"],
    )


def lead_item_rows(engine: Engine, viewer: Viewer, series_only: bool = False) -> pd.DataFrame:
    """``ITEM_COLUMNS``: every item of every lead the viewer may list that was collected at an
    incident the viewer may see (``scope.visibility_condition``), when it joined the lead, and
    that incident's figures. ``series_only``: just lead_id, incident_id and occurred_at."""
    columns = ITEM_COLUMNS[:2] + ITEM_COLUMNS[3:4] if series_only else ITEM_COLUMNS
    fields = {
        "lead_id": LeadItem.lead_id,
        "incident_id": EvidenceItem.incident_id,
        "added_at": LeadItem.added_at,
        "occurred_at": Incident.occurred_at,
        "agency_id": Incident.agency_id,
        "town_id": Incident.town_id,
        "victims": Incident.victims_injured + Incident.victims_killed,
    }
    stmt = (
        select(*(fields[column] for column in columns))
        .join(EvidenceItem, EvidenceItem.id == LeadItem.item_id)
        .join(Incident, Incident.id == EvidenceItem.incident_id)
        .where(visibility_condition(viewer))
    )
    if not viewer.sees_all_agencies:
        stmt = stmt.where(LeadItem.lead_id.in_(select(NibinLead.id).where(lead_visibility(viewer))))
    dates = [column for column in ("added_at", "occurred_at") if column in columns]
    return raw_frame(engine, stmt, columns, dates=dates)


def series_pairs_from(leads: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """The distinct (lead_id, lead_number, incident_id) of the leads the viewer's series are
    built from (``in_series``): the pairs ``metrics.series.lead_incident_pairs`` reads, for
    ``metrics.series.series_from_pairs``."""
    in_series = leads.loc[leads["in_series"], ["lead_id", "lead_number"]]
    pairs = items[["lead_id", "incident_id"]].drop_duplicates().merge(in_series, on="lead_id")
    return pairs[PAIR_COLUMNS].sort_values(["lead_id", "incident_id"], ignore_index=True)


def incident_extras(engine: Engine) -> pd.DataFrame:
    """Per incident with a hit or a recovered firearm (index incident_id): codis_hits,
    afis_hits, recovered_firearm. Facts of incidents, not of people who may see them: callers
    join them only to incidents the viewer may see."""
    hits = (
        select(
            EvidenceItem.incident_id,
            func.count(ForensicResult.id).filter(ForensicResult.kind == ResultKind.CODIS),
            func.count(ForensicResult.id).filter(ForensicResult.kind == ResultKind.AFIS),
        )
        .join(ForensicResult, ForensicResult.item_id == EvidenceItem.id)
        .where(ForensicResult.subject_ref.is_not(None))
        .group_by(EvidenceItem.incident_id)
    )
    recovered = select(Firearm.recovery_incident_id).where(
        Firearm.recovery_incident_id.is_not(None)
    )
    collected = select(EvidenceItem.incident_id).where(EvidenceItem.kind == ItemKind.FIREARM)
    hit_counts = raw_frame(engine, hits, ["incident_id", "codis_hits", "afis_hits"])
    with engine.connect() as conn:
        with_firearm = set(conn.execute(recovered.union(collected)).scalars())
    extras = hit_counts.set_index("incident_id")
    extras = extras.reindex(extras.index.union(pd.Index(sorted(with_firearm)))).fillna(0)
    extras = extras.astype(int)
    extras["recovered_firearm"] = extras.index.isin(with_firearm)
    extras.index.name = "incident_id"
    return extras


def incident_numbers(items: pd.DataFrame, extras: pd.DataFrame) -> pd.DataFrame:
    """``INCIDENT_COLUMNS`` for every incident in ``items`` (``lead_item_rows``), with
    ``incident_extras`` joined."""
    visible = items[INCIDENT_COLUMNS[:5]].drop_duplicates("incident_id")
    numbers = visible.join(extras, on="incident_id")
    numbers[["codis_hits", "afis_hits"]] = numbers[["codis_hits", "afis_hits"]].fillna(0)
    numbers["recovered_firearm"] = numbers["recovered_firearm"].astype("boolean").fillna(False)
    numbers = numbers.astype({"codis_hits": int, "afis_hits": int, "recovered_firearm": bool})
    return numbers[INCIDENT_COLUMNS].reset_index(drop=True)


def join_names(rows: pd.DataFrame, key: str, column: str) -> pd.Series:
    """Per ``key``: the distinct non-empty strings of ``column``, sorted and comma-joined."""
    values = rows[[key, column]]
    named = values[column].map(lambda v: isinstance(v, str) and v != "").astype(bool)
    values = values.loc[named]
    values = values.drop_duplicates().sort_values([key, column])
    return values.groupby(key)[column].agg(", ".join)
