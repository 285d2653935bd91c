"""eTrace results for recovered firearms, shaped like ATF's Connecticut trace data.

Most recovered guns are traced, not all (the gap Connecticut's 2024 law set out to close, so the
trace rate rises after October 2024). About 55% source to Connecticut dealers, then Georgia,
Florida and the other I-95 states. Time-to-crime averages about 9.6 years, but a meaningful share
is under 3 years, mostly out-of-state guns bought by someone other than the possessor: the classic
trafficking pattern, with a few straw purchasers and dealers behind several crime guns. Dealers,
FFL numbers and purchasers are invented; purchasers are pseudonymous references.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from cgic_data.demo.chance import UniqueRefs, Weighted, days, lognormal, pick
from cgic_data.demo.evidence import LAW_IN_FORCE
from cgic_data.demo.guns import Gun
from cgic_data.demo.incidents import Window

STATE_SHARES = [
    ("CT", 55), ("GA", 8), ("FL", 7), ("SC", 5), ("NC", 5), ("VA", 5), ("PA", 4), ("NY", 3),
    ("MA", 2), ("ME", 1.5), ("NH", 1.5), ("AL", 1), ("OH", 1), ("TX", 1),
]  # fmt: skip
STATE_FLAVOUR = {
    "CT": ["Nutmeg", "Charter Oak", "Housatonic", "Quinnipiac", "Mystic River", "Litchfield Hills"],
    "GA": ["Peach State", "Chattahoochee", "Okefenokee"],
    "FL": ["Sunshine", "Gulf Coast", "Everglades"],
    "SC": ["Palmetto", "Low Country", "Santee"],
    "NC": ["Tar Heel", "Blue Ridge", "Outer Banks"],
    "VA": ["Old Dominion", "Shenandoah", "Tidewater"],
    "PA": ["Keystone", "Allegheny", "Susquehanna"],
    "NY": ["Empire", "Catskill", "Adirondack"],
    "MA": ["Bay State", "Berkshire"],
    "ME": ["Pine Tree", "Katahdin"],
    "NH": ["Granite State", "White Mountain"],
    "AL": ["Yellowhammer", "Tuscaloosa Valley"],
    "OH": ["Buckeye", "Maumee"],
    "TX": ["Lone Star", "Brazos"],
}
SUFFIXES = ["Outfitters", "Firearms", "Sporting Goods", "Gun & Pawn", "Arms", "Pawn & Loan",
            "Tactical", "Shooting Supply", "Guns & Ammo"]  # fmt: skip
ATF_REGION = {"CT": 6, "MA": 6, "ME": 6, "NH": 6, "NY": 6, "PA": 8, "GA": 1, "FL": 1, "SC": 1,
              "NC": 1, "VA": 1, "AL": 4, "OH": 3, "TX": 5}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Dealer:
    name: str
    ffl: str
    state: str


@dataclass(slots=True, eq=False)
class Trace:
    gun: Gun
    requested_at: datetime
    completed_at: datetime | None
    purchase_date: date | None = None
    dealer: Dealer | None = None
    purchaser_ref: str | None = None
    purchaser_is_possessor: bool | None = None
    id: int = 0
    number: str = ""

    @property
    def time_to_crime_days(self) -> int | None:
        if self.purchase_date is None or self.gun.recovered_at is None:
            return None
        return (self.gun.recovered_at.date() - self.purchase_date).days

    def row(self) -> dict[str, object]:
        return {
            "id": self.id,
            "trace_number": self.number,
            "firearm_id": self.gun.firearm_id,
            "requested_at": self.requested_at,
            "completed_at": self.completed_at,
            "purchase_date": self.purchase_date,
            "dealer_name": self.dealer.name if self.dealer else None,
            "dealer_ffl": self.dealer.ffl if self.dealer else None,
            "dealer_state": self.dealer.state if self.dealer else None,
            "purchaser_ref": self.purchaser_ref,
            "purchaser_is_possessor": self.purchaser_is_possessor,
            "time_to_crime_days": self.time_to_crime_days,
        }


def _dealers(rng: random.Random) -> dict[str, Weighted[Dealer]]:
    """A few dealers per state; Zipf-like weights put several crime guns behind the top ones."""
    out: dict[str, Weighted[Dealer]] = {}
    for state, _ in STATE_SHARES:
        names = [f"{f} {s}" for f in STATE_FLAVOUR[state] for s in SUFFIXES]
        rng.shuffle(names)
        dealers = [
            Dealer(
                name,
                f"{ATF_REGION[state]}-{rng.randint(10, 99)}-{rng.randint(1, 199):03d}-"
                f"{rng.choice(['01', '01', '02', '07'])}-{rng.randint(1, 9)}"
                f"{rng.choice('ABCDEFGHJKL')}-{rng.randint(10000, 99999)}",
                state,
            )
            for name in names[: 40 if state == "CT" else 10]
        ]
        out[state] = Weighted(dealers, [1 / (rank + 1) ** 0.5 for rank in range(len(dealers))])
    return out


class Tracer:
    def __init__(self, rng: random.Random, window: Window) -> None:
        self.rng, self.window = rng, window
        self.dealers = _dealers(rng)
        self.states = Weighted([s for s, _ in STATE_SHARES], [w for _, w in STATE_SHARES])
        self.purchasers = UniqueRefs(rng, "PURCH")
        self.straw: dict[str, list[tuple[str, Dealer]]] = {}  # state -> straw buyers, their dealer
        self.traces: list[Trace] = []

    def trace_all(self, guns: list[Gun]) -> None:
        received = [g for g in guns if g.firearm_id is not None]
        for gun in sorted(received, key=lambda g: g.firearm_id or 0):
            self._trace(gun)
        self.traces.sort(key=lambda t: t.requested_at)
        seq: dict[int, int] = {}
        for i, trace in enumerate(self.traces, start=1):
            year = trace.requested_at.year
            seq[year] = seq.get(year, 0) + 1
            trace.id, trace.number = i, f"T{year}{seq[year]:07d}"

    def _trace(self, gun: Gun) -> None:
        rng, as_of = self.rng, self.window.as_of
        recovered = gun.recovered_at
        assert recovered is not None
        chance = 0.9 if recovered >= LAW_IN_FORCE else 0.72
        if gun.model.ghost or gun.obliterated:
            chance = 0.45
        if rng.random() >= chance:
            return
        low, high = pick(rng, [((0.05, 0.5), 45), ((1, 7), 30), ((7, 42), 18), ((42, 180), 7)])
        requested = recovered + days(rng.uniform(low, high))
        if requested > as_of:
            return
        completed: datetime | None = requested + days(max(0.2, lognormal(rng, 5, 0.7)))
        if completed is not None and completed > as_of:
            completed = None
        trace = Trace(gun, requested, completed)
        self.traces.append(trace)
        if completed is None or gun.serial is None or rng.random() < 0.08:
            return  # pending, or unsuccessful: no serial to trace, or no record found
        self._purchase(trace, gun, recovered)

    def _purchase(self, trace: Trace, gun: Gun, recovered: datetime) -> None:
        rng = self.rng
        state = self.states.draw(rng)
        trafficked = rng.random() < (0.12 if state == "CT" else 0.45)
        dealer = self.dealers[state].draw(rng)
        for _ in range(20):
            years = rng.uniform(0.05, 3) if trafficked else 3 + rng.expovariate(1 / 40)
            purchase = (recovered - timedelta(days=years * 365.25)).date()
            if purchase.year >= gun.model.since:
                break
        else:
            since = date(gun.model.since, 1, 1)
            span = max(1, (recovered.date() - since).days)
            purchase = since + timedelta(days=rng.randrange(span))
        trace.purchase_date, trace.dealer = purchase, dealer
        straws = self.straw.setdefault(state, [])
        if trafficked and rng.random() < 0.35:  # a straw purchaser buying for others
            if len(straws) < 3 or rng.random() < 0.2:
                straws.append((self.purchasers.new(), dealer))
            trace.purchaser_ref, trace.dealer = rng.choice(straws)
        else:
            trace.purchaser_ref = self.purchasers.new()
        trace.purchaser_is_possessor = rng.random() < (0.15 if trafficked else 0.05)
