"""Reference lists for filters and labels: agencies and towns."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, select

from cgic_data.frames import query_frame
from cgic_data.schema import Agency, Town


def agencies(engine: Engine) -> pd.DataFrame:
    """All agencies (id, code, name, kind), by name: names are not restricted, incidents are."""
    stmt = select(Agency.id, Agency.code, Agency.name, Agency.kind).order_by(Agency.name)
    return query_frame(engine, stmt, ["id", "code", "name", "kind"])


def towns(engine: Engine) -> pd.DataFrame:
    """All towns (id, name, lat, lon, population), by name."""
    stmt = select(Town.id, Town.name, Town.lat, Town.lon, Town.population).order_by(Town.name)
    return query_frame(engine, stmt, ["id", "name", "lat", "lon", "population"])
