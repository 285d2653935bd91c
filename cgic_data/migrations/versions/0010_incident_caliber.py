"""incidents: caliber and gun type as the RMS reports them, when no lab items are sent (issue 15)

Revision ID: 0010_incident_caliber
Revises: 0009_incident_place_time
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_incident_caliber"
down_revision: str | None = "0009_incident_place_time"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("caliber", sa.String(length=30), nullable=True))
        batch.add_column(sa.Column("gun_type", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("gun_type")
        batch.drop_column("caliber")
