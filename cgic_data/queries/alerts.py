"""New-lead alerts: the leads that touch the viewer's agency and are new since their last visit.

A lead is **new** for a viewer when it was issued after ``since``, and **grew** when it was issued
before but an item joined it after ``since`` (a later shooting or a recovered gun's test fire).
Which leads: every lead that is not excluded, for lab-wide viewers; for an agency user, those that
link at least one of its agency's incidents (``scope.shared_lead_ids``). The incidents, agencies and
towns shown are only those the viewer may see (``cgic_data.scope``).

The sidebar filter does not apply: an alert is about what is new for the user, not about the
period or towns they are looking at. ``since`` comes from the caller (the UI's last visit).
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import Engine, and_, func, or_, select

from cgic_data.lead_labels import lead_label
from cgic_data.schema import (
    Agency,
    AuditEntry,
    EvidenceItem,
    Incident,
    LeadItem,
    LeadStatus,
    NibinLead,
    Town,
    User,
)
from cgic_data.scope import Viewer, shared_lead_ids, visibility_condition

ALERT_COLUMNS = [
    "lead_number", "change", "label", "issued_at", "last_added_at", "incidents",
    "incidents_added", "agencies", "towns",
]  # fmt: skip
SIGN_IN_ACTION = "sign-in"  # the action cgic_data.access writes for a sign-in


def new_leads_since(
    engine: Engine, viewer: Viewer, since: datetime, limit: int = 25
) -> pd.DataFrame:
    """Leads new or grown since ``since`` (see the module docstring), latest change first.

    Columns: lead_number, change ('new' or 'grew'), label (what the lead is, in words),
    issued_at, last_added_at, incidents (visible incidents linked), incidents_added (visible
    incidents whose first item joined after ``since``), agencies, towns.
    """
    last_added = func.max(LeadItem.added_at)
    leads_stmt = (
        select(
            NibinLead.id,
            NibinLead.lead_number,
            NibinLead.status,
            NibinLead.issued_at,
            last_added.label("last_added_at"),
        )
        .join(LeadItem, LeadItem.lead_id == NibinLead.id)
        .where(NibinLead.status != LeadStatus.EXCLUDED)
        .group_by(NibinLead.id, NibinLead.lead_number, NibinLead.status, NibinLead.issued_at)
        .having(or_(NibinLead.issued_at > since, last_added > since))
        .order_by(last_added.desc(), NibinLead.issued_at.desc(), NibinLead.lead_number)
        .limit(limit)
    )
    if not viewer.sees_all_agencies:
        leads_stmt = leads_stmt.where(NibinLead.id.in_(shared_lead_ids(viewer.agency_id)))
    with engine.connect() as conn:
        leads = pd.DataFrame(
            conn.execute(leads_stmt).all(),
            columns=["lead_id", "lead_number", "status", "issued_at", "last_added_at"],
        )
        if leads.empty:
            return pd.DataFrame(columns=ALERT_COLUMNS)
        links_stmt = (
            select(
                LeadItem.lead_id,
                Incident.id,
                func.min(LeadItem.added_at),
                Agency.name,
                Town.name,
            )
            .join(EvidenceItem, EvidenceItem.id == LeadItem.item_id)
            .join(Incident, Incident.id == EvidenceItem.incident_id)
            .join(Agency, Agency.id == Incident.agency_id)
            .outerjoin(Town, Town.id == Incident.town_id)
            .where(LeadItem.lead_id.in_(leads["lead_id"].tolist()), visibility_condition(viewer))
            .group_by(LeadItem.lead_id, Incident.id, Agency.name, Town.name)
        )
        links = pd.DataFrame(
            conn.execute(links_stmt).all(),
            columns=["lead_id", "incident_id", "added_at", "agency", "town"],
        )
    summary = links.groupby("lead_id").agg(
        incidents=("incident_id", "size"),
        incidents_added=("added_at", lambda added: int((added > since).sum())),
        agencies=("agency", _names),
        towns=("town", _names),
    )
    out = leads.join(summary, on="lead_id")
    out["change"] = (out["issued_at"] > since).map({True: "new", False: "grew"})
    out["label"] = out["status"].map(lead_label)
    return out[ALERT_COLUMNS]


def _names(values: pd.Series) -> str:
    return ", ".join(sorted({v for v in values if isinstance(v, str) and v}))


def previous_sign_in(engine: Engine, username: str) -> datetime | None:
    """When ``username`` signed in before the current sign-in, from the audit log.

    ``users.last_sign_in_at`` holds the newest sign-in only (``cgic_data.access`` stamps it at
    sign-in), so the one before comes from the audit log: the latest successful sign-in row
    earlier than that stamp. None when the user has no account or signed in only once.
    """
    with engine.connect() as conn:
        current = conn.execute(
            select(User.last_sign_in_at).where(User.username == username)
        ).scalar_one_or_none()
        if current is None:
            return None
        return conn.execute(
            select(func.max(AuditEntry.at)).where(
                and_(
                    AuditEntry.username == username,
                    AuditEntry.action == SIGN_IN_ACTION,
                    AuditEntry.outcome == "ok",
                    AuditEntry.at < current,
                )
            )
        ).scalar_one()
