"""Series: incidents joined transitively by leads that an examiner has not excluded."""

import pandas as pd
from sqlalchemy import Engine

from cgic_data.metrics.series import series_from_pairs, series_membership
from cgic_data.schema import LeadStatus
from cgic_data.scope import Viewer
from tests.factory import Builder


def groups(membership: pd.DataFrame) -> dict[str, set[int]]:
    return {series: set(frame["incident_id"]) for series, frame in membership.groupby("series_id")}


def pairs(*links: tuple[str, int]) -> pd.DataFrame:
    rows = [(n, lead, incident) for n, (lead, incident) in enumerate(links)]
    return pd.DataFrame(rows, columns=["lead_id", "lead_number", "incident_id"])


def test_a_chain_of_leads_is_one_series_named_after_its_lowest_lead() -> None:
    chain = pairs(("B", 1), ("B", 2), ("A", 2), ("A", 3), ("C", 3), ("C", 4))
    membership = series_from_pairs(chain)
    assert groups(membership) == {"A": {1, 2, 3, 4}}
    assert set(membership["lead_count"]) == {3}


def test_a_star_around_one_incident_and_disjoint_groups() -> None:
    star = pairs(("S1", 10), ("S1", 11), ("S2", 10), ("S2", 12), ("S3", 10), ("S3", 13))
    apart = pairs(("X", 20), ("X", 21), ("Y", 30), ("Y", 31), ("Y", 32))
    membership = series_from_pairs(pd.concat([star, apart]))
    assert groups(membership) == {
        "S1": {10, 11, 12, 13},
        "X": {20, 21},
        "Y": {30, 31, 32},
    }
    assert dict(zip(membership["incident_id"], membership["lead_count"], strict=True))[13] == 3


def test_no_pairs_no_series() -> None:
    assert series_from_pairs(pairs()).empty


def test_excluded_leads_join_nothing_in_the_store(engine: Engine) -> None:
    b = Builder(engine)
    a = b.agency("A")
    i1, i2, i3, i4 = (b.incident(a) for _ in range(4))
    b.lead([b.item(i1), b.item(i2)], number="L-2")
    # without this exclusion i2-i3 would merge the two series
    b.lead([b.item(i2), b.item(i3)], number="L-1", status=LeadStatus.EXCLUDED)
    b.lead([b.item(i3), b.item(i4)], number="L-3", status=LeadStatus.CONFIRMED)
    assert groups(series_membership(engine, Viewer.system())) == {"L-2": {i1, i2}, "L-3": {i3, i4}}


def test_a_lead_that_grows_pulls_a_new_incident_into_the_series(engine: Engine) -> None:
    b = Builder(engine)
    a = b.agency("A")
    i1, i2, i3 = (b.incident(a) for _ in range(3))
    # two items of one incident in the same lead count once
    b.lead([b.item(i1), b.item(i1), b.item(i2), b.item(i3)], number="L-5")
    membership = series_membership(engine, Viewer.system())
    assert groups(membership) == {"L-5": {i1, i2, i3}}
    assert len(membership) == 3
