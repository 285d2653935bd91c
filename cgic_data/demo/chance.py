"""Small, seeded drawing helpers shared by the generator stages.

Every stage draws from its own ``random.Random`` stream (``streams(seed)``), so a change in one
stage never shifts the numbers another stage draws, and the same seed always gives the same rows.
Nothing here touches the global ``random`` state.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from collections.abc import Sequence
from datetime import datetime, timedelta
from itertools import accumulate
from typing import Generic, TypeVar

T = TypeVar("T")


def stream(seed: int, stage: str) -> random.Random:
    """The generator for one stage: seeded from a string, so it is stable across processes."""
    return random.Random(f"cgic-demo/{seed}/{stage}")


class Weighted(Generic[T]):
    """A fixed weighted choice (cumulative weights computed once: fast for many draws)."""

    def __init__(self, options: Sequence[T], weights: Sequence[float]) -> None:
        if len(options) != len(weights) or not options:
            raise ValueError("options and weights must be non-empty and of equal length")
        self.options = list(options)
        self.cum = list(accumulate(weights))
        self.total = self.cum[-1]

    def draw(self, rng: random.Random) -> T:
        return self.options[bisect_right(self.cum, rng.random() * self.total)]


def pick(rng: random.Random, pairs: Sequence[tuple[T, float]]) -> T:
    """One option from ``[(option, weight), ...]`` (for small, one-off tables)."""
    total = 0.0
    for _, weight in pairs:
        total += weight
    x = rng.random() * total
    for option, weight in pairs:
        x -= weight
        if x < 0:
            return option
    return pairs[-1][0]


def lognormal(rng: random.Random, median: float, sigma: float) -> float:
    """A right-skewed delay around ``median``: most values close, a long tail of late ones."""
    return median * math.exp(rng.gauss(0.0, sigma))


def hours(value: float) -> timedelta:
    """A delay in whole minutes: LIMS and RMS exports state times to the minute."""
    return timedelta(minutes=round(value * 60))


def days(value: float) -> timedelta:
    """A delay in whole minutes (see ``hours``)."""
    return timedelta(minutes=round(value * 1440))


def business_hours(moment: datetime, rng: random.Random) -> datetime:
    """Move a time that falls outside 8:00-17:00 to the next morning: when lab staff log work."""
    if 8 <= moment.hour < 17:
        return moment
    day = moment.date() if moment.hour < 8 else moment.date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, 8) + timedelta(minutes=rng.randrange(150))


def next_weekday(moment: datetime) -> datetime:
    """Reports are signed on working days: a Saturday or Sunday moves to Monday, same time."""
    while moment.weekday() >= 5:
        moment += timedelta(days=1)
    return moment


class UniqueRefs:
    """Pseudonymous references like ``SUBJ-7F3A2C``: random hex, redrawn on a collision."""

    def __init__(self, rng: random.Random, prefix: str, digits: int = 6) -> None:
        self.rng, self.prefix, self.digits = rng, prefix, digits
        self.used: set[str] = set()

    def new(self) -> str:
        while True:
            ref = f"{self.prefix}-{self.rng.getrandbits(4 * self.digits):0{self.digits}X}"
            if ref not in self.used:
                self.used.add(ref)
                return ref
