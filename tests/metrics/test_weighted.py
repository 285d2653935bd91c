"""Percentiles from (value, count) histograms equal pandas' on the expanded data."""

import numpy as np
import pandas as pd
import pytest

from cgic_data.metrics.weighted import weighted_median, weighted_quantile

SAMPLES = [
    [0, 10, 20, 30, 100],
    [5],
    [3, 3, 3, 4],
    [0, 0, 1, 2, 2, 2, 7, 40, 40, 41, 90],
    [0.1, 0.7, 0.7, 2.35, 18.366666667163372, 18.366666667163372, 39.66666667163372, 41.0],
]


@pytest.mark.parametrize("data", SAMPLES)
@pytest.mark.parametrize("q", [0.5, 0.9, 0.1, 0.0, 1.0, 0.25])
def test_weighted_quantile_equals_pandas_on_the_expanded_data(data: list[float], q: float) -> None:
    values, counts = np.unique(data, return_counts=True)
    expected = pd.Series(data).quantile(q)
    assert weighted_quantile(values, counts, q) == pytest.approx(expected, rel=1e-15, abs=1e-15)


@pytest.mark.parametrize("data", SAMPLES)
def test_weighted_median_is_pandas_median_exactly(data: list[float]) -> None:
    values, counts = np.unique(data, return_counts=True)
    assert weighted_median(values, counts) == pd.Series(data).median()
    assert (
        weighted_median(values, counts)
        == pd.DataFrame({"g": 1, "x": data}).groupby("g")["x"].median().iloc[0]
    )
