"""One hand-built series shared by the timeline and network tests, small enough to check by hand.

    Alpha PD  A-1  shooting 2025-06-01 22:00   C1 casing (in L-1), S1 swab (CODIS hit SUBJ-1)
    Bravo PD  B-1  shooting 2025-06-05 21:00   C2 casing (in L-1 and L-2)
    Charlie   C-1  gun recovery 2025-06-20 15:00, firearm F recovered there, T3 its test fire (L-2)
    Alpha PD  A-2  shooting 2025-09-01 01:00   C5 (in L-5 with B-2), S5 swab (AFIS hit SUBJ-1)
    Bravo PD  B-2  shooting 2025-09-03 01:00   C6 (in L-5)
    Bravo PD  B-3  shooting 2025-06-06 02:00   C7 (in L-9 with C1: EXCLUDED by an examiner)

L-1 (open) links A-1 and B-1; L-2 (confirmed) links B-1 and C-1: series "L-1" is A-1, B-1, C-1.
L-5 (open) links A-2 and B-2: series "L-5". SUBJ-1 has hits in both series.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime as dt

from sqlalchemy import Engine

from cgic_data.schema import CaseEventKind, IncidentKind, ItemKind, LeadStatus, ResultKind, Role
from cgic_data.scope import Viewer
from tests.factory import Builder


@dataclass(frozen=True)
class LeadWorld:
    alpha: int
    bravo: int
    charlie: int
    a1: int
    b1: int
    c1_incident: int
    a2: int
    b2: int
    b3: int
    firearm: int

    def analyst(self, agency_id: int) -> Viewer:
        return Viewer(f"analyst-{agency_id}", Role.ANALYST, agency_id=agency_id)


def build_lead_world(engine: Engine) -> LeadWorld:
    b = Builder(engine)
    alpha = b.agency("CTA", name="Alpha PD")
    bravo = b.agency("CTB", name="Bravo PD")
    charlie = b.agency("CTC", name="Charlie PD")
    a1 = b.incident(alpha, dt(2025, 6, 1, 22), number="A-1", injured=1)
    c1 = b.item(
        a1,
        number="C1",
        recovered_at=dt(2025, 6, 1, 23),
        received_at=dt(2025, 6, 2, 10),
        nibin_entered_at=dt(2025, 6, 3, 23, 1),  # 48 h 1 min after recovery: beyond the goal
    )
    s1 = b.item(
        a1, number="S1", kind=ItemKind.SWAB, caliber=None, recovered_at=dt(2025, 6, 1, 23, 30)
    )
    b.result(s1, reported_at=dt(2025, 7, 1), subject_ref="SUBJ-1")
    b1 = b.incident(bravo, dt(2025, 6, 5, 21), number="B-1")
    c2 = b.item(
        b1,
        number="C2",
        recovered_at=dt(2025, 6, 5, 22),
        nibin_entered_at=dt(2025, 6, 7, 22),  # exactly 48 h: within the goal
    )
    l1 = b.lead([c1, c2], number="L-1", issued_at=dt(2025, 6, 8, 6))
    b.case_event(CaseEventKind.FOLLOW_UP, dt(2025, 6, 9, 10), incident_id=a1, lead_id=l1)
    c_1 = b.incident(charlie, dt(2025, 6, 20, 15), number="C-1", kind=IncidentKind.GUN_RECOVERY)
    firearm = b.firearm(c_1, recovered_at=dt(2025, 6, 20, 15))
    t3 = b.item(
        c_1, number="T3", kind=ItemKind.TEST_FIRE, firearm_id=firearm,
        nibin_entered_at=dt(2025, 6, 23, 15),
    )  # fmt: skip
    b.lead(
        [c2, t3], number="L-2", issued_at=dt(2025, 6, 24, 9),
        status=LeadStatus.CONFIRMED, confirmed_at=dt(2025, 7, 15),
    )  # fmt: skip
    b.trace(firearm, completed_at=dt(2025, 6, 27), time_to_crime_days=400)
    a2 = b.incident(alpha, dt(2025, 9, 1, 1), number="A-2")
    b2 = b.incident(bravo, dt(2025, 9, 3, 1), number="B-2")
    b.lead([b.item(a2, number="C5"), b.item(b2, number="C6")], number="L-5")
    s5 = b.item(a2, number="S5", kind=ItemKind.SWAB, caliber=None)
    b.result(s5, kind=ResultKind.AFIS, reported_at=dt(2025, 9, 20), subject_ref="SUBJ-1")
    b3 = b.incident(bravo, dt(2025, 6, 6, 2), number="B-3")
    b.lead(
        [c1, b.item(b3, number="C7")], number="L-9", issued_at=dt(2025, 6, 9),
        status=LeadStatus.EXCLUDED,
    )  # fmt: skip
    return LeadWorld(alpha, bravo, charlie, a1, b1, c_1, a2, b2, b3, firearm)
