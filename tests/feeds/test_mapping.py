"""Mapping files: another site's export loads without code changes."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import Engine, select

from cgic_data import schema as s
from cgic_data.feeds.load import FAILED, OK, PARTIAL, import_bytes
from cgic_data.feeds.mapping import MappingError, load_mapping, parse_mapping
from tests.factory import Builder

SITE_X = """
feed: incidents
name: Site X RMS
format: csv
encoding: cp1252
delimiter: ";"
time_zone: America/Chicago
columns:
  agency_code: {value: CT1}
  incident_number: {template: "X-{Year}-{Case No}"}
  occurred_at: {column: "Reported", format: "%d.%m.%Y %H:%M"}
  kind: {column: Type, codes: {SHOOT: shooting, SF: shots fired}}
  victims_injured: {column: Hurt, default: 0}
  address: Location
"""


def test_renames_formats_codes_templates_constants_and_zones(engine: Engine) -> None:
    Builder(engine).agency("CT1")
    data = (
        "Year;Case No;Reported;Type;Hurt;Location\n"
        "2025;0007;01.06.2025 21:15;SHOOT;2;Rue de l'Église\n"
        "2025;0008;02.06.2025 23:40;sf;;Elm St\n"
        "2025;0009;2025-06-03;SHOOT;1;Oak St\n"
        "2025;0010;03.06.2025 10:00;ARSON;0;Ash St\n"
    ).encode("cp1252")
    mapping = parse_mapping(yaml.safe_load(SITE_X))
    result = import_bytes(engine, "incidents", data, "export.txt", mapping=mapping)
    assert (result.status, result.inserted, result.rejected) == (PARTIAL, 2, 2)
    assert [(p.line, p.column, p.value, p.expected) for p in result.problems] == [
        (4, "Reported", "2025-06-03", "a date like %d.%m.%Y %H:%M"),
        (5, "Type", "ARSON", "one of the codes the mapping knows: SHOOT, SF"),
    ]
    stmt = select(
        s.Incident.incident_number,
        s.Incident.occurred_at,
        s.Incident.kind,
        s.Incident.victims_injured,
        s.Incident.address,
    ).order_by(s.Incident.incident_number)
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(stmt)]
    assert rows == [  # Chicago 21:15 is 22:15 in the store's zone (America/New_York)
        (
            "X-2025-0007",
            datetime(2025, 6, 1, 22, 15),
            s.IncidentKind.SHOOTING,
            2,
            "Rue de l'Église",
        ),
        ("X-2025-0008", datetime(2025, 6, 3, 0, 40), s.IncidentKind.SHOTS_FIRED, 0, "Elm St"),
    ]


LEADS_ONE_ROW_PER_ITEM = """
feed: nibin_leads
columns:
  lead_number: "Lead ID"
  issued_at: {column: "Lead Date", format: "%m/%d/%Y"}
  status: {column: Status, codes: {Pending: open, Confirmed: confirmed hit, Negative: excluded}}
  item_numbers: Exhibit
fold:
  join: [item_numbers]
"""


def test_a_fold_joins_one_row_per_item_into_one_lead(engine: Engine) -> None:
    b = Builder(engine)
    incident = b.incident(b.agency("CT1"))
    for number in ("E-1", "E-2", "E-3", "E-4"):
        b.item(incident, number=number)
    data = (
        b"Lead ID,Lead Date,Status,Exhibit\n"
        b"NL-1,06/03/2025,Pending,E-1\n"
        b"NL-1,06/03/2025,Pending,E-2\n"
        b"NL-2,06/04/2025,Confirmed,E-3\n"
        b"NL-1,06/03/2025,Pending,E-4\n"
        b"NL-3,06/05/2025,Pending,E-1\n"
        b"NL-3,13/05/2025,Pending,E-2\n"
    )
    mapping = parse_mapping(yaml.safe_load(LEADS_ONE_ROW_PER_ITEM))
    result = import_bytes(engine, "nibin_leads", data, "leads.csv", mapping=mapping)
    assert (result.source_rows, result.rows_in, result.inserted, result.rejected) == (6, 3, 2, 1)
    assert [(p.line, p.kind.value) for p in result.problems] == [(6, "group"), (7, "value")]
    assert result.problems[0].expected.startswith("rows of one record fold together: line(s) 7")
    stmt = (
        select(s.NibinLead.lead_number, s.EvidenceItem.item_number, s.LeadItem.added_at)
        .join(s.LeadItem, s.LeadItem.lead_id == s.NibinLead.id)
        .join(s.EvidenceItem, s.EvidenceItem.id == s.LeadItem.item_id)
        .order_by(s.NibinLead.lead_number, s.EvidenceItem.item_number)
    )
    with engine.connect() as conn:
        members = [tuple(r) for r in conn.execute(stmt)]
    june3, june4 = datetime(2025, 6, 3), datetime(2025, 6, 4)
    assert members == [
        ("NL-1", "E-1", june3),
        ("NL-1", "E-2", june3),
        ("NL-1", "E-4", june3),
        ("NL-2", "E-3", june4),
    ]


def test_a_growing_lead_keeps_its_first_dates_and_drops_removed_items(engine: Engine) -> None:
    b = Builder(engine)
    incident = b.incident(b.agency("CT1"))
    for number in ("E-1", "E-2", "E-3"):
        b.item(incident, number=number)
    header = b"lead_number,issued_at,status,item_numbers,reported_at\n"
    first = header + b"NL-1,2025-06-03T09:00,open,E-1;E-2,\n"
    grown = header + b"NL-1,2025-06-03T09:00,open,E-1;E-3,2025-06-20T10:00\n"
    assert import_bytes(engine, "nibin_leads", first, "nibin_leads.csv").inserted == 1
    result = import_bytes(engine, "nibin_leads", grown, "nibin_leads.csv")
    assert (result.status, result.updated, result.unchanged) == (OK, 1, 0)
    assert import_bytes(engine, "nibin_leads", grown, "nibin_leads.csv").unchanged == 1
    stmt = (
        select(s.EvidenceItem.item_number, s.LeadItem.added_at)
        .join(s.LeadItem, s.LeadItem.item_id == s.EvidenceItem.id)
        .order_by(s.EvidenceItem.item_number)
    )
    with engine.connect() as conn:
        assert [tuple(r) for r in conn.execute(stmt)] == [
            ("E-1", datetime(2025, 6, 3, 9, 0)),
            ("E-3", datetime(2025, 6, 20, 10, 0)),
        ]


def test_a_mapping_naming_a_column_the_file_lacks_fails_the_file(engine: Engine) -> None:
    mapping = parse_mapping(yaml.safe_load(SITE_X))
    data = "Year;Case No;Type;Hurt;Location\n2025;1;SHOOT;0;x\n".encode("cp1252")
    result = import_bytes(engine, "incidents", data, "export.csv", mapping=mapping)
    assert result.status == FAILED
    assert "column 'Reported', which the file does not have" in (result.message or "")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("feed: incidents\ncolumns: {colour: X}\n", "columns not in the incidents feed: colour"),
        ("feed: incidents\ncolumns: {kind: {column: A, value: b}}\n", "exactly one of"),
        ("feed: shootings\n", "unknown feed 'shootings'"),
        ("feed: incidents\nfold: {sum: [address]}\n", "needs a whole-number column"),
        ("feed: incidents\ntime_zone: Mars/Olympus\n", "unknown time zone"),
        ("feed: incidents\ncolumns: [a, b\n", "not valid YAML"),
    ],
)
def test_a_bad_mapping_file_says_what_is_wrong(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MappingError, match=r"bad\.yaml") as caught:
        load_mapping(path)
    assert message in str(caught.value)
