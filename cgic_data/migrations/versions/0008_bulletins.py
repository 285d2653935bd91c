"""bulletins: every officer-safety bulletin issued, numbered (issue 19)

Revision ID: 0008_bulletins
Revises: 0007_user_sessions
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_bulletins"
down_revision: str | None = "0007_user_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bulletins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("subject", sa.String(length=60), nullable=False),
        sa.Column("issued_by", sa.String(length=120), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("incidents", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    op.create_index(op.f("ix_bulletins_agency_id"), "bulletins", ["agency_id"])
    op.create_index(op.f("ix_bulletins_issued_at"), "bulletins", ["issued_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_bulletins_issued_at"), table_name="bulletins")
    op.drop_index(op.f("ix_bulletins_agency_id"), table_name="bulletins")
    op.drop_table("bulletins")
