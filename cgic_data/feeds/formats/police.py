"""Feeds from police records systems: agencies, RMS incidents, case events."""

from __future__ import annotations

from cgic_data import schema as s
from cgic_data.feeds.formats.model import (
    CODE,
    Column,
    ColumnType,
    Feed,
    Reference,
    _code,
    _ref,
    _text,
    _when,
)

AGENCIES = Feed(
    "agencies",
    "Agencies",
    "Police departments, State Police, task forces, federal agencies and the lab.",
    s.Agency,
    key=("code",),
    store_key=("code",),
    columns=(
        _text("code", CODE, "ORI or ORI-like agency code: the natural key", required=True),
        _text("name", 120, "agency name as users read it", required=True),
        _code("kind", s.AgencyKind, "kind of agency", required=True),
        _ref(
            "home_town",
            80,
            "Connecticut town the agency polices (a town, or a village or section of one)",
        ),
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
        _ref("agency_code", CODE, "code of the agency that recorded the incident", required=True),
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
        _ref(
            "town",
            80,
            "town of the store's state (Connecticut), attached when `state` is it; a village "
            "or section names its town (Willimantic: Windham)",
        ),
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
        _ref("agency_code", CODE, "agency of the incident it concerns"),
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
