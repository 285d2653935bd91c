"""Officer-safety bulletins: what they say (and never say), scope, numbering, the record and audit,
and the page that issues them only on a click."""

from __future__ import annotations

import io
import re
from datetime import datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine, select, update

from cgic_data import bulletins
from cgic_data.briefing_render import html_to_pdf
from cgic_data.lead_labels import CONFIRMED_LABEL, UNCONFIRMED_LABEL
from cgic_data.queries.bulletin import (
    ASSOCIATION_NOTE,
    NOT_RECOVERED,
    TIME_UNKNOWN,
    bulletin_content,
    bulletins_issued,
)
from cgic_data.schema import AuditEntry, Bulletin, Incident, LeadStatus, Role
from cgic_data.scope import IncidentFilter, Viewer
from tests.apptest import app_on, open_page
from tests.factory import Builder
from tests.pages.test_downloads import MediaSpy
from tests.scope_world import build_world
from tests.test_scope_matrix import leaked

LAB = Viewer("cgic.analyst", Role.ANALYST)
AT = datetime(2026, 12, 7, 9, 30)


def pdf_text(html: str) -> str:
    pages = PdfReader(io.BytesIO(html_to_pdf(html))).pages
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in pages))


def test_a_bulletin_names_no_subject_and_nothing_outside_the_viewers_scope(engine: Engine) -> None:
    world = build_world(engine)
    hartford = Viewer("hpd", Role.COMMANDER, world.agency_ids["A"])
    assert bulletin_content(engine, hartford, "lead", "LEAD-BC") is None  # not Hartford's lead
    content = bulletin_content(engine, hartford, "series", "LEAD-AB")
    assert content is not None
    assert content.incidents["incident_number"].tolist() == ["AS-0001", "BS-0001"]
    assert content.association_on_file  # CODIS hits with subjects on both incidents
    assert content.firearms == (
        "Glock 19 (9mm Luger), recovered 2025-06-11",
        "Glock 19 (9mm Luger), recovered 2025-06-14",
    )
    assert content.label == UNCONFIRMED_LABEL
    issued = bulletins.issue(engine, hartford, content, at=AT)
    text = pdf_text(bulletins.bulletin_html(content, issued))
    tokens, ids = world.hidden_from("A")
    assert not leaked(content, tokens, ids)
    assert not {t for t in tokens if t in text}
    assert "SU-" not in text and "PU-" not in text  # no subject or purchaser reference
    for expected in [
        "OSB-2026-0001",
        re.sub(r"\s+", "", ASSOCIATION_NOTE),
        "AS-0001",
        "evening(18–24)",
        "9mmLuger",
        "LAWENFORCEMENTSENSITIVE",
        "Page1of1",
        "Dissemination:",
    ]:
        assert expected in text, expected


def test_without_a_recovered_gun_the_bulletin_says_so(engine: Engine) -> None:
    b = Builder(engine)
    agency = b.agency("CT0001")
    items = [b.item(b.incident(agency, datetime(2026, 11, 2, 3, 0))) for _ in range(2)]
    b.lead(items, number="L-SOLO", status=LeadStatus.CONFIRMED)
    content = bulletin_content(engine, LAB, "lead", "L-SOLO")
    assert content is not None and content.firearms == () and not content.association_on_file
    assert content.label == CONFIRMED_LABEL
    assert set(content.incidents["time_of_day"]) == {"night (00–06)"}
    html = bulletins.bulletin_html(content, bulletins.issue(engine, LAB, content, at=AT))
    assert NOT_RECOVERED.capitalize() in html and ASSOCIATION_NOTE not in html


def test_a_date_only_incident_prints_its_date_alone_never_00_00(engine: Engine) -> None:
    b = Builder(engine)
    agency = b.agency("CT0001")
    dated = b.incident(agency, datetime(2026, 11, 2), number="DATE-ONLY")
    midnight = b.incident(agency, datetime(2026, 11, 3), number="AT-MIDNIGHT")
    with engine.begin() as conn:  # an import of a date without a time stores this
        conn.execute(update(Incident).where(Incident.id == dated).values(occurred_time_known=False))
    b.lead([b.item(dated), b.item(midnight)], number="L-DATES", status=LeadStatus.CONFIRMED)
    content = bulletin_content(engine, LAB, "lead", "L-DATES")
    assert content is not None
    times = dict(content.incidents[["incident_number", "time_of_day"]].itertuples(index=False))
    assert times == {"DATE-ONLY": TIME_UNKNOWN, "AT-MIDNIGHT": "night (00–06)"}
    html = bulletins.bulletin_html(content, bulletins.issue(engine, LAB, content, at=AT))
    assert '<td class="">2026-11-02</td>' in html and "2026-11-02 00:00" not in html
    assert '<td class="">2026-11-03 00:00</td>' in html  # a time given as midnight is one


def test_each_bulletin_is_numbered_recorded_audited_and_counted(engine: Engine) -> None:
    world = build_world(engine)
    hartford = Viewer("hpd", Role.COMMANDER, world.agency_ids["A"])
    content = bulletin_content(engine, hartford, "lead", "LEAD-AB")
    assert content is not None
    numbers = [bulletins.issue(engine, hartford, content, at=AT).number for _ in range(2)]
    assert numbers == ["OSB-2026-0001", "OSB-2026-0002"]
    with engine.connect() as conn:
        rows = conn.execute(select(Bulletin.number, Bulletin.issued_by, Bulletin.subject)).all()
        audited = conn.execute(
            select(AuditEntry.target).where(AuditEntry.action == "bulletin-issue")
        ).scalars()
        assert sorted(audited) == numbers
    assert {(r.issued_by, r.subject) for r in rows} == {("hpd", "LEAD-AB")}
    week = IncidentFilter(start=AT.date(), end=AT.date())
    assert bulletins_issued(engine, hartford, week) == 2
    new_haven = Viewer("nh", Role.COMMANDER, world.agency_ids["B"])
    assert bulletins_issued(engine, new_haven, week) == 0  # another agency's bulletins
    assert bulletins_issued(engine, LAB, IncidentFilter()) == 2


def test_the_page_issues_a_bulletin_only_when_its_file_is_made(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = build_world(engine)
    viewer = Viewer("newhaven.commander", Role.COMMANDER, world.agency_ids["B"])
    media = MediaSpy(monkeypatch)
    with app_on(engine, monkeypatch):
        at = open_page("pages/bulletin.py", {"series": "LEAD-BC"}, viewer=viewer)
        assert "CB-0001" in at.get("html")[0].proto.body
        with engine.connect() as conn:
            assert conn.execute(select(Bulletin.id)).first() is None  # the preview issues none
        pdf = media.deferred["bulletin-series-LEAD-BC.pdf"]()
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "OSB-" in text and "newhaven.commander" in text
    with engine.connect() as conn:
        assert conn.execute(select(Bulletin.issued_by)).scalars().all() == ["newhaven.commander"]


def test_the_commanders_overview_counts_the_bulletins_issued_in_the_period(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = build_world(engine)
    hartford = Viewer("hartford.commander", Role.COMMANDER, world.agency_ids["A"])
    content = bulletin_content(engine, hartford, "lead", "LEAD-AB")
    assert content is not None
    bulletins.issue(engine, hartford, content)  # now: inside the overview's default period
    with app_on(engine, monkeypatch):
        at = open_page("pages/overview.py", viewer=hartford)
    lines = [c.value for c in at.caption if "bulletins issued" in c.value]
    assert lines and "**1**" in lines[0]
