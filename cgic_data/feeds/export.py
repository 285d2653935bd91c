"""Exporting the store's rows in the feed formats, so that export → import round-trips.

Each feed's rows are selected with the natural keys of what they reference (codes and numbers,
never internal ids), ordered by natural key, and streamed to CSV or JSON lines. Date-times are
written in ISO 8601 with their UTC offset in ``CGIC_TIME_ZONE`` (a wall-clock time that does not
exist in that zone — inside a spring-forward gap — is written without offset, as local time, so
it reads back unchanged). In CSV, every cell of a non-numeric column is neutralised against
spreadsheet formulas (``cgic_data.safe_cells``; the CSV reader undoes it exactly) and lines end in
CRLF, so that a cell holding a carriage return is quoted instead of starting a new row; JSON lines,
a format for programs that no spreadsheet opens, carries every value as it is.
"""

from __future__ import annotations

import csv
import enum
import gzip
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, Select, null, select
from sqlalchemy.orm import aliased

from cgic_data import audit, settings
from cgic_data import schema as s
from cgic_data.feeds.formats import ColumnType, Feed, feed
from cgic_data.feeds.read import format_of
from cgic_data.safe_cells import neutralise
from cgic_data.scope import Viewer

STREAM_ROWS = 5000
NUMERIC = (ColumnType.INT, ColumnType.FLOAT)


def _incident_key(incident: Any, agency: Any, prefix: str = "") -> list[Any]:
    return [
        agency.code.label(f"{prefix}agency_code"),
        incident.incident_number.label(f"{prefix}incident_number"),
    ]


def _selects() -> dict[str, Select[Any]]:
    """One SELECT per feed, its columns labelled with the feed's column names."""
    a, i, t = s.Agency, s.Incident, s.Town
    ia, ii = aliased(s.Agency), aliased(s.Incident)
    item, lr, fa, lead = s.EvidenceItem, s.LabRequest, s.Firearm, s.NibinLead
    return {
        "agencies": select(a.code, a.name, a.kind, t.name.label("home_town"))
        .outerjoin(t, t.id == a.home_town_id)
        .order_by(a.code),
        "incidents": select(
            a.code.label("agency_code"),
            i.incident_number,
            i.occurred_at,
            i.kind,
            i.victims_injured,
            i.victims_killed,
            i.lat,
            i.lon,
            t.name.label("town"),
            i.address,
            i.city,
            i.state,
            i.occurred_time_known,
            i.caliber,
            i.gun_type,
            a.name.label("agency_name"),
            a.kind.label("agency_kind"),
        )
        .join(a, a.id == i.agency_id)
        .outerjoin(t, t.id == i.town_id)
        .order_by(a.code, i.incident_number),
        "lab_requests": select(
            lr.lab_case_number,
            lr.discipline,
            a.code.label("agency_code"),
            ii.incident_number.label("incident_number"),
            ia.code.label("incident_agency_code"),
            lr.received_at,
            lr.completed_at,
            lr.reopened_at,
            lr.status,
            lr.priority,
        )
        .join(a, a.id == lr.agency_id)
        .outerjoin(ii, ii.id == lr.incident_id)
        .outerjoin(ia, ia.id == ii.agency_id)
        .order_by(lr.lab_case_number, lr.discipline),
        "firearms": select(
            fa.firearm_number,
            fa.make,
            fa.model,
            fa.caliber,
            fa.serial_number,
            fa.serial_obliterated,
            *_incident_key(ii, ia, "recovery_"),
            fa.recovered_at,
        )
        .outerjoin(ii, ii.id == fa.recovery_incident_id)
        .outerjoin(ia, ia.id == ii.agency_id)
        .order_by(fa.firearm_number),
        "lab_items": select(
            item.item_number,
            *_incident_key(i, a),
            item.kind,
            lr.lab_case_number,
            lr.discipline,
            fa.firearm_number,
            item.caliber,
            item.recovered_at,
            item.received_at,
            item.nibin_entered_at,
        )
        .join(i, i.id == item.incident_id)
        .join(a, a.id == i.agency_id)
        .outerjoin(lr, lr.id == item.lab_request_id)
        .outerjoin(fa, fa.id == item.firearm_id)
        .order_by(item.item_number),
        "nibin_leads": select(
            lead.id.label("_lead_id"),
            lead.lead_number,
            lead.issued_at,
            lead.status,
            null().label("reported_at"),  # a report's date: not stored, items carry theirs
            lead.confirmed_at,
            lead.excluded_at,
            lead.assigned_to,
            lead.assigned_at,
            lead.follow_up_status,
            lead.outcome,
        ).order_by(lead.lead_number),
        "forensic_results": select(
            s.ForensicResult.result_number,
            item.item_number,
            s.ForensicResult.kind,
            s.ForensicResult.reported_at,
            s.ForensicResult.subject_ref,
            s.ForensicResult.summary,
        )
        .join(item, item.id == s.ForensicResult.item_id)
        .order_by(s.ForensicResult.result_number),
        "traces": select(
            s.Trace.trace_number,
            fa.firearm_number,
            *[
                getattr(s.Trace, c)
                for c in ("requested_at", "completed_at", "purchase_date", "dealer_name")
            ],
            s.Trace.dealer_ffl,
            s.Trace.dealer_state,
            s.Trace.purchaser_ref,
            s.Trace.purchaser_is_possessor,
            s.Trace.time_to_crime_days,
        )
        .join(fa, fa.id == s.Trace.firearm_id)
        .order_by(s.Trace.trace_number),
        "case_events": select(
            s.CaseEvent.event_number,
            s.CaseEvent.kind,
            s.CaseEvent.occurred_at,
            *_incident_key(i, a),
            lead.lead_number,
            s.CaseEvent.outcome,
            s.CaseEvent.notes,
            s.CaseEvent.recorded_by,
        )
        .outerjoin(i, i.id == s.CaseEvent.incident_id)
        .outerjoin(a, a.id == i.agency_id)
        .outerjoin(lead, lead.id == s.CaseEvent.lead_id)
        .order_by(s.CaseEvent.event_number),
    }


def _lead_items(engine: Engine) -> dict[int, list[tuple[str, datetime]]]:
    stmt = (
        select(s.LeadItem.lead_id, s.EvidenceItem.item_number, s.LeadItem.added_at)
        .join(s.EvidenceItem, s.EvidenceItem.id == s.LeadItem.item_id)
        .order_by(s.LeadItem.lead_id, s.LeadItem.added_at, s.EvidenceItem.item_number)
    )
    members: dict[int, list[tuple[str, datetime]]] = {}
    with engine.connect() as conn:
        for lead_id, number, added in conn.execute(stmt):
            members.setdefault(lead_id, []).append((number, added))
    return members


def export_rows(engine: Engine, feed_name: str) -> Iterator[dict[str, Any]]:
    """The feed's rows as ``{column: python value}``, streamed, in natural-key order."""
    target = feed(feed_name)
    stmt = _selects()[target.name]
    missing = set(target.column_names) - set(stmt.selected_columns.keys()) - {"item_numbers"}
    if missing:  # a feed column the export forgot would silently write empty cells
        raise AssertionError(f"the {target.name} export lacks {sorted(missing)}")
    members = _lead_items(engine) if target.name == "nibin_leads" else {}
    with engine.connect() as conn:
        result = conn.execution_options(yield_per=STREAM_ROWS).execute(stmt)
        for row in result.mappings():
            values = {c: row.get(c) for c in target.column_names}
            if target.name == "nibin_leads":
                values["item_numbers"] = members.get(row["_lead_id"], [])
            yield values


class _Formatter:
    """Python values -> feed text, the way imports read them back."""

    def __init__(self) -> None:
        self.zone = ZoneInfo(settings.TIME_ZONE.value())

    def when(self, value: datetime) -> str:
        aware = value.replace(tzinfo=self.zone)
        if aware.astimezone(UTC).astimezone(self.zone).replace(tzinfo=None) != value:
            return value.isoformat()  # a local time the zone skips: keep it as written
        return aware.isoformat()

    def csv(self, value: Any, column_type: ColumnType) -> str:
        if value is None:
            return ""
        if column_type is ColumnType.ITEM_LIST:
            return ";".join(f"{n}@{self.when(a)}" if a else n for n, a in value)
        return str(self.json(value, column_type))

    def json(self, value: Any, column_type: ColumnType) -> Any:
        if value is None:
            return None
        if column_type is ColumnType.ITEM_LIST:
            return [{"item_number": n, "added_at": self.when(a) if a else None} for n, a in value]
        if isinstance(value, enum.Enum):
            return value.value
        if isinstance(value, datetime):
            return self.when(value)
        if isinstance(value, date):
            return value.isoformat()
        return value  # text, numbers (float repr round-trips exactly), booleans


def write_feed(target: Feed, rows: Iterator[dict[str, Any]], out: IO[str], fmt: str) -> int:
    """Write ``rows`` in ``fmt`` (csv or jsonl) to ``out``; the number of rows written."""
    formatter = _Formatter()
    types = {c.name: c.type for c in target.columns}
    count = 0
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\r\n")  # quotes a cell holding a bare \r
        writer.writerow(target.column_names)
        for row in rows:
            cells = []
            for c in target.column_names:
                value = formatter.csv(row[c], types[c])
                if types[c] is ColumnType.BOOL:
                    value = value.lower()
                elif types[c] not in NUMERIC:  # -72.7 stays a number; text "-5" becomes '-5
                    value = neutralise(value)
                cells.append(value)
            writer.writerow(cells)
            count += 1
    else:
        for row in rows:
            payload = {c: formatter.json(row[c], types[c]) for c in target.column_names}
            out.write(json.dumps(payload, ensure_ascii=False) + "\n")
            count += 1
    return count


def export_feed(
    engine: Engine,
    feed_name: str,
    path: str | Path,
    *,
    fmt: str | None = None,
    viewer: Viewer | None = None,
) -> int:
    """Export every row of ``feed_name`` to ``path`` (.csv/.jsonl, optionally .gz); audited."""
    target, path = feed(feed_name), Path(path)
    fmt = format_of(path.name, fmt)
    rows = export_rows(engine, target.name)
    if path.name.endswith(".gz"):
        with gzip.open(path, "wt", encoding="utf-8", newline="") as out:
            count = write_feed(target, rows, out, fmt)
    else:
        with path.open("w", encoding="utf-8", newline="") as out:
            count = write_feed(target, rows, out, fmt)
    audit.record(
        engine,
        viewer or Viewer.system(),
        "export",
        target=f"{target.name}: {path.name}",
        detail={"feed": target.name, "rows": count, "format": fmt},
    )
    return count
