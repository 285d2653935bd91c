"""Hot spots: the Getis-Ord Gi* statistic of incident counts on a square grid.

A pure function of projected coordinates (metres) and the analyst's grid, no store. Written here
rather than taken from PySAL's ``esda``: esda (with libpysal) installs cleanly, but pulls
geopandas, shapely, pyogrio (a bundled GDAL) and scikit-learn into the app and takes ~5 s for
one statewide 500 m grid (54,000 cells: building the weights and ``G_Local``), where the same
statistic as a convolution (``scipy.ndimage``, already a dependency) takes milliseconds. The
formula is Getis & Ord (1992) / Ord & Getis (1995) with binary weights that include the cell
itself, as esda's ``G_Local(star=True, transform="B")`` and ArcGIS's Hot Spot Analysis compute it;
``tests/metrics/test_hot_spots.py`` checks it against a plain-loop version of that formula.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import ndimage

Neighbourhood = Literal["queen", "distance"]
MAX_CELLS = 400_000  # a statewide grid of 250 m cells is ~220,000

# (z at least, class) from the hottest down; the cold classes mirror them.
HOT_CLASSES = (
    (2.576, "Hot spot, 99% confidence"),
    (1.960, "Hot spot, 95% confidence"),
    (1.645, "Hot spot, 90% confidence"),
)
COLD_CLASSES = tuple((z, label.replace("Hot", "Cold")) for z, label in HOT_CLASSES)
NOT_SIGNIFICANT = "Not significant"
CLASS_ORDER = (
    *(label for _, label in HOT_CLASSES),
    NOT_SIGNIFICANT,
    *(label for _, label in reversed(COLD_CLASSES)),
)


@dataclass(frozen=True)
class Grid:
    """The analyst's grid: square cells of ``cell_metres``; a cell's neighbours are the 8 around
    it (queen contiguity) or every cell whose centre lies within ``distance_metres``."""

    cell_metres: int = 500
    neighbourhood: Neighbourhood = "queen"
    distance_metres: int = 1000

    def __post_init__(self) -> None:
        if not 50 <= self.cell_metres <= 10_000:
            raise ValueError("Grid cells: 50–10,000 m.")
        if self.neighbourhood not in ("queen", "distance"):
            raise ValueError(f"Unknown neighbourhood {self.neighbourhood!r}.")
        if self.neighbourhood == "distance" and not (
            self.cell_metres <= self.distance_metres <= 20 * self.cell_metres
        ):
            raise ValueError("Distance band: between one and twenty cell widths.")

    def kernel(self) -> np.ndarray:
        """Binary weights around a cell, the cell itself included (the star of Gi*)."""
        if self.neighbourhood == "queen":
            return np.ones((3, 3))
        reach = self.distance_metres // self.cell_metres
        rows, cols = np.mgrid[-reach : reach + 1, -reach : reach + 1]
        return (np.hypot(rows, cols) * self.cell_metres <= self.distance_metres).astype(float)


@dataclass(frozen=True)
class GiStarGrid:
    """Counts and Gi* z-scores per cell; row 0 is the southernmost, column 0 the westernmost."""

    grid: Grid
    x0: float  # west edge, metres
    y0: float  # south edge, metres
    counts: np.ndarray
    z: np.ndarray

    def cells(self, significant_only: bool = True) -> pd.DataFrame:
        """One row per cell (only hot and cold ones by default): its south-west corner in metres,
        incidents, z-score and class."""
        rows, cols = np.indices(self.counts.shape)
        frame = pd.DataFrame(
            {
                "x": self.x0 + cols.ravel() * self.grid.cell_metres,
                "y": self.y0 + rows.ravel() * self.grid.cell_metres,
                "incidents": self.counts.ravel().astype(int),
                "z": self.z.ravel().round(2),
                "class": classify(self.z.ravel()),
            }
        )
        return frame[frame["class"] != NOT_SIGNIFICANT] if significant_only else frame

    def summary(self) -> dict[str, int]:
        """Cells per class, hottest first (every class listed, zeros too)."""
        found = pd.Series(classify(self.z.ravel())).value_counts()
        return {label: int(found.get(label, 0)) for label in CLASS_ORDER}


def classify(z: np.ndarray) -> np.ndarray:
    """The class of each z-score: hot or cold at 99/95/90 % confidence (two-sided), else not
    significant. No correction for testing many cells at once: read one hot cell with care."""
    labels = np.full(z.shape, NOT_SIGNIFICANT, dtype=object)
    for threshold, label in reversed(HOT_CLASSES):
        labels[z >= threshold] = label
    for threshold, label in reversed(COLD_CLASSES):
        labels[z <= -threshold] = label
    return labels


def count_grid(x: np.ndarray, y: np.ndarray, cell: float) -> tuple[np.ndarray, float, float]:
    """Incidents per cell over the points' extent, snapped to multiples of ``cell``."""
    x0, y0 = np.floor(x.min() / cell) * cell, np.floor(y.min() / cell) * cell
    cols = np.floor((x - x0) / cell).astype(int)
    rows = np.floor((y - y0) / cell).astype(int)
    shape = (rows.max() + 1, cols.max() + 1)
    if shape[0] * shape[1] > MAX_CELLS:
        raise ValueError(
            f"The grid would have {shape[0] * shape[1]:,} cells: use larger cells or narrow "
            "the filter to fewer towns."
        )
    counts = np.zeros(shape)
    np.add.at(counts, (rows, cols), 1)
    return counts, float(x0), float(y0)


def gi_star(counts: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Gi* z-score of every cell: (Σ w·x − x̄ Σ w) / (s √((n Σ w² − (Σ w)²) / (n − 1))), with
    binary weights ``kernel`` centred on the cell (cells off the grid count as absent, so an
    edge cell has fewer neighbours), x̄ and s the mean and standard deviation of all n cells."""
    n = counts.size
    mean = counts.mean()
    spread = np.sqrt((counts**2).mean() - mean**2)
    if n < 2 or spread == 0:
        return np.zeros(counts.shape)
    local = ndimage.correlate(counts, kernel, mode="constant", cval=0.0)
    weights = ndimage.correlate(np.ones(counts.shape), kernel, mode="constant", cval=0.0)
    squares = ndimage.correlate(np.ones(counts.shape), kernel**2, mode="constant", cval=0.0)
    denominator = spread * np.sqrt(np.maximum(n * squares - weights**2, 0) / (n - 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (local - mean * weights) / denominator
    return np.where(denominator > 0, z, 0.0)


def gi_star_grid(x: np.ndarray, y: np.ndarray, grid: Grid | None = None) -> GiStarGrid:
    """Counts the incidents on ``grid`` over their extent and computes each cell's Gi*."""
    grid = grid or Grid()
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.size == 0:
        raise ValueError("No incidents with coordinates to grid.")
    counts, x0, y0 = count_grid(x, y, grid.cell_metres)
    return GiStarGrid(grid, x0, y0, counts, gi_star(counts, grid.kernel()))
