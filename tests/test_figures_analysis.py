"""The Analysis page's plain-language reading says only what the Knox table shows."""

import numpy as np

from cgic_data.metrics.near_repeat import Bands, KnoxResult
from cgic_ui.figures_analysis import reading

BANDS = Bands(distance_bands=2, time_bands=2)  # rows: same, 1–100, 101–200, beyond; cols: 3


def result(observed: list[list[int]], expected: list[list[int]]) -> KnoxResult:
    """99 permutations that all count ``expected``: an observed count above it has p = 0.01."""
    permuted = np.repeat(np.array(expected)[None], 99, axis=0)
    return KnoxResult(BANDS, 500, 99, 1, np.array(observed), permuted)


EXPECTED = [[1, 1, 9], [10, 10, 90], [20, 20, 200], [900, 900, 9000]]


def test_a_raised_window_from_the_origin_reads_within() -> None:
    observed = [[1, 1, 9], [20, 10, 90], [20, 20, 200], [900, 900, 9000]]
    text = reading(result(observed, EXPECTED), ["shooting"])
    assert text.startswith("Within 100 m and 7 days of a shooting, the chance of another is")
    assert "**1.9×**" in text and "p = 0.010" in text  # (1 + 20) / (1 + 10) over the window


def test_a_raised_far_cell_alone_reads_at_its_band() -> None:
    observed = [[1, 1, 9], [0, 10, 90], [30, 20, 200], [900, 900, 9000]]
    text = reading(result(observed, EXPECTED), ["shots fired", "shooting"])
    assert text.startswith("At 101–200 m and 0–7 days from an incident, the chance")
    assert "**1.5×**" in text and "not raised significantly" in text


def test_nothing_raised_reads_no_pattern() -> None:
    text = reading(result(EXPECTED, EXPECTED), ["shooting"])
    assert text.startswith("No distance and time band shows more pairs")
