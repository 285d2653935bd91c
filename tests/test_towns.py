"""Every store gets Connecticut's towns as reference data, once, with the same ids."""

from sqlalchemy import Engine, func, select

from cgic_data.demo import seed_demo
from cgic_data.schema import Incident, Town
from cgic_data.towns import bundled_towns, ensure_towns


def test_towns_load_once_with_alphabetical_ids(engine: Engine) -> None:
    assert ensure_towns(engine) == 169
    assert ensure_towns(engine) == 0
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Town)).scalar_one() == 169
        first, last = conn.execute(select(Town.name).order_by(Town.id)).scalars().all()[::168]
    assert (first, last) == ("Andover", "Woodstock")
    assert bundled_towns()[0]["name"] == "Andover"


def test_demo_seeds_a_store_that_already_has_its_towns(engine: Engine) -> None:
    ensure_towns(engine)
    summary = seed_demo(engine, seed=3, scale=0.05)
    assert summary.towns == 0
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Town)).scalar_one() == 169
        assert conn.execute(select(func.count()).select_from(Incident)).scalar_one() > 0
