"""The stated purpose before a search by person, trace or free text, and its audit row.

The most trusted systems in this field ask *why* before a search of people or traces (a case
number, or a short reason); the answer goes into the audit row of the search, so a reviewer can
tell a case-driven look-up from browsing. Usage on a page::

    purpose = require_purpose("trace")
    if purpose is None:
        st.stop()  # or skip the search part of the page
    rows = cached(traces.search, ctx.viewer, ctx.filter, term)
    audit_search("trace", purpose, {"term": term}, rows=len(rows))
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import streamlit as st

from cgic_data import audit
from cgic_ui.context import page_context
from cgic_ui.runtime import store

MIN_PURPOSE_CHARS = 4
MAX_PURPOSE_CHARS = 200  # audit_log.purpose


def clean_purpose(text: str | None) -> str | None:
    """The purpose as it will be recorded, or None when it is too short to mean anything."""
    stated = " ".join((text or "").split())[:MAX_PURPOSE_CHARS]
    return stated if len(stated) >= MIN_PURPOSE_CHARS else None


def require_purpose(kind: str, *, key: str | None = None) -> str | None:
    """Ask for the purpose of a ``kind`` search ('person', 'trace', 'free text', ...).

    Returns the stated purpose once there is one (kept for this browser session, per kind), or
    None (after saying what is needed) until then.
    """
    stated = clean_purpose(
        st.text_input(
            f"Purpose of this {kind} search",
            key=key or f"purpose-{kind}",
            placeholder="Case number (e.g. HPD-2025-004512) or a short reason",
            help="Required before a search by person, trace or free text. It is recorded in "
            "the audit log with the search.",
            max_chars=MAX_PURPOSE_CHARS,
        )
    )
    if stated is None:
        st.info(
            f"State a case number or reason (at least {MIN_PURPOSE_CHARS} characters) to search.",
            icon=":material/policy:",
        )
    return stated


def audit_search(kind: str, purpose: str, terms: dict[str, Any], rows: int | None = None) -> None:
    """Audit one search: its kind, what was searched, the stated purpose and how many rows."""
    ctx = page_context()
    audit.record(
        store(),
        ctx.viewer,
        "search",
        target=kind,
        detail={"terms": terms, "rows": rows, "filter": asdict(ctx.filter)},
        purpose=purpose,
    )
