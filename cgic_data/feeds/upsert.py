"""From validated records to table rows: resolve references, diff against the store, write.

Everything runs on the caller's connection, inside its one transaction. Planning only reads
(so ``--strict`` and dry runs can stop before the first write); writing is bulk: one INSERT and
one UPDATE executemany per chunk. A record is *inserted* when its natural key is new, *updated*
when any column it carries differs from the stored row, *unchanged* otherwise. Columns a file
does not carry at all are left as they are; an empty cell sets NULL (or the column's default).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, insert, select, update

from cgic_data import schema as s
from cgic_data import sharing
from cgic_data.bulk import bulk_insert
from cgic_data.feeds.formats import Feed, Reference
from cgic_data.feeds.keys import INDEXES, chunks, existing_rows
from cgic_data.feeds.problems import Problem, ProblemKind, shown
from cgic_data.feeds.validate import Record, Validated
from cgic_data.places import ACCEPTED_NAMES

WRITE_CHUNK = 5000
# Columns of the feeds' tables that the sharing rule reads (cgic_data.sharing).
_RULE_INPUTS = ("agency_id", "incident_id", "status")

_HINTS = {
    "agency": "load it with the agencies feed first, or set `create_agencies: true` in a mapping",
    "incident": "import its incidents feed first",
    "lab_request": "import its lab_requests feed first",
    "firearm": "import its firearms feed first",
    "item": "import its lab_items feed first",
    "lead": "import its nibin_leads feed first",
}


@dataclass(frozen=True)
class PendingAgency:
    """An agency this import creates (``create_agencies``): its id exists only after writing."""

    code: str


@dataclass
class Plan:
    inserts: list[Record] = field(default_factory=list)
    updates: list[Record] = field(default_factory=list)
    unchanged: int = 0
    new_agencies: dict[str, dict[str, Any]] = field(default_factory=dict)
    # NIBIN leads: wanted memberships per lead number, and changes to existing leads' items
    members: dict[str, dict[int, datetime]] = field(default_factory=dict)
    member_deletes: list[tuple[int, int]] = field(default_factory=list)
    member_dates: list[tuple[int, int, datetime]] = field(default_factory=list)
    # ids of stored rows whose inputs of the sharing rule change (agency, incident, lead status)
    rule_changes: list[int] = field(default_factory=list)

    @property
    def inserted(self) -> int:
        return len(self.inserts)

    @property
    def updated(self) -> int:
        return len(self.updates)


def store_columns(target: Feed) -> list[str]:
    """Every table column the feed fills, directly or through a reference."""
    direct = [c.store_column for c in target.columns if c.store_column]
    return [*direct, *(r.store_column for r in target.references)]  # type: ignore[list-item]


def _reference_key(
    ref: Reference, values: dict[str, Any]
) -> tuple[bool, tuple[Any, ...] | None, str | None]:
    """(carried, key, partial): whether the record carries the reference, and its key."""
    if len(ref.columns) == 1:  # the common case, kept fast
        column = ref.columns[0]
        if column not in values:
            return False, None, None
        value = values[column]
        return True, (None if value is None else (value,)), None
    if not any(c in values for c in ref.columns):
        return False, None, None
    own = [values.get(c) for c in ref.columns]
    if all(v is None for v in own):
        return True, None, None
    key = tuple(
        values.get(ref.fallback[c]) if v is None and c in ref.fallback else v
        for c, v in zip(ref.columns, own, strict=True)
    )
    missing = [c for c, v in zip(ref.columns, key, strict=True) if v is None]
    return True, key, (missing[0] if missing else None)


def resolve(conn: Connection, v: Validated, *, create_agencies: bool) -> dict[str, dict[str, Any]]:
    """Fill each record's table values; reject records naming rows the store lacks.

    Returns the agencies to create (incidents with ``create_agencies``), keyed by code.
    """
    target, problems_of = v.feed, {}
    new_agencies: dict[str, dict[str, Any]] = {}
    direct = [(c.name, c.store_column) for c in target.columns if c.store_column]
    for record in v.records:
        values = record.values
        record.store = {store: values[name] for name, store in direct if name in values}
    for ref in target.references:
        keyed: list[tuple[Record, tuple[Any, ...]]] = []
        for record in v.records:
            carried, key, partial = _reference_key(ref, record.values)
            if partial is not None:
                problems_of.setdefault(id(record), []).append(
                    Problem(
                        record.lines[0],
                        v.mapper.label(partial) if partial in v.mapper.rules else partial,
                        None,
                        f"a value, as {' and '.join(ref.columns)} name one row together",
                        ProblemKind.VALUE,
                    )
                )
            elif carried:
                record.store[ref.store_column] = None
                if key is not None:
                    keyed.append((record, key))
        found = INDEXES[ref.target].ids(conn, {key for _, key in keyed})
        for record, key in keyed:
            if key in found:
                record.store[ref.store_column] = found[key]
            elif ref.target == "agency" and create_agencies and target.name == "incidents":
                record.store[ref.store_column] = PendingAgency(key[0])
                new_agencies.setdefault(key[0], _agency_row(key[0], record.values))
            else:
                problems_of.setdefault(id(record), []).append(_unknown(v, ref, record, key))
    if target.name == "nibin_leads":
        _resolve_items(conn, v, problems_of)
    _reject(v, problems_of)
    return new_agencies


def _agency_row(code: str, values: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": code,
        "name": values.get("agency_name") or code,
        "kind": values.get("agency_kind") or s.AgencyKind.LOCAL,
    }


def _unknown(v: Validated, ref: Reference, record: Record, key: tuple[Any, ...]) -> Problem:
    labels = [v.mapper.label(c) if c in v.mapper.rules else c for c in ref.columns]
    if ref.target == "town":  # a town never arrives later: rejected, not held
        expected = (
            f"a Connecticut town, or a village or section of one ({ACCEPTED_NAMES}); "
            "leave it empty outside Connecticut"
        )
        return Problem(record.lines[0], labels[0], str(key[0]), expected, ProblemKind.VALUE)
    return Problem(
        record.lines[0],
        "+".join(labels),
        " / ".join(str(k) for k in key),
        f"a known {ref.target.replace('_', ' ')} ({_HINTS[ref.target]})",
        ProblemKind.REFERENCE,
    )


def _resolve_items(conn: Connection, v: Validated, problems_of: dict[int, list[Problem]]) -> None:
    numbers = {n for r in v.records for n, _ in r.values["item_numbers"]}
    found = INDEXES["item"].ids(conn, {(n,) for n in numbers})
    for record in v.records:
        unknown = [n for n, _ in record.values["item_numbers"] if (n,) not in found]
        if unknown:
            problems_of.setdefault(id(record), []).append(
                Problem(
                    record.lines[0],
                    v.mapper.label("item_numbers"),
                    shown("; ".join(unknown)),
                    f"known lab item numbers ({_HINTS['item']}); the lead waits for them",
                    ProblemKind.REFERENCE,
                )
            )
            continue
        default = record.values.get("reported_at") or record.values["issued_at"]
        record.store["_items"] = {
            found[(n,)]: (added, default) for n, added in record.values["item_numbers"]
        }


def _reject(v: Validated, problems_of: dict[int, list[Problem]]) -> None:
    if not problems_of:
        return
    kept = []
    for record in v.records:
        if id(record) in problems_of:
            v.reject(record, problems_of[id(record)])
        else:
            kept.append(record)
    v.records = kept


def plan(conn: Connection, v: Validated, new_agencies: dict[str, dict[str, Any]]) -> Plan:
    """What writing would do: new keys, changed rows, unchanged rows (reads only)."""
    target = v.feed
    result = Plan(new_agencies=new_agencies)
    keys = [tuple(r.store[c] for c in target.store_key) for r in v.records]
    known = [k for k in keys if not any(isinstance(p, PendingAgency) for p in k)]
    columns = [c for c in store_columns(target) if c not in target.store_key]
    stored = existing_rows(conn, target.table, target.store_key, columns, known)
    lead_ids: list[int] = []
    for record, key in zip(v.records, keys, strict=True):
        row = stored.get(key)
        if row is None:
            result.inserts.append(record)
            continue
        record.store["id"] = row["id"]
        changed = any(
            row[c] != value for c, value in record.store.items() if c not in ("id", "_items")
        )
        if target.name == "nibin_leads":
            lead_ids.append(row["id"])
        if changed:
            result.updates.append(record)
            if any(row[c] != record.store[c] for c in _RULE_INPUTS if c in record.store):
                result.rule_changes.append(row["id"])
        else:
            result.unchanged += 1
    if target.name == "nibin_leads":
        _plan_members(conn, v, result, lead_ids)
    return result


def _plan_members(conn: Connection, v: Validated, result: Plan, lead_ids: list[int]) -> None:
    """Leads grow: the item list is the lead's full membership; dated when first seen."""
    stored: dict[int, dict[int, datetime]] = {}
    for chunk in chunks(lead_ids):
        stmt = select(s.LeadItem.lead_id, s.LeadItem.item_id, s.LeadItem.added_at).where(
            s.LeadItem.lead_id.in_(chunk)
        )
        for lead_id, item_id, added_at in conn.execute(stmt):
            stored.setdefault(lead_id, {})[item_id] = added_at
    touched: set[int] = set()
    for record in v.records:
        wanted = record.store["_items"]
        lead_id = record.store.get("id")
        have = stored.get(lead_id, {}) if lead_id is not None else {}
        members: dict[int, datetime] = {}
        for item_id, (added, default) in wanted.items():
            if item_id not in have:
                members[item_id] = added or default
            elif added is not None and added != have[item_id]:
                result.member_dates.append((lead_id, item_id, added))  # type: ignore[arg-type]
                touched.add(id(record))
        result.members[record.values["lead_number"]] = members
        if lead_id is not None:
            gone = [(lead_id, item_id) for item_id in have if item_id not in wanted]
            result.member_deletes.extend(gone)
            if members or gone:
                touched.add(id(record))
    already = {id(r) for r in result.updates}
    for record in v.records:
        if id(record) in touched and id(record) not in already:
            result.updates.append(record)  # its items changed, not its own columns
            result.unchanged -= 1


def write(conn: Connection, v: Validated, p: Plan) -> None:
    """Carry out ``p`` on the connection's transaction."""
    target = v.feed
    if p.new_agencies:
        conn.execute(insert(s.Agency), list(p.new_agencies.values()))
        ids = INDEXES["agency"].ids(conn, {(code,) for code in p.new_agencies})
        for record in p.inserts:
            pending = record.store.get("agency_id")
            if isinstance(pending, PendingAgency):
                record.store["agency_id"] = ids[(pending.code,)]
    table = target.table.__table__  # type: ignore[attr-defined]
    columns = store_columns(target)
    defaults = {c.store_column: c.default for c in target.columns if c.store_column}
    base = {c: defaults.get(c) for c in columns}  # every row names every column (executemany)
    rows = [{**base, **r.store} for r in p.inserts]
    for row in rows:
        row.pop("_items", None)
    bulk_insert(conn, table, rows)  # statistics: refreshed after a large import (feeds.load)
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for record in p.updates:
        values = {c: x for c, x in record.store.items() if c not in ("id", "_items")}
        by_columns.setdefault(tuple(sorted(values)), []).append(
            {"b_id": record.store["id"], **{f"b_{c}": x for c, x in values.items()}}
        )
    for names, params in by_columns.items():
        stmt = (
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values({n: bindparam(f"b_{n}") for n in names})
        )
        for chunk in chunks(params, WRITE_CHUNK):
            conn.execute(stmt, list(chunk))
    regrouped: list[int] = []
    if target.name == "nibin_leads":
        regrouped = _write_members(conn, p)
    _refresh_sharing(conn, target.name, p, regrouped)


def _refresh_sharing(conn: Connection, feed_name: str, p: Plan, regrouped: list[int]) -> None:
    """Keep the materialized sharing rule exact, in this transaction. A new incident or item is
    in no lead yet; a stored one matters when it changed agency or incident; a lead when it is
    new, changed status, or gained or lost items (``regrouped``)."""
    if feed_name == "incidents":
        sharing.refresh_leads(conn, sharing.leads_of_incidents(conn, p.rule_changes))
    elif feed_name == "lab_items":
        sharing.refresh_leads(conn, sharing.leads_of_items(conn, p.rule_changes))
    elif feed_name == "nibin_leads":
        sharing.refresh_leads(conn, [*p.rule_changes, *regrouped])


def _write_members(conn: Connection, p: Plan) -> list[int]:
    """Write the leads' item changes; returns the ids of leads that are new or gained or lost
    items."""
    ids = INDEXES["lead"].ids(conn, {(n,) for n in p.members})
    rows = [
        {"lead_id": ids[(number,)], "item_id": item_id, "added_at": added}
        for number, members in p.members.items()
        for item_id, added in members.items()
    ]
    bulk_insert(conn, s.LeadItem.__table__, rows)  # type: ignore[arg-type]
    link = s.LeadItem.__table__.c  # type: ignore[attr-defined]
    where = and_(link.lead_id == bindparam("b_lead"), link.item_id == bindparam("b_item"))
    if p.member_deletes:
        params = [{"b_lead": lead, "b_item": item} for lead, item in p.member_deletes]
        conn.execute(delete(s.LeadItem.__table__).where(where), params)
    if p.member_dates:
        params = [{"b_lead": a, "b_item": b, "b_added": c} for a, b, c in p.member_dates]
        conn.execute(
            update(s.LeadItem.__table__).where(where).values(added_at=bindparam("b_added")),
            params,
        )
    grown = [ids[(number,)] for number, members in p.members.items() if members]
    return [*grown, *(lead for lead, _ in p.member_deletes)]
