"""'New since your last visit' on the Command overview: the list, and a lead that arrives while
the page is open showing up on the panel's next (timed) run."""

from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import streamlit as st
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from cgic_data.schema import Role
from cgic_data.scope import Viewer
from cgic_ui.alerts import LAST_VISIT_KEY
from tests.apptest import APP, TIMEOUT, app_on, sign_in_as
from tests.factory import Builder

LAST_VISIT = datetime(2025, 6, 10, 8)


def overview_as(viewer: Viewer) -> AppTest:
    """The overview (the default page), signed in as ``viewer``, last here at LAST_VISIT."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["period"] = "All dates"
    sign_in_as(at, viewer)
    at.session_state[LAST_VISIT_KEY] = (viewer.username, LAST_VISIT)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def new_leads(at: AppTest) -> list[str]:
    """The lead numbers listed, read from their links (each opens the lead's packet)."""
    frames = [df.value for df in at.dataframe if "change" in df.value.columns]
    urls = frames[0]["lead_number"].tolist() if frames else []
    assert all(url.startswith("packet?") for url in urls), urls
    return [parse_qs(urlsplit(url).query)["lead"][0] for url in urls]


@pytest.fixture
def two_agencies(engine: Engine) -> dict[str, int]:
    b = Builder(engine)
    hartford = b.agency("CT0006400", name="Hartford Police Department")
    haven = b.agency("CT0009300", name="New Haven Police Department")
    h1, h2 = b.incident(hartford, datetime(2025, 6, 1)), b.incident(hartford, datetime(2025, 6, 9))
    n1, n2 = b.incident(haven, datetime(2025, 6, 2)), b.incident(haven, datetime(2025, 6, 3))
    b.lead([b.item(h1), b.item(h2)], number="L-HFD", issued_at=datetime(2025, 6, 10, 9))
    b.lead([b.item(n1), b.item(n2)], number="L-NHV", issued_at=datetime(2025, 6, 11))
    b.lead([b.item(h1), b.item(n1)], number="L-OLD", issued_at=datetime(2025, 6, 5))
    return {"hartford": hartford, "haven": haven}


def test_new_leads_touching_the_agency(
    two_agencies: dict[str, int], engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_on(engine, monkeypatch):
        at = overview_as(Viewer("hfd.cmd", Role.COMMANDER, agency_id=two_agencies["hartford"]))
    assert "New since your last visit" in [h.value for h in at.subheader]
    assert new_leads(at) == ["L-HFD"]


def test_a_lead_imported_now_appears_on_the_next_run(
    two_agencies: dict[str, int], engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_on(engine, monkeypatch):
        at = overview_as(
            Viewer("cgic.analyst", Role.ANALYST)
        )  # lab-wide; lab directors land on the backlog
        assert new_leads(at) == ["L-NHV", "L-HFD"]
        b = Builder(engine)
        incident = b.incident(two_agencies["haven"], datetime(2025, 6, 12))
        b.lead([b.item(incident), b.item(incident)], number="L-NOW", issued_at=datetime.now())
        st.cache_data.clear()  # the panel's query result lives up to CGIC_CACHE_TTL
        at.run()
    assert new_leads(at)[0] == "L-NOW"


def test_nothing_new(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    Builder(engine).agency("A")
    with app_on(engine, monkeypatch):
        at = overview_as(
            Viewer("cgic.analyst", Role.ANALYST)
        )  # lab-wide; lab directors land on the backlog
    assert new_leads(at) == []
    assert any("No new or grown leads" in c.value for c in at.caption)
