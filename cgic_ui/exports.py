"""Download buttons that audit what leaves the app (what, how many rows, with which filter)."""

from __future__ import annotations

import io
from dataclasses import asdict

import pandas as pd
import streamlit as st

from cgic_data import audit
from cgic_ui.context import page_context
from cgic_ui.runtime import store

EXCEL_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _audit_download(what: str, rows: int, file_name: str) -> None:
    ctx = page_context()
    audit.record(
        store(),
        ctx.viewer,
        "export",
        target=file_name,
        detail={"what": what, "rows": rows, "filter": asdict(ctx.filter)},
    )


def csv_download(
    frame: pd.DataFrame, file_name: str, what: str, label: str = "Download CSV"
) -> None:
    """A CSV download of ``frame``; the click is audited."""
    st.download_button(
        label,
        data=frame.to_csv(index=False).encode("utf-8"),
        file_name=file_name,
        mime="text/csv",
        icon=":material/download:",
        on_click=_audit_download,
        args=(what, len(frame), file_name),
        key=f"csv-{file_name}",
    )


def excel_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """An .xlsx workbook with one sheet per frame (sheet names cut to Excel's 31 characters)."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name[:31], index=False)
    return buffer.getvalue()


def excel_download(
    sheets: dict[str, pd.DataFrame], file_name: str, what: str, label: str = "Download Excel"
) -> None:
    """An Excel workbook download of ``sheets``; the click is audited with the total row count."""
    st.download_button(
        label,
        data=excel_bytes(sheets),
        file_name=file_name,
        mime=EXCEL_MIME,
        icon=":material/table_view:",
        on_click=_audit_download,
        args=(what, sum(len(f) for f in sheets.values()), file_name),
        key=f"xlsx-{file_name}",
    )
