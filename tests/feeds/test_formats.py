"""The feed declarations, the document and the shipped samples agree with each other."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from cgic_data.feeds.export import _selects
from cgic_data.feeds.formats import FEEDS, markdown_table
from cgic_data.feeds.load import OK, import_file
from cgic_data.feeds.preview import available_mappings
from cgic_data.towns import ensure_towns

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "feeds.md"
EXAMPLES = ROOT / "examples" / "feeds"


@pytest.mark.parametrize("name", list(FEEDS))
def test_docs_show_each_feeds_columns_as_declared(name: str) -> None:
    table = markdown_table(FEEDS[name])
    assert table in DOC.read_text(encoding="utf-8"), (
        f"docs/feeds.md is out of date for {name}: paste in the output of "
        f"`python -c \"from cgic_data.feeds.formats import *; print(markdown_table(FEEDS['{name}']))\"`"
    )


@pytest.mark.parametrize("name", list(FEEDS))
def test_exports_and_samples_carry_every_column(name: str) -> None:
    columns = FEEDS[name].column_names
    assert set(columns) - set(_selects()[name].selected_columns.keys()) <= {"item_numbers"}
    header = (EXAMPLES / f"{name}.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.split(",") == columns


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_the_shipped_samples_load(engine: Engine, tmp_path: Path, fmt: str) -> None:
    ensure_towns(engine)  # the real towns: places are checked against them (plausible.py)
    loaded = {}
    for name in FEEDS:
        result = import_file(engine, name, EXAMPLES / f"{name}.{fmt}", rejects_dir=tmp_path)
        assert result.status == OK, [p.describe(name) for p in result.problems]
        loaded[name] = result.inserted
    assert loaded == {
        "agencies": 4,
        "incidents": 4,
        "lab_requests": 4,
        "firearms": 1,
        "lab_items": 6,
        "nibin_leads": 2,
        "forensic_results": 1,
        "traces": 1,
        "case_events": 2,
    }


def test_the_import_page_offers_the_nypd_mapping_for_incidents_only() -> None:
    assert [label for label in available_mappings("incidents") if "NYPD" in label]
    assert not available_mappings("traces")
