"""The alembic migrations build exactly the schema the models declare (tables, columns, indexes):
an index declared in ``schema.py`` but missing from a revision (or the reverse) fails here."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from cgic_data.schema import Base


def test_migrated_store_matches_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert differences == []
