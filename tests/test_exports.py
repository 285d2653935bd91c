"""What leaves the app by download: neutralised cells, one audited button, no toolbar export."""

from __future__ import annotations

import io
import re
import tomllib
from pathlib import Path

import pandas as pd
from streamlit import config

from cgic_ui.exports import excel_bytes
from cgic_ui.lead_exports import export_payload
from tests.hostile import (
    AT_SUM,
    DDE,
    HYPERLINK,
    MINUS,
    QUOTED,
    assert_no_formula,
    csv_cells,
    xlsx_cells,
)

ROOT = Path(__file__).resolve().parent.parent
HELPER = ROOT / "cgic_ui" / "exports.py"


def hostile_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "incident_number": [HYPERLINK, MINUS, "A-1"],
            "address": [DDE, "\t=1+1", "\r=1+1"],
            "agency": [AT_SUM, QUOTED, None],
            "injured": [-5, 0, 2],
            "lon": [-72.7, -72.71, float("nan")],
            AT_SUM: ["+1", "@x", "plain"],  # a column named by data (a pivot) is a cell too
        }
    )


def test_csv_download_neutralises_text_cells_and_leaves_numbers() -> None:
    payload, rows = export_payload(hostile_frame())
    assert rows == 3
    cells = csv_cells(payload)
    assert_no_formula(cells, "CSV download")
    back = pd.read_csv(io.BytesIO(payload), keep_default_na=False)
    assert back["incident_number"].tolist() == [f"'{HYPERLINK}", f"'{MINUS}", "A-1"]
    assert back["address"].tolist() == [f"'{DDE}", "'\t=1+1", "'\r=1+1"]
    assert back["agency"].tolist() == [f"'{AT_SUM}", f"'{QUOTED}", ""]
    assert back["injured"].tolist() == [-5, 0, 2]  # a numeric column is never touched
    assert back["lon"].tolist() == ["-72.7", "-72.71", ""]  # as numbers, not prefixed


def test_excel_cells_are_strings_never_formulas() -> None:
    frame = hostile_frame()
    values = xlsx_cells(excel_bytes({"Incidents": frame, "Other": frame[["address"]]}))
    assert_no_formula(values, "Excel workbook")
    assert f"'{HYPERLINK}" in values and f"'{MINUS}" in values
    assert -5 in values and -72.7 in values  # numbers stay numbers


def test_the_export_helper_is_the_only_download_button() -> None:
    """Every download goes through ``cgic_ui.exports``, whose file is built (and audited) only
    when clicked: no page or helper may put a file behind a /media URL of its own."""
    sources = [*ROOT.joinpath("pages").glob("*.py"), *ROOT.joinpath("cgic_ui").glob("*.py")]
    sources.append(ROOT / "app.py")
    callers = [
        p.relative_to(ROOT).as_posix()
        for p in sources
        if p != HELPER and re.search(r"\bdownload_button\b", p.read_text())
    ]
    assert callers == []
    assert HELPER.read_text().count("st.download_button(") == 1


def test_the_table_toolbars_download_is_off_by_a_real_streamlit_option() -> None:
    settings = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert settings["client"]["disableDataExport"] is True
    assert "client.disableDataExport" in config.get_config_options()  # not a silent typo


def test_excel_survives_control_characters_a_workbook_cannot_hold() -> None:
    """openpyxl refuses NUL and most C0 characters; an imported value holding one must not fail
    the whole export."""
    frame = pd.DataFrame({"address": ["1 Main\x00St", "=x\x01"], "n": [1, 2]})
    values = xlsx_cells(excel_bytes({"Incidents": frame}))
    assert "1 Main\ufffdSt" in values and "'=x\ufffd" in values and 2 in values
