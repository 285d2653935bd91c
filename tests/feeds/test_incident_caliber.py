"""Calibers from the RMS: sites that send no lab items still filter the map by caliber."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from cgic_data.feeds.export import export_feed
from cgic_data.feeds.load import OK, import_bytes
from cgic_data.queries import incident_choices, incidents
from cgic_data.queries.incidents import MapFilter
from cgic_data.scope import IncidentFilter, Viewer
from tests.factory import Builder

DATA = (
    b"agency_code,incident_number,occurred_at,kind,lat,lon,caliber,gun_type\n"
    b"CT1,R-1,2025-06-01T21:15:00,shooting,41.76,-72.68,9mm Luger,handgun\n"
    b"CT1,R-2,2025-06-02T21:15:00,shooting,41.77,-72.69,.40 S&W,handgun\n"
    b"CT1,R-3,2025-06-03T21:15:00,shots fired,41.78,-72.67,,\n"
)


def test_the_maps_caliber_filter_reads_the_incidents_own_caliber(engine: Engine) -> None:
    Builder(engine).agency("CT1")
    assert import_bytes(engine, "incidents", DATA, "rms.csv").status == OK
    everyone = IncidentFilter()
    data = incidents.incident_map_data(
        engine, Viewer.system(), everyone, MapFilter(calibers=("9mm Luger",))
    )
    assert data.points is not None
    assert list(data.points["incident_number"]) == ["R-1"]
    assert list(data.points["calibers"]) == ["9mm Luger"]
    assert incident_choices.caliber_choices(engine) == [".40 S&W", "9mm Luger"]


def test_caliber_and_gun_type_round_trip(engine: Engine, tmp_path: Path) -> None:
    Builder(engine).agency("CT1")
    import_bytes(engine, "incidents", DATA, "rms.csv")
    export_feed(engine, "incidents", tmp_path / "out.csv")
    exported = (tmp_path / "out.csv").read_text(encoding="utf-8")
    assert ",9mm Luger,handgun," in exported
    again = import_bytes(engine, "incidents", exported.encode(), "again.csv")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
