"""The store: a SQLite file gets planner statistics when prepared, and they can be refreshed."""

from pathlib import Path

from sqlalchemy import Engine, text

from cgic_data.store import has_statistics, make_engine, prepare, refresh_statistics
from tests.factory import Builder


def test_a_prepared_sqlite_file_has_planner_statistics(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.sqlite'}")
    assert not has_statistics(engine)
    prepare(engine)
    assert has_statistics(engine)


def test_refreshed_statistics_count_the_rows_now_stored(engine: Engine) -> None:
    build = Builder(engine)
    agency = build.agency()
    for _ in range(3):
        build.incident(agency)
    refresh_statistics(engine)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            stat = (
                conn.execute(
                    text(
                        "select stat from sqlite_stat1 where tbl = 'incidents' and idx is not null"
                    )
                )
                .scalars()
                .first()
            )
            assert stat is not None and stat.split()[0] == "3"
        else:
            tuples = conn.execute(
                text("select reltuples from pg_class where relname = 'incidents'")
            ).scalar_one()
            assert tuples == 3
