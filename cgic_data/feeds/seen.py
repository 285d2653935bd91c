"""The natural keys a file has used so far, kept compactly while it streams through in chunks.

A key used again in a later chunk is a duplicate, like one within a chunk (``validate``). The
keys themselves (Python tuples of strings, ~150 bytes each) would make memory grow with the file;
a 128-bit digest and the line take 24 bytes, in sorted NumPy runs merged as they grow (so a
lookup is a few binary searches, and all the merging is O(n log n) over the file). Two different
keys share a digest with probability ~n²/2¹²⁹: about 10⁻²⁷ for a million rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np

_DIGEST = np.dtype("S16")


def digest(key: tuple[Any, ...]) -> bytes:
    text = repr(key).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(text, digest_size=16).digest()


class SeenKeys:
    """``{key digest: first line}`` for every key of the earlier chunks."""

    def __init__(self) -> None:
        self._runs: list[tuple[np.ndarray, np.ndarray]] = []  # (sorted digests, their lines)

    def __len__(self) -> int:
        return sum(len(d) for d, _ in self._runs)

    def first_lines(self, digests: Sequence[bytes]) -> list[int | None]:
        """The line each digest was first seen on, or None for a new one."""
        found: list[int | None] = [None] * len(digests)
        if not digests or not self._runs:
            return found
        wanted = np.array(digests, dtype=_DIGEST)
        for keys, lines in self._runs:
            at = np.searchsorted(keys, wanted).clip(max=len(keys) - 1)
            for index in np.flatnonzero(keys[at] == wanted):
                found[index] = int(lines[at[index]])
        return found

    def add(self, digests: Sequence[bytes], lines: Sequence[int]) -> None:
        """Remember new keys (none of them seen before, none twice)."""
        if not digests:
            return
        keys, at = np.array(digests, dtype=_DIGEST), np.array(lines, dtype=np.int64)
        order = np.argsort(keys, kind="stable")
        self._runs.append((keys[order], at[order]))
        while len(self._runs) > 1 and len(self._runs[-1][0]) >= len(self._runs[-2][0]):
            (k2, l2), (k1, l1) = self._runs.pop(), self._runs.pop()
            keys, at = np.concatenate([k1, k2]), np.concatenate([l1, l2])
            order = np.argsort(keys, kind="stable")
            self._runs.append((keys[order], at[order]))
