"""The real NYPD shooting export loads UNCHANGED through examples/mappings/nypd_shootings.yaml.

Expected figures are computed here, independently of the importer, with pandas. The committed
slice always runs; the full file runs when /work/shared/real is present (tests may read it, the
app never does).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, func, select

from cgic_data import schema as s
from cgic_data.feeds.load import OK, import_file
from cgic_data.feeds.mapping import load_mapping

ROOT = Path(__file__).resolve().parents[2]
MAPPING = ROOT / "examples" / "mappings" / "nypd_shootings.yaml"
SLICE = Path(__file__).parent / "data" / "nypd_shootings_first_2000_lines.csv.gz"
FULL = Path("/work/shared/real/shootings/NYPD_Shooting_Incident_Data__Historic_.csv.gz")


def expected(path: Path) -> dict[str, object]:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    killed = frame["STATISTICAL_MURDER_FLAG"].str.lower() == "true"
    per_precinct = frame.drop_duplicates(["PRECINCT", "INCIDENT_KEY"]).groupby("PRECINCT").size()
    first = frame.iloc[0]
    return {
        "rows": len(frame),
        "incidents": int(frame[["PRECINCT", "INCIDENT_KEY"]].drop_duplicates().shape[0]),
        "killed": int(killed.sum()),
        "injured": int((~killed).sum()),
        "precincts": int(frame["PRECINCT"].nunique()),
        "per_agency": {f"NYPD Precinct {p}": int(n) for p, n in per_precinct.items()},
        "first_key": first["INCIDENT_KEY"],
        "first_at": datetime.strptime(
            f"{first['OCCUR_DATE']} {first['OCCUR_TIME']}", "%m/%d/%Y %H:%M:%S"
        ),
        "first_lat": float(first["Latitude"]),
    }


def check_import(engine: Engine, path: Path, tmp_path: Path) -> None:
    want = expected(path)
    result = import_file(
        engine, "incidents", path, mapping=load_mapping(MAPPING), rejects_dir=tmp_path
    )
    assert result.status == OK
    assert result.source_rows == want["rows"]
    assert (result.rows_in, result.inserted, result.rejected) == (want["incidents"],) * 2 + (0,)
    assert len(result.agencies_created) == want["precincts"]
    with engine.connect() as conn:
        totals = conn.execute(
            select(
                func.count(),
                func.sum(s.Incident.victims_injured),
                func.sum(s.Incident.victims_killed),
                func.count(s.Incident.town_id),
                func.count(s.Incident.lat),
            )
        ).one()
        per_agency = dict(
            conn.execute(
                select(s.Agency.name, func.count())
                .join(s.Incident, s.Incident.agency_id == s.Agency.id)
                .group_by(s.Agency.name)
            ).all()
        )
        kinds = conn.execute(select(s.Agency.kind).distinct()).scalars().all()
        first = conn.execute(
            select(s.Incident.occurred_at, s.Incident.lat, s.Incident.kind).where(
                s.Incident.incident_number == want["first_key"]
            )
        ).one()
    assert tuple(totals) == (
        want["incidents"],
        want["injured"],
        want["killed"],
        0,
        want["incidents"],
    )
    assert per_agency == want["per_agency"]
    assert kinds == [s.AgencyKind.LOCAL]
    assert tuple(first) == (want["first_at"], want["first_lat"], s.IncidentKind.SHOOTING)
    again = import_file(
        engine, "incidents", path, mapping=load_mapping(MAPPING), rejects_dir=tmp_path
    )
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, want["incidents"])
    assert not list(tmp_path.iterdir())  # no rejects file: nothing was rejected


def test_the_committed_slice_of_the_nypd_file(engine: Engine, tmp_path: Path) -> None:
    assert expected(SLICE)["rows"] == 1999
    check_import(engine, SLICE, tmp_path)


@pytest.mark.skipif(not FULL.exists(), reason="the real NYPD file is not on this machine")
def test_the_whole_nypd_file(engine: Engine, tmp_path: Path) -> None:
    want = expected(FULL)
    assert (want["rows"], want["incidents"], want["precincts"]) == (23_568, 18_562, 77)
    check_import(engine, FULL, tmp_path)
