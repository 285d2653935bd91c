"""Exact percentiles from histograms: SQL counts each distinct value, pandas reads the ranks.

SQLite has no percentile function and a million rows are slow to bring back; a histogram of
(value, count) rows is small whenever values repeat (whole days, shared timestamps). These give
the same figures as ``pandas.Series.median`` / ``quantile`` (numpy's 'linear' method, as
PostgreSQL's ``percentile_cont``) on the expanded data.
"""

from __future__ import annotations

import math

import numpy as np


def _ranked(values: np.ndarray, counts: np.ndarray, ranks: list[int]) -> np.ndarray:
    """The values at 0-based ``ranks`` of the expanded data (``values`` ascending)."""
    cumulative = np.cumsum(counts)
    # the value at rank k is the first whose cumulative count exceeds k
    return values[np.searchsorted(cumulative, ranks, side="right").clip(max=len(values) - 1)]


def weighted_quantile(values: np.ndarray, counts: np.ndarray, q: float) -> float:
    """The ``q`` quantile of data holding ``values[i]`` ``counts[i]`` times (``values`` ascending,
    counts > 0): linear interpolation between the closest ranks, as pandas' ``quantile``."""
    position = (int(counts.sum()) - 1) * q
    below = math.floor(position)
    fraction = position - below
    low, high = (float(v) for v in _ranked(values, counts, [below, below + 1]))
    step = high - low
    # numpy's lerp: from the nearer end, so a fraction of 1 lands exactly on ``high``
    return high - step * (1 - fraction) if fraction >= 0.5 else low + step * fraction


def weighted_median(values: np.ndarray, counts: np.ndarray) -> float:
    """The median as pandas computes it: the middle value, or the mean of the two middle ones."""
    total = int(counts.sum())
    low, high = (float(v) for v in _ranked(values, counts, [(total - 1) // 2, total // 2]))
    return (low + high) / 2
