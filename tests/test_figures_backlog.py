"""The Lab backlog page's pure builders: the verdict sentence and what the figures are given."""

from datetime import date, timedelta

import pandas as pd

from cgic_data.metrics.backlog import BacklogSnapshot
from cgic_data.metrics.turnaround import DURATION_BINS
from cgic_ui import figures_backlog as fb


def snap(day: date, backlog: int, received: int, reopened: int, completed: int) -> BacklogSnapshot:
    start = day - timedelta(days=29)
    return BacklogSnapshot(
        day, backlog + 5, backlog, 60.0, 90, received, reopened, completed, 0.5, 1.0, start
    )


def test_verdict_names_the_direction_and_the_cause() -> None:
    before = snap(date(2025, 5, 31), 140, 50, 0, 50)
    growing = fb.verdict(snap(date(2025, 6, 30), 152, 60, 2, 48), before, 30)
    assert growing.startswith("**The backlog is growing**: 152 requests open more than 30 days")
    assert "up 12 from 140 on May 31" in growing
    assert (
        "From Jun 01 to Jun 30 the lab received 60 (+2 re-opened) and completed 48: intake "
        "outran completions by 14." in growing
    )
    shrinking = fb.verdict(snap(date(2025, 6, 30), 130, 40, 0, 55), before, 30)
    assert "shrinking" in shrinking and "down 10 from 140" in shrinking
    assert "completions outpaced intake by 15" in shrinking
    steady = fb.verdict(snap(date(2025, 6, 30), 140, 50, 0, 50), before, 30)
    assert "holding steady" in steady and "the same as on May 31" in steady
    assert "completions matched intake" in steady


def test_age_figure_keeps_the_worst_groups_and_pools_the_rest() -> None:
    rows = [(f"Agency {i:02d}", "0–30", 10) for i in range(20)]
    rows += [("Agency 19", "180+", 3), ("Agency 07", "31–60", 1)]
    fig = fb.age_figure(pd.DataFrame(rows, columns=["group", "bucket", "requests"]), top=5)
    groups = list(fig.data[0].y)
    assert groups[:2] == ["Agency 19", "Agency 07"]  # most backlog first
    assert groups[-1] == "15 other agencies"
    assert list(fig.data[0].x)[-1] == 150  # fifteen agencies × 10 requests 0–30 days old
    assert [trace.name for trace in fig.data] == [
        "0–30 days",
        "31–60 days",
        "61–90 days",
        "91–180 days",
        "180+ days",
    ]


def test_days_text() -> None:
    assert fb.days_text(272.4) == "272 d"
    assert fb.days_text(None, never="never at this rate") == "never at this rate"
    assert fb.days_text(float("nan")) == "—"


def test_turnaround_hover_shows_the_month_distribution() -> None:
    month = {"month": pd.Timestamp(2025, 6, 1), "group": "DNA", "completed": 5}
    month |= {"median_days": 20.0, "p90_days": 72.0, "within_limit_share": 0.8}
    month |= dict(zip([label for label, _ in DURATION_BINS], [1, 0, 1, 2, 0, 0, 1], strict=True))
    fig = fb.turnaround_figure(pd.DataFrame([month]), 30)
    assert [trace.name for trace in fig.data] == ["DNA · median", "DNA · P90"]
    assert fig.data[0].text[0] == (
        "5 completed · median 20 d · P90 72 d · within 30 d: 80%<br>"
        "same day: 1 · 1–7 d: 0 · 8–14 d: 1 · 15–30 d: 2 · 31–60 d: 0 · 61–90 d: 0 · 91+ d: 1"
    )
