"""The demo lab's numbers fall in the ranges DOMAIN.md gives, so a lab director believes them.

DOMAIN.md (BJS census of the state lab, 2020): about 17,000 requests a year, about 600 backlogged
(3.5 % of a year's intake); firearms: 2,265 received, 545 pending, 107 backlogged (4.7 % of intake,
20 % of what is pending). Read through the same metrics the Backlog page shows, on the session's
demo store (seed 7, scale 0.3, ending today). The bounds hold for any day the store may end on and
fail the earlier generator, whose re-opened requests never closed and topped the oldest-open list
at ~1,000 days.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Engine

from cgic_data.metrics import backlog, turnaround
from cgic_data.metrics.backlog import LabFilter
from cgic_data.scope import IncidentFilter, Viewer
from cgic_data.store import store_info

ALL, EVERYONE, LAB = IncidentFilter(), Viewer.system(), LabFilter()


def last_day(engine: Engine) -> date:
    return date.fromisoformat(store_info(engine)["demo_generated_for"])


def test_the_backlog_is_a_few_percent_of_a_years_intake(demo_engine: Engine) -> None:
    today = last_day(demo_engine)
    year = backlog.snapshot(demo_engine, EVERYONE, ALL, LAB, today, today - timedelta(days=364))
    assert 0.005 <= year.backlog / year.received <= 0.10  # DOMAIN: 3.5 % lab-wide, 4.7 % firearms
    assert 0.10 <= year.backlog / year.open_requests <= 0.60  # DOMAIN: 20 % of firearms pending
    assert year.backlog_mean_age_days is not None
    assert 31 <= year.backlog_mean_age_days <= 150


def test_open_work_is_mostly_young_and_none_is_years_old(demo_engine: Engine) -> None:
    today = last_day(demo_engine)
    by_age = backlog.open_by_age(demo_engine, EVERYONE, ALL, LAB, today)
    per_bucket = by_age.groupby("bucket")["requests"].sum()
    share = per_bucket / per_bucket.sum()
    assert share.get("0–30", 0.0) >= 0.45
    assert share.get("180+", 0.0) <= 0.10
    oldest = backlog.snapshot(demo_engine, EVERYONE, ALL, LAB, today).oldest_open_days
    assert oldest is not None and 90 <= oldest <= 400  # a few stalled requests, none for years


def test_turnaround_is_weeks_in_every_discipline(demo_engine: Engine) -> None:
    today = last_day(demo_engine)
    year = turnaround.turnaround_overall(
        demo_engine, EVERYONE, ALL, LAB, today - timedelta(days=364), today
    )
    assert len(year) == 3
    for row in year.itertuples():
        assert 5 <= row.median_days <= 45, row.group
        assert row.median_days < row.p90_days <= 120, row.group


def test_reopenings_are_rare_short_and_recent(demo_engine: Engine) -> None:
    today = last_day(demo_engine)
    month = backlog.snapshot(demo_engine, EVERYONE, ALL, LAB, today)
    assert 1 <= month.reopened <= 0.08 * month.completed
    open_now = backlog.open_requests(demo_engine, EVERYONE, ALL, LAB, today)
    reworked = open_now[open_now["reopened_at"].notna()]
    assert len(reworked) >= 1
    assert reworked["age_days"].max() <= 30  # re-opened in the last month, none in the backlog
    assert open_now.iloc[0]["status"] != "reopened"  # the oldest open work is never a re-opening
