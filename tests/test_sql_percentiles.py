"""The SQL percentile aggregate equals pandas' median and quantile on the same raw rows, per group,
on both backends: ties, odd and even counts, a single row, negatives, NULLs and an empty group."""

import random

import pandas as pd
import pytest
from sqlalchemy import Column, Engine, Float, Integer, MetaData, Table, func, insert, select

from cgic_data.sql_percentiles import median, percentile, quantile_of_sorted

GROUPS: dict[int, list[float | None]] = {
    1: [0, 10, 20, 30, 100],  # odd
    2: [5],  # a single row
    3: [3, 3, 3, 4],  # even, ties
    4: [0, 0, 1, 2, 2, 2, 7, 40, 40, 41, 90],
    5: [0.1, 0.7, 0.7, 2.35, 18.366666667163372, 18.366666667163372, 39.66666667163372, 41.0],
    6: [-12.5, -1, 0, 0, 3.25, None],  # negatives; a NULL is not a value
    7: [None, None],  # no known value: NULL, as pandas' NaN
    8: [1e9, 1e9 + 0.5],
}
QUANTILES = [0.5, 0.9, 0.1, 0.0, 1.0, 0.25]


def _values_table(engine: Engine, groups: dict[int, list[float | None]]) -> Table:
    table = Table(
        "percentile_values",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("g", Integer, nullable=False),
        Column("x", Float),
    )
    table.create(engine)
    rows = [{"g": g, "x": x} for g, values in groups.items() for x in values]
    random.Random(7).shuffle(rows)  # the aggregate must not rely on the order rows arrive in
    if rows:
        with engine.begin() as conn:
            conn.execute(insert(table), rows)
    return table


def _expected(groups: dict[int, list[float | None]], q: float) -> dict[int, float]:
    raw = pd.DataFrame(
        [(g, x) for g, values in groups.items() for x in values], columns=["g", "x"]
    ).astype({"x": float})
    by_group = raw.groupby("g")["x"]
    return (by_group.median() if q == 0.5 else by_group.quantile(q)).to_dict()


def _same(got: dict[int, float | None], expected: dict[int, float]) -> None:
    assert set(got) == set(expected)
    for g, value in expected.items():
        if pd.isna(value):
            assert got[g] is None, g
        else:
            # PostgreSQL interpolates as low + step × fraction: equal to the last binary digit
            assert got[g] == pytest.approx(value, rel=1e-15, abs=1e-12), g


def test_percentile_per_group_equals_pandas_on_the_raw_rows(engine: Engine) -> None:
    table = _values_table(engine, GROUPS)
    columns = [percentile(table.c.x, q).label(f"q{n}") for n, q in enumerate(QUANTILES)]
    with engine.connect() as conn:
        rows = conn.execute(select(table.c.g, *columns).group_by(table.c.g)).all()
    for n, q in enumerate(QUANTILES):
        _same({row.g: row[n + 1] for row in rows}, _expected(GROUPS, q))


def test_median_of_many_tied_whole_numbers_equals_pandas(engine: Engine) -> None:
    rng = random.Random(3)
    groups: dict[int, list[float | None]] = {
        g: [float(rng.randint(0, 40)) for _ in range(rng.randint(1, 400))] for g in range(12)
    }
    table = _values_table(engine, groups)
    with engine.connect() as conn:
        rows = conn.execute(
            select(table.c.g, median(table.c.x), func.count()).group_by(table.c.g)
        ).all()
    _same({row[0]: row[1] for row in rows}, _expected(groups, 0.5))
    assert {row[0]: row[2] for row in rows} == {g: len(v) for g, v in groups.items()}


def test_no_rows_at_all_give_a_null(engine: Engine) -> None:
    table = _values_table(engine, {})
    with engine.connect() as conn:
        assert conn.execute(select(median(table.c.x))).scalar() is None


@pytest.mark.parametrize("q", [-0.1, 1.5])
def test_a_quantile_outside_zero_to_one_is_refused(q: float) -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        percentile(Column("x", Float), q)


@pytest.mark.parametrize("q", QUANTILES)
def test_sorted_quantile_is_pandas_bit_for_bit(q: float) -> None:
    for values in GROUPS.values():
        known = sorted(v for v in values if v is not None)
        if known:
            series = pd.Series(known, dtype=float)
            expected = series.median() if q == 0.5 else series.quantile(q)
            assert quantile_of_sorted(known, q) == expected
