"""lead indexes: case events by lead, kind and date (a lead's latest follow-up, covering)

Revision ID: 0005_lead_indexes
Revises: 0004_lab_indexes
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005_lead_indexes"
down_revision: str | None = "0004_lab_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_case_events_lead_kind_occurred", "case_events", ["lead_id", "kind", "occurred_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_case_events_lead_kind_occurred", table_name="case_events")
