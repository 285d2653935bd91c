"""agency lab indexes: the backlog page's range counts for one agency (its commander's view)

Without the agency first, an agency's intake and completion counts read every request of the
discipline in range and checked its agency row by row: 5 s at 900k requests, 0.5 s with these.

Revision ID: 0006_agency_lab_indexes
Revises: 0005_lead_indexes
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006_agency_lab_indexes"
down_revision: str | None = "0005_lead_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES: dict[str, list[str]] = {
    "ix_lab_requests_agency_discipline_received": [
        "agency_id", "discipline", "received_at", "completed_at",
    ],
    "ix_lab_requests_agency_discipline_completed": [
        "agency_id", "discipline", "completed_at", "received_at",
    ],
}  # fmt: skip


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "lab_requests", columns)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="lab_requests")
