"""What the incident map shows in the user's current view, clustered on the server by zoom.

Above the point cap a statewide map cannot draw every incident (issue 9: at most ~2 MB to the
browser), and counts per fixed cell left the user unable to reach one incident (issue 16). So the
map asks for its view: the bounds and zoom ``st_folium`` returns after each pan or zoom. Within the
view, up to ``VIEW_POINTS`` matching incidents come back as single, clickable points; above it,
counts per grid cell whose size follows the zoom (``CELL_PX`` screen pixels), aggregated in SQL
with each cell's incidents' own extent, so a click on a cell zooms to exactly its incidents.

The cells of a view add up to the incidents in the view (``in_view``), counted with the same
WHERE as everything else on the map (``incidents.map_conditions``: the sharing rule included).
Cells are aligned to a global grid per whole zoom level, so panning does not move them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import ColumnElement, Connection, Engine, and_, func, select

from cgic_data.queries.incidents import (
    COORDINATE_DECIMALS,
    MAX_POINTS,
    MapFilter,
    _points,
    _with_links,
    map_conditions,
)
from cgic_data.schema import Incident, IncidentKind
from cgic_data.scope import IncidentFilter, Viewer

VIEW_POINTS = 3_000  # single incidents per view: a click away each, ~0.3 MB, drawn in < 1 s
CELL_PX = 32  # a cell is about this many screen pixels wide at the view's zoom
# From this zoom (a view of about 1.3 x 0.8 km) every incident in view is a point, up to the
# statewide cap: a count there could only zoom to where it already is (incidents at one address);
# markercluster spreads such a pile on a click.
POINTS_FROM_ZOOM = 16
TILE_PX = 256  # Leaflet's world is 256 px wide at zoom 0
# At Connecticut's latitude a degree of latitude is ~1.33 degrees of longitude on the screen.
LAT_PER_LON = 0.75
VIEW_CELL_COLUMNS = [
    "lat", "lon", "incidents", "shootings", "shots_fired", "gun_recoveries", "victims",
    "south", "west", "north", "east",
]  # fmt: skip


@dataclass(frozen=True)
class Viewport:
    """The map's view: bounds in degrees and Leaflet's zoom. The default is the whole world."""

    south: float = -90.0
    west: float = -180.0
    north: float = 90.0
    east: float = 180.0
    zoom: float = 8.0

    def __post_init__(self) -> None:
        values = (self.south, self.west, self.north, self.east, self.zoom)
        if not all(math.isfinite(v) for v in values):
            raise ValueError(f"map view has a value that is not a number: {values}")
        if self.south > self.north or self.west > self.east:
            raise ValueError(
                f"map view is inside out: south {self.south} > north {self.north} "
                f"or west {self.west} > east {self.east}"
            )

    def cell_size(self) -> tuple[float, float]:
        """Degrees (latitude, longitude) of a grid cell at this view's whole zoom level."""
        level = max(0, min(int(self.zoom), 20))
        lon = 360.0 / (TILE_PX * 2**level) * CELL_PX
        return lon * LAT_PER_LON, lon

    def grid(self) -> tuple[ColumnElement[float], ColumnElement[float]]:
        """An incident's cell (row, column) in the grid of this view's zoom level."""
        lat_size, lon_size = self.cell_size()
        return func.floor(Incident.lat / lat_size), func.floor(Incident.lon / lon_size)

    def condition(self) -> ColumnElement[bool]:
        return and_(
            Incident.lat.between(self.south, self.north),
            Incident.lon.between(self.west, self.east),
        )


@dataclass(frozen=True)
class ViewData:
    """The incidents in a view: every one in ``points`` (up to ``VIEW_POINTS``), or else ``cells``
    for the areas where incidents crowd and ``points`` for those alone in their cell.

    ``in_view`` counts the matching incidents in the view: the cells' ``incidents`` plus the
    points add up to it.
    """

    in_view: int
    points: pd.DataFrame
    cells: pd.DataFrame | None

    @property
    def aggregated(self) -> bool:
        return self.cells is not None


def view_data(
    engine: Engine,
    viewer: Viewer,
    filt: IncidentFilter,
    mf: MapFilter,
    view: Viewport,
    max_points: int = VIEW_POINTS,
) -> ViewData:
    """The matching incidents in ``view``: one row each up to ``max_points`` (or, zoomed in to
    ``POINTS_FROM_ZOOM``, up to ``MAX_POINTS``), else zoom cells, with the incidents alone in their
    cell as points (one click to their detail, not two)."""
    with engine.connect() as conn:
        where = and_(map_conditions(conn, viewer, filt, mf), view.condition())
        in_view = conn.execute(select(func.count()).select_from(Incident).where(where)).scalar_one()
        close = view.zoom >= POINTS_FROM_ZOOM and in_view <= MAX_POINTS
        if in_view <= max_points or close:
            return ViewData(in_view, _linked_points(conn, viewer, where), None)
        cells = _view_cells(conn, where, view)
        alone = cells["incidents"] == 1
        singles = and_(where, Incident.id.in_([int(i) for i in cells.loc[alone, "incident_id"]]))
        points = _linked_points(conn, viewer, singles)
        return ViewData(in_view, points, cells[~alone].drop(columns="incident_id"))


def _linked_points(conn: Connection, viewer: Viewer, where: ColumnElement[bool]) -> pd.DataFrame:
    """The incidents of ``where`` by date, with their calibers and leads (not their series: on
    PostgreSQL walking the series of 2,000 incidents took 1.2 s; the detail of a clicked incident
    names its series).

    Unordered in SQL (by date, SQLite walks the date index and fetches every row of the store),
    and linked by their ids (a view holds at most a few thousand): the WHERE of a view narrows
    nothing an index can use, and each linking query would scan the store again.
    """
    points = _points(conn, where, ordered=False)
    points = points.sort_values(["occurred_at", "incident_id"], ignore_index=True)
    ids = [int(i) for i in points["incident_id"]]
    return _with_links(conn, viewer, points, Incident.id.in_(ids), series=False)


def _view_cells(conn: Connection, where: ColumnElement[bool], view: Viewport) -> pd.DataFrame:
    """Counts per grid cell of the view's zoom, placed at the mean of the cell's incidents."""
    row, col = view.grid()
    stmt = (
        select(
            func.avg(Incident.lat),
            func.avg(Incident.lon),
            func.count(),
            func.count().filter(Incident.kind == IncidentKind.SHOOTING),
            func.count().filter(Incident.kind == IncidentKind.SHOTS_FIRED),
            func.count().filter(Incident.kind == IncidentKind.GUN_RECOVERY),
            func.coalesce(func.sum(Incident.victims_injured + Incident.victims_killed), 0),
            func.min(Incident.lat),
            func.min(Incident.lon),
            func.max(Incident.lat),
            func.max(Incident.lon),
            func.min(Incident.id),  # the incident, in a cell of one
        )
        .where(where)
        .group_by(row, col)
        .order_by(row, col)
    )
    columns = [*VIEW_CELL_COLUMNS, "incident_id"]
    frame = pd.DataFrame([tuple(r) for r in conn.execute(stmt)], columns=columns)
    degrees = ["lat", "lon", "south", "west", "north", "east"]
    frame[degrees] = frame[degrees].astype(float).round(COORDINATE_DECIMALS)
    counts = ["incidents", "shootings", "shots_fired", "gun_recoveries", "victims"]
    frame[counts] = frame[counts].astype(int)
    return frame
