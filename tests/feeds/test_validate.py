"""Every kind of bad row is reported with its line, column, value and what was expected."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, select

from cgic_data import schema as s
from cgic_data.feeds.load import PARTIAL, import_bytes, import_file
from tests.factory import Builder
from tests.feeds.helpers import INCIDENT_HEADER, write_csv


def reject_rows(engine: Engine) -> list[tuple]:
    stmt = select(
        s.ImportReject.line,
        s.ImportReject.column,
        s.ImportReject.value,
        s.ImportReject.kind,
        s.ImportReject.message,
    ).order_by(s.ImportReject.line, s.ImportReject.id)
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(stmt)]


def test_every_value_error_kind_in_an_incidents_file(engine: Engine, tmp_path: Path) -> None:
    b = Builder(engine)
    b.agency("CT1")
    b.town("Hartford")
    good = ["CT1", "INC-1", "2024-05-01T22:00:00-04:00", "shooting", "1", "0", "41.7", "-72.6"]

    def row(**changes: str) -> list[str]:
        values = dict(zip([*INCIDENT_HEADER, "town"], [*good, "hartford"], strict=True))
        values.update(changes)
        return list(values.values())

    rows = [
        row(),  # line 2: loads (town names match case-insensitively)
        row(incident_number="INC-3", occurred_at="2024-13-01T00:00"),  # bad date
        row(incident_number="INC-4", kind="drive-by"),  # bad code
        row(incident_number="INC-5", victims_injured="two"),  # bad number
        row(incident_number="INC-6", lat="91.5"),  # number out of range
        row(incident_number=""),  # missing required value
        row(incident_number="X" * 41),  # too long
        row(),  # line 9: the same key as line 2
        row(incident_number="INC-10", agency_code="CT9"),  # unknown agency
        row(incident_number="INC-11", town="Atlantis"),  # unknown town
        row(incident_number="INC-12", occurred_at="1714600000"),  # epoch seconds: not a date
    ]
    path = write_csv(tmp_path / "incidents.csv", [*INCIDENT_HEADER, "town"], rows)
    result = import_file(engine, "incidents", path)
    assert (result.status, result.rows_in, result.inserted, result.rejected) == (PARTIAL, 11, 1, 10)
    date = "an ISO 8601 date-time, e.g. 2025-06-01T22:15:00-04:00 (no offset: local time)"
    assert reject_rows(engine) == [
        (3, "occurred_at", "2024-13-01T00:00", "value", date),
        (4, "kind", "drive-by", "value", "one of: shooting, shots fired, gun recovery"),
        (5, "victims_injured", "two", "value", "a whole number of at least 0"),
        (6, "lat", "91.5", "value", "a number from -90 to 90"),
        (7, "incident_number", None, "value", "a value: incident_number is required"),
        (8, "incident_number", "X" * 41, "value", "text of at most 40 characters"),
        (
            9,
            "agency_code+incident_number",
            "CT1 / INC-1",
            "duplicate",
            "a key not already used on line 2 (the file holds each record once; rows of one "
            "record need a mapping `fold:`)",
        ),
        (
            10,
            "agency_code",
            "CT9",
            "reference",
            "a known agency (load it with the agencies feed first, or set "
            "`create_agencies: true` in a mapping)",
        ),
        (
            11,
            "town",
            "Atlantis",
            "value",  # a town never arrives later: rejected, not held
            "a Connecticut town, or a village or section of one (the names `cgic towns` lists; "
            "see docs/feeds.md, *Towns, villages and sections*); leave it empty outside Connecticut",
        ),
        (12, "occurred_at", "1714600000", "value", date),
    ]
    assert result.problems[1].describe("incidents.csv") == (
        "incidents.csv:4: kind = 'drive-by': expected one of: shooting, shots fired, gun recovery"
    )
    assert result.held == 1  # the unknown agency may arrive later; an unknown town never does


def test_trace_values_codes_and_references(engine: Engine, tmp_path: Path) -> None:
    b = Builder(engine)
    b.firearm()  # FA-00001
    header = ["trace_number", "firearm_number", "requested_at", "purchase_date", "dealer_state"]
    header += ["purchaser_is_possessor"]
    rows = [
        ["T1", "FA-00001", "2025-06-02 09:00", "2021-01-05", "GA", "no"],
        ["T2", "FA-00001", "2025-06-02 09:00", "01/05/2021", "GA", "no"],
        ["T3", "FA-00001", "2025-06-02 09:00", "", "Georgia", ""],
        ["T4", "FA-00001", "2025-06-02 09:00", "", "", "maybe"],
        ["T5", "FA-99999", "2025-06-02 09:00", "", "", ""],
    ]
    result = import_file(engine, "traces", write_csv(tmp_path / "traces.csv", header, rows))
    assert (result.inserted, result.rejected, result.held) == (1, 4, 1)
    assert [r[:4] for r in reject_rows(engine)] == [
        (3, "purchase_date", "01/05/2021", "value"),
        (4, "dealer_state", "Georgia", "value"),
        (5, "purchaser_is_possessor", "maybe", "value"),
        (6, "firearm_number", "FA-99999", "reference"),
    ]
    with engine.connect() as conn:
        stored = conn.execute(select(s.Trace.purchaser_is_possessor, s.Trace.dealer_state)).one()
    assert tuple(stored) == (False, "GA")


def test_lead_items_and_partial_references(engine: Engine, tmp_path: Path) -> None:
    b = Builder(engine)
    incident = b.incident(b.agency("CT1"), number="INC-1")
    b.item(incident, number="I-1")
    b.item(incident, number="I-2")
    leads = write_csv(
        tmp_path / "nibin_leads.csv",
        ["lead_number", "issued_at", "status", "item_numbers"],
        [
            ["L-1", "2025-06-03T09:00", "open", "I-1;I-2"],
            ["L-2", "2025-06-03T09:00", "open", "I-1;I-7;I-8"],
            ["L-3", "2025-06-03T09:00", "open", "I-1@yesterday;I-2"],
            ["L-4", "2025-06-03T09:00", "open", ""],
        ],
    )
    result = import_file(engine, "nibin_leads", leads)
    assert (result.inserted, result.rejected, result.held) == (1, 3, 1)
    assert [r[:4] for r in reject_rows(engine)] == [
        (3, "item_numbers", "I-7; I-8", "reference"),
        (4, "item_numbers", "I-1@yesterday;I-2", "value"),
        (5, "item_numbers", None, "value"),
    ]
    assert "bad date 'yesterday' for item I-1" in reject_rows(engine)[1][4]
    items = write_csv(
        tmp_path / "lab_items.csv",
        ["item_number", "agency_code", "incident_number", "kind", "lab_case_number", "discipline"],
        [["I-3", "CT1", "INC-1", "bullet", "L25-1", ""]],
    )
    result = import_file(engine, "lab_items", items)
    assert result.problems[0].column == "discipline"
    assert result.problems[0].expected == (
        "a value, as lab_case_number and discipline name one row together"
    )


def test_json_lines_row_problems(engine: Engine) -> None:
    Builder(engine).agency("CT1")
    data = (
        b'{"agency_code": "CT1", "incident_number": 17, "occurred_at": "2024-05-01T22:00", '
        b'"kind": "shooting"}\n'
        b'{"agency_code": "CT1", "incident_number": "18", "kind": "shooting"}\n'
        b"not json at all\n"
        b'["a", "list"]\n'
    )
    result = import_bytes(engine, "incidents", data, "incidents.jsonl")
    assert (result.inserted, result.rejected) == (1, 3)
    assert [r[:4] for r in reject_rows(engine)] == [
        (2, "occurred_at", None, "value"),
        (3, None, "not json at all", "row"),
        (4, None, '["a", "list"]', "row"),
    ]
    with engine.connect() as conn:
        assert conn.execute(select(s.Incident.incident_number)).scalar_one() == "17"
