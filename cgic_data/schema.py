"""The store's tables, as SQLAlchemy 2 typed models.

Every table that a feed loads has a natural key (agency + incident number, lab item number, lead
number, trace number, ...) with a unique constraint, so imports can upsert on it. Every column a page
filters on is indexed. Date-times are naive wall-clock times in the state's time zone
(``settings.TIME_ZONE``): that is how LIMS and RMS exports state them, and how users read them.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    """A portable enum: a VARCHAR with a CHECK constraint, identical on SQLite and PostgreSQL."""
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class AgencyKind(enum.StrEnum):
    LOCAL = "local"
    STATE = "state"
    FEDERAL = "federal"
    LAB = "lab"


class IncidentKind(enum.StrEnum):
    SHOOTING = "shooting"
    SHOTS_FIRED = "shots fired"
    GUN_RECOVERY = "gun recovery"


class ItemKind(enum.StrEnum):
    CARTRIDGE_CASE = "cartridge case"
    BULLET = "bullet"
    FIREARM = "firearm"
    TEST_FIRE = "test fire"
    SWAB = "swab"
    LATENT_LIFT = "latent lift"


class Discipline(enum.StrEnum):
    FIREARMS_NIBIN = "firearms/NIBIN"
    DNA = "DNA"
    LATENT_PRINTS = "latent prints"


class RequestStatus(enum.StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in progress"
    COMPLETED = "completed"
    REOPENED = "reopened"


class Priority(enum.StrEnum):
    ROUTINE = "routine"
    RUSH = "rush"
    COURT = "court date"


class LeadStatus(enum.StrEnum):
    OPEN = "open"
    CONFIRMED = "confirmed hit"
    EXCLUDED = "excluded"


class ResultKind(enum.StrEnum):
    CODIS = "CODIS"
    AFIS = "AFIS"
    DRUG_CHEMISTRY = "drug chemistry"
    DIGITAL = "digital evidence"


class CaseEventKind(enum.StrEnum):
    ARREST = "arrest"
    CHARGE = "charge"
    FOLLOW_UP = "follow-up"


class Role(enum.StrEnum):
    COMMANDER = "commander"
    ANALYST = "analyst"
    LAB_DIRECTOR = "lab director"
    ADMIN = "admin"


# --- reference -------------------------------------------------------------------------------


class Town(Base):
    __tablename__ = "towns"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    population: Mapped[int | None] = mapped_column(Integer)


class Agency(Base):
    __tablename__ = "agencies"
    id: Mapped[int] = mapped_column(primary_key=True)
    # as long as a name: a site may key its agencies by name (issue 15: no 16-character surprise)
    code: Mapped[str] = mapped_column(String(120), unique=True, doc="ORI or ORI-like code")
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[AgencyKind] = mapped_column(_enum(AgencyKind, "agency_kind"))
    home_town_id: Mapped[int | None] = mapped_column(ForeignKey("towns.id"))


# --- the evidence chain ----------------------------------------------------------------------


class Incident(Base):
    __tablename__ = "incidents"
    __table_args__ = (
        UniqueConstraint("agency_id", "incident_number", name="uq_incident_agency_number"),
        Index("ix_incidents_agency_occurred", "agency_id", "occurred_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    incident_number: Mapped[str] = mapped_column(String(40))
    occurred_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    kind: Mapped[IncidentKind] = mapped_column(_enum(IncidentKind, "incident_kind"), index=True)
    victims_injured: Mapped[int] = mapped_column(Integer, default=0)
    victims_killed: Mapped[int] = mapped_column(Integer, default=0)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    town_id: Mapped[int | None] = mapped_column(ForeignKey("towns.id"), index=True)
    address: Mapped[str | None] = mapped_column(String(200))
    # As the source named the place: kept for rows outside the store's state (no town attached).
    city: Mapped[str | None] = mapped_column(String(80))
    state: Mapped[str | None] = mapped_column(String(2))
    # False when the source gave a date only: occurred_at is then midnight, not a real time.
    occurred_time_known: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # As the RMS reports them, for sites that send no lab items (the map's caliber filter).
    caliber: Mapped[str | None] = mapped_column(String(30))
    gun_type: Mapped[str | None] = mapped_column(String(40))

    agency: Mapped[Agency] = relationship()
    town: Mapped[Town | None] = relationship()


class LabRequest(Base):
    """One submission to the lab for one discipline (a lab case may hold several requests)."""

    __tablename__ = "lab_requests"
    __table_args__ = (
        UniqueConstraint("lab_case_number", "discipline", name="uq_request_case_discipline"),
        Index("ix_lab_requests_discipline_received", "discipline", "received_at"),
        # Lab backlog page (0004_lab_indexes): covering range counts and turnaround histograms.
        Index(
            "ix_lab_requests_discipline_received_completed",
            "discipline",
            "received_at",
            "completed_at",
        ),
        Index(
            "ix_lab_requests_discipline_completed_received",
            "discipline",
            "completed_at",
            "received_at",
            "priority",
        ),
        Index("ix_lab_requests_reopened_at", "reopened_at"),
        # The same counts for one agency (0006_agency_lab_indexes): an agency's backlog page.
        Index(
            "ix_lab_requests_agency_discipline_received",
            "agency_id",
            "discipline",
            "received_at",
            "completed_at",
        ),
        Index(
            "ix_lab_requests_agency_discipline_completed",
            "agency_id",
            "discipline",
            "completed_at",
            "received_at",
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    lab_case_number: Mapped[str] = mapped_column(String(40), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    discipline: Mapped[Discipline] = mapped_column(_enum(Discipline, "discipline"))
    received_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    reopened_at: Mapped[datetime | None] = mapped_column(DateTime)
    status: Mapped[RequestStatus] = mapped_column(
        _enum(RequestStatus, "request_status"), index=True
    )
    priority: Mapped[Priority] = mapped_column(
        _enum(Priority, "priority"), default=Priority.ROUTINE
    )


class Firearm(Base):
    __tablename__ = "firearms"
    id: Mapped[int] = mapped_column(primary_key=True)
    firearm_number: Mapped[str] = mapped_column(String(40), unique=True, doc="lab firearm id")
    make: Mapped[str | None] = mapped_column(String(60))
    model: Mapped[str | None] = mapped_column(String(60))
    caliber: Mapped[str | None] = mapped_column(String(30), index=True)
    serial_number: Mapped[str | None] = mapped_column(String(60))
    serial_obliterated: Mapped[bool] = mapped_column(Boolean, default=False)
    recovery_incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    recovered_at: Mapped[datetime | None] = mapped_column(DateTime)


class EvidenceItem(Base):
    __tablename__ = "evidence_items"
    # Casings recovered in a period (overview): kind first, then the date range.
    __table_args__ = (Index("ix_evidence_items_kind_recovered", "kind", "recovered_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    item_number: Mapped[str] = mapped_column(String(40), unique=True, doc="lab item number")
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    lab_request_id: Mapped[int | None] = mapped_column(ForeignKey("lab_requests.id"), index=True)
    firearm_id: Mapped[int | None] = mapped_column(ForeignKey("firearms.id"), index=True)
    kind: Mapped[ItemKind] = mapped_column(_enum(ItemKind, "item_kind"))
    caliber: Mapped[str | None] = mapped_column(String(30), index=True)
    recovered_at: Mapped[datetime | None] = mapped_column(DateTime)
    received_at: Mapped[datetime | None] = mapped_column(DateTime)
    nibin_entered_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)


class NibinLead(Base):
    """A NIBIN lead: a cluster of linked items that grows; investigative until confirmed."""

    __tablename__ = "nibin_leads"
    # Hits confirmed in a period (overview, briefing): a range per status (0014).
    __table_args__ = (Index("ix_nibin_leads_status_confirmed", "status", "confirmed_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    lead_number: Mapped[str] = mapped_column(String(60), unique=True, doc="opaque identifier")
    issued_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    status: Mapped[LeadStatus] = mapped_column(_enum(LeadStatus, "lead_status"), index=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    excluded_at: Mapped[datetime | None] = mapped_column(DateTime)
    assigned_to: Mapped[str | None] = mapped_column(String(120))
    assigned_at: Mapped[datetime | None] = mapped_column(DateTime)
    follow_up_status: Mapped[str | None] = mapped_column(String(40))
    outcome: Mapped[str | None] = mapped_column(Text)


class LeadItem(Base):
    """Membership of an item in a lead, dated: a lead grows when items are added to it."""

    __tablename__ = "lead_items"
    lead_id: Mapped[int] = mapped_column(ForeignKey("nibin_leads.id"), primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("evidence_items.id"), primary_key=True, index=True
    )
    added_at: Mapped[datetime] = mapped_column(DateTime)


class ForensicResult(Base):
    """A result from another discipline on a case: CODIS/AFIS hits point at (pseudonymous) people."""

    __tablename__ = "forensic_results"
    id: Mapped[int] = mapped_column(primary_key=True)
    result_number: Mapped[str] = mapped_column(String(60), unique=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("evidence_items.id"), index=True)
    kind: Mapped[ResultKind] = mapped_column(_enum(ResultKind, "result_kind"), index=True)
    reported_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    subject_ref: Mapped[str | None] = mapped_column(String(60), index=True, doc="pseudonymous")
    summary: Mapped[str | None] = mapped_column(Text)


class Trace(Base):
    """An ATF eTrace result for a recovered firearm."""

    __tablename__ = "traces"
    id: Mapped[int] = mapped_column(primary_key=True)
    trace_number: Mapped[str] = mapped_column(String(60), unique=True)
    firearm_id: Mapped[int] = mapped_column(ForeignKey("firearms.id"), index=True)
    requested_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)
    purchase_date: Mapped[date | None] = mapped_column(Date)
    dealer_name: Mapped[str | None] = mapped_column(String(120))
    dealer_ffl: Mapped[str | None] = mapped_column(String(30), index=True)
    dealer_state: Mapped[str | None] = mapped_column(String(2), index=True)
    purchaser_ref: Mapped[str | None] = mapped_column(String(60), index=True, doc="pseudonymous")
    purchaser_is_possessor: Mapped[bool | None] = mapped_column(Boolean)
    time_to_crime_days: Mapped[int | None] = mapped_column(Integer)


class CaseEvent(Base):
    """Investigative follow-up reported back: arrests, charges, lead follow-up (the feedback loop)."""

    __tablename__ = "case_events"
    # A lead's latest follow-up (Leads page, packet, timeline): one covering index range per lead.
    __table_args__ = (Index("ix_case_events_lead_kind_occurred", "lead_id", "kind", "occurred_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_number: Mapped[str] = mapped_column(String(60), unique=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("nibin_leads.id"), index=True)
    kind: Mapped[CaseEventKind] = mapped_column(_enum(CaseEventKind, "case_event_kind"))
    occurred_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    outcome: Mapped[str | None] = mapped_column(String(120))
    notes: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str | None] = mapped_column(String(120))


# --- people, access and accountability -------------------------------------------------------


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(120), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(200), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255), doc="argon2; NULL for OIDC-only")
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))
    agency_id: Mapped[int | None] = mapped_column(
        ForeignKey("agencies.id"), doc="NULL: CGIC/lab staff who see all agencies"
    )
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    sessions_valid_after: Mapped[datetime | None] = mapped_column(
        DateTime, doc="sign-out everywhere: sessions started before this are void"
    )
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime)


class UserSession(Base):
    """A signed-in session a browser cookie can resume in a new tab (``cgic_data.sessions``).

    Only SHA-256 hashes of the cookie's token and of the one-time ticket that delivers it are
    stored: a copy of this table signs nobody in.
    """

    __tablename__ = "user_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    method: Mapped[str] = mapped_column(String(20), doc="password or oidc")
    token_hash: Mapped[str | None] = mapped_column(
        String(64), unique=True, doc="sha256 of the cookie's token; NULL until a ticket is redeemed"
    )
    ticket_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    ticket_expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    end_reason: Mapped[str | None] = mapped_column(String(40))
    user_agent: Mapped[str | None] = mapped_column(String(300))


class LeadView(Base):
    """When a user last looked at a lead: what makes a lead 'new' or 'growing' for them."""

    __tablename__ = "lead_views"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("nibin_leads.id"), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(DateTime)


class AuditEntry(Base):
    """Append-only record of every sign-in, view, search, export, import and admin change."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_user_at", "username", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    username: Mapped[str | None] = mapped_column(String(120))
    agency_code: Mapped[str | None] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(40), index=True)
    target: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(Text, doc="JSON: filters, row counts, ...")
    purpose: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(20))


class ImportBatch(Base):
    __tablename__ = "import_batches"
    id: Mapped[int] = mapped_column(primary_key=True)
    feed: Mapped[str] = mapped_column(String(40))
    file_name: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    imported_by: Mapped[str | None] = mapped_column(String(120))
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    rows_in: Mapped[int] = mapped_column(Integer, default=0)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(20))
    # Added by the feeds (revision 0002_feeds): see cgic_data/feeds/load.py for their meaning.
    mapping: Mapped[str | None] = mapped_column(String(120), doc="mapping file name, if any")
    source_rows: Mapped[int] = mapped_column(
        Integer, default=0, server_default="0", doc="data lines read, before folding"
    )
    held: Mapped[int] = mapped_column(
        Integer, default=0, server_default="0", doc="rejected only for unknown references"
    )
    message: Mapped[str | None] = mapped_column(Text, doc="why it failed; warnings")
    rejects_file: Mapped[str | None] = mapped_column(String(500))


class ImportReject(Base):
    __tablename__ = "import_rejects"
    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id"), index=True)
    line: Mapped[int] = mapped_column(Integer)
    column: Mapped[str | None] = mapped_column(String(80))
    value: Mapped[str | None] = mapped_column(Text)
    message: Mapped[str] = mapped_column(Text)
    raw: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str | None] = mapped_column(
        String(20), doc="file, row, value, duplicate, reference or group (0002_feeds)"
    )


class StoreInfo(Base):
    """Key/value facts about the store itself (e.g. ``demo = true`` for synthetic data)."""

    __tablename__ = "store_info"
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Bulletin(Base):
    """An officer-safety bulletin as issued (``cgic_data.bulletins``): its number, the lead or
    series it covers, who issued it (and their agency; none for lab staff) and when."""

    __tablename__ = "bulletins"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True, doc="OSB-<year>-<n>")
    kind: Mapped[str] = mapped_column(String(10), doc="lead or series")
    subject: Mapped[str] = mapped_column(String(60), doc="the lead number or the series id")
    issued_by: Mapped[str] = mapped_column(String(120))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    incidents: Mapped[int] = mapped_column(Integer, doc="incidents the bulletin shows")


# --- The sharing rule, materialized (kept exact by cgic_data.sharing; read by cgic_data.scope) ---
# No foreign keys on purpose: these rows are derived, rebuilt in bulk, and checked by
# `cgic check-sharing`; a foreign key would only slow every rebuild.


class AgencyLeadAccess(Base):
    """A lead linking at least one incident of the agency; ``live``: not excluded by an examiner.

    All rows: the leads an agency may list (``lead_visibility``); live rows: the leads whose links
    it may follow (``lead_in_scope``)."""

    __tablename__ = "agency_lead_access"
    __table_args__ = (Index("ix_agency_lead_access_lead", "lead_id"),)
    agency_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lead_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    live: Mapped[bool] = mapped_column(Boolean)


class AgencyIncidentAccess(Base):
    """An incident (of any agency) the agency sees through one of its live leads: what it sees
    beyond its own (``visibility_condition``). One row per lead, so a write re-derives only the
    rows of the leads it touched, never an agency's whole share."""

    __tablename__ = "agency_incident_access"
    __table_args__ = (Index("ix_agency_incident_access_lead", "lead_id"),)
    agency_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lead_id: Mapped[int] = mapped_column(Integer, primary_key=True)
