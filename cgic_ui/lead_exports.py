"""Downloads of whole tables that are built only when clicked (Streamlit's deferred download).

The Leads page shows the first rows of tables that hold tens of thousands; building every row as
CSV and Excel on each run cost it more than a minute. Here the query runs, and the file is built
and audited (``cgic_ui.exports.audited_download``), when the user clicks.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from cgic_data.scope import IncidentFilter, Viewer
from cgic_ui.exports import CSV_MIME, EXCEL_MIME, Sheets, audited_download, export_payload

__all__ = ["deferred_download", "export_payload"]


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
    audited_download(
        label,
        file_name,
        what,
        lambda: export_payload(build()),
        mime=EXCEL_MIME if file_name.endswith(".xlsx") else CSV_MIME,
        viewer=viewer,
        filt=filt,
    )
