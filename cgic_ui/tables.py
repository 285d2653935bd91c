"""A data-layer frame as a table a reader can act on: readable titles, dates, identifiers as links.

Used where a page shows rows whose columns are the data layer's own (the lead packet, the Record
page): every lead, series, incident, firearm and lab case number becomes a link to its view
(``cgic_ui.links``), shown as the number itself. Only the table shown changes; an export is built
from the frame, so it keeps the plain identifiers.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import pandas as pd
import streamlit as st

from cgic_data.incident_time import occurred_text
from cgic_ui import links
from cgic_ui.packet_export import readable

WHEN = "YYYY-MM-DD HH:mm"
# What an empty cell reads in a shown table (``st.dataframe(placeholder=...)``; Streamlit's own
# is the word "None"). Exports keep empty cells empty.
MISSING = "—"


def whole_percents(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its shares (columns named ``*_share``, 0 to 1) rounded to whole percents
    for a table's ``format="percent"``, which otherwise prints '45.45%' and '16.67%': false
    precision on counts of a few incidents. Exports keep the exact shares."""
    shares = [c for c in frame.columns if str(c).endswith("_share")]
    return frame.astype({c: "float64" for c in shares}).round({c: 2 for c in shares})


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
    frame = _dates_alone_where_time_unknown(frame)
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
        placeholder=MISSING,
        column_config=column_config,
        key=key,
        **options,
    )


def _dates_alone_where_time_unknown(frame: pd.DataFrame) -> pd.DataFrame:
    """An incident table with a ``time_known`` flag shows ``occurred_at`` as text, the date alone
    where the source gave no time (midnight would read as a real time); the flag is not shown."""
    if not {"occurred_at", "time_known"} <= set(frame.columns):
        return frame
    shown = [
        occurred_text(pd.Timestamp(at), bool(known)) if pd.notna(at) else None
        for at, known in zip(frame["occurred_at"], frame["time_known"], strict=True)
    ]
    return frame.assign(occurred_at=shown).drop(columns="time_known")


def key_values(detail: object) -> str:
    """A JSON detail (an audit row's) as 'key: value · key: value' for a table cell: raw JSON
    is cut off after its first braces and quotes. Nested keys read 'filter start', lists are
    joined, empty values left out; text that is not a JSON object is shown as it is."""
    if not isinstance(detail, str) or not detail:
        return ""
    try:
        data = json.loads(detail)
    except ValueError:
        return detail
    if not isinstance(data, dict):
        return detail
    return " · ".join(f"{key}: {value}" for key, value in _flat(data))


def _flat(data: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    for key, value in data.items():
        name = f"{prefix}{key}".replace("_", " ")
        if isinstance(value, Mapping):
            yield from _flat(value, f"{name} ")
        elif value is None or value in ("", [], ()):
            continue
        elif isinstance(value, bool):
            yield name, "yes" if value else "no"
        elif isinstance(value, list | tuple):
            yield name, ", ".join(str(item) for item in value)
        else:
            yield name, str(value)
