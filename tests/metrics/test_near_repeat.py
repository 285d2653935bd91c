"""The Knox test: hand-computed counts, the calculator's p-value, the permutation invariants, and
agreement with a plain-loop re-implementation."""

from __future__ import annotations

import numpy as np
import pytest

from cgic_data.metrics import near_repeat
from cgic_data.metrics.near_repeat import (
    Bands,
    KnoxResult,
    TooManyPairs,
    knox_test,
    near_pairs,
    pairs_per_time_band,
    pairs_sharing_a_cell,
    window_neighbours,
)


def cells(result: KnoxResult) -> dict[tuple[int, int], int]:
    return {(int(r), int(c)): int(result.observed[r, c]) for r, c in np.argwhere(result.observed)}


def test_four_incidents_counted_by_hand() -> None:
    # A (0,0) day 0, B (50,0) day 3, C (0,0) day 40, D (1000,0) day 1; default bands:
    # rows same / 1–100 / … / 401–500 / beyond (6), columns 0–7 / … / 22–28 / beyond (4).
    x, y, days = np.array([0, 50, 0, 1000]), np.zeros(4), np.array([0, 3, 40, 1])
    result = knox_test(x, y, days, permutations=9)
    assert result.observed.shape == (7, 5)
    assert cells(result) == {
        (1, 0): 1,  # A–B: 50 m, 3 days
        (0, 4): 1,  # A–C: same place, 40 days
        (1, 4): 1,  # B–C: 50 m, 37 days
        (6, 0): 2,  # A–D and B–D: beyond 500 m, 1 and 2 days
        (6, 4): 1,  # C–D: beyond, 39 days
    }


def test_band_edges_are_inclusive_upper_bounds() -> None:
    # From the origin on day 0: exactly 100 m / 7 days, 100.5 m / 8 days, 500 m / 28, 501 m / 29.
    x = np.array([0, 100, 0, 0, 0, 0])
    y = np.array([0, 0, 100.5, 500, 501, 0.4])
    days = np.array([0, 7, 1000, 2000, 3000, 4000])
    result = knox_test(x, y, days, permutations=1)
    origin_pairs = {(1, 0), (2, 4), (5, 4), (6, 4), (0, 4)}  # 0.4 m is the same location
    assert origin_pairs <= set(cells(result))


def test_euclidean_and_manhattan_differ_as_they_should() -> None:
    x, y, days = np.array([0, 300]), np.array([0, 400]), np.array([0, 1])
    euclidean = knox_test(x, y, days, Bands(metric="euclidean"), permutations=1)
    manhattan = knox_test(x, y, days, Bands(metric="manhattan"), permutations=1)
    assert cells(euclidean) == {(5, 0): 1}  # 500 m: the 401–500 m band
    assert cells(manhattan) == {(6, 0): 1}  # 700 m: beyond


def test_labels_read_like_the_calculator() -> None:
    bands = Bands()
    assert bands.distance_labels == [
        "Same location", "1–100 m", "101–200 m", "201–300 m", "301–400 m", "401–500 m",
        "More than 500 m",
    ]  # fmt: skip
    assert bands.time_labels == [
        "0–7 days", "8–14 days", "15–21 days", "22–28 days", "More than 28 days",
    ]  # fmt: skip
    assert Bands(same_location=False).distance_labels[0] == "1–100 m"


def test_p_value_is_the_rank_of_the_observed_among_the_permutations() -> None:
    observed = np.array([[3, 0]])
    permuted = np.array([[[1, 0]], [[2, 0]], [[3, 0]], [[4, 0]]])  # 4 permutations
    result = KnoxResult(Bands(), 10, 4, 0, observed, permuted)
    # 3 and 4 are >= 3: p = (2 + 1) / (4 + 1); a cell of zeros everywhere: p = (4 + 1) / 5.
    assert result.p_value.tolist() == [[0.6, 1.0]]
    assert result.expected.tolist() == [[2.5, 0.0]]
    assert result.ratio[0, 0] == pytest.approx(1.2)
    assert np.isnan(result.ratio[0, 1])
    assert not result.significant.any()


def clustered(n_pairs: int = 150, seed: int = 3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Background incidents over 5 km and 2 years, each followed within 5 days by one 30–80 m
    away: a near-repeat pattern in the (1–100 m, 0–7 days) cell."""
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(0, 5000, n_pairs), rng.uniform(0, 5000, n_pairs)
    days = rng.integers(0, 730, n_pairs)
    angle, step = rng.uniform(0, 2 * np.pi, n_pairs), rng.uniform(30, 50, n_pairs)
    return (
        np.concatenate([x, x + step * np.cos(angle)]),
        np.concatenate([y, y + step * np.sin(angle)]),
        np.concatenate([days, days + rng.integers(0, 6, n_pairs)]),
    )


def test_a_planted_near_repeat_pattern_is_found() -> None:
    x, y, days = clustered()
    result = knox_test(x, y, days, permutations=199)
    assert result.p_value[1, 0] == pytest.approx(1 / 200)  # no shuffle reaches the observed
    assert result.ratio[1, 0] > 5
    assert result.window() == (1, 0)
    assert result.window_bounds((1, 0)) == (100.0, 7)
    ratio, p = result.box((1, 0))
    assert ratio > 3 and p == pytest.approx(1 / 200)


def test_no_pattern_no_window() -> None:
    rng = np.random.default_rng(5)
    x, y, days = rng.uniform(0, 3000, 200), rng.uniform(0, 3000, 200), rng.integers(0, 365, 200)
    result = knox_test(x, y, days, Bands(distance_bands=2, time_bands=2), permutations=99)
    near = result.p_value[:-1, :-1]
    assert (near > 0.01).all()  # random data: nothing near the smallest p of 1/100


def test_permutation_invariants() -> None:
    x, y, days = clustered(60)
    result = knox_test(x, y, days, permutations=50, seed=11)
    n = x.size
    totals = result.permuted.sum(axis=(1, 2))
    assert (totals == n * (n - 1) // 2).all() and result.observed.sum() == n * (n - 1) // 2
    # Shuffling dates over locations keeps the pairs per distance band and per time band.
    assert (result.permuted.sum(axis=2) == result.observed.sum(axis=1)).all()
    assert (result.permuted.sum(axis=1) == result.observed.sum(axis=0)).all()
    assert (result.permuted.sum(axis=1)[0] == pairs_per_time_band(days, Bands())).all()
    again = knox_test(x, y, days, permutations=50, seed=11)
    other = knox_test(x, y, days, permutations=50, seed=12)
    assert np.array_equal(again.permuted, result.permuted)
    assert not np.array_equal(other.permuted, result.permuted)
    assert (result.p_value >= 1 / 51).all() and (result.p_value <= 1).all()


def loop_counts(x, y, days, bands: Bands) -> np.ndarray:
    """The Knox table by plain loops over every pair: the reference."""
    uppers, t_uppers = list(bands.distance_uppers), list(bands.time_uppers)
    table = np.zeros((len(bands.distance_labels), len(bands.time_labels)), dtype=int)
    for i in range(len(x)):
        for j in range(i + 1, len(x)):
            dx, dy = abs(x[i] - x[j]), abs(y[i] - y[j])
            d = dx + dy if bands.metric == "manhattan" else (dx * dx + dy * dy) ** 0.5
            gap = abs(int(days[i]) - int(days[j]))
            row = next((k for k, u in enumerate(uppers) if d <= u), len(uppers))
            if bands.same_location:
                row = 0 if d < 1 else row + 1
            col = next((k for k, u in enumerate(t_uppers) if gap <= u), len(t_uppers))
            table[row, col] += 1
    return table


@pytest.mark.parametrize(
    "bands",
    [Bands(), Bands(50, 4, False, 3, 5, "euclidean")],
    ids=["defaults", "euclidean-50m-3d"],
)
def test_agrees_with_a_plain_loop_reimplementation(bands: Bands) -> None:
    x, y, days = clustered(150, seed=8)
    x, y = x.round(), y.round()  # some exact band edges and same places
    x[:5], y[:5] = x[5], y[5]
    result = knox_test(x, y, days, bands, permutations=3, seed=4)
    assert np.array_equal(result.observed, loop_counts(x, y, days, bands))
    rng = np.random.default_rng(4)
    for permuted in result.permuted:
        assert np.array_equal(permuted, loop_counts(x, y, days[rng.permutation(x.size)], bands))


def test_window_neighbours_lists_incidents_within_the_window() -> None:
    x = np.array([0.0, 60, 0, 300, 0])
    y = np.array([0.0, 0, 150, 0, 0])
    days = np.array([100, 95, 99, 100, 130])
    near = window_neighbours(x, y, days, 0, 200, 14)
    assert near["position"].tolist() == [1, 2]  # 300 m away and 30 days later are outside
    assert near["days"].tolist() == [-5, -1]
    assert near["metres"].tolist() == [60, 150]
    assert window_neighbours(x, y, days, 0, 0, 40)["position"].tolist() == [4]


def test_bad_parameters_are_refused_with_a_reason() -> None:
    with pytest.raises(ValueError, match="bandwidth"):
        Bands(distance_bandwidth=0)
    with pytest.raises(ValueError, match="Permutations"):
        knox_test(np.zeros(2), np.zeros(2), np.zeros(2), permutations=0)


def test_a_run_beyond_the_pair_budget_is_refused_before_listing_pairs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    x, y, days = clustered(40)
    pairs, _ = near_pairs(x, y, Bands())
    monkeypatch.setattr(near_repeat, "MAX_PAIR_PERMUTATIONS", len(pairs) * 99)
    assert knox_test(x, y, days, permutations=99).observed[:-1].sum() == len(pairs)
    with pytest.raises(ValueError, match=f"{len(pairs):,} pairs of incidents lie within 500 m"):
        knox_test(x, y, days, permutations=100)


def test_pairs_sharing_a_cell_never_exceed_the_pairs_within_reach() -> None:
    x, y, _ = clustered(200)
    points = np.column_stack([x, y])
    for metric, p in (("euclidean", 2), ("manhattan", 1)):
        pairs, _ = near_pairs(x, y, Bands(metric=metric))
        assert 0 < pairs_sharing_a_cell(points, 500.0, p) <= len(pairs)


def test_a_crowd_far_beyond_the_budget_is_refused_from_the_cell_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    x, y = np.zeros(300), np.arange(300.0)  # 300 incidents on a 300 m line: every pair is near
    monkeypatch.setattr(near_repeat, "MAX_PAIR_PERMUTATIONS", 10)
    with pytest.raises(TooManyPairs, match=r"At least [0-9,]+ pairs of incidents lie within 500 m"):
        near_pairs(x, y, Bands(), permutations=99)
