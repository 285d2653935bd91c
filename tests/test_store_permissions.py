"""The embedded store holds password hashes and the audit log: only its owner may read it."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sqlalchemy import text

from cgic_data.store import make_engine, migrate


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_sqlite_store_and_its_wal_files_are_owner_only(tmp_path: Path) -> None:
    db = tmp_path / "data" / "cgic.sqlite"
    engine = make_engine(f"sqlite:///{db}")
    migrate(engine)
    with engine.connect() as conn:  # an open connection keeps the -wal and -shm files
        conn.execute(text("select count(*) from users")).scalar_one()
        wal = [db.with_name(db.name + suffix) for suffix in ("-wal", "-shm")]
        assert all(p.exists() for p in wal)
        assert {p.name: mode(p) for p in [db, *wal]} == {p.name: 0o600 for p in [db, *wal]}
    engine.dispose()


def test_an_existing_world_readable_store_is_tightened(tmp_path: Path) -> None:
    db = tmp_path / "cgic.sqlite"
    migrate(make_engine(f"sqlite:///{db}"))
    wal = db.with_name(db.name + "-wal")
    wal.touch()
    for path in (db, wal):
        os.chmod(path, 0o644)
    engine = make_engine(f"sqlite:///{db}")
    assert (mode(db), mode(wal)) == (0o600, 0o600)
    engine.dispose()
