"""Feeds from the lab and ATF: requests, firearms, items, NIBIN leads, results, traces."""

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
        _ref("agency_code", CODE, "code of the submitting agency", required=True),
        _ref("incident_number", 40, "incident the evidence comes from"),
        _ref("incident_agency_code", CODE, "agency of that incident (default: agency_code)"),
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
        _ref("recovery_agency_code", CODE, "agency of the incident where it was recovered"),
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
        _ref("agency_code", CODE, "agency of the incident the item comes from", required=True),
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
