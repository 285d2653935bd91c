"""Real exports: places in other states get no town of ours; dates without a time stay so."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import yaml
from sqlalchemy import Engine, select

from cgic_data import schema as s
from cgic_data.feeds.load import OK, import_bytes, import_file
from cgic_data.feeds.mapping import load_mapping, parse_mapping
from cgic_data.incident_time import occurred_text
from cgic_data.queries import incident_detail, incidents
from cgic_data.queries.incidents import MapFilter
from cgic_data.scope import IncidentFilter, Viewer
from cgic_data.towns import ensure_towns, towns_state
from cgic_ui import maps
from tests.factory import Builder

ROOT = Path(__file__).resolve().parents[2]


def _incidents(engine: Engine) -> dict[str, tuple[object, ...]]:
    stmt = (
        select(
            s.Incident.incident_number,
            s.Town.name,
            s.Incident.city,
            s.Incident.state,
            s.Incident.occurred_at,
            s.Incident.occurred_time_known,
        )
        .outerjoin(s.Town, s.Town.id == s.Incident.town_id)
        .order_by(s.Incident.incident_number)
    )
    with engine.connect() as conn:
        return {r[0]: tuple(r[1:]) for r in conn.execute(stmt)}


def test_the_stores_state_comes_from_its_towns() -> None:
    assert towns_state() == "CT"


def test_brooklyn_ny_never_gets_brooklyn_ct(engine: Engine) -> None:
    ensure_towns(engine)
    Builder(engine).agency("CT1")
    data = (
        b"agency_code,incident_number,occurred_at,kind,lat,lon,town,city,state\n"
        b"CT1,NY-1,2025-06-01T21:15:00,shooting,40.6782,-73.9442,Brooklyn,,NY\n"
        b"CT1,NY-2,2025-06-01T21:15:00,shooting,,,Brooklyn,Kings County,NY\n"
        b"CT1,CT-1,2025-06-01T21:15:00,shooting,41.7868,-71.9498,Brooklyn,,CT\n"
        b"CT1,CT-2,2025-06-01T21:15:00,shooting,,,Brooklyn,,\n"
    )
    result = import_bytes(engine, "incidents", data, "places.csv")
    assert (result.status, result.inserted) == (OK, 4), [p.describe("x") for p in result.problems]
    places = {k: v[:3] for k, v in _incidents(engine).items()}
    assert places == {
        "NY-1": (None, "Brooklyn", "NY"),  # New York coordinates are not "outside the state"
        "NY-2": (None, "Kings County", "NY"),  # their own city stands
        "CT-1": ("Brooklyn", None, "CT"),
        "CT-2": ("Brooklyn", None, None),  # no state: the store's
    }


def test_a_mapping_gives_the_state_as_a_constant(engine: Engine) -> None:
    ensure_towns(engine)
    Builder(engine).agency("CT1")
    mapping = parse_mapping(
        yaml.safe_load(
            """
feed: incidents
columns:
  agency_code: {value: CT1}
  incident_number: Key
  occurred_at: {column: Date, format: "%m/%d/%Y %H:%M"}
  kind: {value: shooting}
  town: Boro
  state: {value: NY}
"""
        )
    )
    data = b"Key,Date,Boro\nK1,06/01/2025 21:15,Brooklyn\n"
    result = import_bytes(engine, "incidents", data, "nyc.csv", mapping=mapping)
    assert (result.status, result.inserted) == (OK, 1)
    assert _incidents(engine)["K1"][:3] == (None, "Brooklyn", "NY")


def test_a_date_without_a_time_is_kept_as_time_unknown(engine: Engine) -> None:
    Builder(engine).agency("CT1")
    ours = (
        b"agency_code,incident_number,occurred_at,kind\n"
        b"CT1,D-1,2025-06-01,shooting\n"
        b"CT1,D-2,2025-06-01T00:00:00,shooting\n"
    )
    assert import_bytes(engine, "incidents", ours, "ours.csv").inserted == 2
    mapping = parse_mapping(
        yaml.safe_load(
            """
feed: incidents
columns:
  agency_code: {value: CT1}
  incident_number: Key
  occurred_at: {date: Day, date_format: "%m/%d/%Y", time: Time, time_optional: true}
  kind: {value: shooting}
"""
        )
    )
    theirs = b"Key,Day,Time\nM-1,06/02/2025,\nM-2,06/02/2025,21:15:00\n"
    assert import_bytes(engine, "incidents", theirs, "t.csv", mapping=mapping).inserted == 2
    only_day = parse_mapping(
        yaml.safe_load(
            """
feed: incidents
columns:
  agency_code: {value: CT1}
  incident_number: Key
  occurred_at: {column: Day, format: "%m/%d/%Y"}
  kind: {value: shooting}
"""
        )
    )
    days = b"Key,Day\nF-1,06/03/2025\n"
    assert import_bytes(engine, "incidents", days, "f.csv", mapping=only_day).inserted == 1
    times = {k: v[3:] for k, v in _incidents(engine).items()}
    assert times == {
        "D-1": (datetime(2025, 6, 1), False),
        "D-2": (datetime(2025, 6, 1), True),  # a real midnight, as the source said
        "M-1": (datetime(2025, 6, 2), False),
        "M-2": (datetime(2025, 6, 2, 21, 15), True),
        "F-1": (datetime(2025, 6, 3), False),
    }


def test_a_date_only_incident_shows_no_time(engine: Engine) -> None:
    Builder(engine).agency("CT1")
    data = (
        b"agency_code,incident_number,occurred_at,kind\n"
        b"CT1,S-1,2025-06-01,shooting\n"
        b"CT1,S-2,2025-06-01T21:15:00,shooting\n"
    )
    assert import_bytes(engine, "incidents", data, "shown.csv").inserted == 2
    with engine.connect() as conn:
        ids = dict(conn.execute(select(s.Incident.incident_number, s.Incident.id)).all())  # type: ignore[arg-type]
    shown = {}
    for number, incident_id in ids.items():
        detail = incident_detail.incident_detail(engine, Viewer.system(), incident_id)
        assert detail is not None
        facts = detail.incident
        shown[number] = occurred_text(facts["occurred_at"], facts["time_known"])
    assert shown == {"S-1": "2025-06-01", "S-2": "2025-06-01 21:15"}


def test_the_national_example_loads_kinds_places_and_dates(engine: Engine, tmp_path: Path) -> None:
    ensure_towns(engine)
    mapping = load_mapping(ROOT / "examples" / "mappings" / "national_multi.yaml")
    sample = ROOT / "examples" / "feeds" / "national_incidents_sample.csv"
    result = import_file(engine, "incidents", sample, mapping=mapping, rejects_dir=tmp_path)
    assert (result.status, result.inserted) == (OK, 5), [p.describe("x") for p in result.problems]
    stmt = select(s.Incident.incident_number, s.Incident.kind).order_by(s.Incident.incident_number)
    with engine.connect() as conn:
        kinds = {n: k.value for n, k in conn.execute(stmt)}
    places = {n: v[:3] for n, v in _incidents(engine).items()}
    known = {v[4] for v in _incidents(engine).values()}
    assert kinds == {
        "NAT-2900101": "shooting",
        "NAT-2900102": "shooting",
        "NAT-2900103": "shots fired",  # "Shots Fired" comes before "Possession" in the rules
        "NAT-2900104": "gun recovery",
        "NAT-2900105": "shots fired",  # the default
    }
    assert places == {
        "NAT-2900101": ("Hartford", "Hartford", "CT"),
        "NAT-2900102": (None, "Brooklyn", "NY"),
        "NAT-2900103": ("Brooklyn", "Brooklyn", "CT"),
        "NAT-2900104": ("New Haven", "New Haven", "CT"),
        "NAT-2900105": (None, "Springfield", "MA"),
    }
    assert known == {False}  # dates alone: no time of day


def test_the_maps_popups_show_a_date_alone_without_a_time(engine: Engine) -> None:
    Builder(engine).agency("CT1")
    data = (
        b"agency_code,incident_number,occurred_at,kind,lat,lon\n"
        b"CT1,P-1,2025-06-01,shooting,41.76,-72.68\n"
        b"CT1,P-2,2025-06-02T21:15:00,shooting,41.77,-72.69\n"
    )
    assert import_bytes(engine, "incidents", data, "popups.csv").inserted == 2
    points = incidents.incident_map_data(engine, Viewer.system(), IncidentFilter(), MapFilter())
    assert points.points is not None
    rows, _ = maps.point_rows(points.points)
    assert [row[8] for row in rows] == ["2025-06-01", "2025-06-02 21:15"]
