"""lab indexes: covering indexes for the Lab backlog page's range counts and histograms

Revision ID: 0004_lab_indexes
Revises: 0003_overview_indexes
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004_lab_indexes"
down_revision: str | None = "0003_overview_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES: dict[str, tuple[str, list[str]]] = {
    # receipts per bucket, and whether each was completed (throughput)
    "ix_lab_requests_discipline_received_completed": (
        "lab_requests",
        ["discipline", "received_at", "completed_at"],
    ),
    # completions per bucket and their turnaround (throughput, turnaround)
    "ix_lab_requests_discipline_completed_received": (
        "lab_requests",
        ["discipline", "completed_at", "received_at", "priority"],
    ),
    # the few re-opened requests (open counts, throughput)
    "ix_lab_requests_reopened_at": ("lab_requests", ["reopened_at"]),
}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, (table, _) in INDEXES.items():
        op.drop_index(name, table_name=table)
