"""Feeds settle town names: villages land in their town, unknown towns are rejected (not held),
and the agency rule derives an agency from the town (issue 15, items 3 and 4)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlalchemy import Engine, select

from cgic_data import schema as s
from cgic_data.feeds.load import OK, PARTIAL, import_bytes
from cgic_data.feeds.mapping import MappingError, parse_mapping
from cgic_data.feeds.problems import ProblemKind
from cgic_data.towns import ensure_towns
from tests.factory import Builder

HEADER = b"agency_code,incident_number,occurred_at,kind,lat,lon,town,city,state\n"


def _places(engine: Engine) -> dict[str, tuple[object, ...]]:
    stmt = (
        select(s.Incident.incident_number, s.Town.name, s.Incident.city, s.Agency.code)
        .outerjoin(s.Town, s.Town.id == s.Incident.town_id)
        .join(s.Agency, s.Agency.id == s.Incident.agency_id)
    )
    with engine.connect() as conn:
        return {r[0]: tuple(r[1:]) for r in conn.execute(stmt)}


def _store(engine: Engine) -> None:
    ensure_towns(engine)
    Builder(engine).agency("CT1")


def test_a_willimantic_row_lands_in_windham(engine: Engine) -> None:
    _store(engine)
    data = HEADER + (
        b"CT1,W-1,2025-06-01T21:15:00,shooting,41.7107,-72.2081,Willimantic,,CT\n"
        b"CT1,W-2,2025-06-01T21:15:00,shooting,,,WILLIMANTIC,Willimantic (Main St),\n"
        b"CT1,R-1,2025-06-01T21:15:00,shooting,,,Vernon Rockville (Vernon),,\n"
        b"CT1,J-1,2025-06-01T21:15:00,shooting,,,Jewett City,,\n"
    )
    result = import_bytes(engine, "incidents", data, "villages.csv")
    assert (result.status, result.inserted) == (OK, 4), [p.describe("x") for p in result.problems]
    assert _places(engine) == {
        "W-1": ("Windham", "Willimantic", "CT1"),  # the name the row gave stays as its city
        "W-2": ("Windham", "Willimantic (Main St)", "CT1"),  # a city the row gave stands
        "R-1": ("Vernon", "Vernon Rockville (Vernon)", "CT1"),
        "J-1": ("Griswold", "Jewett City", "CT1"),
    }
    assert result.row_warnings == []  # Willimantic is near Windham's centre: no plausibility flag


def test_mystic_takes_the_town_its_coordinates_fall_in(engine: Engine) -> None:
    _store(engine)
    data = HEADER + (
        b"CT1,M-W,2025-06-01T21:15:00,shooting,41.3570,-71.9720,Mystic,,CT\n"
        b"CT1,M-E,2025-06-01T21:15:00,shooting,41.3543,-71.9665,Mystic,,CT\n"
        b"CT1,M-0,2025-06-01T21:15:00,shooting,,,Mystic,,CT\n"
    )
    result = import_bytes(engine, "incidents", data, "mystic.csv")
    assert (result.status, result.inserted, result.rejected, result.held) == (PARTIAL, 2, 1, 0)
    places = _places(engine)
    assert (places["M-W"][0], places["M-E"][0]) == ("Groton", "Stonington")
    [problem] = result.problems
    assert (problem.line, problem.column, problem.kind) == (4, "town", ProblemKind.VALUE)
    assert "Mystic lies in Groton, Stonington" in problem.expected
    assert "give coordinates (lat/lon) inside one of them, or the town itself" in problem.expected


def test_an_unknown_town_is_rejected_naming_where_the_names_are_not_held(engine: Engine) -> None:
    _store(engine)
    data = HEADER + b"CT1,U-1,2025-06-01T21:15:00,shooting,,,Willimantik,,CT\n"
    result = import_bytes(engine, "incidents", data, "typo.csv")
    assert (result.status, result.rejected, result.held) == (PARTIAL, 1, 0)
    [problem] = result.problems
    assert problem.kind is ProblemKind.VALUE  # a town never arrives later
    assert problem.describe("typo.csv") == (
        "typo.csv:2: town = 'Willimantik': expected a Connecticut town, or a village or section of "
        "one (the names `cgic towns` lists; see docs/feeds.md, *Towns, villages and sections*); "
        "leave it empty outside Connecticut"
    )


def test_a_place_in_another_state_keeps_its_name(engine: Engine) -> None:
    _store(engine)
    data = HEADER + b"CT1,CA-1,2025-06-01T21:15:00,shooting,,,Riverside,,CA\n"
    result = import_bytes(engine, "incidents", data, "ca.csv")
    assert result.inserted == 1
    assert _places(engine)["CA-1"][:2] == (None, "Riverside")  # not Riverside in Greenwich


def test_an_agencys_home_town_may_be_a_village(engine: Engine) -> None:
    ensure_towns(engine)
    data = b"code,name,kind,home_town\nCT0157000,Willimantic Police Department,local,Willimantic\n"
    assert import_bytes(engine, "agencies", data, "agencies.csv").inserted == 1
    stmt = select(s.Town.name).join(s.Agency, s.Agency.home_town_id == s.Town.id)
    with engine.connect() as conn:
        assert conn.execute(stmt).scalar_one() == "Windham"


AGENCY_RULE = """
feed: incidents
create_agencies: true
columns:
  incident_number: CaseNo
  occurred_at: {column: Date, format: "%m/%d/%Y"}
  kind: {value: shooting}
  town: Place
  agency_code:
    from_town: {Windham: CT0157000, Hartford: CT0064000}
    default: CTCSP0000
  agency_name: {from_town: "{town} Police Department", default: State Police}
"""


def test_the_agency_rule_derives_each_rows_agency_from_its_town(engine: Engine) -> None:
    ensure_towns(engine)
    mapping = parse_mapping(yaml.safe_load(AGENCY_RULE))
    data = (
        b"CaseNo,Date,Place\n"
        b"A-1,06/01/2025,Willimantic\n"  # a village: the agency of its town, Windham
        b"A-2,06/01/2025,hartford\n"
        b"A-3,06/01/2025,\n"  # no town: the default agency
        b"A-4,06/01/2025,Mansfield\n"  # a town the table lacks: rejected, named
    )
    result = import_bytes(engine, "incidents", data, "statewide.csv", mapping=mapping)
    assert (result.inserted, result.rejected) == (4, 0), [p.describe("x") for p in result.problems]
    assert {k: v[2] for k, v in _places(engine).items()} == {
        "A-1": "CT0157000",
        "A-2": "CT0064000",
        "A-3": "CTCSP0000",
        "A-4": "CTCSP0000",  # the default also stands for a town the table lacks, as with rules
    }
    with engine.connect() as conn:
        names = dict(conn.execute(select(s.Agency.code, s.Agency.name)).all())
    assert names["CT0157000"] == "Windham Police Department"
    assert names["CTCSP0000"] == "State Police"  # created from its first row


def test_a_town_the_agency_table_lacks_without_a_default_is_rejected(engine: Engine) -> None:
    ensure_towns(engine)
    mapping = parse_mapping(yaml.safe_load(AGENCY_RULE.replace("    default: CTCSP0000\n", "")))
    data = b"CaseNo,Date,Place\nA-1,06/01/2025,Willimantic\nA-4,06/01/2025,Mansfield\n"
    result = import_bytes(engine, "incidents", data, "statewide.csv", mapping=mapping)
    assert (result.inserted, result.rejected, result.held) == (1, 1, 0)
    [problem] = result.problems
    assert (problem.line, problem.column, problem.value) == (3, "Place → agency_code", "Mansfield")
    assert problem.expected == (
        "a town the mapping's from_town table for agency_code names (Windham, Hartford), "
        "or a `default`"
    )


def test_per_town_naming_may_key_agencies_by_a_long_name(engine: Engine) -> None:
    ensure_towns(engine)
    mapping = parse_mapping(
        yaml.safe_load(
            """
feed: incidents
create_agencies: true
columns:
  incident_number: CaseNo
  occurred_at: {column: Date, format: "%m/%d/%Y"}
  kind: {value: shooting}
  town: Place
  agency_code: {from_town: "{TOWN} POLICE DEPARTMENT"}
"""
        )
    )
    data = b"CaseNo,Date,Place\nL-1,06/01/2025,Windsor Locks\n"
    result = import_bytes(engine, "incidents", data, "long.csv", mapping=mapping)
    assert result.inserted == 1, [p.describe("x") for p in result.problems]
    # 31 characters: more than the old 16-character limit on agency codes
    assert _places(engine)["L-1"][2] == "WINDSOR LOCKS POLICE DEPARTMENT"


def test_agency_codes_and_names_take_real_lengths(engine: Engine) -> None:
    code = "CT0157000-WINDHAM-POLICE-DEPT"  # 29 characters: more than the old limit of 16
    name = "Windham Police Department - Willimantic Patrol Division - Special Investigations"
    data = f"code,name,kind\n{code},{name},local\n".encode()
    result = import_bytes(engine, "agencies", data, "agencies.csv")
    assert result.inserted == 1, [p.describe("x") for p in result.problems]
    with engine.connect() as conn:
        assert conn.execute(select(s.Agency.code)).scalar_one() == code


@pytest.mark.parametrize(
    ("rule", "error"),
    [
        ("{from_town: '{city} PD'}", "a template naming {town} or {TOWN} only"),
        ("{from_town: {Hartfrod: CT0064000}}", "'Hartfrod' is not a Connecticut town"),
        ("{from_town: CT1, value: CT1}", "give exactly one of"),
    ],
)
def test_a_bad_agency_rule_is_reported_when_the_mapping_is_read(rule: str, error: str) -> None:
    text = f"feed: incidents\ncolumns:\n  agency_code: {rule}\n"
    with pytest.raises(MappingError, match="agency_code") as caught:
        parse_mapping(yaml.safe_load(text))
    assert error in str(caught.value)


def test_the_agency_rule_needs_a_feed_with_a_town() -> None:
    text = "feed: lab_requests\ncolumns:\n  agency_code: {from_town: '{town} PD'}\n"
    with pytest.raises(MappingError, match="the lab_requests feed has no town column"):
        parse_mapping(yaml.safe_load(text))


DOC = Path(__file__).resolve().parents[2] / "docs" / "feeds.md"


def _doc_block(after: str, language: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index(f"```{language}\n", text.index(after)) + len(language) + 4
    return text[start : text.index("```", start)]


def test_the_documented_agency_rule_does_what_the_document_says(engine: Engine) -> None:
    ensure_towns(engine)
    mapping = parse_mapping(yaml.safe_load(_doc_block("### The agency rule", "yaml")))
    data = b"CaseNo,Date,Place\nA-1,06/01/2025,Willimantic\n"
    assert import_bytes(engine, "incidents", data, "doc.csv", mapping=mapping).inserted == 1
    assert _places(engine)["A-1"] == ("Windham", "Willimantic", "CT0157000")
    with engine.connect() as conn:
        assert conn.execute(select(s.Agency.name)).scalar_one() == "Windham Police Department"


def test_the_documented_town_rows_do_what_the_document_says(engine: Engine) -> None:
    _store(engine)
    Builder(engine).agency("CT0157000")
    Builder(engine).agency("CTCSP0000")
    rows = _doc_block("### Towns, villages and sections", "csv").splitlines()
    data = "\n".join(line.split("←")[0].rstrip() for line in rows) + "\n"
    result = import_bytes(engine, "incidents", data.encode(), "doc.csv")
    assert {k: v[0] for k, v in _places(engine).items()} == {
        "W-1": "Windham",
        "W-2": "Vernon",
        "M-1": "Stonington",
    }
    assert [(p.line, p.value) for p in result.problems] == [(5, "Mystic"), (6, "Willimantik")]
