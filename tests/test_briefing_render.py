"""The briefing document: every text escaped, nothing fetched from anywhere, the static figures
drawn from the data, and the command line that writes and audits the files."""

from __future__ import annotations

import io
import json
import re
from datetime import date, datetime

import pandas as pd
import pytest
from pypdf import PdfReader
from sqlalchemy import Engine, select

from cgic_data.briefing_render import _css_string, briefing_html, html_to_pdf, preview_html
from cgic_data.cli import main
from cgic_data.queries.briefing import Briefing, SeriesBrief
from cgic_data.schema import AuditEntry
from cgic_data.svg_figures import map_svg, timeline_svg
from tests.scope_world import build_world

HOSTILE = '<script>alert("x")</script>'


def hostile_briefing() -> Briefing:
    incidents = pd.DataFrame(
        {
            "incident_number": [HOSTILE, "=HYPERLINK(1)"],
            "agency": ["A & B <PD>", "C"],
            "occurred_at": [datetime(2026, 11, 24, 22), datetime(2026, 11, 26)],
            "time_known": [True, False],
            "kind": ["shooting", "shots fired"],
            "town": ["Hartford", None],
            "lat": [41.76, 41.77],
            "lon": [-72.68, -72.69],
        }
    )
    leads = pd.DataFrame(
        [
            {"lead_number": HOSTILE, "change": "new", "status": "open", "label": "x",
             "issued_at": datetime(2026, 11, 25), "incidents": HOSTILE, "dates": "2026-11-24",
             "towns": "Hartford", "assigned_to": "<b>Det.</b>", "follow_up_status": "",
             "to_do": "assign an investigator"}
        ]
    )  # fmt: skip
    comparison = pd.DataFrame(
        [{"figure": "Shootings", "this_week": 2, "previous_week": 0, "last_year": 3}]
    )
    return Briefing(
        agency_code='CT"1',
        agency_name=f"Agency {HOSTILE}",
        week_start=date(2026, 11, 23),
        prepared_for=f"user {HOSTILE}",
        comparison=comparison,
        leads=leads,
        leads_left_out=0,
        series=(SeriesBrief(HOSTILE, 2, incidents, (HOSTILE,), True),),
        timeliness={
            "goal_hours": 48,
            "entries": 0,
            "median_hours": None,
            "within_goal_share": None,
        },
        requests=pd.DataFrame(columns=["lab_case_number", "age_days"]),
    )


def test_every_text_is_escaped_and_nothing_is_fetched() -> None:
    html = briefing_html(hostile_briefing(), generated_at=datetime(2026, 12, 1), demo=True)
    assert "<script" not in html and "<b>Det." not in html
    assert "&lt;script&gt;" in html
    assert not re.search(r"(src|href)\s*=|url\(|@import|https?://(?!www\.w3\.org/2000/svg)", html)
    assert "Synthetic demo data" in html
    pdf = html_to_pdf(html)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert HOSTILE in text.replace("\n", "")  # shown as text, never run
    assert "Page 1 of" in text


def test_an_incident_without_a_time_of_day_shows_its_date_alone() -> None:
    html = briefing_html(hostile_briefing(), generated_at=datetime(2026, 12, 1), demo=True)
    assert "2026-11-24 22:00" in html
    assert "2026-11-26" in html and "2026-11-26 00:00" not in html


def test_a_css_string_cannot_close_the_style() -> None:
    quoted = _css_string('a"b\\</style><script>')
    assert quoted.startswith('"') and quoted.endswith('"')
    assert not re.search(r'[<>]|(?<!\\)"', quoted[1:-1])


def test_the_static_map_and_timeline_draw_each_incident() -> None:
    incidents = hostile_briefing().series[0].incidents
    svg = map_svg(incidents)
    assert svg.count("<circle") == 2 and "Hartford" in svg  # the bundled town outlines
    assert map_svg(incidents.assign(lat=None)) == ""
    line = timeline_svg(incidents["occurred_at"].tolist())
    assert line.count("<circle") == 2 and "2026-11-24" in line and "2026-11-26" in line


def test_the_command_line_writes_audited_briefings(engine: Engine, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    build_world(engine)
    url = engine.url.render_as_string(hide_password=False)
    code = main(
        ["briefing", "--agency", "CTB0000", "--agency", "lab", "--week", "2025-W25",
         "--out", str(tmp_path), "--database-url", url]
    )  # fmt: skip
    assert code == 0
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == [
        "briefing-CTB0000-2025-W25.html",
        "briefing-CTB0000-2025-W25.pdf",
        "briefing-lab-wide-2025-W25.html",
        "briefing-lab-wide-2025-W25.pdf",
    ]
    pdf = PdfReader(tmp_path / "briefing-CTB0000-2025-W25.pdf")
    text = "".join(page.extract_text() for page in pdf.pages)
    assert "New Haven Police Department" in text and "2025-W25" in text
    assert "AX-0001" not in text.replace("\n", "")  # A's own incident, shared with nobody
    with engine.connect() as conn:
        rows = conn.execute(
            select(AuditEntry.username, AuditEntry.target, AuditEntry.detail).where(
                AuditEntry.action == "export"
            )
        ).all()
    assert sorted(target for _, target, _ in rows) == written
    assert all(who.startswith("cli:") for who, _, _ in rows)
    assert {json.loads(detail)["agency"] for _, _, detail in rows} == {"CTB0000", "lab"}


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--agency", "nowhere"], "no single agency"), (["--week", "2025-W77"], "ISO week")],
)
def test_the_command_line_refuses_with_a_reason(
    engine: Engine, tmp_path, capsys, args: list[str], message: str
) -> None:  # type: ignore[no-untyped-def]
    url = engine.url.render_as_string(hide_password=False)
    base = ["briefing", "--out", str(tmp_path), "--database-url", url]
    if "--agency" not in args:
        base += ["--agency", "lab"]
    assert main([*base, *args]) == 2
    assert message in capsys.readouterr().err


def test_the_page_preview_shows_the_maps_as_images() -> None:
    """The page's HTML sanitiser drops inline SVG: the preview carries each map as an image."""
    fragment = preview_html(hostile_briefing(), generated_at=datetime(2026, 12, 1))
    assert "<svg" not in fragment and fragment.count('src="data:image/svg+xml;base64,') == 2
    assert "<script" not in fragment and 'class="cgic-briefing"' in fragment


def test_without_pango_the_command_line_says_what_is_missing(
    engine: Engine, tmp_path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """A server without WeasyPrint's libraries gets a reason (and the HTML), not a traceback."""
    import cgic_data.briefing_render as render

    monkeypatch.setattr(render, "pdf_available", lambda: "PDF needs libpango")
    with pytest.raises(render.PdfUnavailable):
        render.html_to_pdf("<p>x</p>")
    url = engine.url.render_as_string(hide_password=False)
    args = ["briefing", "--agency", "lab", "--out", str(tmp_path), "--database-url", url]
    assert main([*args, "--format", "pdf"]) == 2
    assert "PDF needs libpango" in capsys.readouterr().err
    assert main([*args, "--format", "html"]) == 0
