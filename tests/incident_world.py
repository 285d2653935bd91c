"""A small hand-built world for the incident map's tests (queries and page).

Six incidents in three agencies, four leads:

    i1 Alpha   2025-06-01 shooting, 1 injured   (41.700, -72.700)  9mm      L-1, L-3 (excluded)
    i2 Bravo   2025-06-05 shots fired           (41.705, -72.705)  9mm      L-1, L-2 (hit)
    i3 Charlie 2025-06-09 shooting, 1 killed    (41.300, -72.900)  .40 S&W  L-2 (hit)
    i4 Alpha   2025-06-12 gun recovery          (41.500, -73.000)  firearm .45 Auto, L-4
    i5 Bravo   2025-07-01 shooting              (41.301, -72.899)  9mm      L-3 (excluded)
    i6 Charlie 2025-06-20 shots fired           no coordinates     9mm      L-4

Series: L-1 = {i1, i2, i3} (L-1 + L-2), L-4 = {i4, i6}; the excluded L-3 joins nothing.
Alpha sees i1, i4 (own), i2 (L-1), i6 (L-4); Bravo sees i2, i5, i1, i3; Charlie sees i3, i6, i2, i4.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from cgic_data.schema import IncidentKind, ItemKind, LeadStatus, Role
from cgic_data.scope import Viewer
from tests.factory import Builder


@dataclass
class World:
    alpha: int
    bravo: int
    charlie: int
    i: dict[int, int]  # incident number in the docstring -> id

    def ids(self, *numbers: int) -> set[int]:
        return {self.i[n] for n in numbers}

    def viewer(self, agency_id: int) -> Viewer:
        return Viewer("analyst", Role.ANALYST, agency_id=agency_id)


def build_world(engine: Engine) -> World:
    b = Builder(engine)
    alpha = b.agency("A", name="Alpha PD")
    bravo = b.agency("B", name="Bravo PD")
    charlie = b.agency("C", name="Charlie PD")
    i = {
        1: b.incident(alpha, datetime(2025, 6, 1, 22), number="A-1", injured=1, lat=41.7, lon=-72.7),
        2: b.incident(bravo, datetime(2025, 6, 5, 1), number="B-2", kind=IncidentKind.SHOTS_FIRED,
                      lat=41.705, lon=-72.705),
        3: b.incident(charlie, datetime(2025, 6, 9, 23), number="C-3", killed=1, lat=41.3, lon=-72.9),
        4: b.incident(alpha, datetime(2025, 6, 12, 14), number="A-4", kind=IncidentKind.GUN_RECOVERY,
                      lat=41.5, lon=-73.0),
        5: b.incident(bravo, datetime(2025, 7, 1, 2), number="B-5", lat=41.301, lon=-72.899),
        6: b.incident(charlie, datetime(2025, 6, 20, 3), number="C-6", kind=IncidentKind.SHOTS_FIRED,
                      lat=None, lon=None),
    }  # fmt: skip
    c1, c1b, c2, c2b = b.item(i[1]), b.item(i[1]), b.item(i[2]), b.item(i[2])
    c3, c5, c6 = b.item(i[3], caliber=".40 S&W"), b.item(i[5]), b.item(i[6])
    gun = b.firearm(i[4], caliber=".45 Auto")
    test_fire = b.item(i[4], kind=ItemKind.TEST_FIRE, caliber=None, firearm_id=gun)
    b.lead([c1, c2], number="L-1", issued_at=datetime(2025, 6, 6))
    b.lead([c2b, c3], number="L-2", status=LeadStatus.CONFIRMED, issued_at=datetime(2025, 6, 10))
    b.lead([c1b, c5], number="L-3", status=LeadStatus.EXCLUDED, issued_at=datetime(2025, 7, 2))
    b.lead([test_fire, c6], number="L-4", issued_at=datetime(2025, 6, 21))
    b.result(c3, subject_ref="SUBJ-3")
    b.result(c5, subject_ref="SUBJ-5")
    return World(alpha, bravo, charlie, i)
