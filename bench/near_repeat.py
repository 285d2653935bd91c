"""How long does the Knox test take: 999 permutations over 5,000 incidents (the goal: <= 10 s on
one core), and the Getis-Ord Gi* grid over the same incidents?

usage: .venv/bin/python bench/near_repeat.py [--sizes 1000,5000,10000] [--permutations 999]

The incidents are synthetic and city-like: three years of them over a 12 × 10 km city, half in
a few dense neighbourhoods (so the pairs within 500 m are many, as in a real city's hot areas),
a fifth of them near repeats of another. Timings are printed, never asserted. Run it with one
core (``OMP_NUM_THREADS=1``, set here) to match the goal.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from cgic_data.metrics.hot_spots import Grid, gi_star_grid
from cgic_data.metrics.near_repeat import Bands, knox_test, near_pairs


def city(n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    base = int(n * 0.8)
    centres = rng.uniform([2000, 2000], [10000, 8000], size=(6, 2))
    dense = base // 2
    which = rng.integers(0, len(centres), dense)
    xy = np.vstack(
        [
            centres[which] + rng.normal(0, 600, size=(dense, 2)),
            rng.uniform([0, 0], [12000, 10000], size=(base - dense, 2)),
        ]
    )
    days = rng.integers(0, 3 * 365, base)
    repeats = n - base
    source = rng.integers(0, base, repeats)
    xy = np.vstack([xy, xy[source] + rng.normal(0, 120, size=(repeats, 2))])
    days = np.concatenate([days, days[source] + rng.integers(0, 15, repeats)])
    return xy[:, 0], xy[:, 1], days


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000,10000")
    parser.add_argument("--permutations", type=int, default=999)
    args = parser.parse_args()
    print(f"{'incidents':>9} {'pairs ≤500 m':>12} {'Knox (s)':>9} {'Gi* (s)':>8}  window")
    for n in (int(s) for s in args.sizes.split(",")):
        x, y, days = city(n)
        pairs, _ = near_pairs(x, y, Bands())
        started = time.perf_counter()
        result = knox_test(x, y, days, permutations=args.permutations)
        knox = time.perf_counter() - started
        started = time.perf_counter()
        gi_star_grid(x, y, Grid())
        gi = time.perf_counter() - started
        cell = result.window()
        window = "none" if cell is None else "{:.0f} m, {} days".format(*result.window_bounds(cell))
        print(f"{n:>9,} {len(pairs):>12,} {knox:>9.2f} {gi:>8.3f}  {window}")


if __name__ == "__main__":
    main()
