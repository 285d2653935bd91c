"""Alembic environment: runs on the engine the app hands over (or CGIC_DATABASE_URL)."""

from alembic import context

from cgic_data.schema import Base
from cgic_data.store import make_engine

engine = context.config.attributes.get("engine") or make_engine()

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()
