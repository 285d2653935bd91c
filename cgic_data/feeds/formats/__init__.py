"""The feed formats: one declaration per feed of its stable columns, natural key and references.

Everything else reads these declarations: validation builds its pydantic models from them, the
loader its upserts, the exporter its files, and docs/feeds.md its column tables (a test keeps the
document in step). A column's name is the same in CSV and JSON lines, and is a contract with the
sites that send us files: rename nothing here without a mapping for the old name.

``model.py`` holds the vocabulary (columns, references, feeds); ``police.py`` and ``lab.py`` the
declarations; ``FEEDS`` lists them in load order.
"""

from __future__ import annotations

from cgic_data.feeds.formats.lab import (
    FIREARMS,
    FORENSIC_RESULTS,
    LAB_ITEMS,
    LAB_REQUESTS,
    NIBIN_LEADS,
    TRACES,
)
from cgic_data.feeds.formats.model import CODE, Column, ColumnType, Feed, Reference, markdown_table
from cgic_data.feeds.formats.police import AGENCIES, CASE_EVENTS, INCIDENTS

__all__ = [
    "CODE",
    "FEEDS",
    "Column",
    "ColumnType",
    "Feed",
    "Reference",
    "feed",
    "markdown_table",
]

# In load order: each feed only references feeds before it, so a night's files dropped together
# load in this order.
FEEDS: dict[str, Feed] = {
    f.name: f
    for f in (
        AGENCIES,
        INCIDENTS,
        LAB_REQUESTS,
        FIREARMS,
        LAB_ITEMS,
        NIBIN_LEADS,
        FORENSIC_RESULTS,
        TRACES,
        CASE_EVENTS,
    )
}


def feed(name: str) -> Feed:
    """The feed called ``name``, or a ValueError listing the feeds there are."""
    try:
        return FEEDS[name]
    except KeyError:
        raise ValueError(f"unknown feed {name!r}: expected one of {', '.join(FEEDS)}") from None
