"""A data-layer frame as a table a reader can act on: readable titles, dates, identifiers as links.

Used where a page shows rows whose columns are the data layer's own (the lead packet, the Record
page): every lead, series, incident, firearm and lab case number becomes a link to its view
(``cgic_ui.links``), shown as the number itself. Only the table shown changes; an export is built
from the frame, so it keeps the plain identifiers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import streamlit as st

from cgic_ui import links
from cgic_ui.packet_export import readable

WHEN = "YYYY-MM-DD HH:mm"


def linked_table(
    frame: pd.DataFrame,
    *,
    key: str | None = None,
    config: Mapping[str, Any] | None = None,
    date_format: str = WHEN,
    **options: Any,
) -> None:
    """Show ``frame`` (data-layer column names) with readable titles, formatted dates and every
    identifier a link; ``config`` (by data-layer column name) overrides any column's config."""
    names = dict(zip(frame.columns, readable(frame).columns, strict=True))
    shown, linked = links.with_links(frame, labels=names)
    column_config: dict[str, Any] = {
        names[column]: st.column_config.DatetimeColumn(names[column], format=date_format)
        for column in frame.columns
        if pd.api.types.is_datetime64_any_dtype(frame[column])
    }
    column_config |= {names[column]: value for column, value in linked.items()}
    column_config |= {names.get(column, column): value for column, value in (config or {}).items()}
    st.dataframe(
        shown.rename(columns=names),
        hide_index=True,
        column_config=column_config,
        key=key,
        **options,
    )
