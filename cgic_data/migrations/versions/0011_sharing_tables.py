"""sharing rule materialized: agency_lead_access and agency_incident_access, backfilled (issue 16)

Revision ID: 0011_sharing_tables
Revises: 0010_incident_caliber
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_sharing_tables"
down_revision: str | None = "0010_incident_caliber"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The rule as it stands at this revision (cgic_data.sharing may change later; this must not).
_LEAD_ROWS = """
INSERT INTO agency_lead_access (agency_id, lead_id, live)
SELECT DISTINCT i.agency_id, li.lead_id, (l.status <> 'excluded')
FROM lead_items li
JOIN evidence_items e ON e.id = li.item_id
JOIN incidents i ON i.id = e.incident_id
JOIN nibin_leads l ON l.id = li.lead_id
"""
_INCIDENT_ROWS = """
INSERT INTO agency_incident_access (agency_id, incident_id, lead_id)
SELECT DISTINCT a.agency_id, e.incident_id, a.lead_id
FROM agency_lead_access a
JOIN lead_items li ON li.lead_id = a.lead_id
JOIN evidence_items e ON e.id = li.item_id
WHERE a.live
"""


def upgrade() -> None:
    op.create_table(
        "agency_lead_access",
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("live", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("agency_id", "lead_id"),
    )
    op.create_index("ix_agency_lead_access_lead", "agency_lead_access", ["lead_id"])
    op.create_table(
        "agency_incident_access",
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("agency_id", "incident_id", "lead_id"),
    )
    op.create_index("ix_agency_incident_access_lead", "agency_incident_access", ["lead_id"])
    op.execute(_LEAD_ROWS)
    op.execute(_INCIDENT_ROWS)


def downgrade() -> None:
    op.drop_index("ix_agency_incident_access_lead", table_name="agency_incident_access")
    op.drop_table("agency_incident_access")
    op.drop_index("ix_agency_lead_access_lead", table_name="agency_lead_access")
    op.drop_table("agency_lead_access")
