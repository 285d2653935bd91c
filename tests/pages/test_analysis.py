"""The Analysis page in the real app: the reading, the Knox table and exports, an incident's
window, the hot-spot map, the inputs from the URL, and an agency user's own scope.

Alpha has 12 shootings along one street, 3 days and ~56 m apart (a near-repeat chain); Bravo 12
shootings 1.1 km apart across New Haven. No lead links them."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine

from cgic_data.schema import Role
from cgic_data.scope import Viewer
from tests.apptest import app_on, open_page
from tests.factory import Builder

PAGE = "pages/analysis.py"
ALL_DATES = {"period": "All dates"}
START = datetime(2025, 3, 1, 21, 0)


@pytest.fixture
def agencies(engine: Engine) -> dict[str, int]:
    b = Builder(engine)
    alpha, bravo = b.agency("CTA", "Alpha PD"), b.agency("CTB", "Bravo PD")
    for k in range(12):
        when = START + timedelta(days=3 * k)
        b.incident(alpha, when, number=f"A-{k:02d}", lat=41.76 + 0.0005 * k, lon=-72.68)
        b.incident(bravo, when, number=f"B-{k:02d}", lat=41.30 + 0.01 * k, lon=-72.92)
    return {"alpha": alpha, "bravo": bravo}


def texts(at) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(e.value for e in [*at.success, *at.markdown, *at.info, *at.caption])


def test_near_repeat_reading_table_and_window(
    agencies: dict[str, int], engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, ALL_DATES)
    assert at.title[0].value == "Near repeats & hot spots"
    reading = at.success[0].value
    assert reading.startswith("Within 100 m and 7 days of a shooting, the chance of another is")
    assert "p = 0.001; 24 incidents, 999 permutations" in reading
    knox = at.dataframe[0].value
    assert knox.columns[0] == "0–7 days" and knox.index[0] == "Same location"
    # The newest incident (A-11 or B-11, same day) and its window: the one before it on its street.
    shown = texts(at)
    assert "other incidents within 100 m and 7 days (before or after)" in shown
    labels = [b.label for b in at.get("download_button")]
    assert {"Download CSV", "Download Excel"} <= set(labels)


def test_inputs_come_from_the_url(
    agencies: dict[str, int], engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    query = {
        **ALL_DATES,
        "nr_m": "200",
        "nr_perm": "99",
        "nr_metric": "Euclidean",
        "nr_same": "false",
    }
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, {**query, "nr_incident": "A-05"})
    assert at.number_input(key="nr_m").value == 200
    assert at.selectbox(key="nr_perm").value == 99
    assert at.checkbox(key="nr_same").value is False
    assert at.selectbox(key="nr_metric").value == "Euclidean"
    assert "Within 200 m and 7 days" in at.success[0].value
    assert "p = 0.010; 24 incidents, 99 permutations" in at.success[0].value
    assert at.dataframe[0].value.index[0] == "1–200 m"
    # A-05's window: A-04 and A-06 (56 m, 3 days), A-03 and A-07 (111 m, 6 days).
    window = at.dataframe[-1].value
    assert sorted(window["days"]) == [-6, -3, 3, 6]


def test_an_agency_analyses_its_own_incidents_only(
    agencies: dict[str, int], engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    bravo = Viewer("bravo.analyst", Role.ANALYST, agencies["bravo"])
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, ALL_DATES, viewer=bravo)
    assert "among these 12 incidents there is no near-repeat pattern" in at.success[0].value
    assert "A-" not in texts(at)


def test_hot_spots_map_and_legend(
    agencies: dict[str, int], engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, {**ALL_DATES, "tool": "Hot spots", "hs_cell": "1000"})
    assert "cells of 1,000 m are hot spots" in at.success[0].value
    assert "Hot spot, 99% confidence" in texts(at)
    assert any(b.label == "Download CSV" for b in at.get("download_button"))


def test_too_few_incidents_say_so(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    b = Builder(engine)
    b.incident(b.agency("CTC", "Charlie PD"), START)
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, ALL_DATES)
    assert "too few to test" in at.info[0].value
