"""Officer-safety bulletins: issued (numbered, recorded, audited) and drawn on one printable page.

A bulletin is issued when its file is made, not when it is previewed: ``issue`` takes the next
number of the year (``OSB-2026-0001``), records it in ``bulletins`` (number, lead or series, who,
their agency, when, how many incidents) and writes a ``bulletin-issue`` audit row; the overview
counts them (``queries.bulletin.bulletins_issued``). The page shows the series' incidents on a small
offline map (``svg_figures``), dates, times of day, calibers, the firearm if recovered, a DNA or
fingerprint association only as "on file — contact the CGIC", the CGIC's contact details
(``CGIC_CONTACT``) and the dissemination line (``CGIC_BULLETIN_DISSEMINATION``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.exc import IntegrityError

from cgic_data import audit, settings
from cgic_data.briefing_render import document, preview_fragment, table
from cgic_data.incident_time import occurred_text
from cgic_data.lead_labels import CONFIRMED_LABEL
from cgic_data.queries.bulletin import ASSOCIATION_NOTE, NOT_RECOVERED, BulletinContent
from cgic_data.schema import Bulletin
from cgic_data.scope import Viewer
from cgic_data.svg_figures import map_svg

ATTEMPTS = 5  # two issuers racing for one number: the loser takes the next


@dataclass(frozen=True)
class IssuedBulletin:
    number: str
    issued_by: str
    issued_at: datetime


def _next_number(engine: Engine, year: int) -> str:
    prefix = f"OSB-{year}-"
    with engine.connect() as conn:
        taken = conn.execute(
            select(func.count()).select_from(Bulletin).where(Bulletin.number.like(f"{prefix}%"))
        ).scalar_one()
    return f"{prefix}{taken + 1:04d}"


def issue(
    engine: Engine, viewer: Viewer, content: BulletinContent, at: datetime | None = None
) -> IssuedBulletin:
    """Number, record and audit one bulletin of ``content`` issued by ``viewer``."""
    issued_at = (at or datetime.now()).replace(microsecond=0)
    for _ in range(ATTEMPTS):
        number = _next_number(engine, issued_at.year)
        try:
            with engine.begin() as conn:
                conn.execute(
                    insert(Bulletin).values(
                        number=number,
                        kind=content.kind,
                        subject=content.subject[:60],
                        issued_by=viewer.username,
                        agency_id=viewer.agency_id,
                        issued_at=issued_at,
                        incidents=len(content.incidents),
                    )
                )
        except IntegrityError:
            continue
        detail = {
            "kind": content.kind,
            "subject": content.subject,
            "incidents": len(content.incidents),
        }
        audit.record(engine, viewer, "bulletin-issue", target=number, detail=detail)
        return IssuedBulletin(number, viewer.username, issued_at)
    raise RuntimeError("could not take a bulletin number; try again")


BULLETIN_CSS_PAGE = "<style>@page { size: letter; margin: 12mm; }</style>"


def bulletin_html(content: BulletinContent, issued: IssuedBulletin, *, demo: bool = False) -> str:
    """The one-page bulletin (HTML); a PDF is ``briefing_render.html_to_pdf`` of it."""
    title, footer, body = _parts(content, issued, demo)
    return document(title, footer, BULLETIN_CSS_PAGE + body)


def preview_html(content: BulletinContent, issued: IssuedBulletin) -> str:
    """The bulletin's body for a page (``st.html``), its styles scoped to one wrapper."""
    _, _, body = _parts(content, issued, False)
    return preview_fragment(body)


def _parts(content: BulletinContent, issued: IssuedBulletin, demo: bool) -> tuple[str, str, str]:
    incidents = content.incidents.copy()
    incidents.insert(0, "n", range(1, len(incidents) + 1))
    incidents["occurred_at"] = [  # a date alone when the time is unknown, never 00:00
        occurred_text(at, bool(known))
        for at, known in zip(incidents["occurred_at"], incidents["time_known"], strict=True)
    ]
    headings = {
        "n": "#",
        "occurred_at": "Date and time",
        "time_of_day": "Time of day",
        "town": "Town",
        "kind": "Kind",
        "calibers": "Calibers",
        "agency": "Agency",
        "incident_number": "Incident",
    }
    firearm = (
        "<ul>" + "".join(f"<li>{escape(gun)}</li>" for gun in content.firearms) + "</ul>"
        if content.firearms
        else f"<p><b>{escape(NOT_RECOVERED.capitalize())}.</b></p>"
    )
    association = (
        f'<p class="label">{escape(ASSOCIATION_NOTE)}.</p>' if content.association_on_file else ""
    )
    label_class = "label" if content.label != CONFIRMED_LABEL else "meta"
    title = f"Officer-safety bulletin {issued.number}"
    issued_text = f"Issued {issued.issued_at:%Y-%m-%d %H:%M} by {issued.issued_by}"
    calibers = sorted({c for cs in content.incidents["calibers"] for c in cs.split(", ") if c})
    demo_note = '<p class="demo">Synthetic demo data — invented.</p>' if demo else ""
    body = f"""
<h1>{escape(title)}</h1>
<p class="meta">{escape(content.title)} · {len(incidents)} incident(s) ·
{escape(issued_text)}</p>{demo_note}
<p class="{label_class}">{escape(content.label)}</p>
<h2>Where and when</h2>
<div class="figures">{map_svg(incidents, 460, 250)}</div>
{table(incidents, headings, numeric=("n",))}
<p><b>Calibers:</b> {escape(", ".join(calibers) or "unknown")}</p>
<h2>Firearm</h2>{firearm}{association}
<h2>Contact</h2><p>{escape(settings.CONTACT.value())}</p>
<p class="meta"><b>Dissemination:</b> {escape(settings.BULLETIN_DISSEMINATION.value())}</p>
"""
    return title, f"{title} · {issued_text}", body


def file_stem(issued: IssuedBulletin) -> str:
    return f"bulletin-{issued.number}"
