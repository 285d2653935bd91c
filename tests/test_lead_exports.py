"""Deferred exports: the bytes a click builds, and the row count its audit records."""

import io

import pandas as pd

from cgic_ui.lead_exports import export_payload


def test_a_frame_becomes_csv_and_sheets_an_excel_workbook() -> None:
    leads = pd.DataFrame({"Lead number": ["L-1", "L-2"], "Incidents": [2, 3]})
    series = pd.DataFrame({"Series id": ["L-1"]})
    payload, rows = export_payload(leads)
    assert (payload.decode("utf-8"), rows) == ("Lead number,Incidents\r\nL-1,2\r\nL-2,3\r\n", 2)
    payload, rows = export_payload({"Leads": leads, "Series": series})
    assert rows == 3
    book = pd.read_excel(io.BytesIO(payload), sheet_name=None)
    assert list(book) == ["Leads", "Series"]
    assert book["Leads"].equals(leads)
