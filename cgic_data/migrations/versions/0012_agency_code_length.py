"""agencies.code (and the audit log's copy) as long as an agency name: 120 characters (issue 15)

Real ORI codes are 9 characters, but sites key agencies by longer ORI-like codes or by name (the
agency rule ``{town} Police Department``); 16 characters rejected them as "too long".

Revision ID: 0012_agency_code_length
Revises: 0011_sharing_tables
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_agency_code_length"
down_revision: str | None = "0011_sharing_tables"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _length(table: str, column: str, old: int, new: int, nullable: bool) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.alter_column(
            table,
            column,
            existing_type=sa.String(length=old),
            type_=sa.String(length=new),
            existing_nullable=nullable,
        )
        return
    # SQLite stores text whatever the declared length, so only the declared type changes. A batch
    # rebuild would DROP agencies, which the incidents' foreign keys forbid; SQLite documents
    # editing the schema text for changes that leave stored data as it is
    # (https://www.sqlite.org/lang_altertable.html, "making other kinds of table schema changes").
    before, after = f"{column} VARCHAR({old})", f"{column} VARCHAR({new})"
    sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).scalar_one()
    if sql.count(before) != 1:
        raise RuntimeError(f"{table}: expected one {before!r} in {sql!r}")
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?",
        (sql.replace(before, after), table),
    )
    bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def upgrade() -> None:
    _length("agencies", "code", 16, 120, False)
    _length("audit_log", "agency_code", 16, 120, True)


def downgrade() -> None:
    _length("audit_log", "agency_code", 120, 16, True)
    _length("agencies", "code", 120, 16, False)
