"""Spreadsheet-formula payloads and a small store that holds them (security review, issue 14).

Every text a feed can carry may come from an outside system, so each payload sits in a column
that some export writes: incident number and address, agency name, item, firearm, lead and trace
fields, case-event notes. ``assert_no_formula`` is the one check every export test makes.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from html.parser import HTMLParser

import openpyxl
from sqlalchemy import Engine, update

from cgic_data import schema as s
from tests.factory import Builder

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?([eE][+-]?\d+)?")
HYPERLINK = '=HYPERLINK("http://ev.il/x","click")'
DDE = "=cmd|' /C calc'!A0"
AT_SUM = "@SUM(1+1)*cmd|' /C calc'!A0"
PLUS = "+1+1"
MINUS = "-5"
QUOTED = "'=already quoted"  # a genuine leading quote must survive the round trip too
TWO_QUOTES = "''+two"


@dataclass
class HostileStore:
    agency: int
    incidents: list[int]
    lead_number: str


def hostile_store(engine: Engine) -> HostileStore:
    """Two incidents of one agency joined by a lead, every text field a payload.

    No value starts with whitespace: imports trim text, so such a value could not round-trip."""
    b = Builder(engine)
    town = b.town("Hartford")
    agency = b.agency("CTH", name=AT_SUM)
    first = b.incident(agency, datetime(2025, 6, 1, 22), number=HYPERLINK, town_id=town, injured=1)
    second = b.incident(
        agency, datetime(2025, 6, 5, 1), number=MINUS, town_id=town, lat=41.71, lon=-72.71
    )
    gun = b.firearm(second, recovered_at=datetime(2025, 6, 5, 3), caliber=PLUS)
    items = [
        b.item(first, number=PLUS, caliber=DDE),
        b.item(second, number=QUOTED),
        b.item(second, number=TWO_QUOTES, firearm_id=gun, kind=s.ItemKind.FIREARM),
    ]
    lead_number = "@L-1"
    lead = b.lead(items[:2], number=lead_number)
    b.trace(gun, purchase_date=date(2024, 1, 1), purchaser_ref=DDE, dealer_ffl=MINUS)
    b.result(items[0], subject_ref=HYPERLINK)
    b.case_event(s.CaseEventKind.FOLLOW_UP, datetime(2025, 6, 9), lead_id=lead, outcome=AT_SUM)
    with engine.begin() as conn:
        conn.execute(update(s.Incident).where(s.Incident.id == first).values(address=DDE))
        conn.execute(update(s.Incident).where(s.Incident.id == second).values(address=QUOTED))
        conn.execute(update(s.Firearm).values(make=HYPERLINK, serial_number=MINUS))
        conn.execute(update(s.Trace).values(dealer_name=PLUS))
        conn.execute(update(s.ForensicResult).values(summary=MINUS))
        conn.execute(update(s.CaseEvent).values(notes=HYPERLINK, recorded_by=PLUS))
    return HostileStore(agency, [first, second], lead_number)


def assert_no_formula(cells: Iterable[object], where: str) -> None:
    """No text cell may start with a character a spreadsheet reads as the start of a formula.

    In a CSV or HTML file every cell is text: one that is a plain number ("-72.7", a numeric
    column) is read as that number, never run, and stays as it is."""
    live = [
        c
        for c in cells
        if isinstance(c, str) and c.startswith(TRIGGERS) and not PLAIN_NUMBER.fullmatch(c)
    ]
    assert not live, f"{where}: cells a spreadsheet would run as formulas: {live[:5]}"


def csv_cells(data: bytes | str) -> list[str]:
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


def xlsx_cells(data: bytes) -> list[object]:
    """Every cell value of every sheet; fails on a cell openpyxl stored as a formula (type f)."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    formulas = [(c.coordinate, c.value) for c in cells if c.data_type == "f"]
    assert not formulas, f"formula cells in the workbook: {formulas[:5]}"
    return [c.value for c in cells]


class _CellText(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.cells: list[str] = []
        self._open: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in ("td", "th", "dt", "dd"):
            self._open = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th", "dt", "dd") and self._open is not None:
            self.cells.append("".join(self._open))
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open.append(data)


def html_cells(html: str) -> list[str]:
    """The text of every table cell and fact of an HTML document (what a spreadsheet imports)."""
    parser = _CellText()
    parser.feed(html)
    return parser.cells
