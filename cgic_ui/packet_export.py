"""The lead packet for the case file: an Excel workbook (a summary sheet, then one sheet per group)
and a printable, self-contained HTML document (inline CSS and SVG map, no external assets).

Both carry the lead's label ("investigative lead — not a forensic identification" until an examiner
confirms it) and, for trace data, ATF's use restriction. ``packet_sheets`` and ``packet_html`` are
pure, with every text cell neutralised against spreadsheet formulas (an HTML table opens in a
spreadsheet too); the files are built and audited on click by ``cgic_ui.exports``.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

import pandas as pd
import streamlit as st

from cgic_data.queries.packet import Packet
from cgic_data.safe_cells import neutralise
from cgic_data.svg_figures import map_svg
from cgic_ui.exports import EXCEL_MIME, HTML_MIME, audited_download, excel_bytes

TRACE_CAVEAT = (
    "Trace data may be used only by law enforcement or prosecutors for a criminal investigation."
)
DEMO_NOTE = "Synthetic demo data — every incident, lead, person and case here is invented."
ACRONYMS = {"ori": "ORI", "nibin": "NIBIN", "ffl": "FFL", "id": "id"}


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with column names a reader expects ("incident_number" -> "Incident number")."""

    def name(column: str) -> str:
        words = [ACRONYMS.get(w, w) for w in column.split("_")]
        first = words[0] if words[0].isupper() else words[0].capitalize()
        return " ".join([first, *words[1:]])

    return frame.rename(columns={c: name(c) for c in frame.columns})


def file_stem(packet: Packet) -> str:
    key = (
        packet.selection.series_id
        if packet.selection.kind == "series"
        else packet.selection.asked_for
    )
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in str(key))
    return f"{packet.selection.kind}-packet-{safe}"


def packet_sheets(packet: Packet) -> dict[str, pd.DataFrame]:
    """Sheet name -> rows: "Summary" (the header facts), then every group, empty ones included."""
    summary = pd.DataFrame(list(packet.header.items()), columns=["Fact", "Value"])
    return {"Summary": summary} | {title: readable(f) for title, f in packet.groups.items()}


def packet_workbook(packet: Packet) -> bytes:
    return excel_bytes(packet_sheets(packet))


def _cell(value: object) -> str:
    if value is None or (not isinstance(value, str | bool) and pd.isna(value)):  # type: ignore[call-overload]
        return ""
    if isinstance(value, pd.Timestamp | datetime):
        text = f"{value:%Y-%m-%d %H:%M}"
        return text.removesuffix(" 00:00")
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return neutralise(value) if isinstance(value, str) else str(value)


def _table(frame: pd.DataFrame) -> str:
    if frame.empty:
        return '<p class="none">None recorded.</p>'
    frame = readable(frame)
    head = "".join(f"<th>{escape(str(c))}</th>" for c in frame.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{escape(_cell(v))}</td>" for v in row) + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


CSS = """
body { font: 10.5pt/1.35 "DejaVu Sans", Arial, sans-serif; color: #1f2933; margin: 18px; }
h1 { font-size: 17pt; margin: 0 0 4px; } h2 { font-size: 12.5pt; margin: 18px 0 6px;
  border-bottom: 1px solid #9aa5b1; padding-bottom: 2px; }
.label { border: 2px solid #b7791f; background: #fffbea; padding: 6px 10px; font-weight: bold; }
.label.confirmed { border-color: #2f855a; background: #f0fff4; }
.demo { border: 2px dashed #805ad5; padding: 4px 10px; margin: 6px 0; color: #553c9a; }
.meta, .none, .caveat { color: #616e7c; font-size: 9pt; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 10px 0; }
dl.facts dt { font-weight: bold; } dl.facts dd { margin: 0; }
table { border-collapse: collapse; width: 100%; font-size: 8.5pt; }
th, td { border: 1px solid #cbd2d9; padding: 2px 4px; text-align: left; vertical-align: top; }
th { background: #f0f4f8; }
thead { display: table-header-group; } tr { page-break-inside: avoid; }
svg { max-width: 100%; height: auto; }
@page { size: letter landscape; margin: 12mm; }
@media print { body { margin: 0; } h2 { page-break-after: avoid; } }
"""


def packet_html(
    packet: Packet, *, generated_by: str, generated_at: datetime, demo: bool = False
) -> str:
    """The printable case-file document: header facts, map, then every group as a table."""
    confirmed = "confirmed" if packet.label.startswith("confirmed") else ""
    facts = "".join(
        f"<dt>{escape(k)}</dt><dd>{escape(neutralise(v))}</dd>" for k, v in packet.header.items()
    )
    sections = []
    for title, frame in packet.groups.items():
        caveat = f'<p class="caveat">{escape(TRACE_CAVEAT)}</p>' if title == "Traces" else ""
        count = f" ({len(frame)})" if len(frame) else ""
        sections.append(f"<h2>{escape(title)}{count}</h2>{caveat}{_table(frame)}")
    svg = map_svg(packet.incidents, 640, 360)
    map_section = (
        f"<h2>Map</h2>{svg}<p class='meta'>Dots are numbered as the incidents table.</p>"
        if svg
        else ""
    )
    demo_note = f'<p class="demo">{escape(DEMO_NOTE)}</p>' if demo else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{escape(packet.title)} — case file</title><style>{CSS}</style></head>
<body>
<h1>{escape(packet.title)} — case file</h1>
<p class="meta">Generated {generated_at:%Y-%m-%d %H:%M} for {escape(generated_by)} from the CGIC
dashboard. Law enforcement sensitive.</p>
{demo_note}
<p class="label {confirmed}">{escape(packet.label)}</p>
<dl class="facts">{facts}</dl>
{map_section}
{"".join(sections)}
</body></html>
"""


def packet_downloads(packet: Packet, *, generated_by: str, demo: bool) -> None:
    """Excel and printable-HTML download buttons for the packet, built and audited when clicked
    (a series packet runs to thousands of rows: not built on every run of the page)."""
    stem = file_stem(packet)
    rows = sum(len(frame) for frame in packet.groups.values())

    def case_file() -> tuple[bytes, int]:
        html = packet_html(
            packet, generated_by=generated_by, generated_at=datetime.now(), demo=demo
        )
        return html.encode("utf-8"), rows

    row = st.container(horizontal=True)  # side by side, each as wide as its label
    with row:
        audited_download(
            "Excel workbook",
            f"{stem}.xlsx",
            f"{packet.title} packet",
            lambda: (packet_workbook(packet), rows),
            mime=EXCEL_MIME,
        )
        audited_download(
            "Printable case file (HTML)",
            f"{stem}.html",
            f"{packet.title} case file",
            case_file,
            mime=HTML_MIME,
            icon=":material/print:",
        )
