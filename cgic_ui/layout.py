"""Rows of metric tiles that keep every label whole at the smallest screen the app is checked at.

A tile's label is one line, cut with '…' when the tile is too narrow, and ``st.columns`` never
wraps: six tiles side by side read "Casings r…", "Hits confi…" at 1280 px. The server cannot see
the screen, so the tiles per row are chosen for the main column at 1280 px with the sidebar open
(``CONTENT_PX``) from the longest label, and the rows balanced (six tiles: 3 + 3, not 4 + 2).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

CONTENT_PX = 812  # the main column at a 1280 px window, sidebar open (measured in Chromium)
CHAR_PX = 6.3  # a label's 14 px Source Sans, on average
PADDING_PX, HELP_PX = 32, 24  # a bordered tile's inner padding; a label's '?' icon


def tiles_per_row(labels: Sequence[str], *, helped: bool = False, most: int = 7) -> int:
    """How many tiles fit side by side with the longest label whole (1 to ``most``), then
    evened out over the rows they need."""
    widest = max(len(label) for label in labels) * CHAR_PX + PADDING_PX + HELP_PX * helped
    fit = max(1, min(most, int(CONTENT_PX // widest)))
    rows = math.ceil(len(labels) / fit)
    return math.ceil(len(labels) / rows)


def tile_columns(
    labels: Sequence[str], *, helped: bool = False, most: int = 7
) -> list[DeltaGenerator]:
    """One column per label, in as many equal rows as the labels need to stay whole; the last
    row keeps the others' tile width."""
    per_row = tiles_per_row(labels, helped=helped, most=most)
    cells: list[DeltaGenerator] = []
    while len(cells) < len(labels):
        cells += st.columns(per_row)
    return cells[: len(labels)]
