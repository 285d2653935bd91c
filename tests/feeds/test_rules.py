"""Match rules: multi-valued cells (``a||b||c``) map to one of our values."""

from __future__ import annotations

import pytest
import yaml
from sqlalchemy import Engine, select

from cgic_data import schema as s
from cgic_data.feeds.load import PARTIAL, import_bytes
from cgic_data.feeds.mapping import MappingError, parse_mapping
from tests.factory import Builder

MULTI = """
feed: incidents
columns:
  agency_code: {value: CT1}
  incident_number: Case
  occurred_at: {column: When, format: "%Y-%m-%d %H:%M"}
  kind:
    column: Characteristics
    split: "||"
    rules:
      - {contains: "Shot - Dead", value: shooting}
      - {contains: "Shot - Wounded", value: shooting}
      - {regex: "(?i)^shots? fired", value: shots fired}
      - {equals: "Gun recovered", value: gun recovery}
{default}
"""


def _mapping(default: str = "") -> object:
    return parse_mapping(yaml.safe_load(MULTI.replace("{default}", default)))


def test_first_matching_rule_wins_over_parts_and_default_applies(engine: Engine) -> None:
    Builder(engine).agency("CT1")
    data = (
        b"Case,When,Characteristics\n"
        b"A1,2025-06-01 21:15,Drive-by||Shot - Wounded/Injured||Gang involvement\n"
        b"A2,2025-06-01 22:00,Shot fired||Shot - Dead\n"
        b"A3,2025-06-02 01:00,SHOTS FIRED||Drive-by\n"
        b"A4,2025-06-02 02:00,  gun recovered  \n"
        b"A5,2025-06-02 03:00,Noise complaint||Drive-by\n"
    )
    mapping = _mapping("    default: shots fired")
    result = import_bytes(engine, "incidents", data, "x.csv", mapping=mapping)  # type: ignore[arg-type]
    assert (result.inserted, result.rejected) == (5, 0)
    stmt = select(s.Incident.incident_number, s.Incident.kind).order_by(s.Incident.incident_number)
    with engine.connect() as conn:
        kinds = dict(tuple(r) for r in conn.execute(stmt))  # type: ignore[misc]
    assert kinds == {
        "A1": s.IncidentKind.SHOOTING,
        "A2": s.IncidentKind.SHOOTING,  # "Shot - Dead" is the first rule, whatever the order
        "A3": s.IncidentKind.SHOTS_FIRED,
        "A4": s.IncidentKind.GUN_RECOVERY,
        "A5": s.IncidentKind.SHOTS_FIRED,  # no rule matched: the default
    }


def test_unmatched_cell_without_default_is_a_rejected_row(engine: Engine) -> None:
    Builder(engine).agency("CT1")
    data = b"Case,When,Characteristics\nB1,2025-06-01 21:15,Noise||Drive-by\n"
    result = import_bytes(engine, "incidents", data, "x.csv", mapping=_mapping())  # type: ignore[arg-type]
    assert (result.status, result.inserted, result.rejected) == (PARTIAL, 0, 1)
    (problem,) = result.problems
    assert (problem.line, problem.column, problem.value) == (
        2,
        "Characteristics",
        "Noise||Drive-by",
    )
    assert problem.expected.startswith("a value one of the mapping's rules matches: contains")


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        (
            {"column": "C", "rules": [{"regex": "(unclosed", "value": "shooting"}]},
            "columns.kind.rules.0: Value error, not a valid regular expression '(unclosed'",
        ),
        (
            {"column": "C", "rules": [{"contains": "a", "regex": "b", "value": "shooting"}]},
            "give exactly one of: contains, equals, regex",
        ),
        (
            {"column": "C", "rules": [{"contains": "a"}]},
            "columns.kind.rules.0.value: Field required",
        ),
        ({"value": "shooting", "split": "||"}, "`rules` (a non-empty list) and `split` go with"),
        (
            {"column": "C", "rules": [{"contains": "a", "value": "shootng"}]},
            "columns.kind.rules.0.value: 'shootng' is not one of: shooting, shots fired",
        ),
        (
            {"column": "C", "rules": [{"contains": "a", "value": "shooting"}], "default": "x"},
            "columns.kind.default: 'x' is not one of:",
        ),
        (
            {"column": "C", "codes": {"a": "shooting"}, "rules": [{"equals": "a", "value": "x"}]},
            "`rules` replace `codes`",
        ),
    ],
)
def test_bad_rules_name_the_file_and_key(kind: dict[str, object], message: str) -> None:
    data = {"feed": "incidents", "columns": {"kind": kind}}
    with pytest.raises(MappingError) as caught:
        parse_mapping(data, "site.yaml")
    assert str(caught.value).startswith("site.yaml: ")
    assert message in str(caught.value)
