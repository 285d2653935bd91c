"""The incident map's data: which incidents match, where they are, and how they are linked.

The map shows the incidents that match the shared sidebar filter (``scope.incident_conditions``:
the viewer's visibility, agencies, towns, dates) AND the map's own filter (``MapFilter``): incident
type, caliber, linkage (has a lead / confirmed hit), and a selection of NIBIN leads and series. A
selection is a union: the incidents linked by any selected lead, or in any selected series.

Series follow ``metrics.series``: incidents joined by non-excluded leads, transitively, named after
the lowest lead number in them. Here a series is found by walking outwards from the leads or
incidents at hand (``series_pairs``), so a map of three incidents never builds the statewide graph.

Scale: a statewide store may hold 200k incidents. Above ``MAX_POINTS`` matching incidents no rows
are returned; the map gets counts per grid cell of about 2 km (``CELL_LAT`` x ``CELL_LON`` degrees),
aggregated in SQL, so what reaches the browser stays bounded whatever the store holds.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import ColumnElement, Connection, Engine, Select, and_, func, or_, select, union

from cgic_data.lead_labels import CONFIRMED_LABEL, UNCONFIRMED_LABEL
from cgic_data.metrics.series import series_from_pairs, series_pairs
from cgic_data.schema import (
    Agency,
    EvidenceItem,
    Firearm,
    Incident,
    IncidentKind,
    LeadItem,
    LeadStatus,
    NibinLead,
    Town,
)
from cgic_data.scope import IncidentFilter, Viewer, incident_conditions, lead_visibility

MAX_POINTS = 15_000  # at ~105 bytes a point, the map sends at most ~1.6 MB (issue 9: ≤ 2 MB)
CELL_LAT = 0.02  # degrees: about 2.2 km north-south
CELL_LON = 0.025  # degrees: about 2.1 km east-west at Connecticut's latitude
COORDINATE_DECIMALS = 5  # about 1 m: finer adds bytes, not information


POINT_COLUMNS = [
    "incident_id", "lat", "lon", "kind", "occurred_at", "agency", "agency_code",
    "incident_number", "town", "address", "injured", "killed", "calibers", "leads", "hit",
    "nibin_status", "series_id",
]  # fmt: skip
TIME_KNOWN = "time_known"  # false: a date alone, shown without a time (incident_time.py)
CELL_COLUMNS = ["lat", "lon", "incidents", "shootings", "shots_fired", "gun_recoveries", "victims"]


class Linkage(enum.StrEnum):
    """How an incident is tied into NIBIN: the map's "has a lead / confirmed hit only" filter."""

    ANY = "All incidents"
    LEAD = "With a NIBIN lead"
    HIT = "Confirmed hits only"


class HitStatus(enum.StrEnum):
    """An incident's strongest NIBIN link (excluded leads link nothing)."""

    NONE = "no lead"
    LEAD = "lead"
    HIT = "confirmed hit"


HIT_STATUS_LABELS = {
    HitStatus.NONE: "no NIBIN lead",
    HitStatus.LEAD: UNCONFIRMED_LABEL,
    HitStatus.HIT: CONFIRMED_LABEL,
}


@dataclass(frozen=True)
class MapFilter:
    """The map page's own filter, on top of the shared one. Empty tuples mean 'all'."""

    lead_numbers: tuple[str, ...] = ()
    series_ids: tuple[str, ...] = ()
    kinds: tuple[IncidentKind, ...] = ()
    calibers: tuple[str, ...] = ()
    linkage: Linkage = Linkage.ANY

    @property
    def has_selection(self) -> bool:
        """Whether leads or series are selected (the map then zooms to them and lists them)."""
        return bool(self.lead_numbers or self.series_ids)


@dataclass(frozen=True)
class Extent:
    south: float
    west: float
    north: float
    east: float

    def as_bounds(self) -> list[list[float]]:
        return [[self.south, self.west], [self.north, self.east]]


@dataclass(frozen=True)
class MapData:
    """What the map shows: ``points`` (one row per incident) or, above ``MAX_POINTS``, ``cells``.

    ``total`` counts every matching incident, ``unmapped`` those without coordinates (in the
    export, not on the map). ``unknown_leads`` are selected numbers no visible lead has.
    """

    total: int
    unmapped: int
    points: pd.DataFrame | None
    cells: pd.DataFrame | None
    extent: Extent | None
    unknown_leads: tuple[str, ...] = ()

    @property
    def aggregated(self) -> bool:
        return self.cells is not None


def series_lead_ids(conn: Connection, viewer: Viewer, lead_numbers: Iterable[str]) -> set[int]:
    """Every non-excluded lead in the series of any of ``lead_numbers``."""
    numbers = sorted(set(lead_numbers))
    start = conn.execute(
        select(NibinLead.id).where(
            NibinLead.lead_number.in_(numbers), NibinLead.status != LeadStatus.EXCLUDED
        )
    ).scalars()
    return set(series_pairs(conn, viewer, lead_ids=start)["lead_id"])


def series_of_incidents(
    conn: Connection,
    viewer: Viewer,
    incident_ids: Iterable[int],
    incidents: Select[tuple[int]] | None = None,
) -> dict[int, str]:
    """Series id (lowest lead number of the series) of each of these incidents that has one.

    ``incidents``: the same ids as a query, for thousands of incidents (see ``series_pairs``).
    """
    asked = set(incident_ids)
    membership = series_from_pairs(
        series_pairs(conn, viewer, incidents=incidents, incident_ids=asked)
    )
    return {
        incident: series
        for incident, series in zip(membership["incident_id"], membership["series_id"], strict=True)
        if incident in asked
    }


# --- the filter as SQL ---------------------------------------------------------------------------


def _incidents_of_leads(*conditions: ColumnElement[bool]) -> Select[tuple[int]]:
    """Ids of incidents with an item in a lead meeting ``conditions``."""
    return (
        select(EvidenceItem.incident_id)
        .join(LeadItem, LeadItem.item_id == EvidenceItem.id)
        .join(NibinLead, NibinLead.id == LeadItem.lead_id)
        .where(*conditions)
    )


def map_conditions(
    conn: Connection, viewer: Viewer, filt: IncidentFilter, mf: MapFilter
) -> ColumnElement[bool]:
    """The WHERE of every map query: the shared filter AND the map's own (see module docstring)."""
    conditions = [incident_conditions(viewer, filt)]
    if mf.kinds:
        conditions.append(Incident.kind.in_(mf.kinds))
    if mf.calibers:
        by_item = select(EvidenceItem.incident_id).where(EvidenceItem.caliber.in_(mf.calibers))
        by_firearm = select(Firearm.recovery_incident_id).where(Firearm.caliber.in_(mf.calibers))
        by_rms = select(Incident.id).where(Incident.caliber.in_(mf.calibers))  # no lab items
        conditions.append(Incident.id.in_(union(by_item, by_firearm, by_rms)))
    if mf.linkage is Linkage.LEAD:
        linked = _incidents_of_leads(NibinLead.status != LeadStatus.EXCLUDED)
        conditions.append(Incident.id.in_(linked))
    elif mf.linkage is Linkage.HIT:
        hits = _incidents_of_leads(NibinLead.status == LeadStatus.CONFIRMED)
        conditions.append(Incident.id.in_(hits))
    selection = []
    if mf.lead_numbers:
        by_lead = _incidents_of_leads(NibinLead.lead_number.in_(mf.lead_numbers))
        selection.append(Incident.id.in_(by_lead))
    if mf.series_ids:
        lead_ids = series_lead_ids(conn, viewer, mf.series_ids)
        selection.append(Incident.id.in_(_incidents_of_leads(NibinLead.id.in_(lead_ids))))
    if selection:
        conditions.append(or_(*selection))
    return and_(*conditions)


# --- what the map shows --------------------------------------------------------------------------


def incident_map_data(
    engine: Engine,
    viewer: Viewer,
    filt: IncidentFilter,
    mf: MapFilter,
    max_points: int = MAX_POINTS,
    cells: bool = True,
) -> MapData:
    """The incidents matching both filters: one row each up to ``max_points``, grid cells above.

    Rows include incidents without coordinates (they belong in the export; the map skips them).
    ``cells=False``: above the cap, no statewide cells either (an empty frame): the map asks for
    each view instead (``map_view``), and 240k incidents are not aggregated twice.
    """
    with engine.connect() as conn:
        where = map_conditions(conn, viewer, filt, mf)
        has_place = and_(Incident.lat.is_not(None), Incident.lon.is_not(None))
        total, mapped = conn.execute(
            select(func.count(), func.count().filter(has_place)).select_from(Incident).where(where)
        ).one()
        unknown = _unknown_lead_numbers(conn, viewer, mf)
        extent = _extent(conn, and_(where, has_place)) if mapped else None
        if total > max_points:
            grid = (
                _cells(conn, and_(where, has_place))
                if cells
                else pd.DataFrame(columns=CELL_COLUMNS)
            )
            return MapData(total, total - mapped, None, grid, extent, unknown)
        points = _with_links(conn, viewer, _points(conn, where), where)
    return MapData(total, total - mapped, points, None, extent, unknown)


def matching_count(engine: Engine, viewer: Viewer, filt: IncidentFilter, mf: MapFilter) -> int:
    """How many incidents match both filters (e.g. a selection over all dates, for a hint)."""
    with engine.connect() as conn:
        where = map_conditions(conn, viewer, filt, mf)
        return conn.execute(select(func.count()).select_from(Incident).where(where)).scalar_one()


def _points(conn: Connection, where: ColumnElement[bool], ordered: bool = True) -> pd.DataFrame:
    """Incident rows by date. ``ordered=False``: in the store's order, for a WHERE that no index
    narrows (a map view): ordered by date, SQLite walks the date index and fetches every row."""
    stmt = (
        select(
            Incident.id,
            Incident.lat,
            Incident.lon,
            Incident.kind,
            Incident.occurred_at,
            Agency.name,
            Agency.code,
            Incident.incident_number,
            Town.name,
            Incident.address,
            Incident.victims_injured,
            Incident.victims_killed,
            Incident.occurred_time_known,
        )
        .join(Agency, Agency.id == Incident.agency_id)
        .outerjoin(Town, Town.id == Incident.town_id)
        .where(where)
        .order_by(*((Incident.occurred_at, Incident.id) if ordered else ()))
    )
    # Plain tuples: pandas builds a frame from SQLAlchemy Row objects several times slower.
    rows = [tuple(row) for row in conn.execute(stmt)]
    frame = pd.DataFrame(rows, columns=[*POINT_COLUMNS[:12], TIME_KNOWN])
    frame["kind"] = [IncidentKind(kind).value for kind in frame["kind"]]
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"])
    # PostgreSQL has no round(double precision, int): round here, once, for every backend.
    frame[["lat", "lon"]] = frame[["lat", "lon"]].astype(float).round(COORDINATE_DECIMALS)
    return frame


def _with_links(
    conn: Connection,
    viewer: Viewer,
    frame: pd.DataFrame,
    where: ColumnElement[bool],
    series: bool = True,
) -> pd.DataFrame:
    """Add calibers, lead numbers (with status), hit status and series id to incident rows.

    ``where`` selects the same incidents as ``frame``: the narrow (incident, caliber) and
    (incident, lead) pairs come back in one query each. ``series=False``: no series ids (None),
    for thousands of incidents where walking their series costs more than the rest together.
    """
    ids = [int(i) for i in frame["incident_id"]]
    matching = select(Incident.id).where(where)
    calibers: dict[int, set[str]] = defaultdict(set)
    leads: dict[int, set[tuple[str, str]]] = defaultdict(set)
    by_item = select(EvidenceItem.incident_id, EvidenceItem.caliber).where(
        EvidenceItem.incident_id.in_(matching), EvidenceItem.caliber.is_not(None)
    )
    by_firearm = select(Firearm.recovery_incident_id, Firearm.caliber).where(
        Firearm.recovery_incident_id.in_(matching), Firearm.caliber.is_not(None)
    )
    by_rms = select(Incident.id, Incident.caliber).where(  # as the RMS reports it
        Incident.id.in_(matching), Incident.caliber.is_not(None)
    )
    for incident_id, caliber in conn.execute(union(by_item, by_firearm, by_rms)):
        calibers[incident_id].add(caliber)
    lead_rows = (
        select(EvidenceItem.incident_id, NibinLead.lead_number, NibinLead.status)
        .join(LeadItem, LeadItem.item_id == EvidenceItem.id)
        .join(NibinLead, NibinLead.id == LeadItem.lead_id)
        .where(EvidenceItem.incident_id.in_(matching), lead_visibility(viewer))
        .distinct()
    )
    for incident_id, number, status in conn.execute(lead_rows):
        leads[incident_id].add((number, LeadStatus(status).value))
    series_ids = series_of_incidents(conn, viewer, ids, matching) if leads and series else {}
    out = frame.copy()
    out["calibers"] = [", ".join(sorted(calibers[i])) if i in calibers else None for i in ids]
    out["leads"] = [
        ", ".join(f"{n} ({status})" for n, status in sorted(leads[i])) if i in leads else None
        for i in ids
    ]
    hits = [_hit_status(leads.get(i, set())) for i in ids]
    out["hit"] = [hit.value for hit in hits]
    out["nibin_status"] = [HIT_STATUS_LABELS[hit] for hit in hits]
    out["series_id"] = [series_ids.get(i) for i in ids]
    return out[[*POINT_COLUMNS, TIME_KNOWN]]


def _hit_status(leads: set[tuple[str, str]]) -> HitStatus:
    statuses = {status for _, status in leads}
    if LeadStatus.CONFIRMED.value in statuses:
        return HitStatus.HIT
    if LeadStatus.OPEN.value in statuses:
        return HitStatus.LEAD
    return HitStatus.NONE


def _cells(conn: Connection, where: ColumnElement[bool]) -> pd.DataFrame:
    """Counts per grid cell, computed in SQL (cell centre, incidents by kind, victims)."""
    row = func.round(Incident.lat / CELL_LAT)
    col = func.round(Incident.lon / CELL_LON)
    stmt = (
        select(
            row,
            col,
            func.count(),
            func.count().filter(Incident.kind == IncidentKind.SHOOTING),
            func.count().filter(Incident.kind == IncidentKind.SHOTS_FIRED),
            func.count().filter(Incident.kind == IncidentKind.GUN_RECOVERY),
            func.coalesce(func.sum(Incident.victims_injured + Incident.victims_killed), 0),
        )
        .where(where)
        .group_by(row, col)
        .order_by(row, col)
    )
    rows = [tuple(r) for r in conn.execute(stmt)]
    frame = pd.DataFrame(rows, columns=["row", "col", *CELL_COLUMNS[2:]])
    frame["lat"] = (frame["row"].astype(float) * CELL_LAT).round(COORDINATE_DECIMALS)
    frame["lon"] = (frame["col"].astype(float) * CELL_LON).round(COORDINATE_DECIMALS)
    frame[CELL_COLUMNS[2:]] = frame[CELL_COLUMNS[2:]].astype(int)
    return frame[CELL_COLUMNS]


def _extent(conn: Connection, where: ColumnElement[bool]) -> Extent:
    south, west, north, east = conn.execute(
        select(
            func.min(Incident.lat),
            func.min(Incident.lon),
            func.max(Incident.lat),
            func.max(Incident.lon),
        ).where(where)
    ).one()
    return Extent(float(south), float(west), float(north), float(east))


def _unknown_lead_numbers(conn: Connection, viewer: Viewer, mf: MapFilter) -> tuple[str, ...]:
    """Selected lead/series numbers with no lead linking an incident the viewer may see."""
    asked = sorted(set(mf.lead_numbers) | set(mf.series_ids))
    if not asked:
        return ()
    stmt = (
        select(NibinLead.lead_number)
        .join(LeadItem, LeadItem.lead_id == NibinLead.id)
        .join(EvidenceItem, EvidenceItem.id == LeadItem.item_id)
        .join(Incident, Incident.id == EvidenceItem.incident_id)
        .where(NibinLead.lead_number.in_(asked), incident_conditions(viewer, IncidentFilter()))
        .distinct()
    )
    known = set(conn.execute(stmt).scalars())
    return tuple(n for n in asked if n not in known)
