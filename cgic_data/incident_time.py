"""How an incident's time reads: a date alone when the source gave no time of day.

Imports store a date-only incident at midnight with ``occurred_time_known = false`` (issue 15);
printing it as ``00:00`` would read as a real time, so every display goes through here.
"""

from __future__ import annotations

from datetime import datetime


def occurred_text(value: datetime, time_known: bool | None = True) -> str:
    """``2025-06-01 21:15``, or ``2025-06-01`` when the time of day is unknown."""
    return f"{value:%Y-%m-%d}" if time_known is False else f"{value:%Y-%m-%d %H:%M}"
