"""overview indexes: evidence items by kind and recovery date (casings recovered in a period)

Revision ID: 0003_overview_indexes
Revises: 0002_feeds
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003_overview_indexes"
down_revision: str | None = "0002_feeds"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_evidence_items_kind_recovered", "evidence_items", ["kind", "recovered_at"])


def downgrade() -> None:
    op.drop_index("ix_evidence_items_kind_recovered", table_name="evidence_items")
