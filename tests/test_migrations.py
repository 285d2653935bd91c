"""The alembic migrations build exactly the schema the models declare (tables, columns, indexes):
an index declared in ``schema.py`` but missing from a revision (or the reverse) fails here."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, select

from cgic_data.schema import Agency, Base, Incident
from cgic_data.store import alembic_config
from tests.factory import Builder


def test_migrated_store_matches_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert differences == []


def test_agency_codes_widen_on_a_store_that_has_incidents(engine: Engine) -> None:
    """0012 keeps every row (a SQLite table rebuild would have to drop agencies, which the
    incidents' foreign keys forbid) and then takes a code longer than the old 16 characters."""
    config = alembic_config(engine)
    command.downgrade(config, "0012_agency_code_length-1")  # codes of at most 16 characters
    b = Builder(engine)
    b.incident(b.agency("CT0157000"), number="KEPT")
    command.upgrade(config, "heads")
    long_code = "WINDHAM POLICE DEPARTMENT"
    b.incident(b.agency(long_code), number="NEW")
    with engine.connect() as conn:
        rows = conn.execute(
            select(Incident.incident_number, Agency.code).join(Agency).order_by(Agency.code)
        ).all()
        if conn.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    assert [tuple(r) for r in rows] == [("KEPT", "CT0157000"), ("NEW", long_code)]
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
