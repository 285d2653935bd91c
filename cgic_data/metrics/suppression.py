"""Small-count suppression for aggregates an agency user sees beyond its own agency.

Why: trace data (and what the store holds on other agencies' cases) is shared for investigations,
not for counting another agency's few cases; published trace aggregates blank small cells so a
count cannot point at one gun or one person. The rule here:

* Lab-wide (CGIC) viewers see every agency: nothing is suppressed for them.
* For an agency user, a count cell is suppressed when it is 1 to ``SUPPRESS_BELOW - 1`` and
  includes at least one item of another agency (the cell's count is larger than the part that is
  the viewer's own). A cell made only of the viewer's own items is always shown, and so is zero.
* A figure derived from a suppressed count (a share, a median) is blanked with it.

This is primary suppression only: a total printed beside suppressed cells can give away their sum,
so pages show totals next to suppressed cells only when the total itself is not small.

Queries produce, for each count, the part that is the viewer's own (``count_with_own``), and pass
the frame through ``suppress_small_cells`` before returning it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
from sqlalchemy import and_, func

from cgic_data.scope import Viewer

SUPPRESS_BELOW = 5


def count_with_own(flag: Any, owned: Any) -> tuple[Any, Any]:
    """SQL ``count(rows where flag)`` and the viewer's own part of it (rows where ``owned`` too)."""
    return func.count().filter(flag), func.count().filter(and_(flag, owned))


def suppress_small_cells(
    frame: pd.DataFrame,
    viewer: Viewer,
    counts: Mapping[str, str],
    dependents: Mapping[str, str] | None = None,
    threshold: int = SUPPRESS_BELOW,
) -> pd.DataFrame:
    """``frame`` with the cells ``viewer`` may not see blanked (NA), per the module's rule.

    ``counts`` maps each count column to the column holding the viewer's own part of it;
    ``dependents`` maps each derived column to the count column it was computed from. The own
    columns are dropped; a boolean ``suppressed`` column marks rows that lost at least one cell,
    so a page can say that cells were blanked and why.
    """
    out = frame.copy()
    out["suppressed"] = False
    if not viewer.sees_all_agencies:
        for count, own in counts.items():
            hidden = (out[count] > 0) & (out[count] < threshold) & (out[count] > out[own])
            hidden = hidden.fillna(False).astype(bool)
            out[count] = out[count].astype("Int64").mask(hidden)
            for derived, source in (dependents or {}).items():
                if source == count:
                    out[derived] = out[derived].astype("Float64").mask(hidden)
            out["suppressed"] |= hidden
    return out.drop(columns=list(dict.fromkeys(counts.values())))
