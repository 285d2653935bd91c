"""feeds: import batch details (mapping, source rows, held, message, rejects file), reject kind

Revision ID: 0002_feeds
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_feeds"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mapping", sa.String(length=120), nullable=True))
        batch_op.add_column(
            sa.Column("source_rows", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("held", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("message", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("rejects_file", sa.String(length=500), nullable=True))
    with op.batch_alter_table("import_rejects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("import_rejects", schema=None) as batch_op:
        batch_op.drop_column("kind")
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.drop_column("rejects_file")
        batch_op.drop_column("message")
        batch_op.drop_column("held")
        batch_op.drop_column("source_rows")
        batch_op.drop_column("mapping")
