"""Finding rows by natural key, in bulk: one query per chunk of keys, never one per row.

References in a feed name rows by what the sending system knows (an agency code, an incident
number, a lab item number); the store joins on ids. Each ``KeyIndex`` says how to turn such keys
into ids for one table, filtering on its most selective key column.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, and_, select
from sqlalchemy.sql.elements import ColumnElement

from cgic_data import schema as s

CHUNK = 2000  # keys per query: well under SQLite's and PostgreSQL's bind-parameter limits


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _key_filter(columns: Sequence[ColumnElement[Any]], keys: Sequence[tuple[Any, ...]]) -> Any:
    """``col1 IN (...) AND col2 IN (...)``: every key column constrained, so a composite
    unique index (agency + incident number) is used whichever column leads it."""
    return and_(*(c.in_(sorted({k[i] for k in keys}, key=str)) for i, c in enumerate(columns)))


@dataclass(frozen=True)
class KeyIndex:
    """Ids of ``table`` rows by a key tuple (``joins`` brings in key columns of other tables)."""

    name: str
    id_column: ColumnElement[int]
    key_columns: tuple[ColumnElement[Any], ...]
    joins: Callable[[Select[Any]], Select[Any]] = lambda stmt: stmt
    casefold: bool = False  # a small reference table matched case-insensitively: read it whole

    def ids(self, conn: Connection, keys: Iterable[tuple[Any, ...]]) -> dict[tuple[Any, ...], int]:
        """``{key: id}`` for the keys that exist (keys as given, before case folding)."""
        if self.casefold:
            wanted = {tuple(str(k).casefold() for k in key): key for key in keys}
            stmt = select(self.id_column, *self.key_columns)
            rows = conn.execute(self.joins(stmt)).all() if wanted else []
            return {
                wanted[n]: row[0]
                for row in rows
                if (n := tuple(str(k).casefold() for k in row[1:])) in wanted
            }
        wanted_keys = set(keys)
        found: dict[tuple[Any, ...], int] = {}
        for chunk in chunks(sorted(wanted_keys, key=str)):
            stmt = select(self.id_column, *self.key_columns).where(
                _key_filter(self.key_columns, chunk)
            )
            for row in conn.execute(self.joins(stmt)).all():
                if (key := tuple(row[1:])) in wanted_keys:
                    found[key] = row[0]
        return found


INDEXES: dict[str, KeyIndex] = {
    "agency": KeyIndex("agency", s.Agency.id, (s.Agency.code,)),
    "town": KeyIndex("town", s.Town.id, (s.Town.name,), casefold=True),
    "incident": KeyIndex(
        "incident",
        s.Incident.id,
        (s.Agency.code, s.Incident.incident_number),
        joins=lambda stmt: stmt.join(s.Agency, s.Agency.id == s.Incident.agency_id),
    ),
    "lab_request": KeyIndex(
        "lab_request", s.LabRequest.id, (s.LabRequest.lab_case_number, s.LabRequest.discipline)
    ),
    "firearm": KeyIndex("firearm", s.Firearm.id, (s.Firearm.firearm_number,)),
    "item": KeyIndex("item", s.EvidenceItem.id, (s.EvidenceItem.item_number,)),
    "lead": KeyIndex("lead", s.NibinLead.id, (s.NibinLead.lead_number,)),
}


def existing_rows(
    conn: Connection,
    table: type[s.Base],
    store_key: tuple[str, ...],
    columns: Sequence[str],
    keys: Sequence[tuple[Any, ...]],
) -> dict[tuple[Any, ...], dict[str, Any]]:
    """The stored rows with these natural keys: ``{key: {"id": ..., column: value, ...}}``."""
    mapped = table.__table__.c  # type: ignore[attr-defined]
    wanted = set(keys)
    selected = ["id", *store_key, *[c for c in columns if c not in store_key]]
    key_columns = [mapped[c] for c in store_key]
    found: dict[tuple[Any, ...], dict[str, Any]] = {}
    width = len(store_key)
    for chunk in chunks(sorted(wanted, key=str)):
        stmt = select(*[mapped[c] for c in selected]).where(_key_filter(key_columns, chunk))
        for row in conn.execute(stmt).all():  # tuples, fetched at once: far cheaper per row
            key = tuple(row[1 : 1 + width])
            if key in wanted:
                found[key] = dict(zip(selected, row, strict=True))
    return found
