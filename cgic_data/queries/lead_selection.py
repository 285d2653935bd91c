"""What a lead view or a series view covers for one viewer: the leads and incidents it shows.

The timeline and the network both start here, so both apply the sharing rule the same way:

* A lead is open to a viewer when lab staff look, or when it links at least one incident of the
  viewer's agency (excluded leads too: the agency's own incidents stay its own).
* A lead view shows the lead's incidents that the viewer may see (``scope.visibility_condition``).
* A series view (``metrics.series``: incidents joined transitively by non-excluded leads) shows the
  series' leads open to the viewer and its incidents the viewer may see. An agency therefore never
  sees an incident, or a lead, of the series that does not touch it.

The series of one lead is found by walking the lead-incident graph outward in SQL from that lead
(a few small queries per hop) rather than loading every lead; its id still comes from
``metrics.series.series_from_pairs``, so it is the same "lowest lead number" everywhere.

Lead and series views are entity views: they ignore the sidebar's period, agency and town filter
(a lead is shown whole, and ``period_coverage`` says how much of it lies outside the period). The
pickers search every lead the viewer may see (``search_leads``); the filter only orders the short
lists a page offers when nothing is chosen yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd
from sqlalchemy import Connection, Engine, func, select

from cgic_data.frames import query_frame, read_frame
from cgic_data.metrics.series import chunks, series_from_pairs, series_pairs
from cgic_data.queries.leads import lead_universe, matching_incidents, series_touching
from cgic_data.schema import Agency, EvidenceItem, Incident, LeadItem, LeadStatus, NibinLead, Town
from cgic_data.scope import (
    IncidentFilter,
    Viewer,
    date_conditions,
    lead_visibility,
    scoped_incident_ids,
    visibility_condition,
)

SelectionKind = Literal["lead", "series"]


@dataclass(frozen=True)
class LeadSelection:
    """The leads and incidents a lead or series view shows to one viewer."""

    kind: SelectionKind
    asked_for: str
    series_id: str | None  # None: the lead is excluded, so it belongs to no series
    lead_ids: tuple[int, ...]
    lead_numbers: tuple[str, ...]
    unconfirmed_leads: tuple[str, ...]  # shown leads an examiner has neither confirmed nor excluded
    incident_ids: tuple[int, ...]
    series_leads: int = 1  # leads in the whole series (only to offer the series view or not)
    excluded_leads: tuple[str, ...] = ()  # shown leads an examiner excluded (a lead view only)

    @property
    def title(self) -> str:
        if self.kind == "lead":
            return f"Lead {self.asked_for}"
        return f"Series {self.series_id}"


def select_lead(engine: Engine, viewer: Viewer, lead_number: str) -> LeadSelection | None:
    """One lead and its incidents visible to ``viewer``; None if unknown or not open to them."""
    with engine.connect() as conn:
        lead = conn.execute(
            select(NibinLead.id, NibinLead.status).where(
                NibinLead.lead_number == lead_number.strip(), lead_visibility(viewer)
            )
        ).first()
        if lead is None:
            return None
        incidents = _visible_incidents(conn, viewer, [lead.id])
        series_id, series_leads = None, 0
        if lead.status != LeadStatus.EXCLUDED:
            pairs = series_pairs(conn, viewer, lead_ids=[lead.id])
            series_id = str(series_from_pairs(pairs)["series_id"].iloc[0])
            series_leads = int(pairs["lead_id"].nunique())
    number = lead_number.strip()
    unconfirmed = () if lead.status in (LeadStatus.CONFIRMED, LeadStatus.EXCLUDED) else (number,)
    excluded = (number,) if lead.status == LeadStatus.EXCLUDED else ()
    return LeadSelection(
        kind="lead",
        asked_for=lead_number.strip(),
        series_id=series_id,
        lead_ids=(lead.id,),
        lead_numbers=(lead_number.strip(),),
        unconfirmed_leads=unconfirmed,
        incident_ids=incidents,
        series_leads=series_leads,
        excluded_leads=excluded,
    )


def select_series(engine: Engine, viewer: Viewer, series_key: str) -> LeadSelection | None:
    """The series holding lead ``series_key`` (normally the series id itself), as ``viewer`` sees
    it; None if there is no such series or none of its leads is open to the viewer.

    Any lead number of the series finds it, so an old link still works after two series merge
    under a lower id. An agency must name a lead open to it or the series id itself.
    """
    return select_several_series(engine, viewer, [series_key])[series_key.strip()]


def select_several_series(
    engine: Engine, viewer: Viewer, series_keys: list[str]
) -> dict[str, LeadSelection | None]:
    """``select_series`` of each key (stripped), with one walk of the lead graph for all of them
    (a briefing's few series: one walk, not one per series, each a query per hop)."""
    keys = [key.strip() for key in series_keys]
    with engine.connect() as conn:
        starts = dict(
            conn.execute(
                select(NibinLead.lead_number, NibinLead.id).where(
                    NibinLead.lead_number.in_(keys), NibinLead.status != LeadStatus.EXCLUDED
                )
            ).all()
        )
        pairs = series_pairs(conn, viewer, lead_ids=set(starts.values()))
        components = series_from_pairs(pairs)[["incident_id", "series_id"]]
        pairs = pairs.merge(components, on="incident_id")  # each pair with its series
        component_of = dict(zip(pairs["lead_id"], pairs["series_id"], strict=True))
        out: dict[str, LeadSelection | None] = {}
        for key in keys:
            start = starts.get(key)
            if start is None or start not in component_of:  # unknown, or not in the scope
                out[key] = None
                continue
            component = pairs[pairs["series_id"] == component_of[start]]
            out[key] = _series_selection(conn, viewer, key, component)
    return out


def _series_selection(
    conn: Connection, viewer: Viewer, key: str, pairs: pd.DataFrame
) -> LeadSelection | None:
    """The series view of ``key`` from its component's (lead_id, lead_number, incident_id) pairs."""
    series_id = str(series_from_pairs(pairs)["series_id"].iloc[0])
    component_leads = sorted(set(pairs["lead_id"]))
    shown = conn.execute(
        select(NibinLead.id, NibinLead.lead_number, NibinLead.status)
        .where(NibinLead.id.in_(component_leads), lead_visibility(viewer))
        .order_by(NibinLead.lead_number)
    ).all()
    if not shown or (key != series_id and key not in {row.lead_number for row in shown}):
        return None
    incidents = _visible_incidents(conn, viewer, [row.id for row in shown])
    return LeadSelection(
        kind="series",
        asked_for=key,
        series_id=series_id,
        lead_ids=tuple(row.id for row in shown),
        lead_numbers=tuple(row.lead_number for row in shown),
        unconfirmed_leads=tuple(
            row.lead_number for row in shown if row.status != LeadStatus.CONFIRMED
        ),
        incident_ids=incidents,
        series_leads=len(component_leads),
    )


def select_view(
    engine: Engine, viewer: Viewer, kind: SelectionKind, key: str
) -> LeadSelection | None:
    """``select_lead`` or ``select_series``: the one entry point pages cache."""
    if kind == "lead":
        return select_lead(engine, viewer, key)
    return select_series(engine, viewer, key)


def _visible_incidents(conn: Connection, viewer: Viewer, lead_ids: list[int]) -> tuple[int, ...]:
    stmt = (
        select(Incident.id)
        .join(EvidenceItem, EvidenceItem.incident_id == Incident.id)
        .join(LeadItem, LeadItem.item_id == EvidenceItem.id)
        .where(LeadItem.lead_id.in_(lead_ids), visibility_condition(viewer))
        .distinct()
        .order_by(Incident.id)
    )
    return tuple(conn.execute(stmt).scalars())


# --- what the pickers offer ------------------------------------------------------------------


def lead_choices(engine: Engine, viewer: Viewer, filt: IncidentFilter) -> pd.DataFrame:
    """Leads open to ``viewer`` that link an incident matching the sidebar filter, newest first.

    Columns: lead_number, issued_at, status, incidents (linked incidents the viewer may see).
    """
    in_scope = (
        select(LeadItem.lead_id)
        .join(EvidenceItem, EvidenceItem.id == LeadItem.item_id)
        .where(EvidenceItem.incident_id.in_(scoped_incident_ids(viewer, filt)))
    )
    visible = (
        select(EvidenceItem.incident_id)
        .join(Incident, Incident.id == EvidenceItem.incident_id)
        .where(visibility_condition(viewer))
    )
    stmt = (
        select(
            NibinLead.lead_number,
            NibinLead.issued_at,
            NibinLead.status,
            func.count(EvidenceItem.incident_id.distinct()).label("incidents"),
        )
        .join(LeadItem, LeadItem.lead_id == NibinLead.id)
        .join(EvidenceItem, EvidenceItem.id == LeadItem.item_id)
        .where(
            NibinLead.id.in_(in_scope),
            lead_visibility(viewer),
            EvidenceItem.incident_id.in_(visible),
        )
        .group_by(NibinLead.id, NibinLead.lead_number, NibinLead.issued_at, NibinLead.status)
        .order_by(NibinLead.issued_at.desc(), NibinLead.lead_number)
    )
    frame = query_frame(engine, stmt, ["lead_number", "issued_at", "status", "incidents"])
    frame["status"] = frame["status"].astype(str)
    return frame


def series_choices(engine: Engine, viewer: Viewer, filt: IncidentFilter) -> pd.DataFrame:
    """Series with at least one incident matching the sidebar filter, latest activity first.

    Columns: series_id, incidents (of the series the viewer may see), last (latest of them).
    Only series with a lead open to the viewer are offered (an agency's own series): every series
    is built from leads in the viewer's scope, each of which the viewer may list.
    """
    columns = ["series_id", "incidents", "last"]
    if filt.start is not None:
        seen = _series_around(engine, viewer, filt)
    else:
        universe = lead_universe(engine, viewer, series_only=True)
        membership = universe.membership
        if membership.empty:
            return pd.DataFrame(columns=columns)
        offered = membership[
            membership["series_id"].isin(
                series_touching(membership, matching_incidents(engine, viewer, filt))
            )
        ]
        dates = universe.items[["incident_id", "occurred_at"]].drop_duplicates("incident_id")
        seen = offered.merge(dates, on="incident_id")
    if seen.empty:
        return pd.DataFrame(columns=columns)
    return (
        seen.groupby("series_id")
        .agg(incidents=("incident_id", "nunique"), last=("occurred_at", "max"))
        .reset_index()
        .sort_values(["last", "series_id"], ascending=[False, True], ignore_index=True)[columns]
    )


def _series_around(engine: Engine, viewer: Viewer, filt: IncidentFilter) -> pd.DataFrame:
    """(incident_id, series_id, occurred_at) of the whole series touching the filter's incidents,
    walked out from them (``metrics.series.series_pairs``): a period's few hundred incidents, not
    every lead item of the viewer. Every incident a lead in the viewer's scope links is one the
    viewer may see (``scope`` shares exactly those), so these are ``lead_universe``'s series."""
    with engine.connect() as conn:
        pairs = series_pairs(conn, viewer, incidents=scoped_incident_ids(viewer, filt))
        membership = series_from_pairs(pairs)[["incident_id", "series_id"]]
        ids = membership["incident_id"].drop_duplicates().tolist()
        rows = [
            row
            for chunk in chunks(ids)
            for row in conn.execute(
                select(Incident.id, Incident.occurred_at).where(Incident.id.in_(chunk))
            )
        ]
    dates = pd.DataFrame(rows, columns=["incident_id", "occurred_at"])
    dates["occurred_at"] = pd.to_datetime(dates["occurred_at"])
    return membership.merge(dates, on="incident_id")


def search_leads(engine: Engine, viewer: Viewer, text: str = "", limit: int = 200) -> pd.DataFrame:
    """Leads open to ``viewer`` whose number contains ``text`` (any case; every lead when empty),
    most recently issued first, at most ``limit``. Whatever the sidebar period: a picker finds
    every lead the viewer may see, not only the period's.

    Columns: lead_number, issued_at, status.
    """
    conditions = [lead_visibility(viewer)]
    if text.strip():
        needle = text.strip().lower()
        conditions.append(func.lower(NibinLead.lead_number).contains(needle, autoescape=True))
    stmt = (
        select(NibinLead.lead_number, NibinLead.issued_at, NibinLead.status)
        .where(*conditions)
        .order_by(NibinLead.issued_at.desc(), NibinLead.lead_number)
        .limit(max(1, min(limit, 1000)))
    )
    frame = query_frame(engine, stmt, ["lead_number", "issued_at", "status"])
    frame["status"] = frame["status"].astype(str)
    return frame


def period_coverage(
    engine: Engine, viewer: Viewer, selection: LeadSelection, filt: IncidentFilter
) -> tuple[int, int]:
    """(incidents of ``selection`` inside the sidebar period, all of them): a chosen lead or series
    is shown whole, and the page says how much of it lies outside the period."""
    total = len(selection.incident_ids)
    if not total or (filt.start is None and filt.end is None):
        return total, total
    inside = 0
    with engine.connect() as conn:
        for chunk in chunks(selection.incident_ids):
            stmt = select(func.count()).where(
                Incident.id.in_(chunk),
                *date_conditions(Incident.occurred_at, filt.start, filt.end),
                visibility_condition(viewer),
            )
            inside += int(conn.execute(stmt).scalar_one())
    return inside, total


SELECTION_INCIDENT_COLUMNS = [
    "incident_id", "incident_number", "agency", "occurred_at", "time_known", "kind", "town",
    "lat", "lon",
]  # fmt: skip


def selection_incidents(conn: Connection, incident_ids: tuple[int, ...]) -> pd.DataFrame:
    """The incidents of a selection (already limited to what its viewer may see), oldest first,
    as printed documents show them: ``SELECTION_INCIDENT_COLUMNS``, ``kind`` as text."""
    stmt = (
        select(
            Incident.id,
            Incident.incident_number,
            Agency.name,
            Incident.occurred_at,
            Incident.occurred_time_known,
            Incident.kind,
            Town.name,
            Incident.lat,
            Incident.lon,
        )
        .join(Agency, Agency.id == Incident.agency_id)
        .outerjoin(Town, Town.id == Incident.town_id)
        .where(Incident.id.in_(incident_ids or (-1,)))
        .order_by(Incident.occurred_at, Incident.incident_number)
    )
    incidents = read_frame(conn, stmt, SELECTION_INCIDENT_COLUMNS)
    incidents["kind"] = incidents["kind"].map(str)
    return incidents
