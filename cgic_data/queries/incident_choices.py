"""Choices for the incident map's own filters: recent leads, their series, calibers.

The lists are conveniences, not bounds: analysts may type any lead number, and any lead number of a
series selects the series. They walk from the most recent leads in the sidebar filter, so they stay
fast on a statewide store, and count only incidents the viewer may see.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, Select, func, select, union

from cgic_data.metrics.series import chunks, series_from_pairs, series_pairs
from cgic_data.schema import EvidenceItem, Firearm, Incident, LeadItem, LeadStatus, NibinLead
from cgic_data.scope import IncidentFilter, Viewer, incident_conditions, lead_visibility


def _recent_leads(viewer: Viewer, filt: IncidentFilter, limit: int) -> Select[tuple[int]]:
    """Ids of the ``limit`` most recently issued leads linking an incident in the filter that
    the viewer may name (``lead_visibility``: an agency sees an incident another agency's lead
    reaches, never that lead). A correlated EXISTS, so the database walks leads newest first and
    stops at ``limit``.
    """
    links_one = (
        select(LeadItem.lead_id)
        .join(EvidenceItem, EvidenceItem.id == LeadItem.item_id)
        .join(Incident, Incident.id == EvidenceItem.incident_id)
        .where(LeadItem.lead_id == NibinLead.id, incident_conditions(viewer, filt))
        .exists()
    )
    return (
        select(NibinLead.id)
        .where(links_one, lead_visibility(viewer))
        .order_by(NibinLead.issued_at.desc(), NibinLead.lead_number)
        .limit(limit)
    )


def lead_choices(
    engine: Engine, viewer: Viewer, filt: IncidentFilter, limit: int = 500
) -> pd.DataFrame:
    """Leads linking incidents in the shared filter, most recently issued first, up to ``limit``.

    Columns: lead_number, status, incidents (matching the filter). The page lets analysts type any
    other lead number too, so the list is a convenience, not a bound.
    """
    recent = _recent_leads(viewer, filt, limit).subquery()
    stmt = (
        select(
            NibinLead.lead_number, NibinLead.status, func.count(EvidenceItem.incident_id.distinct())
        )
        .join(recent, recent.c.id == NibinLead.id)
        .join(LeadItem, LeadItem.lead_id == NibinLead.id)
        .join(EvidenceItem, EvidenceItem.id == LeadItem.item_id)
        .join(Incident, Incident.id == EvidenceItem.incident_id)
        .where(incident_conditions(viewer, filt))
        .group_by(NibinLead.id, NibinLead.lead_number, NibinLead.status, NibinLead.issued_at)
        .order_by(NibinLead.issued_at.desc(), NibinLead.lead_number)
    )
    with engine.connect() as conn:
        rows = [(n, LeadStatus(status).value, count) for n, status, count in conn.execute(stmt)]
    return pd.DataFrame(rows, columns=["lead_number", "status", "incidents"])


def series_choices(
    engine: Engine, viewer: Viewer, filt: IncidentFilter, leads: int = 300
) -> pd.DataFrame:
    """The series of the ``leads`` most recent leads in the filter, largest first.

    Columns: series_id, incidents (the series' incidents the viewer may see, any date), leads.
    Walking out from recent leads keeps this fast on a statewide store; any other series can be
    typed by any of its lead numbers.
    """
    with engine.connect() as conn:
        start = conn.execute(_recent_leads(viewer, filt, leads)).scalars().all()
        pairs = series_pairs(conn, viewer, lead_ids=start)
        visible: set[int] = set(pairs["incident_id"]) if viewer.sees_all_agencies else set()
        for chunk in [] if viewer.sees_all_agencies else chunks(set(pairs["incident_id"])):
            stmt = select(Incident.id).where(
                Incident.id.in_(chunk), incident_conditions(viewer, IncidentFilter())
            )
            visible |= set(conn.execute(stmt).scalars())
    membership = series_from_pairs(pairs[pairs["incident_id"].isin(visible)])
    if membership.empty:
        return pd.DataFrame(columns=["series_id", "incidents", "leads"])
    return (
        membership.groupby("series_id")
        .agg(incidents=("incident_id", "nunique"), leads=("lead_count", "max"))
        .reset_index()
        .sort_values(["incidents", "series_id"], ascending=[False, True], ignore_index=True)
    )


def caliber_choices(engine: Engine) -> list[str]:
    """Every caliber recorded on an item, a recovered firearm or an incident (a short list)."""
    by_item = select(EvidenceItem.caliber).where(EvidenceItem.caliber.is_not(None))
    by_firearm = select(Firearm.caliber).where(Firearm.caliber.is_not(None))
    by_rms = select(Incident.caliber).where(Incident.caliber.is_not(None))
    with engine.connect() as conn:
        return sorted(set(conn.execute(union(by_item, by_firearm, by_rms)).scalars()))
