"""Stores for the suite: every store-backed test runs on a real SQLite file and a real PostgreSQL.

``engine``: a fresh, migrated, empty store per test, on each backend (parametrized).
``demo_engine``: one store per backend per session, seeded by the demo generator (read-only use).

PostgreSQL comes from ``CGIC_TEST_POSTGRES_URL`` (a role that may create databases; ``make test``
sets it up). Each store is its own database, created from a migrated template, so parallel runs and
tests never see each other's rows.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from cgic_data.store import make_engine, migrate

BACKENDS = ["sqlite", "postgresql"]
PG_URL = os.environ.get("CGIC_TEST_POSTGRES_URL", "")
RUN_ID = uuid.uuid4().hex[:8]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if PG_URL or os.environ.get("CGIC_TEST_REQUIRE_POSTGRES") != "1":
        return
    raise pytest.UsageError("CGIC_TEST_REQUIRE_POSTGRES=1 but CGIC_TEST_POSTGRES_URL is not set")


class _Postgres:
    """Creates and drops throw-away databases on the test server."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = make_url(admin_url)
        self.admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        self.template = f"cgic_tpl_{RUN_ID}"
        self.created: list[str] = []
        self._execute(f'CREATE DATABASE "{self.template}"')
        self.created.append(self.template)
        template_engine = create_engine(self.url(self.template))
        migrate(template_engine)
        template_engine.dispose()

    def _execute(self, sql: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(sql))

    def url(self, name: str) -> str:
        return self.admin_url.set(database=name).render_as_string(hide_password=False)

    def new_store(self) -> Engine:
        name = f"cgic_t_{RUN_ID}_{len(self.created)}"
        self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        self.created.append(name)
        return make_engine(self.url(name))

    def drop(self, engine: Engine) -> None:
        engine.dispose()
        self._drop(str(engine.url.database))

    def _drop(self, name: str, attempts: int = 10) -> None:
        """Drop ``name``; an autovacuum worker (which a plain role may not end) can hold it for a
        moment after a large load, so retry briefly and leave it to ``close`` if it still does."""
        for attempt in range(attempts):
            try:
                self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                return
            except DBAPIError:
                time.sleep(0.2 * (attempt + 1))

    def close(self) -> None:
        for name in reversed(self.created):
            self._drop(name)
        self.admin.dispose()


class _Sqlite:
    """Fresh SQLite files, copied from one migrated template file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.template = folder / "template.sqlite"
        template_engine = make_engine(f"sqlite:///{self.template}")
        migrate(template_engine)
        template_engine.dispose()
        self.count = 0

    def new_store(self) -> Engine:
        self.count += 1
        path = self.folder / f"store{self.count}.sqlite"
        shutil.copyfile(self.template, path)
        return make_engine(f"sqlite:///{path}")

    def drop(self, engine: Engine) -> None:
        engine.dispose()


@pytest.fixture(scope="session")
def store_makers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    makers: dict[str, object] = {"sqlite": _Sqlite(tmp_path_factory.mktemp("sqlite"))}
    if PG_URL:
        makers["postgresql"] = _Postgres(PG_URL)
    yield makers
    if PG_URL:
        makers["postgresql"].close()  # type: ignore[attr-defined]


def _maker(store_makers: dict[str, object], backend: str):  # type: ignore[no-untyped-def]
    if backend not in store_makers:
        pytest.skip("no PostgreSQL server (set CGIC_TEST_POSTGRES_URL or run `make test`)")
    return store_makers[backend]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def engine(store_makers: dict[str, object], backend: str) -> Iterator[Engine]:
    """A fresh, migrated, empty store on ``backend``."""
    maker = _maker(store_makers, backend)
    store = maker.new_store()
    yield store
    maker.drop(store)


@pytest.fixture(scope="session", params=BACKENDS)
def demo_engine(
    request: pytest.FixtureRequest, store_makers: dict[str, object]
) -> Iterator[Engine]:
    """A store seeded by the demo generator (seed 7, small scale), shared by the session: read only."""
    from cgic_data.demo import seed_demo

    maker = _maker(store_makers, request.param)
    store = maker.new_store()
    seed_demo(store, seed=7, scale=0.3)
    yield store
    maker.drop(store)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """URL of a new, not yet created SQLite file (for tests of first start)."""
    return f"sqlite:///{tmp_path / 'fresh' / 'cgic.sqlite'}"
