"""Near-repeat analysis: the Knox test as Ratcliffe's Near Repeat Calculator computes it.

Pure functions of arrays (x and y in metres, dates as day numbers) and the bands: no store, no
Streamlit, so the statistics can be tested by hand and reused by any caller. Pairs are counted with
a k-d tree over the pairs within the largest distance band and ``numpy.bincount`` per permutation;
never a Python loop over pairs (``bench/near_repeat.py`` measures 999 permutations of 5,000
incidents).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

Metric = Literal["manhattan", "euclidean"]
SIGNIFICANCE = 0.05
SAME_PLACE_METRES = 1.0  # closer than this is "the same location" (the calculator's band 0)
# Pair counts per run: near pairs × permutations. 10,000 incidents in one city (400,000 pairs)
# × 999 take ~9 s on one core; this budget is ~30 s, beyond it a page would wait too long.
MAX_PAIR_PERMUTATIONS = 1_500_000_000


@dataclass(frozen=True)
class Bands:
    """The analyst's bands, as the calculator asks for them: a bandwidth and a number of bands
    for space and for time, plus a 'same location' band and a 'beyond' band for each."""

    distance_bandwidth: int = 100  # metres
    distance_bands: int = 5
    same_location: bool = True
    time_bandwidth: int = 7  # days
    time_bands: int = 4
    metric: Metric = "manhattan"

    def __post_init__(self) -> None:
        if not (1 <= self.distance_bandwidth <= 10_000 and 1 <= self.distance_bands <= 20):
            raise ValueError("Distance bands: a bandwidth of 1–10,000 m and 1–20 bands.")
        if not (1 <= self.time_bandwidth <= 365 and 1 <= self.time_bands <= 20):
            raise ValueError("Time bands: a bandwidth of 1–365 days and 1–20 bands.")
        if self.metric not in ("manhattan", "euclidean"):
            raise ValueError(f"Unknown distance metric {self.metric!r}.")

    @property
    def distance_uppers(self) -> np.ndarray:
        """Upper bound (inclusive, metres) of each distance band after 'same location'."""
        return self.distance_bandwidth * np.arange(1, self.distance_bands + 1, dtype=float)

    @property
    def time_uppers(self) -> np.ndarray:
        """Upper bound (inclusive, days) of each time band before 'beyond'."""
        return self.time_bandwidth * np.arange(1, self.time_bands + 1)

    @property
    def distance_labels(self) -> list[str]:
        uppers = self.distance_uppers.astype(int)
        labels = ["Same location"] if self.same_location else []
        labels += [f"{lo}–{hi} m" for lo, hi in zip([1, *(uppers[:-1] + 1)], uppers, strict=True)]
        return [*labels, f"More than {uppers[-1]} m"]

    @property
    def time_labels(self) -> list[str]:
        uppers = self.time_uppers
        spans = zip([0, *(uppers[:-1] + 1)], uppers, strict=True)
        return [*[f"{lo}–{hi} days" for lo, hi in spans], f"More than {uppers[-1]} days"]


@dataclass(frozen=True)
class KnoxResult:
    """Observed pairs per (distance band × time band), the permutations' counts and what follows.

    Rows are distance bands (the last one 'beyond'), columns time bands (the last one 'beyond')."""

    bands: Bands
    events: int
    permutations: int
    seed: int
    observed: np.ndarray  # (rows, cols) int
    permuted: np.ndarray = field(repr=False)  # (permutations, rows, cols) int

    @property
    def expected(self) -> np.ndarray:
        """Mean count of the permutations: what chance alone gives."""
        return self.permuted.mean(axis=0)

    @property
    def ratio(self) -> np.ndarray:
        """Knox ratio: observed / expected (NaN where chance gives no pair at all)."""
        expected = self.expected
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(expected > 0, self.observed / expected, np.nan)

    @property
    def p_value(self) -> np.ndarray:
        """The calculator's pseudo p-value: (permutations with a count >= observed, + 1) /
        (permutations + 1); the smallest possible is 1 / (permutations + 1)."""
        at_least = (self.permuted >= self.observed[None, :, :]).sum(axis=0)
        return (at_least + 1) / (self.permutations + 1)

    @property
    def significant(self) -> np.ndarray:
        """Cells with more pairs than chance gives, at p <= 0.05."""
        return (self.p_value <= SIGNIFICANCE) & (self.ratio > 1)

    def window(self) -> tuple[int, int] | None:
        """The near-repeat window: the first significant cell (nearest distance band, then
        shortest time band; never a 'beyond' band) as (row, column), or None."""
        rows, cols = self.observed.shape
        hits = np.argwhere(self.significant[: rows - 1, : cols - 1])
        return None if hits.size == 0 else (int(hits[0][0]), int(hits[0][1]))

    def window_bounds(self, cell: tuple[int, int]) -> tuple[float, int]:
        """(metres, days) that a cell reaches: incidents within both are in its window."""
        row, col = cell
        offset = 1 if self.bands.same_location else 0
        metres = 0.0 if row < offset else float(self.bands.distance_uppers[row - offset])
        return metres, int(self.bands.time_uppers[col])

    def box(self, cell: tuple[int, int]) -> tuple[float, float]:
        """(Knox ratio, p-value) of all pairs from the origin to ``cell`` taken together: the
        window as one cell, with its p-value from the same permutations."""
        row, col = cell
        observed = self.observed[: row + 1, : col + 1].sum()
        permuted = self.permuted[:, : row + 1, : col + 1].sum(axis=(1, 2))
        expected = permuted.mean()
        ratio = float(observed / expected) if expected > 0 else float("nan")
        return ratio, float(((permuted >= observed).sum() + 1) / (self.permutations + 1))

    def cells(self) -> pd.DataFrame:
        """One row per cell, as exported: bands, observed, expected, Knox ratio, p, significant."""
        d_labels, t_labels = self.bands.distance_labels, self.bands.time_labels
        rows, cols = np.indices(self.observed.shape)
        return pd.DataFrame(
            {
                "distance": [d_labels[r] for r in rows.ravel()],
                "time": [t_labels[c] for c in cols.ravel()],
                "observed pairs": self.observed.ravel(),
                "expected pairs": self.expected.ravel().round(2),
                "Knox ratio": self.ratio.ravel().round(2),
                "p-value": self.p_value.ravel().round(4),
                "significant": self.significant.ravel(),
            }
        )

    def grid(self, values: np.ndarray) -> pd.DataFrame:
        """A (distance × time) table of ``values``, labelled as the calculator labels it."""
        return pd.DataFrame(
            values, index=self.bands.distance_labels, columns=self.bands.time_labels
        )


def distance_classes(distances: np.ndarray, bands: Bands) -> np.ndarray:
    """Row of each distance: 'same location' (< 1 m), band k for (upper[k-1], upper[k]], then
    'beyond' for more than the last upper bound."""
    classes = np.searchsorted(bands.distance_uppers, distances, side="left")
    if bands.same_location:
        classes = np.where(distances < SAME_PLACE_METRES, 0, classes + 1)
    return classes


def time_lookup(bands: Bands) -> np.ndarray:
    """Column of a day gap ``g`` is ``lookup[min(g, last upper + 1)]``: an array, so a whole
    permutation's gaps are classed in one indexing."""
    gaps = np.arange(int(bands.time_uppers[-1]) + 2)
    return np.searchsorted(bands.time_uppers, gaps, side="left")


def pairs_per_time_band(days: np.ndarray, bands: Bands) -> np.ndarray:
    """Pairs of all events per time band, whatever their distance. Depends on the dates only, so
    it is the same for every permutation: the 'beyond' distance row is this minus the near rows."""
    ordered = np.sort(days)
    n = ordered.size
    within = [
        int((np.searchsorted(ordered, ordered + upper, side="right") - np.arange(1, n + 1)).sum())
        for upper in bands.time_uppers
    ]
    cumulative = np.array([*within, n * (n - 1) // 2], dtype=np.int64)
    return np.diff(cumulative, prepend=0)


class TooManyPairs(ValueError):
    """A run whose pairs cannot be counted ``permutations`` times within the budget."""


def _refuse(pairs: str, reach: float, permutations: int) -> TooManyPairs:
    return TooManyPairs(
        f"{pairs} pairs of incidents lie within {reach:,.0f} m of each other: too many to "
        f"count {permutations:,} times here. Narrow the period or the towns, use fewer "
        "permutations or a smaller largest distance band."
    )


def pairs_sharing_a_cell(points: np.ndarray, reach: float, p: int) -> int:
    """A lower bound of the pairs within ``reach``, in one pass: any two points in one square of
    side reach/√2 (reach/2 for Manhattan distance) are within ``reach``. Lets a run over a
    whole state's years be refused in milliseconds instead of after an exact count."""
    side = reach / (2 if p == 1 else np.sqrt(2))
    _, counts = np.unique(np.floor(points / side).astype(np.int64), axis=0, return_counts=True)
    return int((counts * (counts - 1) // 2).sum())


def near_pairs(
    x: np.ndarray, y: np.ndarray, bands: Bands, permutations: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i < j) within the largest distance band, and their distance rows. Refused
    (before any pair is listed) when counting them ``permutations`` times is beyond the budget."""
    points = np.column_stack([x, y])
    p = 1 if bands.metric == "manhattan" else 2
    reach, runs = float(bands.distance_uppers[-1]), max(permutations, 1)
    at_least = pairs_sharing_a_cell(points, reach, p) if len(points) else 0
    if at_least * runs > MAX_PAIR_PERMUTATIONS:
        raise _refuse(f"At least {at_least:,}", reach, permutations)
    tree = cKDTree(points)
    near = (int(tree.count_neighbors(tree, reach, p=p)) - len(points)) // 2
    if near * runs > MAX_PAIR_PERMUTATIONS:
        raise _refuse(f"{near:,}", reach, permutations)
    pairs = tree.query_pairs(reach, p=p, output_type="ndarray")
    deltas = points[pairs[:, 0]] - points[pairs[:, 1]]
    distances = np.abs(deltas).sum(axis=1) if p == 1 else np.hypot(deltas[:, 0], deltas[:, 1])
    return pairs, distance_classes(distances, bands)


def knox_test(
    x: np.ndarray,
    y: np.ndarray,
    days: np.ndarray,
    bands: Bands | None = None,
    permutations: int = 999,
    seed: int = 20_250_101,
) -> KnoxResult:
    """Knox test of space-time clustering. Observed: pairs of events per (distance band × time
    band). Expected: the dates are shuffled over the locations ``permutations`` times (a fixed
    ``seed``, so a result is reproducible) and each cell's counts kept; the Knox ratio is observed
    / mean of the shuffles and the pseudo p-value the rank of the observed among them.

    ``days`` are whole day numbers (e.g. ``datetime64[D]`` as integers); the gap of a pair is the
    absolute difference in days."""
    bands = bands or Bands()
    if not 1 <= permutations <= 9_999:
        raise ValueError("Permutations: between 1 and 9,999.")
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    days = np.asarray(days, dtype=np.int64)
    if not x.shape == y.shape == days.shape or x.ndim != 1:
        raise ValueError("x, y and days must be one-dimensional arrays of the same length.")
    pairs, rows = near_pairs(x, y, bands, permutations)
    near_rows = len(bands.distance_labels) - 1
    cols = bands.time_bands + 1
    lookup, cap = time_lookup(bands), int(bands.time_uppers[-1]) + 1
    cell_base = rows * cols  # each near pair's row, as a flat index of its row's first cell
    totals = pairs_per_time_band(days, bands)
    first, second = pairs[:, 0], pairs[:, 1]

    def count(order: np.ndarray) -> np.ndarray:
        shuffled = days[order]
        gaps = np.minimum(np.abs(shuffled[first] - shuffled[second]), cap)
        near = np.bincount(cell_base + lookup[gaps], minlength=near_rows * cols)
        near = near.reshape(near_rows, cols)
        return np.vstack([near, totals - near.sum(axis=0)])

    observed = count(np.arange(x.size))
    rng = np.random.default_rng(seed)
    permuted = np.stack([count(rng.permutation(x.size)) for _ in range(permutations)])
    return KnoxResult(bands, int(x.size), permutations, seed, observed, permuted)


def window_neighbours(
    x: np.ndarray,
    y: np.ndarray,
    days: np.ndarray,
    index: int,
    metres: float,
    within_days: int,
    metric: Metric = "manhattan",
) -> pd.DataFrame:
    """The other events within ``metres`` and ``within_days`` (before or after) of event
    ``index``: positions, distance in metres and days from it (negative: before it)."""
    dx, dy = np.asarray(x) - x[index], np.asarray(y) - y[index]
    distance = np.abs(dx) + np.abs(dy) if metric == "manhattan" else np.hypot(dx, dy)
    gap = np.asarray(days, dtype=np.int64) - int(days[index])
    near = np.flatnonzero(
        (distance <= max(metres, SAME_PLACE_METRES - 1e-9)) & (np.abs(gap) <= within_days)
    )
    near = near[near != index]
    frame = pd.DataFrame({"position": near, "metres": distance[near].round(), "days": gap[near]})
    return frame.sort_values(["days", "metres"], ignore_index=True)
