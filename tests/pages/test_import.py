"""The Import page in the real app: upload, preview, validate, load, history; admins only."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from cgic_data import schema as s
from cgic_data.schema import Role
from cgic_data.scope import Viewer
from cgic_ui.navigation import PAGES
from tests.apptest import app_on, open_page
from tests.factory import Builder
from tests.feeds.helpers import INCIDENT_HEADER, incident_rows, write_csv

PAGE = "pages/import.py"
SLICE = Path(__file__).resolve().parents[1] / "feeds" / "data"
SLICE = SLICE / "nypd_shootings_first_2000_lines.csv.gz"


def metrics(at) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {m.label: m.value for m in at.metric}


def incidents(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(s.Incident)).scalar_one()


def test_upload_preview_validate_and_load(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Builder(engine).agency("CT1")
    rows = incident_rows(3)
    rows[2][3] = "drive-by"
    data = write_csv(tmp_path / "incidents.csv", INCIDENT_HEADER, rows).read_bytes()
    with app_on(engine, monkeypatch):
        at = open_page(PAGE)
        assert at.title[0].value == "Import"
        at.selectbox(key="import_feed").set_value("incidents")
        at.file_uploader(key="import_file").upload("incidents.csv", data, "text/csv")
        at.run()
        assert at.subheader[0].value == "Preview"
        raw, mapped = at.dataframe[0].value, at.dataframe[1].value
        assert list(raw["incident_number"]) == ["INC-000000", "INC-000001", "INC-000002"]
        assert "one of: shooting" in mapped["problems"].iloc[2]
        at.button[0].click().run()  # validate: counts, nothing written
        assert (metrics(at)["Inserted"], metrics(at)["Rejected"]) == ("2", "1")
        assert incidents(engine) == 0
        at.button[1].click().run()  # load
        assert not at.exception
    assert (metrics(at)["Inserted"], metrics(at)["Rejected"]) == ("2", "1")
    assert incidents(engine) == 2
    assert any("Batch 1: partial" in w.value for w in at.warning)
    history = at.dataframe[-1].value  # the problems of batch 1, on the history tab
    assert list(history["line"]) == [4]
    with engine.connect() as conn:
        who = conn.execute(select(s.ImportBatch.imported_by)).scalar_one()
    assert who == "tester"


def test_the_nypd_file_loads_with_its_shipped_mapping(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_on(engine, monkeypatch):
        at = open_page(PAGE)
        at.selectbox(key="import_feed").set_value("incidents")
        at.run()
        label = next(o for o in at.selectbox(key="import_mapping").options if "NYPD" in o)
        at.selectbox(key="import_mapping").set_value(label)
        at.file_uploader(key="import_file").upload(SLICE.name, SLICE.read_bytes())
        at.run()
        at.button[1].click().run()
        assert not at.exception
    inserted = int(metrics(at)["Inserted"].replace(",", ""))
    assert inserted == incidents(engine) > 0
    assert metrics(at)["Rejected"] == "0"
    assert any("1,999 data lines folded" in c.value for c in at.caption)


def test_only_administrators_have_the_page(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = next(p for p in PAGES if p.path == PAGE)
    assert (spec.section, spec.title, spec.roles) == ("Data", "Import", frozenset({Role.ADMIN}))
    analyst = Viewer("ann", Role.ANALYST, agency_id=None)
    with app_on(engine, monkeypatch), pytest.raises(ValueError, match="navigation page"):
        open_page(PAGE, viewer=analyst)
