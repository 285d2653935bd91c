"""The weekly briefing as a printable, self-contained HTML document and as a PDF.

The HTML has inline CSS and SVG only (no web font, no script, no external asset) so it prints and
opens the same on a closed network; the PDF is that HTML laid out by WeasyPrint with the system's
DejaVu fonts and a URL fetcher that refuses every fetch. Each page carries the law-enforcement-
sensitive marking, the generation time, the reader and "page n of m"; unconfirmed leads carry
"investigative lead — not a forensic identification". Every text is HTML-escaped here (PDF and
HTML prose need no spreadsheet quoting: that is for CSV and Excel only).
"""

from __future__ import annotations

import base64
import re
from datetime import datetime
from html import escape

import pandas as pd

from cgic_data.incident_time import occurred_text
from cgic_data.lead_labels import UNCONFIRMED_LABEL
from cgic_data.queries.briefing import Briefing, SeriesBrief
from cgic_data.svg_figures import map_svg, timeline_svg

MARKING = "LAW ENFORCEMENT SENSITIVE"
DEMO_NOTE = "Synthetic demo data — every incident, lead, person and case here is invented."
PDF_MIME = "application/pdf"

BASE_CSS = """
@page { size: letter; margin: 16mm 13mm 16mm 13mm;
  @top-center { content: "LAW ENFORCEMENT SENSITIVE"; font: bold 8pt "DejaVu Sans"; color: #9b2c2c; }
  @bottom-left { content: var-footer; font: 7.5pt "DejaVu Sans"; color: #52606d; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages);
    font: 7.5pt "DejaVu Sans"; color: #52606d; } }
body { font: 9.5pt/1.35 "DejaVu Sans", sans-serif; color: #1f2933; margin: 0; }
.marking { border: 2px solid #9b2c2c; color: #9b2c2c; font-weight: bold; text-align: center;
  padding: 3px; letter-spacing: 0.08em; margin-bottom: 6px; }
h1 { font-size: 15pt; margin: 4px 0 2px; } h2 { font-size: 11.5pt; margin: 14px 0 5px;
  border-bottom: 1px solid #9aa5b1; padding-bottom: 2px; page-break-after: avoid; }
h3 { font-size: 10pt; margin: 10px 0 4px; page-break-after: avoid; }
.meta, .none, .note { color: #52606d; font-size: 8pt; }
.label { border: 1.5px solid #b7791f; background: #fffbea; padding: 3px 8px; font-weight: bold;
  font-size: 8.5pt; display: inline-block; margin: 2px 0 6px; }
.demo { border: 2px dashed #805ad5; padding: 3px 8px; color: #553c9a; margin: 4px 0; }
table { border-collapse: collapse; width: 100%; font-size: 8pt; margin: 2px 0 6px; }
th, td { border: 1px solid #cbd2d9; padding: 2px 4px; text-align: left; vertical-align: top; }
th { background: #f0f4f8; } td.num, th.num { text-align: right; }
thead { display: table-header-group; } tr { page-break-inside: avoid; }
.series { page-break-inside: avoid; } .figures { display: flex; gap: 8px; flex-wrap: wrap; }
svg { max-width: 100%; height: auto; }
@media screen { body { margin: 18px auto; max-width: 900px; } }
"""


def text(value: object) -> str:
    """A cell as escaped text: blank for missing, dates without a midnight time, whole floats."""
    if value is None or (not isinstance(value, str | bool) and pd.isna(value)):  # type: ignore[call-overload]
        return ""
    if isinstance(value, pd.Timestamp | datetime):
        return escape(f"{value:%Y-%m-%d %H:%M}".removesuffix(" 00:00"))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return escape(str(value))


def table(frame: pd.DataFrame, headings: dict[str, str], numeric: tuple[str, ...] = ()) -> str:
    """``frame``'s ``headings`` columns as an HTML table (escaped); a note when it is empty."""
    if frame.empty:
        return '<p class="none">None.</p>'
    head = "".join(
        f'<th class="{"num" if c in numeric else ""}">{escape(h)}</th>' for c, h in headings.items()
    )
    rows = "".join(
        "<tr>"
        + "".join(
            f'<td class="{"num" if c in numeric else ""}">{text(row[c])}</td>' for c in headings
        )
        + "</tr>"
        for _, row in frame.iterrows()
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def document(title: str, footer: str, body: str) -> str:
    """A whole HTML document with the shared print CSS, the marking and the running footer."""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>
<style>{BASE_CSS.replace("var-footer", _css_string(footer))}</style></head>
<body>
<div class="marking">{MARKING}</div>
{body}
</body></html>
"""


def _css_string(value: str) -> str:
    """``value`` as a quoted CSS string (inside a <style>, so no "<" either)."""
    escaped = "".join(f"\\{ord(c):x} " if c in '"\\<>&' or ord(c) < 32 else c for c in value)
    return f'"{escaped}"'


def _change(now: int, before: int) -> str:
    if before == 0:
        return "—" if now == 0 else "new"
    return f"{(now - before) / before:+.0%}"


def _comparison(frame: pd.DataFrame) -> str:
    shown = frame.copy()
    shown["change"] = [
        _change(int(r.this_week), int(r.previous_week)) for r in shown.itertuples(index=False)
    ]
    headings = {
        "figure": "Figure",
        "this_week": "This week",
        "previous_week": "Previous week",
        "change": "Change",
        "last_year": "Same week last year",
    }
    return table(shown, headings, numeric=("this_week", "previous_week", "change", "last_year"))


def _series(brief: SeriesBrief) -> str:
    incidents = brief.incidents.copy()
    incidents.insert(0, "n", range(1, len(incidents) + 1))
    incidents["when"] = [  # a date alone when the source gave no time (never a false 00:00)
        occurred_text(at, known)
        for at, known in zip(incidents["occurred_at"], incidents["time_known"], strict=True)
    ]
    label = f'<p class="label">{escape(UNCONFIRMED_LABEL)}</p>' if brief.unconfirmed else ""
    headings = {
        "n": "#",
        "incident_number": "Incident",
        "agency": "Agency",
        "when": "Date and time",
        "kind": "Kind",
        "town": "Town",
    }
    leads = ", ".join(brief.leads[:8]) + (" …" if len(brief.leads) > 8 else "")
    return (
        f'<div class="series"><h3>Series {escape(brief.series_id)} — '
        f"{brief.incidents_in_week} incident(s) this week, {len(incidents)} in all</h3>"
        f'<p class="meta">Leads: {escape(leads)}</p>{label}'
        f'<div class="figures">{map_svg(incidents, 360, 230)}'
        f"{timeline_svg(incidents['occurred_at'].tolist(), 360)}</div>"
        f"{table(incidents, headings, numeric=('n',))}</div>"
    )


def _timeliness(facts: dict[str, float | int | None]) -> str:
    goal, entries = facts["goal_hours"], facts["entries"]
    if not entries:
        return f'<p class="none">No NIBIN entries this week (goal: {goal} hours).</p>'
    median, share = facts["median_hours"], facts["within_goal_share"]
    median_text = f"{median:.0f} hours" if median is not None else "unknown"
    share_text = f"{share:.0%}" if share is not None else "unknown"
    return (
        f"<p>{entries} cartridge cases and test fires entered into NIBIN this week: median "
        f"{median_text} from recovery to entry; {share_text} within the goal of {goal} hours.</p>"
    )


def briefing_html(briefing: Briefing, *, generated_at: datetime, demo: bool = False) -> str:
    """The briefing document (HTML), every section in reading order."""
    return document(*_briefing_parts(briefing, generated_at, demo))


def preview_html(briefing: Briefing, *, generated_at: datetime, demo: bool = False) -> str:
    """The briefing's body for a page (``st.html``): its styles scoped to one wrapper, so they
    restyle nothing else of the page, and no print rules."""
    _, _, body = _briefing_parts(briefing, generated_at, demo)
    return preview_fragment(body)


def preview_fragment(body: str) -> str:
    """``body`` for ``st.html``: styles scoped to a wrapper, and each inline SVG turned into an
    image (a data: URL), since the page's HTML sanitiser drops inline SVG."""

    def as_image(match: re.Match[str]) -> str:
        data = base64.b64encode(match.group(0).encode("utf-8")).decode("ascii")
        return f'<img alt="map" src="data:image/svg+xml;base64,{data}">'

    images = re.sub(r"<svg\b.*?</svg>", as_image, body, flags=re.S)
    return f'<style>{PREVIEW_CSS}</style><div class="cgic-briefing">{images}</div>'


PREVIEW_CSS = """
.cgic-briefing { font-size: 0.85rem; }
.cgic-briefing .meta, .cgic-briefing .none, .cgic-briefing .note { color: #52606d; font-size: 0.8rem; }
.cgic-briefing .label { border: 1.5px solid #b7791f; background: #fffbea; color: #1f2933;
  padding: 3px 8px; font-weight: bold; display: inline-block; }
.cgic-briefing .demo { border: 2px dashed #805ad5; padding: 3px 8px; color: #553c9a; }
.cgic-briefing table { border-collapse: collapse; width: 100%; font-size: 0.8rem; }
.cgic-briefing th, .cgic-briefing td { border: 1px solid #cbd2d9; padding: 2px 4px;
  text-align: left; vertical-align: top; }
.cgic-briefing td.num, .cgic-briefing th.num { text-align: right; }
.cgic-briefing .figures { display: flex; gap: 8px; flex-wrap: wrap; }
"""


def _briefing_parts(briefing: Briefing, generated_at: datetime, demo: bool) -> tuple[str, str, str]:
    """(title, running footer, body) of the briefing document."""
    b = briefing
    title = f"Weekly CGIC briefing — {b.agency_name} — {b.week}"
    generated = f"Generated {generated_at:%Y-%m-%d %H:%M} for {b.prepared_for}"
    footer = f"{MARKING} · {b.agency_name} · {b.week} · {generated}"
    lead_headings = {
        "lead_number": "Lead",
        "change": "New / grown",
        "label": "What it is",
        "issued_at": "Issued",
        "incidents": "Incidents",
        "dates": "Dates",
        "towns": "Towns",
        "assigned_to": "Follow-up owner",
        "follow_up_status": "Status",
        "to_do": "Still to do",
    }
    more = (
        f'<p class="note">{b.leads_left_out} more lead(s) left out; the Leads page lists them.</p>'
        if b.leads_left_out
        else ""
    )
    label_note = (
        f'<p class="label">Unconfirmed NIBIN leads are an {escape(UNCONFIRMED_LABEL)}.</p>'
        if b.has_unconfirmed_leads
        else ""
    )
    request_headings = {
        "lab_case_number": "Lab case",
        "discipline": "Discipline",
        "priority": "Priority",
        "agency": "Agency",
        "received_at": "Received",
        "age_days": "Days waiting",
    }
    series = "".join(_series(s) for s in b.series) or '<p class="none">No series this week.</p>'
    demo_note = f'<p class="demo">{escape(DEMO_NOTE)}</p>' if demo else ""
    body = f"""
<h1>{escape(title)}</h1>
<p class="meta">Week {escape(b.week)}: {b.week_start:%A %d %B %Y} to {b.week_end:%A %d %B %Y}.
{escape(generated)} from the CGIC dashboard.</p>
{demo_note}{label_note}
<h2>The week in figures</h2>
<p class="note">The Command overview's figures (names as on the Definitions page) over
{escape("every agency's" if b.agency_code is None else "the agency's own")} incidents;
the same week last year is the same ISO week number.</p>
{_comparison(b.comparison)}
<h2>New and grown NIBIN leads ({len(b.leads) + b.leads_left_out})</h2>
{table(b.leads, lead_headings)}{more}
<h2>Most active series</h2>
{series}
<h2>NIBIN timeliness</h2>
{_timeliness(b.timeliness)}
<h2>Lab requests waiting longest</h2>
<p class="note">Open at the end of the week, oldest first.</p>
{table(b.requests, request_headings, numeric=("age_days",))}
"""
    return title, footer, body


def _no_fetching(url: str, *args: object, **kwargs: object) -> dict[str, object]:
    raise ValueError(f"a printed document fetches nothing ({url[:60]})")


class PdfUnavailable(ValueError):
    """WeasyPrint or the system libraries it loads (Pango) are missing on this server."""


def pdf_available() -> str | None:
    """None when PDFs can be made here, else why not (for a page to say instead of failing)."""
    try:
        import weasyprint  # noqa: F401  (loads Pango: fails without Debian's libpango)
    except (ImportError, OSError) as exc:
        return (
            "PDF needs WeasyPrint and Debian's libpango-1.0-0 and libpangoft2-1.0-0 on the "
            f"server ({type(exc).__name__}); the printable HTML works without them."
        )
    return None


def html_to_pdf(html: str) -> bytes:
    """Lay ``html`` out as a PDF with WeasyPrint; nothing is fetched (fonts are the system's)."""
    if (missing := pdf_available()) is not None:
        raise PdfUnavailable(missing)
    import weasyprint  # imported here: it loads Pango, which only PDF builds need

    return weasyprint.HTML(string=html, url_fetcher=_no_fetching).write_pdf()


def briefing_file_stem(briefing: Briefing) -> str:
    who = briefing.agency_code or "lab-wide"
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in who)
    return f"briefing-{safe}-{briefing.week}"
