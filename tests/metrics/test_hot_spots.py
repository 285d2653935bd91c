"""Getis-Ord Gi* on constructed grids: a planted hot spot is found, the formula agrees with a
plain-loop version (and with PySAL's esda when it is installed)."""

from __future__ import annotations

import numpy as np
import pytest

from cgic_data.metrics.hot_spots import (
    NOT_SIGNIFICANT,
    Grid,
    classify,
    count_grid,
    gi_star,
    gi_star_grid,
)


def loop_gi_star(counts: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Gi* by the textbook formula, cell by cell."""
    rows, cols = counts.shape
    values = counts.ravel()
    n, mean = values.size, values.mean()
    s = (sum(v * v for v in values) / n - mean * mean) ** 0.5
    reach = kernel.shape[0] // 2
    z = np.zeros(counts.shape)
    for r in range(rows):
        for c in range(cols):
            wx = w = w2 = 0.0
            for dr in range(-reach, reach + 1):
                for dc in range(-reach, reach + 1):
                    rr, cc = r + dr, c + dc
                    weight = kernel[dr + reach, dc + reach]
                    if 0 <= rr < rows and 0 <= cc < cols and weight:
                        wx, w, w2 = wx + weight * counts[rr, cc], w + weight, w2 + weight**2
            z[r, c] = (wx - mean * w) / (s * ((n * w2 - w * w) / (n - 1)) ** 0.5)
    return z


def planted(seed: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Incidents spread thinly over 10 × 10 km, and 60 of them in one 500 m cell near (5.2 km,
    5.2 km): the hot spot."""
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(0, 10_000, 300), rng.uniform(0, 10_000, 300)
    hot_x, hot_y = rng.uniform(5_000, 5_499, 60), rng.uniform(5_000, 5_499, 60)
    return np.concatenate([x, hot_x]), np.concatenate([y, hot_y])


def test_a_planted_hot_spot_is_hot_at_99_percent() -> None:
    x, y = planted()
    result = gi_star_grid(x, y, Grid(cell_metres=500))
    hot = result.cells()
    hottest = hot.sort_values("z").iloc[-1]
    assert (hottest["x"], hottest["y"]) == (5000.0, 5000.0)
    assert hottest["class"] == "Hot spot, 99% confidence"
    assert hottest["incidents"] >= 60
    # Far from it nothing is hot.
    far = hot[(abs(hot["x"] - 5000) > 1500) | (abs(hot["y"] - 5000) > 1500)]
    assert not far["class"].str.startswith("Hot spot, 99").any()
    assert sum(result.summary().values()) == result.counts.size


def test_an_empty_patch_in_a_busy_area_is_cold() -> None:
    counts = np.full((15, 15), 6.0)
    counts[6:9, 6:9] = 0.0
    z = gi_star(counts, Grid().kernel())
    assert classify(z)[7, 7] == "Cold spot, 99% confidence"
    assert classify(z)[0, 0] == NOT_SIGNIFICANT


@pytest.mark.parametrize(
    "grid", [Grid(), Grid(cell_metres=250, neighbourhood="distance", distance_metres=600)]
)
def test_agrees_with_a_plain_loop(grid: Grid) -> None:
    counts = np.random.default_rng(7).poisson(1.5, (12, 17)).astype(float)
    assert np.allclose(gi_star(counts, grid.kernel()), loop_gi_star(counts, grid.kernel()))


def test_agrees_with_pysal_esda_when_installed() -> None:
    esda = pytest.importorskip("esda.getisord")
    weights = pytest.importorskip("libpysal.weights")
    counts = np.random.default_rng(9).poisson(1.0, (9, 11)).astype(float)
    w = weights.lat2W(9, 11, rook=False)
    expected = esda.G_Local(counts.ravel(), w, transform="B", permutations=0, star=True).Zs
    assert np.allclose(gi_star(counts, Grid().kernel()).ravel(), expected)


def test_distance_kernel_and_grid_snapping() -> None:
    kernel = Grid(cell_metres=500, neighbourhood="distance", distance_metres=1000).kernel()
    assert (
        kernel.shape == (5, 5) and kernel.sum() == 13
    )  # the centre, 4 at 500 m, 4 diagonals, 4 at 1 km
    counts, x0, y0 = count_grid(np.array([120.0, 980, 1010]), np.array([-30.0, 10, 499]), 500)
    assert (x0, y0) == (0.0, -500.0)
    assert counts.tolist() == [[1, 0, 0], [0, 1, 1]]


def test_flat_counts_give_no_hot_spot_and_bad_grids_are_refused() -> None:
    assert not gi_star(np.ones((4, 4)), Grid().kernel()).any()
    with pytest.raises(ValueError, match="cells"):
        Grid(cell_metres=10)
    with pytest.raises(ValueError, match="larger cells"):
        gi_star_grid(np.array([0.0, 200_000]), np.array([0.0, 200_000]), Grid(cell_metres=50))
