"""The lab's throughput: when requests are completed, and which are still open or reopened.

Turnaround is drawn per request around a discipline's median, scaled by a monthly workload factor
that drifts (vacancies, training, court season). When the factor rises, intake outpaces
completions and the backlog grows; when it falls, the backlog is worked down. A few routine
requests stall (waiting on reference samples or an investigator) and stay open for months.

Status semantics, as the LIMS states them:

* ``open``: received, no work started; ``in progress``: an examiner is on it. Both have no
  ``completed_at``.
* ``completed``: ``completed_at`` is when the report was signed.
* ``reopened``: work resumed after a completed report (new items, a court request);
  ``completed_at`` KEEPS the earlier completion (so turnaround of the first report stays
  measurable) and ``reopened_at`` says when the request became open work again. Backlog and
  open-work metrics count a reopened request as open from ``reopened_at``.

Re-opening is rare (a few percent of reports) and short: the supplementary report follows in
days to weeks. Once it is signed the demo's request is simply completed at its first report (the
turnaround a lab director tracks; the store has one completion date, and the metrics' own tests
cover a re-opening from an earlier cycle), so the re-openings a demo store shows are those still
being worked: recent, never a years-old re-opening at the top of the oldest-open list.
"""

from __future__ import annotations

import math
import random
from datetime import timedelta

from cgic_data.demo.chance import business_hours, days, lognormal, next_weekday
from cgic_data.demo.evidence import Request
from cgic_data.demo.incidents import Window
from cgic_data.schema import Discipline, Priority, RequestStatus

MEDIAN_DAYS = {
    Discipline.FIREARMS_NIBIN: 14.0,
    Discipline.DNA: 28.0,
    Discipline.LATENT_PRINTS: 16.0,
}
PRIORITY_FACTOR = {Priority.RUSH: 0.25, Priority.COURT: 0.6, Priority.ROUTINE: 1.0}
STALL_SHARE = 0.03  # routine requests waiting months on reference samples or an investigator
STALL_DAYS = (45.0, 240.0)  # extra wait of a stalled request: its oldest are under a year
REOPEN_SHARE = 0.03  # completed requests sent back for new items or a court's question
REOPEN_AFTER_DAYS = 45.0  # median time from the report to the re-opening
REWORK_DAYS = 8.0  # median time from the re-opening to the supplementary report
REOPENED_AT_LEAST = 1  # every demo shows a request being reworked (small scales too)


class Workload:
    """A monthly factor per discipline: a mean-reverting random walk around 1."""

    def __init__(self, rng: random.Random, window: Window) -> None:
        self.first = (window.start.year, window.start.month)
        months = (window.today.year - window.start.year) * 12 + window.today.month + 2
        self.factors: dict[Discipline, list[float]] = {}
        for discipline in Discipline:
            log_f, series = 0.0, []
            for _ in range(months):
                log_f = 0.75 * log_f + rng.gauss(0, 0.25)
                series.append(min(2.2, max(0.5, math.exp(log_f))))
            self.factors[discipline] = series

    def factor(self, discipline: Discipline, year: int, month: int) -> float:
        index = (year - self.first[0]) * 12 + month - self.first[1]
        return self.factors[discipline][index]


def complete(requests: list[Request], rng: random.Random, window: Window) -> None:
    """Set completed_at / reopened_at / status on every request (in a fixed order)."""
    workload = Workload(rng, window)
    as_of = window.as_of
    for request in requests:
        received = request.case.received_at
        assert request.ready_at is not None
        median = (
            MEDIAN_DAYS[request.discipline]
            * PRIORITY_FACTOR[request.priority]
            * workload.factor(request.discipline, received.year, received.month)
        )
        done = max(request.ready_at, received + days(lognormal(rng, median, 0.6)))
        if request.priority == Priority.ROUTINE and rng.random() < STALL_SHARE:
            done += days(rng.uniform(*STALL_DAYS))
        done = next_weekday(business_hours(done, rng))
        if done > as_of:
            waited = (as_of - received).days
            busy = request.priority == Priority.RUSH or (waited >= 3 and rng.random() < 0.55)
            request.status = RequestStatus.IN_PROGRESS if busy else RequestStatus.OPEN
            continue
        request.completed_at, request.status = done, RequestStatus.COMPLETED
        if rng.random() < REOPEN_SHARE:
            reopened = business_hours(done + days(lognormal(rng, REOPEN_AFTER_DAYS, 0.8)), rng)
            redone = reopened + days(lognormal(rng, REWORK_DAYS, 0.6))
            if reopened <= as_of < redone:  # still being reworked
                request.reopened_at, request.status = reopened, RequestStatus.REOPENED
    reopen_a_few(requests, rng, window)


def reopen_a_few(requests: list[Request], rng: random.Random, window: Window) -> None:
    """Re-open recent reports until ``REOPENED_AT_LEAST`` requests are being reworked.

    At small scales the rare re-openings above often leave none open, and the pages' re-opened
    path would go unseen; these are re-opened in the last two weeks, like the others.
    """
    as_of = window.as_of
    reworked = sum(r.status == RequestStatus.REOPENED for r in requests)
    recent = [
        r
        for r in requests
        if r.status == RequestStatus.COMPLETED
        and r.completed_at is not None
        and as_of - timedelta(days=120) < r.completed_at < as_of - timedelta(days=20)
    ]
    for request in rng.sample(recent, min(len(recent), max(0, REOPENED_AT_LEAST - reworked))):
        reopened = next_weekday(business_hours(as_of - days(rng.uniform(2, 14)), rng))
        request.reopened_at = min(reopened, as_of)
        request.status = RequestStatus.REOPENED
