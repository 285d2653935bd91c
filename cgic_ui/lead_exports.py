"""Downloads of whole tables that are built only when clicked (Streamlit's deferred download).

The Leads page shows the first rows of tables that hold tens of thousands; building every row as
CSV and Excel on each run cost it more than a minute. Here the file is built, and the export
audited exactly like ``cgic_ui.exports`` does (action "export", what, rows, filter), when the user
clicks: the click does not rerun the page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict

import pandas as pd
import streamlit as st

from cgic_data import audit
from cgic_data.scope import IncidentFilter, Viewer
from cgic_ui.exports import EXCEL_MIME, excel_bytes
from cgic_ui.runtime import store

Sheets = dict[str, pd.DataFrame]
CSV_MIME = "text/csv"


def export_payload(built: pd.DataFrame | Sheets) -> tuple[bytes, int]:
    """The file's bytes (CSV for a frame, an Excel workbook for named sheets) and its row count."""
    if isinstance(built, pd.DataFrame):
        return built.to_csv(index=False).encode("utf-8"), len(built)
    return excel_bytes(built), sum(len(frame) for frame in built.values())


def deferred_download(
    label: str,
    file_name: str,
    what: str,
    build: Callable[[], pd.DataFrame | Sheets],
    viewer: Viewer,
    filt: IncidentFilter,
) -> None:
    """A download button whose file ``build`` makes at click time (a frame: CSV; sheets: Excel).

    ``build`` runs outside the page script: it must not call Streamlit (use the engine)."""
    engine = store()

    def data() -> bytes:
        payload, rows = export_payload(build())
        audit.record(
            engine,
            viewer,
            "export",
            target=file_name,
            detail={"what": what, "rows": rows, "filter": asdict(filt)},
        )
        return payload

    excel = file_name.endswith(".xlsx")
    st.download_button(
        label,
        data=data,
        file_name=file_name,
        mime=EXCEL_MIME if excel else CSV_MIME,
        icon=":material/table_view:" if excel else ":material/download:",
        on_click="ignore",
        key=f"{'xlsx' if excel else 'csv'}-{file_name}",
    )
