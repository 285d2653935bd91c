"""The stated purpose before a search by person, trace or free text goes into the search's audit row."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from cgic_data.schema import AuditEntry
from cgic_ui.purpose import clean_purpose
from tests.apptest import app_on


def search_page() -> None:
    """A page that searches traces only once a purpose is stated."""
    from datetime import date

    import streamlit as st

    from cgic_data.schema import Role
    from cgic_data.scope import IncidentFilter, Viewer
    from cgic_ui.context import CONTEXT_KEY, PageContext
    from cgic_ui.purpose import audit_search, require_purpose

    st.session_state[CONTEXT_KEY] = PageContext(
        Viewer("ann", Role.ANALYST, None), IncidentFilter(), date(2025, 6, 1)
    )
    purpose = require_purpose("trace")
    if purpose is None:
        st.stop()
    audit_search("trace", purpose, {"purchaser": "PU-1"}, rows=3)
    st.write("searched")


def test_a_purpose_needs_a_few_real_characters() -> None:
    assert clean_purpose("  HPD-2025-004512 ") == "HPD-2025-004512"
    assert clean_purpose("case  12") == "case 12"
    assert clean_purpose("  ab ") is None
    assert clean_purpose(None) is None
    assert len(clean_purpose("x" * 500) or "") == 200


def test_no_search_without_a_purpose_and_the_purpose_is_audited(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_on(engine, monkeypatch):
        at = AppTest.from_function(search_page).run()
        assert not at.markdown  # no search yet
        assert "State a case number or reason" in at.info[0].value
        at.text_input[0].input("HPD-2025-004512").run()
    assert at.markdown[0].value == "searched"
    with engine.connect() as conn:
        (row,) = conn.execute(select(AuditEntry).where(AuditEntry.action == "search")).all()
    assert (row.username, row.target, row.purpose) == ("ann", "trace", "HPD-2025-004512")
    assert json.loads(row.detail)["terms"] == {"purchaser": "PU-1"}
    assert json.loads(row.detail)["rows"] == 3
