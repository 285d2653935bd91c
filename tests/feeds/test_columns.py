"""Columnar validation agrees with the row model: every value it types, it types as the model
does; every value it is unsure of goes to the model — and most values are not unsure."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ConfigDict, ValidationError, create_model
from sqlalchemy import Engine

from cgic_data.feeds import columns, load, validate
from cgic_data.feeds.columns import MISSING, convert
from cgic_data.feeds.formats import FEEDS, Column, ColumnType
from cgic_data.feeds.load import ImportResult, import_file
from tests.factory import Builder
from tests.feeds.helpers import INCIDENT_HEADER, incident_rows, write_csv

CONTEXT = {"zone": ZoneInfo("America/New_York")}
NEW_YORK = ZoneInfo("America/New_York")

# Values a file really sends, and spellings at the edges of what the model accepts.
ORDINARY: dict[ColumnType, list[Any]] = {
    ColumnType.TEXT: ["CT1", "  Main St ", "DE"],
    ColumnType.INT: ["0", "12", "007"],
    ColumnType.FLOAT: ["41.5", "-72.25", "0"],
    ColumnType.BOOL: ["true", "No", "1"],
    ColumnType.DATETIME: ["2024-06-01T22:15:00", "2024-06-01 22:15", "2024-06-01"],
    ColumnType.DATE: ["2021-03-15"],
    ColumnType.ITEM_LIST: ["I-1;I-2@2024-06-03T09:00:00"],
}
EDGES: list[Any] = [
    "",
    " ",
    None,
    " 12 ",
    "+5",
    "1_000",
    "1.0",
    "1e3",
    "１２",
    "nan",
    "inf",
    ".5",
    "1.",
    "007",
    "99999999999999999999",
    "-0",
    "-0.0",
    "TRUE",
    " true",
    "2",
    "yes",
    "\x1cAB\x1c",
    "\u3000x",
    "2024-02-30",
    "2024-06-01T24:00",
    "2024-12-31T23:59:60",
    "2024-06-01T10",
    "20240601",
    "2024-06-01T22:15:00.5",
    "2024-06-01T22:15:00-04:00",
    "2024-06-01Z",
    "12345",
    "shooting",
    " Shooting ",
    "SHOTS FIRED",
    "drive-by",
    "ct",
    "C1",
    "A" * 300,
    7,
    7.5,
    -1,
    True,
    False,
    0,
    1.0,
    float("nan"),
    date(2024, 6, 1),
    datetime(2024, 6, 1, 22, 15),
    datetime(2024, 6, 1, 22, 15, tzinfo=NEW_YORK),
    ["I-1", {"item_number": "I-2", "added_at": "2024-06-03"}],
    {"a": 1},
]


def model_value(column: Column, value: Any) -> tuple[bool, Any]:
    """(valid, typed) as the feed's row model types ``value`` in ``column``."""
    annotation = validate._annotation(column)
    field = (annotation, ...) if column.required else (annotation | None, None)
    config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)
    model = create_model("one", __config__=config, **{column.name: field})
    try:
        typed = model.model_validate({column.name: value}, context=CONTEXT).__dict__[column.name]
    except ValidationError:
        return False, None
    return True, None if typed == "" else typed


COLUMNS = {(c.type, c.required, c.pattern, c.enum): c for f in FEEDS.values() for c in f.columns}


@pytest.mark.parametrize("column", list(COLUMNS.values()), ids=lambda c: f"{c.name}-{c.type}")
def test_every_value_the_columns_type_is_typed_as_the_row_model_types_it(column: Column) -> None:
    values = [*ORDINARY.get(column.type, []), *EDGES]
    if column.enum is not None:
        values += [m.value for m in column.enum] + list(column.enum)
    typed = convert(column, values, CONTEXT)
    for value, ours in zip(values, typed, strict=True):
        if ours is columns._BAD:
            continue  # unsure: the row goes to the row model
        valid, theirs = model_value(column, value)
        assert valid, f"{column.name}: {value!r} typed as {ours!r}; the model rejects it"
        assert (ours, type(ours)) == (theirs, type(theirs)), f"{column.name}: {value!r}"


@pytest.mark.parametrize("kind", list(ORDINARY))
def test_ordinary_values_never_need_the_row_model(kind: ColumnType) -> None:
    column = next(c for c in COLUMNS.values() if c.type is kind and not c.pattern)
    assert columns._BAD not in convert(column, ORDINARY[kind], CONTEXT)


def test_a_missing_required_value_goes_to_the_row_model() -> None:
    column = next(c for c in COLUMNS.values() if c.required and c.type is ColumnType.DATETIME)
    assert convert(column, [None, MISSING], CONTEXT) == [columns._BAD, columns._BAD]


def outcome(result: ImportResult) -> tuple:
    counts = (result.status, result.rows_in, result.inserted, result.rejected, result.held)
    return (*counts, result.problems, result.row_warnings, result.rejects_text())


def test_an_import_through_the_columns_equals_one_through_the_row_model(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Builder(engine).agency("CT1")
    rows = incident_rows(60)
    odd = [" 12 ", "1.0", "2", "", "x", "1e3", "-1", "2024-06-01T22:15:00-04:00"]
    for n, value in enumerate(odd):
        rows[n * 7][4] = value  # victims_injured
        rows[n * 7 + 1][2] = value  # occurred_at
        rows[n * 7 + 2][6] = value  # lat
        rows[n * 7 + 3][3] = value  # kind
    path = write_csv(tmp_path / "incidents.csv", [*INCIDENT_HEADER], rows)
    columnar = import_file(engine, "incidents", path, dry_run=True)
    monkeypatch.setattr(validate, "typed_columns", lambda c, mapped, *a: [None] * len(mapped))
    monkeypatch.setattr(load, "CHUNK_ROWS", 9)
    by_row = import_file(engine, "incidents", path, dry_run=True)
    assert outcome(columnar) == outcome(by_row)
    assert (columnar.rejected, columnar.inserted) == (22, 38)
