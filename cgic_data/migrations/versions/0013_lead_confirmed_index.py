"""nibin_leads (status, confirmed_at): hits confirmed in a period, without reading every confirmed lead

The overview and the weekly briefing count leads issued or confirmed in a period. The issue date
had an index; "confirmed in the period" went through the status index to every confirmed lead on
file (half of them) and checked its date row by row. With the date after the status it is a range.

Revision ID: 0013_lead_confirmed_index
Revises: 0012_agency_code_length
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013_lead_confirmed_index"
down_revision: str | None = "0012_agency_code_length"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_nibin_leads_status_confirmed", "nibin_leads", ["status", "confirmed_at"])


def downgrade() -> None:
    op.drop_index("ix_nibin_leads_status_confirmed", table_name="nibin_leads")
