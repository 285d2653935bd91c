"""The lab's throughput: when requests are completed, and which are still open or reopened.

Turnaround is drawn per request around a discipline's median, scaled by a monthly workload factor
that drifts (vacancies, training, court season). When the factor rises, intake outpaces
completions and the backlog grows; when it falls, the backlog is worked down. A few routine
requests stall (waiting on reference samples or an investigator) and stay open 100+ days.

Status semantics, as the LIMS states them:

* ``open``: received, no work started; ``in progress``: an examiner is on it. Both have no
  ``completed_at``.
* ``completed``: ``completed_at`` is when the report was signed.
* ``reopened``: work resumed after a completed report (new items, a court request);
  ``completed_at`` KEEPS the earlier completion (so turnaround of the first report stays
  measurable) and ``reopened_at`` says when the request became open work again. Backlog and
  open-work metrics should count a reopened request as open from ``reopened_at``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable

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


def complete(requests: Iterable[Request], rng: random.Random, window: Window) -> None:
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
        if request.priority == Priority.ROUTINE and rng.random() < 0.03:
            done += days(rng.uniform(60, 400))  # stalled: waiting on samples or an investigator
        done = next_weekday(business_hours(done, rng))
        if done > as_of:
            waited = (as_of - received).days
            busy = request.priority == Priority.RUSH or (waited >= 3 and rng.random() < 0.55)
            request.status = RequestStatus.IN_PROGRESS if busy else RequestStatus.OPEN
            continue
        request.completed_at, request.status = done, RequestStatus.COMPLETED
        if request.case.incident is not None and rng.random() < 0.02:
            reopened = business_hours(done + days(rng.uniform(14, 300)), rng)
            if reopened <= as_of:
                request.reopened_at, request.status = reopened, RequestStatus.REOPENED
