"""The weekly briefing's content: the right figures for the week, the week before and last year;
new and grown leads with what is left to do; scope — an agency's briefing holds exactly what its
commander may see, and its PDF never names anything else."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine, update

from cgic_data import schema as s
from cgic_data import sharing
from cgic_data.briefing_render import briefing_html, html_to_pdf
from cgic_data.lead_labels import UNCONFIRMED_LABEL
from cgic_data.queries.briefing import (
    Briefing,
    parse_week,
    same_week_last_year,
    week_label,
    weekly_briefing,
)
from cgic_data.scope import Viewer
from tests.factory import Builder
from tests.scope_world import LEADS, build_world
from tests.test_scope_matrix import leaked

MONDAY = date(2026, 11, 23)  # 2026-W48
LAB = Viewer("lab", s.Role.LAB_DIRECTOR)


def pdf_text(briefing: Briefing) -> str:
    """The PDF's text with every space and line break removed (a table cell may wrap a number)."""
    pdf = html_to_pdf(briefing_html(briefing, generated_at=datetime(2026, 12, 1, 7, 30)))
    pages = PdfReader(io.BytesIO(pdf)).pages
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in pages))


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_iso_weeks_are_read_and_written_alike() -> None:
    assert parse_week("2026-W48") == MONDAY == parse_week(" 2026w48 ")
    assert week_label(MONDAY) == "2026-W48"
    assert same_week_last_year(MONDAY) == date(2025, 11, 24)  # 2025-W48
    assert same_week_last_year(date(2026, 12, 28)) == date(2025, 12, 29)  # W53 -> 52 weeks back
    with pytest.raises(ValueError, match="ISO week"):
        parse_week("2026-W60")


@pytest.fixture
def hartford(engine: Engine) -> tuple[Engine, int, int]:
    """Hartford (agency 1) with shootings in W48 (2), W47 (1) and W48 of 2025 (3); New Haven has
    one in W48 that only a lead shares."""
    b = Builder(engine)
    town = b.town("Hartford", lat=41.76, lon=-72.68)
    own, other = b.agency("CT0006400", "Hartford PD"), b.agency("CT0009300", "New Haven PD")
    week = datetime.combine(MONDAY, datetime.min.time())
    shootings = [week + timedelta(days=1, hours=22), week + timedelta(days=3, hours=1)]
    shootings += [week - timedelta(days=5)]
    shootings += [datetime(2025, 11, 25, 23, 0) + timedelta(days=d) for d in range(3)]
    ids = [b.incident(own, when, town_id=town, injured=1) for when in shootings]
    shared = b.incident(other, week + timedelta(days=2), number="NH-SHARED", town_id=town)
    request = b.request(own, week, completed_at=week + timedelta(days=5), case_number="L26-IN")
    items = [
        b.item(
            i,
            recovered_at=shootings[n],
            nibin_entered_at=shootings[n] + timedelta(hours=h),
            lab_request_id=request,
        )
        for n, (i, h) in enumerate(zip(ids[:2], (20, 70), strict=True))
    ]
    shared_item = b.item(shared, recovered_at=week + timedelta(days=2))
    new = b.lead([items[0], shared_item], number="LEAD-NEW", issued_at=week + timedelta(days=4))
    with engine.begin() as conn:
        conn.execute(
            update(s.NibinLead)
            .where(s.NibinLead.id == new)
            .values(assigned_to="Det. Rivera", follow_up_status="in progress")
        )
    old_item = b.item(ids[2], recovered_at=shootings[2])
    grown = b.lead([old_item], number="LEAD-GROWN", issued_at=week - timedelta(days=20))
    b.grow(grown, items[1], week + timedelta(days=5))
    gone = b.lead([b.item(ids[3])], number="LEAD-GONE", issued_at=week + timedelta(days=5))
    with engine.begin() as conn:
        conn.execute(
            update(s.NibinLead)
            .where(s.NibinLead.lead_number == "LEAD-GONE")
            .values(status=s.LeadStatus.EXCLUDED)
        )
        sharing.refresh_leads(conn, [gone])
    gun = b.firearm(ids[0], recovered_at=shootings[0])
    b.trace(gun)
    b.firearm(ids[1], recovered_at=shootings[1])
    b.request(own, week - timedelta(days=90), case_number="L26-OLDEST")
    b.request(own, week - timedelta(days=10), case_number="L26-NEWER")
    b.request(other, week - timedelta(days=200), case_number="L26-NOT-OURS")
    return engine, own, other


def test_the_week_is_compared_with_the_week_before_and_last_year(hartford) -> None:  # type: ignore[no-untyped-def]
    engine, own, _ = hartford
    briefing = weekly_briefing(engine, LAB, MONDAY + timedelta(days=3), own)
    figures = briefing.comparison.set_index("figure")
    assert figures.loc["Shootings"].tolist() == [2, 1, 3]
    assert figures.loc["Victims shot"].tolist() == [2, 1, 3]
    assert figures.loc["Guns recovered"].tolist() == [2, 0, 0]
    assert figures.loc["Guns recovered, traced"].tolist() == [1, 0, 0]
    assert briefing.week == "2026-W48" and briefing.agency_name == "Hartford PD"
    assert briefing.timeliness["entries"] == 2
    assert briefing.timeliness["within_goal_share"] == 0.5  # 20 h in, 70 h out of 48 h


def test_new_and_grown_leads_say_what_is_left_to_do(hartford) -> None:  # type: ignore[no-untyped-def]
    engine, own, _ = hartford
    briefing = weekly_briefing(engine, LAB, MONDAY, own)
    leads = briefing.leads.set_index("lead_number")
    assert list(leads.index) == ["LEAD-NEW", "LEAD-GROWN"]  # the excluded one is not worked
    assert leads.loc["LEAD-NEW", "change"] == "new"
    assert leads.loc["LEAD-NEW", "to_do"] == "follow-up in progress (Det. Rivera)"
    assert "NH-SHARED" in leads.loc["LEAD-NEW", "incidents"]  # the lead shares it
    assert leads.loc["LEAD-GROWN", "change"] == "grown"
    assert leads.loc["LEAD-GROWN", "to_do"] == "assign an investigator"
    assert leads.loc["LEAD-NEW", "label"] == UNCONFIRMED_LABEL
    requests = briefing.requests["lab_case_number"].tolist()
    assert requests == ["L26-OLDEST", "L26-NEWER"]  # the agency's own, oldest first


def test_the_pdf_carries_the_figures_marking_page_numbers_and_reader(hartford) -> None:  # type: ignore[no-untyped-def]
    engine, own, _ = hartford
    text = pdf_text(weekly_briefing(engine, LAB, MONDAY, own))
    for expected in [
        "LAWENFORCEMENTSENSITIVE",
        "Page1of",
        "Generated2026-12-0107:30forlab",
        "Shootings21+100%3",  # this week, previous week, change, last year
        "LEAD-NEW",
        squeezed(UNCONFIRMED_LABEL),
        "L26-OLDEST",
        "SeriesLEAD-NEW",
    ]:
        assert expected in text, expected
    assert "L26-NOT-OURS" not in text


def test_an_agency_user_gets_only_their_own_agencys_briefing(hartford) -> None:  # type: ignore[no-untyped-def]
    engine, own, other = hartford
    analyst = Viewer("hpd", s.Role.ANALYST, own)
    assert weekly_briefing(engine, analyst, MONDAY).agency_code == "CT0006400"
    with pytest.raises(PermissionError):
        weekly_briefing(engine, analyst, MONDAY, other)


@pytest.mark.parametrize("agency", "ABC")
def test_an_agencys_briefing_and_its_pdf_hold_nothing_its_commander_may_not_see(
    engine: Engine, agency: str
) -> None:
    world = build_world(engine)
    week = date(2025, 6, 16)  # holds BC-0001, CB-0001, CX-0001 and every lead's issue
    tokens, ids = world.hidden_from(agency)
    agency_id = world.agency_ids[agency]
    commander = Viewer("cmd", s.Role.COMMANDER, agency_id)
    as_lab = weekly_briefing(engine, LAB, week, agency_id)
    own = weekly_briefing(engine, commander, week)
    assert as_lab.leads.equals(own.leads) and as_lab.comparison.equals(own.comparison)
    assert not leaked(as_lab, tokens, ids)
    text = pdf_text(as_lab)
    assert not {token for token in tokens if token in text}
    visible_leads = {n for n, (_, status, seen) in LEADS.items() if agency in seen}
    worked = {n for n in visible_leads if LEADS[n][1] is not s.LeadStatus.EXCLUDED}
    assert set(as_lab.leads["lead_number"]) == worked
    assert all(number in text for number in worked)  # and the PDF names them


def test_the_lab_wide_briefing_has_every_agency(engine: Engine) -> None:
    build_world(engine)
    briefing = weekly_briefing(engine, LAB, date(2025, 6, 16))
    assert briefing.agency_code is None
    assert set(briefing.leads["lead_number"]) == {"LEAD-AB", "LEAD-BC", "LEAD-BB"}
    assert briefing.comparison.set_index("figure").loc["Shootings", "this_week"] == 3
