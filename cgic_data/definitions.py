"""One name, one definition: every headline figure, the label it carries on every page, and the
function whose docstring defines it.

A figure with the same label means the same thing wherever it appears; two figures that differ get
different labels. Pages take their labels and help text from here (``help_text``), and the
Definitions page is generated from this list and the functions' own docstrings, so the words a user
reads and the code that counts cannot drift apart.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass

from cgic_data import leadwork
from cgic_data.metrics import backlog, nibin_timeliness, throughput, time_to_crime, turnaround
from cgic_data.metrics.hot_spots import gi_star
from cgic_data.metrics.near_repeat import KnoxResult, knox_test
from cgic_data.metrics.series import series_from_pairs
from cgic_data.queries import briefing, bulletin, overview, statewide

DEFINITIONS_PAGE = "definitions"


@dataclass(frozen=True)
class Figure:
    """A figure as users see it: ``label`` everywhere, ``summary`` as its tooltip, ``source``'s
    docstring as the full definition, and the pages that show it."""

    key: str
    label: str
    summary: str
    source: Callable[..., object]
    shown_on: tuple[str, ...]

    @property
    def anchor(self) -> str:
        return self.key.replace("_", "-")

    @property
    def definition(self) -> str:
        return inspect.getdoc(self.source) or ""

    @property
    def source_name(self) -> str:
        return f"{self.source.__module__}.{self.source.__qualname__}"


FIGURES: tuple[Figure, ...] = (
    Figure("shootings", "Shootings", "Incidents of kind 'shooting' that occurred in the period.",
           overview.period_counts, ("Command overview",)),
    Figure("victims", "Victims shot", "People injured or killed in shootings in the period.",
           overview.period_counts, ("Command overview",)),
    Figure("casings_recovered", "Casings recovered",
           "Cartridge cases recovered in the period at incidents in the filter.",
           overview.period_counts, ("Command overview",)),
    Figure("nibin_entries", "NIBIN entries",
           "Cartridge cases and test fires entered into NIBIN in the period.",
           overview.period_counts, ("Command overview",)),
    Figure("leads_issued", "Leads issued",
           "NIBIN leads issued in the period (by issue date) that you may list and that link an "
           "incident in the filter's agencies and towns.",
           overview.period_counts, ("Command overview", "Leads")),
    Figure("hits_confirmed", "Hits confirmed",
           "Leads an examiner confirmed in the period (by confirmation date, whenever issued).",
           overview.period_counts, ("Command overview",)),
    Figure("issued_now_confirmed", "Issued, now confirmed",
           "Of the leads issued in the period, those an examiner has confirmed by now (whenever "
           "confirmed): not the same as hits confirmed in the period.",
           leadwork.lead_queue, ("Leads",)),
    Figure("open_for_triage", "Open for triage",
           "Leads issued in the period, not excluded, whose follow-up is not closed.",
           leadwork.annotate, ("Leads",)),
    Figure("statewide_totals", "… statewide",
           "All agencies' incidents in the period, counts only, for commanders; a total of 1–4 "
           "that includes other agencies' incidents is suppressed.",
           statewide.statewide_counts, ("Command overview",)),
    Figure("series", "Series",
           "Incidents joined by NIBIN leads an examiner has not excluded, transitively; named after "
           "the lowest lead number in them.",
           series_from_pairs, ("Command overview", "Leads", "Series network")),
    Figure("open_requests", "Open requests",
           "Lab requests received and not completed as of the end of the period (a re-opened "
           "request counts as open again).",
           backlog.snapshot, ("Lab backlog",)),
    Figure("received", "Received", "Lab requests received in the period.",
           throughput.flow_by_period, ("Lab backlog",)),
    Figure("completed", "Completed", "Lab requests completed in the period.",
           throughput.flow_by_period, ("Lab backlog",)),
    Figure("turnaround", "Turnaround",
           "Days from receipt to completion of requests completed in the period: median and 90th "
           "percentile.",
           turnaround.turnaround_summary, ("Lab backlog",)),
    Figure("nibin_timeliness", "NIBIN timeliness",
           "Hours from recovery to NIBIN entry of cartridge cases, against the goal.",
           nibin_timeliness.timeliness, ("Lab backlog", "Command overview")),
    Figure("guns_recovered", "Guns recovered",
           "Firearms recovered in the period at incidents in the filter.",
           briefing.guns_recovered, ("Weekly briefing",)),
    Figure("guns_traced", "Guns recovered, traced",
           "Of the guns recovered in the period, those with an eTrace result on file.",
           briefing.guns_recovered, ("Weekly briefing",)),
    Figure("bulletins_issued", "Officer-safety bulletins issued",
           "Bulletins issued in the period by your agency's users (all bulletins for lab staff).",
           bulletin.bulletins_issued, ("Command overview", "Weekly briefing")),
    Figure("time_to_crime", "Time-to-crime",
           "Days from a traced gun's first retail sale to its recovery in a crime.",
           time_to_crime.time_to_crime, ("Trace intelligence",)),
    Figure("near_repeat", "Knox ratio",
           "Pairs of incidents within a distance band and a time band of each other, divided by "
           "the pairs expected when the dates are shuffled over the places (Knox test, as the Near "
           "Repeat Calculator); above 1: more than chance.",
           knox_test, ("Near repeats & hot spots",)),
    Figure("near_repeat_p", "p-value (near repeat)",
           "Share of the shuffles with at least as many pairs as observed, counting the observed: "
           "(shuffles ≥ observed + 1) / (shuffles + 1). Significant at ≤ 0.05.",
           KnoxResult.p_value.fget, ("Near repeats & hot spots",)),
    Figure("near_repeat_window", "Near-repeat window",
           "The nearest significant distance band, then its shortest significant time band: "
           "incidents within both of an incident are in its window.",
           KnoxResult.window, ("Near repeats & hot spots",)),
    Figure("hot_spots", "Hot spot (Gi*)",
           "A grid cell whose incidents, with its neighbours', are more (hot) or fewer (cold) than "
           "the grid's average at 90/95/99 % confidence (Getis-Ord Gi* z-score).",
           gi_star, ("Near repeats & hot spots",)),
)  # fmt: skip
BY_KEY = {figure.key: figure for figure in FIGURES}


def figure(key: str) -> Figure:
    return BY_KEY[key]


def help_text(key: str) -> str:
    """A figure's tooltip: its one-line definition and a link to its full entry."""
    f = BY_KEY[key]
    return f"{f.summary} [Full definition]({DEFINITIONS_PAGE}#{f.anchor})"
