"""Packet exports: the workbook opens and holds the same rows; the case file is self-contained."""

import io
import re
from datetime import datetime

import openpyxl
from sqlalchemy import Engine

from cgic_data.lead_labels import UNCONFIRMED_LABEL
from cgic_data.queries.packet import GROUP_TITLES, Packet, load_packet
from cgic_data.scope import Viewer
from cgic_ui.packet_export import file_stem, packet_html, packet_workbook, readable
from tests.hostile import (
    AT_SUM,
    DDE,
    HYPERLINK,
    assert_no_formula,
    hostile_store,
    html_cells,
    xlsx_cells,
)
from tests.queries.test_packet import World


def series_packet(engine: Engine) -> Packet:
    World(engine)
    packet = load_packet(engine, Viewer.system(), "series", "L-1")
    assert packet is not None
    return packet


def test_workbook_has_a_sheet_per_group_with_the_same_rows(engine: Engine) -> None:
    packet = series_packet(engine)
    book = openpyxl.load_workbook(io.BytesIO(packet_workbook(packet)))
    assert book.sheetnames == ["Summary", *GROUP_TITLES]
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["Label"] == f"{UNCONFIRMED_LABEL} (unconfirmed: L-1)"
    assert summary["Incidents"] == "3"
    for title, frame in packet.groups.items():
        sheet = book[title]
        rows = list(sheet.iter_rows(values_only=True))
        assert list(rows[0]) == list(readable(frame).columns), title
        assert len(rows) - 1 == len(frame), title
    items = [row[0] for row in book["Evidence items"].iter_rows(min_row=2, values_only=True)]
    assert items == packet.groups["Evidence items"]["item_number"].tolist()
    assert len(items) == 3 * 4 + 1 + 2  # four items per incident, L-3's casing, firearm, test fire


def test_case_file_is_self_contained_and_complete(engine: Engine) -> None:
    packet = series_packet(engine)
    html = packet_html(
        packet, generated_by="ann", generated_at=datetime(2025, 7, 2, 9, 30), demo=True
    )
    assert html.startswith("<!DOCTYPE html>")
    assert not re.search(r"""(src|href)\s*=|@import|url\(""", html)  # nothing to fetch
    assert "<svg" in html and html.count("<circle") == 3
    assert UNCONFIRMED_LABEL in html and "Synthetic demo data" in html
    for item in packet.groups["Evidence items"]["item_number"]:
        assert f"<td>{item}</td>" in html
    assert "<h2>Digital evidence</h2>" in html and "None recorded." in html
    assert "Generated 2025-07-02 09:30 for ann" in html
    assert file_stem(packet) == "series-packet-L-1"


def test_packet_files_hold_no_live_formula(engine: Engine) -> None:
    """Imported text such as an incident number ``=HYPERLINK(...)`` reaches the case file as
    inert text: prefixed with ``'`` in the workbook (a string cell) and in the printable HTML."""
    store = hostile_store(engine)
    packet = load_packet(engine, Viewer.system(), "lead", store.lead_number)
    assert packet is not None
    values = xlsx_cells(packet_workbook(packet))
    assert_no_formula(values, "packet workbook")
    assert f"'{HYPERLINK}" in values and f"'{DDE}" in values
    html = packet_html(packet, generated_by="ann", generated_at=datetime(2025, 7, 2), demo=False)
    cells = html_cells(html)
    assert_no_formula(cells, "printable case file")
    assert f"'{HYPERLINK}" in cells and f"'{AT_SUM}" in cells
