"""Plain URLs for every identifier the app shows: a lead, a series, an incident, a firearm, a lab case.

Every page builds its links here, so an identifier opens the same view wherever it appears, in a
table cell, the map's detail panel or an email. Links are relative (``packet?lead=X``): they work
under any base path, open in a new tab, and carry the viewer's sidebar context (period, agencies,
towns) so the view they open is the one they came from. What the link opens is still decided by
what the person who opens it may see.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

# The shared sidebar filter's URL parameters (cgic_ui.context binds them): a link keeps them.
CONTEXT_PARAMS = ("period", "dates", "agency", "town")
LEAD_VIEWS = {  # page url path -> (label, icon) of the views every lead or series has
    "map": ("Map", ":material/map:"),
    "timeline": ("Timeline", ":material/timeline:"),
    "packet": ("Packet", ":material/folder_open:"),
    "network": ("Network", ":material/hub:"),
    "bulletin": ("Bulletin", ":material/campaign:"),  # the officer-safety bulletin (issue 19)
}
Params = Mapping[str, str | Sequence[str] | None]
LINK_PX_PER_CHAR, LINK_PADDING_PX = 8, 24  # a table's 14 px font: digits and capitals
# The sidebar context read once for a batch of links (``same_context``), else None.
_BATCH_CONTEXT: ContextVar[dict[str, list[str]] | None] = ContextVar("link_context", default=None)


def context_params() -> dict[str, list[str]]:
    """The viewer's sidebar filter as it stands in the URL (empty outside a Streamlit run)."""
    batch = _BATCH_CONTEXT.get()
    if batch is not None:
        return batch
    try:
        return {
            key: st.query_params.get_all(key) for key in CONTEXT_PARAMS if key in st.query_params
        }
    except Exception:  # no script run context (a plain import in a test)
        return {}


@contextmanager
def same_context() -> Iterator[None]:
    """Links made inside share one reading of the sidebar context: reading the query parameters
    per link made a table of thousands of links cost seconds on every page run."""
    token = _BATCH_CONTEXT.set(context_params())
    try:
        yield
    finally:
        _BATCH_CONTEXT.reset(token)


def url(page: str, params: Params, *, keep_context: bool = True) -> str:
    """``page?params`` (relative), with the sidebar context unless the params set it."""
    merged: dict[str, str | Sequence[str]] = dict(context_params()) if keep_context else {}
    merged |= {key: value for key, value in params.items() if value not in (None, "", ())}
    return f"{page}?{urlencode(merged, doseq=True)}" if merged else page


def lead_url(number: str, page: str = "packet") -> str:
    """A lead on one of its views; on the map it selects the lead (all its incidents)."""
    if page == "map":
        return url("map", {"map_lead": number})
    return url(page, {"show": "Lead", "lead": number})


def series_url(series_id: str, page: str = "network") -> str:
    """A series (or the series of any of its lead numbers) on one of its views."""
    if page == "map":
        return url("map", {"map_series": series_id})
    return url(page, {"show": "Series", "series": series_id})


def incident_url(number: str, ori: str | None = None) -> str:
    """An incident's record: facts, evidence, leads, results (``ori`` tells apart two agencies'
    incidents that share a number)."""
    return url("record", {"incident": number, "ori": ori})


def firearm_url(number: str) -> str:
    return url("record", {"firearm": number})


def lab_case_url(number: str) -> str:
    return url("record", {"lab_case": number})


def oldest_requests_url(agency_name: str) -> str:
    """The lab backlog narrowed to one submitting agency, at its oldest open requests (the bound
    agency filter holds the name it shows, not the code)."""
    return url("backlog", {"agency": agency_name}) + "#oldest-open-requests"


def view_links(kind: str, key: str, here: str | None = None) -> str:
    """Markdown 'Map · Timeline · Packet · Network' for lead or series ``key`` (not ``here``)."""
    make = lead_url if kind == "lead" else series_url
    return " · ".join(
        f"[{label}]({make(key, page)})" for page, (label, _) in LEAD_VIEWS.items() if page != here
    )


def link_column(label: str, param: str, **kwargs: object) -> st.column_config.LinkColumn:
    """A table column of URLs made here that displays the identifier in parameter ``param``."""
    return st.column_config.LinkColumn(label, display_text=rf"[?&]{param}=([^&]*)", **kwargs)


# Identifier columns as the data layer names them: (URL builder, parameter the link shows, label).
IDENTIFIERS: dict[str, tuple[Callable[[str], str], str, str]] = {
    "lead_number": (lead_url, "lead", "Lead"),
    "series_id": (series_url, "series", "Series"),
    "incident_number": (incident_url, "incident", "Incident"),
    "recovery_incident_number": (incident_url, "incident", "Recovery incident"),
    "firearm_number": (firearm_url, "firearm", "Firearm"),
    "lab_case_number": (lab_case_url, "lab_case", "Lab case"),
}


def with_links(
    frame: pd.DataFrame, labels: Mapping[str, str] | None = None, ori: str = "ori"
) -> tuple[pd.DataFrame, dict[str, st.column_config.LinkColumn]]:
    """``frame`` with every identifier column (``IDENTIFIERS``) turned into URLs, and the column
    config that shows each as its identifier (``labels`` override the column titles). Incident
    numbers take their agency from column ``ori`` when there is one: two agencies may share a
    number. Show the result; export ``frame`` itself, which keeps the plain identifiers."""
    shown = frame.copy()
    config: dict[str, st.column_config.LinkColumn] = {}
    for column, (make, param, title) in IDENTIFIERS.items():
        if column not in frame.columns:
            continue
        agencies = frame[ori].tolist() if make is incident_url and ori in frame.columns else None
        with same_context():
            shown[column] = [
                (incident_url(v, _text(agencies[i])) if agencies is not None else make(v))
                if isinstance(v, str) and v
                else None
                for i, v in enumerate(frame[column])
            ]
        config[column] = link_column(
            (labels or {}).get(column, title), param, width=_link_width(frame[column])
        )
    return shown, config


def _link_width(identifiers: pd.Series) -> int:
    """Pixels for a column of identifiers shown as links: the grid sizes a link column from
    its first rows, and a column whose first cells are empty came out too narrow for the
    numbers below (an incident number cut to 'BPD-2026-0…')."""
    longest = max((len(v) for v in identifiers if isinstance(v, str)), default=0)
    return min(max(LINK_PX_PER_CHAR * longest + LINK_PADDING_PX, 80), 240)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
