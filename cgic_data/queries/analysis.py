"""The Analysis page's data: the incidents in the viewer's scope and filter, in metres, and the
near-repeat (Knox) and hot-spot (Gi*) results computed over them.

The incidents come through ``scope.incident_conditions`` like every incident query, so an agency
user's analysis runs on what that agency may see and nothing else; the statistics themselves are
the pure functions of ``metrics.near_repeat`` and ``metrics.hot_spots``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Engine, and_, select

from cgic_data.metrics.hot_spots import GiStarGrid, Grid, gi_star_grid
from cgic_data.metrics.near_repeat import Bands, KnoxResult, TooManyPairs, knox_test
from cgic_data.projection import crs_for, to_lat_lon, to_metres
from cgic_data.schema import Agency, Incident, IncidentKind, Town
from cgic_data.scope import IncidentFilter, Viewer, incident_conditions

SEED = 20_250_101  # fixed: the same filter and bands give the same p-values on every run
MIN_INCIDENTS = 10  # fewer: too few pairs for the tests to say anything
COLUMNS = ["incident_number", "ori", "agency", "kind", "occurred_at", "town", "lat", "lon"]


@dataclass(frozen=True)
class AnalysisIncidents:
    """Incidents with coordinates (``x``/``y`` in metres of ``crs``, ``day`` a day number), and
    how many matched the filter without coordinates (they cannot be analysed)."""

    frame: pd.DataFrame
    without_place: int
    crs: str

    @property
    def days(self) -> np.ndarray:
        return self.frame["day"].to_numpy(dtype=np.int64)


@dataclass(frozen=True)
class NearRepeatAnalysis:
    incidents: AnalysisIncidents
    result: KnoxResult | None
    note: str = ""  # why there is no result


@dataclass(frozen=True)
class HotSpotAnalysis:
    incidents: AnalysisIncidents
    result: GiStarGrid | None
    cells: pd.DataFrame  # hot and cold cells, each with its corners as [lon, lat] pairs
    note: str = ""


def analysis_incidents(
    engine: Engine, viewer: Viewer, filt: IncidentFilter, kinds: tuple[IncidentKind, ...] = ()
) -> AnalysisIncidents:
    """The incidents matching the filter (and ``kinds``, all when empty) that the viewer may see,
    oldest first, projected to metres."""
    where = incident_conditions(viewer, filt)
    if kinds:
        where = and_(where, Incident.kind.in_(kinds))
    stmt = (
        select(
            Incident.incident_number,
            Agency.code,
            Agency.name,
            Incident.kind,
            Incident.occurred_at,
            Town.name,
            Incident.lat,
            Incident.lon,
        )
        .join(Agency, Agency.id == Incident.agency_id)
        .outerjoin(Town, Town.id == Incident.town_id)
        .where(where)
        .order_by(Incident.occurred_at, Incident.id)
    )
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(stmt).all(), columns=COLUMNS)
    placed = frame["lat"].notna() & frame["lon"].notna()
    frame, without = frame[placed].reset_index(drop=True), int((~placed).sum())
    frame["kind"] = frame["kind"].map(lambda k: IncidentKind(k).value)
    if frame.empty:
        return AnalysisIncidents(frame.assign(x=[], y=[], day=[]), without, "")
    crs = crs_for(frame["lat"].to_numpy(), frame["lon"].to_numpy())
    x, y = to_metres(frame["lat"].to_numpy(), frame["lon"].to_numpy(), crs)
    occurred = pd.to_datetime(frame["occurred_at"]).to_numpy().astype("datetime64[D]")
    frame = frame.assign(x=x, y=y, day=occurred.astype(np.int64))
    return AnalysisIncidents(frame, without, crs)


def near_repeat_analysis(
    engine: Engine,
    viewer: Viewer,
    filt: IncidentFilter,
    kinds: tuple[IncidentKind, ...] = (),
    bands: Bands | None = None,
    permutations: int = 999,
) -> NearRepeatAnalysis:
    """The Knox test (``metrics.near_repeat.knox_test``, fixed seed) over the analysis
    incidents."""
    incidents = analysis_incidents(engine, viewer, filt, kinds)
    if len(incidents.frame) < MIN_INCIDENTS:
        note = f"Fewer than {MIN_INCIDENTS} incidents with coordinates match: too few to test."
        return NearRepeatAnalysis(incidents, None, note)
    frame = incidents.frame
    try:
        result = knox_test(
            frame["x"].to_numpy(),
            frame["y"].to_numpy(),
            incidents.days,
            bands or Bands(),
            permutations,
            SEED,
        )
    except TooManyPairs as refused:  # an answer like any other: cached, not recomputed per view
        return NearRepeatAnalysis(incidents, None, str(refused))
    return NearRepeatAnalysis(incidents, result)


def hot_spot_analysis(
    engine: Engine,
    viewer: Viewer,
    filt: IncidentFilter,
    kinds: tuple[IncidentKind, ...] = (),
    grid: Grid | None = None,
) -> HotSpotAnalysis:
    """Getis-Ord Gi* (``metrics.hot_spots``) on a grid over the analysis incidents' extent, with
    the hot and cold cells' corners in latitude/longitude for the map."""
    incidents = analysis_incidents(engine, viewer, filt, kinds)
    empty = pd.DataFrame(columns=["incidents", "z", "class", "corners"])
    if len(incidents.frame) < MIN_INCIDENTS:
        note = f"Fewer than {MIN_INCIDENTS} incidents with coordinates match: too few to test."
        return HotSpotAnalysis(incidents, None, empty, note)
    grid = grid or Grid()
    result = gi_star_grid(incidents.frame["x"].to_numpy(), incidents.frame["y"].to_numpy(), grid)
    cells = result.cells()
    return HotSpotAnalysis(incidents, result, _with_corners(cells, grid, incidents.crs))


def _with_corners(cells: pd.DataFrame, grid: Grid, crs: str) -> pd.DataFrame:
    """Each cell's outline as five [lon, lat] points (a closed ring), from its metres."""
    size = grid.cell_metres
    xs = np.stack([cells["x"], cells["x"] + size, cells["x"] + size, cells["x"], cells["x"]], 1)
    ys = np.stack([cells["y"], cells["y"], cells["y"] + size, cells["y"] + size, cells["y"]], 1)
    lat, lon = to_lat_lon(xs.ravel(), ys.ravel(), crs)
    ring = np.stack([lon.round(6), lat.round(6)], axis=1).reshape(len(cells), 5, 2)
    return cells.drop(columns=["x", "y"]).assign(corners=ring.tolist()).reset_index(drop=True)
