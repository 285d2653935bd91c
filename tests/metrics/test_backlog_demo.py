"""The backlog metrics on a whole demo store, against an independent pandas reading of the same
definitions: thousands of requests (re-opened ones included) where a hand fixture has a dozen."""

from datetime import date, datetime, time, timedelta

import pandas as pd
import pytest
from sqlalchemy import Engine, select

from cgic_data.metrics import backlog, throughput, turnaround
from cgic_data.metrics.backlog import LabFilter
from cgic_data.periods import period_dates
from cgic_data.schema import LabRequest
from cgic_data.scope import IncidentFilter, Viewer
from cgic_data.store import store_info

ALL, EVERYONE = IncidentFilter(), Viewer.system()


@pytest.fixture(scope="module")
def requests(demo_engine: Engine) -> pd.DataFrame:
    columns = [
        LabRequest.discipline,
        LabRequest.received_at,
        LabRequest.completed_at,
        LabRequest.reopened_at,
        LabRequest.status,
    ]
    with demo_engine.connect() as conn:
        frame = pd.DataFrame(
            conn.execute(select(*columns)).all(), columns=["d", "rec", "comp", "reop", "status"]
        )
    frame["d"] = frame["d"].astype(str)
    frame["status"] = frame["status"].astype(str)
    return frame


def reference(df: pd.DataFrame, as_of: date) -> dict[str, object]:
    """The module docstring's definitions, read row by row with pandas."""
    end = datetime.combine(as_of + timedelta(days=1), time.min)
    start = end - timedelta(days=30)
    after_completion = df["comp"].notna() & (df["reop"] >= df["comp"])
    reopened = df["reop"].where(after_completion)
    reopened = reopened.fillna(df["comp"].where(df["comp"].notna() & (df["status"] == "reopened")))
    is_open = (df["rec"] < end) & (df["comp"].isna() | (df["comp"] >= end) | (reopened < end))
    since = df["rec"].where(~(reopened < end), reopened)
    age = (pd.Timestamp(as_of) - since.dt.normalize()).dt.days[is_open]
    done = df[(df["comp"] >= start) & (df["comp"] < end)]
    turnaround = (done["comp"].dt.normalize() - done["rec"].dt.normalize()).dt.days
    return {
        "open_requests": int(is_open.sum()),
        "backlog": int((age > 30).sum()),
        "backlog_mean_age_days": age[age > 30].mean(),
        "oldest_open_days": int(age.max()),
        "received": int(((df["rec"] >= start) & (df["rec"] < end)).sum()),
        "reopened": int(((reopened >= start) & (reopened < end)).sum()),
        "completed": len(done),
        "completed_within_share": (turnaround <= 30).mean(),
    }


def test_snapshot_matches_the_reference(demo_engine: Engine, requests: pd.DataFrame) -> None:
    today = date.fromisoformat(store_info(demo_engine)["demo_generated_for"])
    assert (requests["status"] == "reopened").sum() > 0  # the demo exercises re-opening
    for as_of in (today, today - timedelta(days=30), today - timedelta(days=200)):
        got = backlog.snapshot(demo_engine, EVERYONE, ALL, LabFilter(), as_of).as_dict()
        expected = reference(requests, as_of)
        assert {k: got[k] for k in expected} == pytest.approx(expected), as_of


def test_flow_balances_on_the_demo_store(demo_engine: Engine) -> None:
    today = date.fromisoformat(store_info(demo_engine)["demo_generated_for"])
    flow = throughput.flow_by_period(demo_engine, EVERYONE, ALL, LabFilter(), None, today, "month")
    per_discipline = flow.groupby("discipline")
    net = (
        per_discipline[["received", "reopened"]].sum().sum(axis=1)
        - per_discipline["completed"].sum()
    )
    last = flow[flow["period"] == flow["period"].max()].set_index("discipline")["open_at_end"]
    assert net.sort_index().tolist() == last.sort_index().tolist()
    now = backlog.snapshot(demo_engine, EVERYONE, ALL, LabFilter(), today)
    assert last.sum() == now.open_requests
    assert flow[flow["period"] == flow["period"].max()]["backlog_at_end"].sum() == now.backlog


@pytest.mark.parametrize("grain", ["week", "month"])
@pytest.mark.parametrize("days_back", [30, 200, 400])
def test_a_flow_from_a_later_start_is_the_tail_of_the_flow_from_the_first_receipt(
    demo_engine: Engine, grain: str, days_back: int
) -> None:
    """The history before a chart's first period enters only as the levels it leaves (counted
    from the requests open then), and gives the same rows as summing every event since the
    first receipt."""
    today = date.fromisoformat(store_info(demo_engine)["demo_generated_for"])
    whole = throughput.flow_by_period(demo_engine, EVERYONE, ALL, LabFilter(), None, today, grain)
    start = today - timedelta(days=days_back)
    part = throughput.flow_by_period(demo_engine, EVERYONE, ALL, LabFilter(), start, today, grain)
    tail = whole[whole["period"] >= part["period"].min()].reset_index(drop=True)
    pd.testing.assert_frame_equal(part, tail)


def test_levels_at_each_period_end_match_the_open_rule(demo_engine: Engine) -> None:
    """The running sums over days give, at every period end, what ``is_open_at`` counts."""
    today = date.fromisoformat(store_info(demo_engine)["demo_generated_for"])
    flow = throughput.flow_by_period(
        demo_engine, EVERYONE, ALL, LabFilter(), today - timedelta(days=400), today, "month"
    )
    for period in flow["period"].drop_duplicates().iloc[::3]:
        day_reported = (period + pd.offsets.MonthBegin(1)).date() - timedelta(days=1)
        expected = backlog.backlog_change_by(demo_engine, EVERYONE, ALL, LabFilter(), day_reported)
        got = flow[flow["period"] == period].set_index("discipline")
        for row in expected.itertuples():
            assert got.loc[row.group, "open_at_end"] == row.open_requests, (period, row.group)
            assert got.loc[row.group, "backlog_at_end"] == row.backlog, (period, row.group)


@pytest.mark.parametrize("period", ["Last 28 days", "Last month", "This quarter", "Year to date"])
def test_the_headline_and_the_periods_turnaround_count_the_same_completions(
    demo_engine: Engine, period: str
) -> None:
    """The Lab backlog page shows both on one screen: they must not disagree (issue 13)."""
    today = date.fromisoformat(store_info(demo_engine)["demo_generated_for"])
    start, end = period_dates(period, today)
    assert start is not None and end is not None
    as_of = min(end, today)
    now = backlog.snapshot(demo_engine, EVERYONE, ALL, LabFilter(), as_of, start)
    summary = turnaround.turnaround_summary(
        demo_engine, EVERYONE, ALL, LabFilter(), start, start, as_of
    )
    assert now.completed > 0
    assert int(summary.overall["completed"].sum()) == now.completed
