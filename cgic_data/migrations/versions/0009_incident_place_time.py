"""incidents: city and state as the source gave them, and whether the time of day is known (issue 15)

A town is attached only inside the store's state, so an out-of-state row keeps its city as text;
a source that gave a date only is marked ``occurred_time_known = false`` (not shown as 00:00).

Revision ID: 0009_incident_place_time
Revises: 0008_bulletins
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_incident_place_time"
down_revision: str | None = "0008_bulletins"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("city", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("state", sa.String(length=2), nullable=True))
        batch.add_column(
            sa.Column("occurred_time_known", sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("occurred_time_known")
        batch.drop_column("state")
        batch.drop_column("city")
