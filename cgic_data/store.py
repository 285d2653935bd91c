"""The one place that creates engines and brings a store's schema up to date."""

from __future__ import annotations

import contextlib
import os
import stat
from datetime import date
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, inspect, select
from sqlalchemy.engine import make_url

from cgic_data import settings, sql_percentiles
from cgic_data.schema import StoreInfo

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
OWNER_ONLY = 0o600


def make_engine(url: str | None = None) -> Engine:
    """An engine for ``url`` (default: ``CGIC_DATABASE_URL``), SQLite tuned for a shared file."""
    url = url or settings.database_url()
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:" and not parsed.query.get("uri"):
            owner_only_sqlite_file(Path(parsed.database))
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
            sql_percentiles.register_sqlite(dbapi_conn)

        return engine
    # JIT off: the dashboards' queries run for well under a second to a few seconds, and
    # PostgreSQL's JIT compilation added 0.2-0.7 s to each heavy one at full scale.
    connect_args = {"options": "-c jit=off"} if parsed.get_backend_name() == "postgresql" else {}
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args)


def owner_only_sqlite_file(path: Path) -> None:
    """Make the SQLite store file readable by its owner only, before SQLite opens it.

    The file holds password hashes and the audit log. SQLite would create it with the process's
    umask (usually 0644, readable by every local user); created here first (an empty file is a
    valid database) it is 0600, and SQLite gives its -wal and -shm files the database file's
    mode. A store created before this, and its -wal/-shm, lose group and other access.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY))
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            info = file.stat()
        except FileNotFoundError:
            continue
        if stat.S_IMODE(info.st_mode) & 0o077 and info.st_uid == os.getuid():
            file.chmod(stat.S_IMODE(info.st_mode) & 0o700)


@lru_cache(maxsize=8)
def shared_engine(url: str | None = None) -> Engine:
    """One engine (and connection pool) per URL per process."""
    return make_engine(url)


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision of every branch (creates it on an empty store)."""
    command.upgrade(alembic_config(engine), "heads")


def prepare(engine: Engine) -> None:
    """Everything a store needs before use: the newest schema, then reference data (towns)."""
    from cgic_data.towns import ensure_towns

    migrate(engine)
    ensure_towns(engine)
    if not has_statistics(engine):
        refresh_statistics(engine)


# Imports adding at least this many rows refresh the planner's statistics afterwards.
BULK_ROWS = 1_000


def has_statistics(engine: Engine) -> bool:
    """Whether the query planner has statistics. PostgreSQL's autovacuum keeps its own; a SQLite
    file has none until someone runs ANALYZE."""
    if engine.dialect.name != "sqlite":
        return True
    return inspect(engine).has_table("sqlite_stat1")


def refresh_statistics(engine: Engine) -> None:
    """ANALYZE: row counts and value spreads for the query planner. Without them SQLite guesses,
    and on a million-row store it can drive a join from the wrong end (seconds instead of a
    fraction). Run after a bulk load: the demo seed, a large import, a fresh SQLite file."""
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")


def is_empty(engine: Engine) -> bool:
    """True when the store holds no incidents (a fresh store, ready to seed)."""
    from cgic_data.schema import Incident

    if not inspect(engine).has_table("incidents"):
        return True
    with engine.connect() as conn:
        return conn.execute(select(Incident.id).limit(1)).first() is None


def store_info(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(select(StoreInfo.key, StoreInfo.value)).all())


def reference_day(info: dict[str, str]) -> date:
    """'Today' for default periods, from a store's ``store_info``: the day demo data was generated
    for, else the real today. A demo store seeded weeks ago would otherwise show empty 'last 28
    days' figures."""
    generated = info.get("demo_generated_for")
    return date.fromisoformat(generated) if generated else date.today()


def is_demo(engine: Engine) -> bool:
    """Whether the store holds synthetic demo data (every page then shows a banner)."""
    return store_info(engine).get("demo") == "true"
