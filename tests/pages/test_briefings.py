"""The Weekly briefing page in the real Streamlit runtime: an agency user gets only their agency's,
lab staff any agency or lab-wide; the PDF and HTML are built and audited only when clicked."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine

from cgic_data.schema import Role
from cgic_data.scope import Viewer
from tests.apptest import app_on, open_page
from tests.pages.test_downloads import MediaSpy, exports
from tests.scope_world import build_world

PAGE = "pages/briefings.py"


def test_an_agency_user_previews_and_downloads_their_own_briefing(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = build_world(engine)
    viewer = Viewer("newhaven.commander", Role.COMMANDER, world.agency_ids["B"])
    media = MediaSpy(monkeypatch)
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, {"week": "2025-W25"}, viewer=viewer)
        agency, week = at.selectbox
        assert agency.options == ["New Haven Police Department"] and agency.disabled
        assert week.value.isoformat() == "2025-06-16"
        preview = at.get("html")[0].proto.body
        assert "LEAD-BC" in preview and "LEAD-AB" in preview
        assert "AX-0001" not in preview  # A's own incident, shared with nobody
        assert [b.label for b in at.get("download_button")] == ["PDF", "Printable HTML"]
        assert media.stored == [] and exports(engine) == []  # nothing built on a page run
        pdf = media.deferred["briefing-CTB0000-2025-W25.pdf"]()
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "New Haven Police Department" in text and "newhaven.commander" in text
    assert [(who, file) for who, file, _ in exports(engine)] == [
        ("newhaven.commander", "briefing-CTB0000-2025-W25.pdf")
    ]


def test_lab_staff_choose_lab_wide_or_any_agency(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_world(engine)
    with app_on(engine, monkeypatch):
        at = open_page(PAGE)
    agency = at.selectbox[0]
    assert agency.options[0] == "Lab-wide (all agencies)"
    assert "Hartford Police Department" in agency.options
    assert "Lab-wide (all agencies)" in at.get("html")[0].proto.body
