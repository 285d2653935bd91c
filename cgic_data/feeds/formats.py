"""The feed formats: one declaration per feed of its stable columns, natural key and references.

Everything else reads these declarations: validation builds its pydantic models from them, the
loader its upserts, the exporter its files, and docs/feeds.md its column tables (a test keeps the
document in step). A column's name is the same in CSV and JSON lines, and is a contract with the
sites that send us files: rename nothing here without a mapping for the old name.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from cgic_data import schema as s


class ColumnType(enum.StrEnum):
    TEXT = "text"
    INT = "whole number"
    FLOAT = "number"
    BOOL = "true/false"
    DATETIME = "date-time"
    DATE = "date"
    ENUM = "code"
    ITEM_LIST = "item list"


@dataclass(frozen=True)
class Column:
    """One column of a feed. ``store`` is the table column it fills (None: read by the loader)."""

    name: str
    type: ColumnType
    meaning: str
    required: bool = False
    max_length: int | None = None
    enum: type[enum.StrEnum] | None = None
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None
    default: object = None  # used when the value is absent or empty
    store: str | None = ""  # "" = same name as the column; None = not a table column
    time_known: str | None = None  # date-time: the true/false column saying a time was given

    @property
    def store_column(self) -> str | None:
        return self.name if self.store == "" else self.store

    @property
    def expected(self) -> str:
        """What a valid value looks like, in the words a rejects report uses."""
        if self.enum is not None:
            return "one of: " + ", ".join(m.value for m in self.enum)
        if self.type is ColumnType.DATETIME:
            return "an ISO 8601 date-time, e.g. 2025-06-01T22:15:00-04:00 (no offset: local time)"
        if self.type is ColumnType.DATE:
            return "an ISO 8601 date, e.g. 2021-03-15"
        if self.type is ColumnType.BOOL:
            return "true or false (also yes/no, 1/0)"
        if self.type is ColumnType.ITEM_LIST:
            return "lab item numbers separated by ';', each optionally as ITEM@ISO-date-time"
        if self.type in (ColumnType.INT, ColumnType.FLOAT):
            kind = "a whole number" if self.type is ColumnType.INT else "a number"
            if self.minimum is not None and self.maximum is not None:
                return f"{kind} from {self.minimum:g} to {self.maximum:g}"
            if self.minimum is not None:
                return f"{kind} of at least {self.minimum:g}"
            return kind
        if self.pattern == r"^[A-Z]{2}$":
            return "a two-letter state code, e.g. CT"
        return f"text of at most {self.max_length} characters" if self.max_length else "text"


@dataclass(frozen=True)
class Reference:
    """Feed columns that name a row of another table by its natural key.

    ``target`` names a key index in ``keys.INDEXES``. ``fallback`` fills an empty key column from
    another column (a lab request's incident belongs to the submitting agency unless stated). An
    optional reference is absent when all its own columns are empty; a partial one is an error.
    """

    columns: tuple[str, ...]
    target: str
    store_column: str
    required: bool = False
    fallback: dict[str, str] = field(default_factory=dict)
    # A town is looked up only in the store's state: a row whose ``state_column`` names another
    # state keeps the name as text in ``keep_as`` (Brooklyn NY is not Brooklyn CT).
    state_column: str | None = None
    keep_as: str | None = None


@dataclass(frozen=True)
class Feed:
    name: str
    title: str
    description: str
    table: type[s.Base]
    key: tuple[str, ...]  # feed columns of the natural key
    store_key: tuple[str, ...]  # the same key in table columns, most selective first
    columns: tuple[Column, ...]
    references: tuple[Reference, ...] = ()

    def column(self, name: str) -> Column:
        return self._by_name[name]

    @property
    def _by_name(self) -> dict[str, Column]:
        return {c.name: c for c in self.columns}

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]


def _text(name: str, length: int | None, meaning: str, **kw: object) -> Column:
    return Column(name, ColumnType.TEXT, meaning, max_length=length, **kw)  # type: ignore[arg-type]


def _when(name: str, meaning: str, **kw: object) -> Column:
    return Column(name, ColumnType.DATETIME, meaning, **kw)  # type: ignore[arg-type]


def _code(name: str, values: type[enum.StrEnum], meaning: str, **kw: object) -> Column:
    return Column(name, ColumnType.ENUM, meaning, enum=values, **kw)  # type: ignore[arg-type]


def _ref(name: str, length: int, meaning: str, required: bool = False) -> Column:
    """A key column of a referenced row: read by the loader, not stored as such."""
    return _text(name, length, meaning, required=required, store=None)


AGENCIES = Feed(
    "agencies",
    "Agencies",
    "Police departments, State Police, task forces, federal agencies and the lab.",
    s.Agency,
    key=("code",),
    store_key=("code",),
    columns=(
        _text("code", 16, "ORI or ORI-like agency code: the natural key", required=True),
        _text("name", 120, "agency name as users read it", required=True),
        _code("kind", s.AgencyKind, "kind of agency", required=True),
        _ref("home_town", 80, "Connecticut town the agency polices (town name)"),
    ),
    references=(Reference(("home_town",), "town", "home_town_id"),),
)

INCIDENTS = Feed(
    "incidents",
    "RMS incidents",
    "Shootings, shots-fired calls and gun recoveries from an agency's records management system.",
    s.Incident,
    key=("agency_code", "incident_number"),
    store_key=("incident_number", "agency_id"),
    columns=(
        _ref("agency_code", 16, "code of the agency that recorded the incident", required=True),
        _text("incident_number", 40, "the agency's incident/case number", required=True),
        _when(
            "occurred_at",
            "when it happened (a date alone: the time is unknown)",
            required=True,
            time_known="occurred_time_known",
        ),
        _code("kind", s.IncidentKind, "kind of incident", required=True),
        Column("victims_injured", ColumnType.INT, "victims shot, not killed", minimum=0, default=0),
        Column("victims_killed", ColumnType.INT, "victims killed", minimum=0, default=0),
        Column("lat", ColumnType.FLOAT, "latitude, WGS84", minimum=-90, maximum=90),
        Column("lon", ColumnType.FLOAT, "longitude, WGS84", minimum=-180, maximum=180),
        _ref("town", 80, "town of the store's state (Connecticut), attached when `state` is it"),
        _text("address", 200, "block-level address"),
        _text("city", 80, "city or town as the source names it, kept as text in any state"),
        _text(
            "state",
            2,
            "two-letter state of the place (empty: the store's state); another state: no town",
            pattern=r"^[A-Z]{2}$",
        ),
        Column(
            "occurred_time_known",
            ColumnType.BOOL,
            "false: the source gave a date only (default: false for a date alone, else true)",
        ),
        _text("caliber", 30, "caliber the RMS reports (sites sending no lab items), e.g. 9mm"),
        _text("gun_type", 40, "gun type the RMS reports, e.g. handgun, rifle, shotgun"),
        _ref("agency_name", 120, "agency name, used only to create an unknown agency"),
        _code(
            "agency_kind",
            s.AgencyKind,
            "agency kind, used only to create an unknown agency (default local)",
            store=None,
        ),
    ),
    references=(
        Reference(("agency_code",), "agency", "agency_id", required=True),
        Reference(("town",), "town", "town_id", state_column="state", keep_as="city"),
    ),
)

LAB_REQUESTS = Feed(
    "lab_requests",
    "LIMS lab requests",
    "Submissions to the lab, one per lab case and discipline.",
    s.LabRequest,
    key=("lab_case_number", "discipline"),
    store_key=("lab_case_number", "discipline"),
    columns=(
        _text("lab_case_number", 40, "the lab's case number", required=True),
        _code("discipline", s.Discipline, "discipline of the request", required=True),
        _ref("agency_code", 16, "code of the submitting agency", required=True),
        _ref("incident_number", 40, "incident the evidence comes from"),
        _ref("incident_agency_code", 16, "agency of that incident (default: agency_code)"),
        _when("received_at", "when the lab received the request", required=True),
        _when("completed_at", "when the report was issued"),
        _when("reopened_at", "when a completed request was reopened"),
        _code("status", s.RequestStatus, "request status", required=True),
        _code("priority", s.Priority, "priority (default routine)", default=s.Priority.ROUTINE),
    ),
    references=(
        Reference(("agency_code",), "agency", "agency_id", required=True),
        Reference(
            ("incident_agency_code", "incident_number"),
            "incident",
            "incident_id",
            fallback={"incident_agency_code": "agency_code"},
        ),
    ),
)

FIREARMS = Feed(
    "firearms",
    "LIMS firearms",
    "Recovered firearms held by the lab (test fires are lab items naming the firearm).",
    s.Firearm,
    key=("firearm_number",),
    store_key=("firearm_number",),
    columns=(
        _text("firearm_number", 40, "the lab's firearm number", required=True),
        _text("make", 60, "manufacturer"),
        _text("model", 60, "model"),
        _text("caliber", 30, "caliber, e.g. 9mm Luger"),
        _text("serial_number", 60, "serial number as read"),
        Column(
            "serial_obliterated",
            ColumnType.BOOL,
            "serial number obliterated (default false)",
            default=False,
        ),
        _ref("recovery_agency_code", 16, "agency of the incident where it was recovered"),
        _ref("recovery_incident_number", 40, "incident where it was recovered"),
        _when("recovered_at", "when it was recovered"),
    ),
    references=(
        Reference(
            ("recovery_agency_code", "recovery_incident_number"),
            "incident",
            "recovery_incident_id",
        ),
    ),
)

LAB_ITEMS = Feed(
    "lab_items",
    "LIMS lab items",
    "Evidence items: cartridge cases, bullets, firearms, test fires, swabs, latent lifts.",
    s.EvidenceItem,
    key=("item_number",),
    store_key=("item_number",),
    columns=(
        _text("item_number", 40, "the lab's item number", required=True),
        _ref("agency_code", 16, "agency of the incident the item comes from", required=True),
        _ref("incident_number", 40, "incident the item comes from", required=True),
        _code("kind", s.ItemKind, "kind of item", required=True),
        _ref("lab_case_number", 40, "lab request the item was submitted with"),
        _code("discipline", s.Discipline, "discipline of that request", store=None),
        _ref("firearm_number", 40, "firearm (for a firearm or its test fires)"),
        _text("caliber", 30, "caliber"),
        _when("recovered_at", "when it was recovered at the scene"),
        _when("received_at", "when the lab received it"),
        _when("nibin_entered_at", "when it was entered into NIBIN"),
    ),
    references=(
        Reference(("agency_code", "incident_number"), "incident", "incident_id", required=True),
        Reference(("lab_case_number", "discipline"), "lab_request", "lab_request_id"),
        Reference(("firearm_number",), "firearm", "firearm_id"),
    ),
)

NIBIN_LEADS = Feed(
    "nibin_leads",
    "NIBIN leads",
    "NIBIN lead reports: investigative leads, not forensic identifications until confirmed.",
    s.NibinLead,
    key=("lead_number",),
    store_key=("lead_number",),
    columns=(
        _text("lead_number", 60, "the lead's identifier (opaque)", required=True),
        _when("issued_at", "when the lead was issued", required=True),
        _code("status", s.LeadStatus, "lead status", required=True),
        Column(
            "item_numbers",
            ColumnType.ITEM_LIST,
            "every item the lead links (the full list; items dropped from it leave the lead)",
            required=True,
            store=None,
        ),
        _when(
            "reported_at",
            "when this report was made: the default date of items new to the lead",
            store=None,
        ),
        _when("confirmed_at", "when an examiner confirmed it (a hit)"),
        _when("excluded_at", "when an examiner excluded it"),
        _text("assigned_to", 120, "investigator it is assigned to"),
        _when("assigned_at", "when it was assigned"),
        _text("follow_up_status", 40, "follow-up status in the agency's words"),
        _text("outcome", None, "outcome of the follow-up"),
    ),
)

FORENSIC_RESULTS = Feed(
    "forensic_results",
    "Forensic results",
    "CODIS and AFIS hits, drug chemistry and digital evidence results on lab items.",
    s.ForensicResult,
    key=("result_number",),
    store_key=("result_number",),
    columns=(
        _text("result_number", 60, "the lab's result number", required=True),
        _ref("item_number", 40, "item the result is on", required=True),
        _code("kind", s.ResultKind, "kind of result", required=True),
        _when("reported_at", "when it was reported", required=True),
        _text("subject_ref", 60, "pseudonymous reference of the person a hit points at"),
        _text("summary", None, "short summary"),
    ),
    references=(Reference(("item_number",), "item", "item_id", required=True),),
)

TRACES = Feed(
    "traces",
    "eTrace results",
    "ATF eTrace results for recovered firearms.",
    s.Trace,
    key=("trace_number",),
    store_key=("trace_number",),
    columns=(
        _text("trace_number", 60, "ATF trace number", required=True),
        _ref("firearm_number", 40, "the lab's firearm number", required=True),
        _when("requested_at", "when the trace was requested", required=True),
        _when("completed_at", "when the result came back"),
        Column("purchase_date", ColumnType.DATE, "first retail purchase date"),
        _text("dealer_name", 120, "selling dealer (FFL) name"),
        _text("dealer_ffl", 30, "dealer's FFL number"),
        _text("dealer_state", 2, "dealer's state (the source state)", pattern=r"^[A-Z]{2}$"),
        _text("purchaser_ref", 60, "pseudonymous reference of the purchaser"),
        Column("purchaser_is_possessor", ColumnType.BOOL, "purchaser was the possessor"),
        Column(
            "time_to_crime_days", ColumnType.INT, "days from retail sale to recovery", minimum=0
        ),
    ),
    references=(Reference(("firearm_number",), "firearm", "firearm_id", required=True),),
)

CASE_EVENTS = Feed(
    "case_events",
    "Case events",
    "Arrests, charges and lead follow-up reported back by investigators (the feedback loop).",
    s.CaseEvent,
    key=("event_number",),
    store_key=("event_number",),
    columns=(
        _text("event_number", 60, "the reporting system's event number", required=True),
        _code("kind", s.CaseEventKind, "kind of event", required=True),
        _when("occurred_at", "when it happened", required=True),
        _ref("agency_code", 16, "agency of the incident it concerns"),
        _ref("incident_number", 40, "incident it concerns"),
        _ref("lead_number", 60, "NIBIN lead it follows up"),
        _text("outcome", 120, "outcome"),
        _text("notes", None, "notes"),
        _text("recorded_by", 120, "who recorded it"),
    ),
    references=(
        Reference(("agency_code", "incident_number"), "incident", "incident_id"),
        Reference(("lead_number",), "lead", "lead_id"),
    ),
)

# In load order: each feed only references feeds before it, so a night's files dropped together
# load in this order.
FEEDS: dict[str, Feed] = {
    f.name: f
    for f in (
        AGENCIES,
        INCIDENTS,
        LAB_REQUESTS,
        FIREARMS,
        LAB_ITEMS,
        NIBIN_LEADS,
        FORENSIC_RESULTS,
        TRACES,
        CASE_EVENTS,
    )
}


def feed(name: str) -> Feed:
    """The feed called ``name``, or a ValueError listing the feeds there are."""
    try:
        return FEEDS[name]
    except KeyError:
        raise ValueError(f"unknown feed {name!r}: expected one of {', '.join(FEEDS)}") from None


def markdown_table(f: Feed) -> str:
    """The column table of ``f`` as docs/feeds.md shows it (a test keeps the two in step)."""
    lines = ["| column | type | required | meaning |", "|---|---|---|---|"]
    for c in f.columns:
        kind = str(c.type)
        if c.enum is not None:
            kind = "code: " + " / ".join(f"`{m.value}`" for m in c.enum)
        elif c.max_length:
            kind = f"text ≤ {c.max_length}"
        if c.minimum is not None and c.maximum is not None:
            kind += f", {c.minimum:g} to {c.maximum:g}"
        elif c.minimum is not None:
            kind += f", ≥ {c.minimum:g}"
        if c.pattern == r"^[A-Z]{2}$":
            kind += ", two capital letters"
        required = "**yes**" if c.required else ""
        if c.default is not None:
            shown = c.default.value if isinstance(c.default, enum.Enum) else c.default
            required = f"default `{str(shown).lower() if isinstance(shown, bool) else shown}`"
        key = " (key)" if c.name in f.key else ""
        lines.append(f"| `{c.name}`{key} | {kind} | {required} | {c.meaning} |")
    return "\n".join(lines)
