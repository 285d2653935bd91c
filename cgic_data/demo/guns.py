"""Crime guns: the hidden truth that NIBIN leads later reveal.

Each gun is fired in one or more of the generated shootings (most guns once, some twice, fewer
three to five times, rarely a long series of 6-20 incidents over months that crosses towns and
agencies). Guns are assigned to already-drawn incidents rather than inventing new ones, so the
town, season and time-of-day distributions of incidents stay exactly as drawn. Some guns are
recovered later (at a gun-recovery incident, or at the scene of their last shooting); every
gun-recovery incident recovers at least one gun, most of them never linked to a shooting.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cgic_data.demo.chance import Weighted, hours
from cgic_data.demo.incidents import Incident, Window
from cgic_data.demo.reference import Jurisdiction, Town
from cgic_data.schema import IncidentKind


@dataclass(frozen=True, slots=True)
class Model:
    make: str
    model: str
    caliber: str
    since: int  # year on the market: no retail purchase before it
    serial: str  # pattern: '#' a digit, '@' a letter; '' = unserialized (ghost gun)

    @property
    def ghost(self) -> bool:
        return not self.serial


NINE, FORTY, FORTY_FIVE, THREE_EIGHTY = "9mm Luger", ".40 S&W", ".45 Auto", ".380 Auto"
RIFLE, AK, TWENTY_TWO = "5.56 NATO/.223 Rem", "7.62x39mm", ".22 LR"
TWENTY_FIVE, THIRTY_EIGHT, THREE_FIFTY_SEVEN = ".25 Auto", ".38 Special", ".357 Magnum"

# Guns fired at scenes: revolvers keep their cases, so they rarely leave casings for NIBIN.
CALIBER_SHARES = [
    (NINE, 0.56), (FORTY, 0.12), (FORTY_FIVE, 0.09), (THREE_EIGHTY, 0.10),
    (RIFLE, 0.04), (AK, 0.03), (TWENTY_TWO, 0.05), (TWENTY_FIVE, 0.01),
]  # fmt: skip
# Guns recovered without a known shooting include older revolvers and pocket pistols.
RECOVERED_CALIBER_SHARES = [
    *CALIBER_SHARES[:-1], (TWENTY_FIVE, 0.03), (THIRTY_EIGHT, 0.08), (THREE_FIFTY_SEVEN, 0.03),
]  # fmt: skip

MODELS: dict[str, list[tuple[Model, float]]] = {
    NINE: [
        (Model("Glock", "19", NINE, 1988, "@@@###"), 22),
        (Model("Glock", "17", NINE, 1982, "@@@###"), 9),
        (Model("Glock", "26", NINE, 1995, "@@@###"), 6),
        (Model("Smith & Wesson", "M&P9 Shield", NINE, 2012, "@@@####"), 10),
        (Model("Smith & Wesson", "SD9VE", NINE, 2012, "@@@####"), 6),
        (Model("Taurus", "G2C", NINE, 2017, "@@@######"), 10),
        (Model("Taurus", "PT111 G2", NINE, 2013, "@@@######"), 4),
        (Model("Sig Sauer", "P320", NINE, 2014, "58@######"), 5),
        (Model("Sig Sauer", "P365", NINE, 2018, "66@######"), 5),
        (Model("Ruger", "EC9s", NINE, 2017, "###-#####"), 3),
        (Model("Springfield Armory", "XD-9", NINE, 2002, "@@######"), 4),
        (Model("Hi-Point", "C9", NINE, 1993, "P#######"), 5),
        (Model("Canik", "TP9SF", NINE, 2015, "T############"), 3),
        (Model("Beretta", "92FS", NINE, 1985, "BER######Z"), 4),
        (Model("Smith & Wesson", "5906", NINE, 1989, "T@@####"), 2),
        (Model("Ruger", "P95", NINE, 1996, "31#-#####"), 3),
        (Model("Polymer80", "PF940C", NINE, 2016, ""), 8),
    ],
    FORTY: [
        (Model("Glock", "22", FORTY, 1990, "@@@###"), 30),
        (Model("Glock", "23", FORTY, 1990, "@@@###"), 20),
        (Model("Smith & Wesson", "M&P40", FORTY, 2005, "@@@####"), 20),
        (Model("Smith & Wesson", "SD40VE", FORTY, 2012, "@@@####"), 10),
        (Model("Taurus", "PT140 G2", FORTY, 2013, "@@@######"), 10),
        (Model("Hi-Point", "JCP", FORTY, 2000, "X#######"), 5),
        (Model("Polymer80", "PF940C", FORTY, 2016, ""), 5),
    ],
    FORTY_FIVE: [
        (Model("Glock", "21", FORTY_FIVE, 1990, "@@@###"), 25),
        (Model("Glock", "30", FORTY_FIVE, 1997, "@@@###"), 10),
        (Model("Springfield Armory", "XD-45", FORTY_FIVE, 2006, "@@######"), 15),
        (Model("Ruger", "American Pistol", FORTY_FIVE, 2016, "###-#####"), 10),
        (Model("Colt", "Government 1911", FORTY_FIVE, 1911, "###-####"), 10),
        (Model("Hi-Point", "JHP", FORTY_FIVE, 1993, "X#######"), 15),
        (Model("Smith & Wesson", "M&P45", FORTY_FIVE, 2007, "@@@####"), 15),
    ],
    THREE_EIGHTY: [
        (Model("Ruger", "LCP", THREE_EIGHTY, 2008, "###-#####"), 35),
        (Model("Smith & Wesson", "Bodyguard 380", THREE_EIGHTY, 2010, "@@@####"), 20),
        (Model("Hi-Point", "CF380", THREE_EIGHTY, 1993, "P#######"), 20),
        (Model("Taurus", "TCP", THREE_EIGHTY, 2009, "@@@######"), 15),
        (Model("Glock", "42", THREE_EIGHTY, 2014, "@@@###"), 10),
        (Model("Bryco Arms", "Model 38", THREE_EIGHTY, 1988, "#######"), 8),
        (Model("Lorcin Engineering", "L380", THREE_EIGHTY, 1989, "######"), 6),
    ],
    RIFLE: [
        (Model("Anderson Manufacturing", "AM-15", RIFLE, 2010, "########"), 40),
        (Model("Smith & Wesson", "M&P15", RIFLE, 2006, "@@#####"), 35),
        (Model("Ruger", "AR-556", RIFLE, 2015, "###-#####"), 25),
    ],
    AK: [
        (Model("Century Arms", "WASR-10", AK, 1999, "@@-####-##"), 50),
        (Model("Zastava", "PAP M92", AK, 2013, "M92PV######"), 30),
        (Model("Century Arms", "Draco", AK, 2010, "DR-####-##"), 20),
    ],
    TWENTY_TWO: [
        (Model("Ruger", "10/22", TWENTY_TWO, 1964, "####-#####"), 20),
        (Model("Ruger", "SR22", TWENTY_TWO, 2012, "###-#####"), 30),
        (Model("Taurus", "TX22", TWENTY_TWO, 2019, "1@@######"), 30),
        (Model("Smith & Wesson", "M&P15-22", TWENTY_TWO, 2009, "@@@####"), 20),
        (Model("Jennings Firearms", "J-22", TWENTY_TWO, 1981, "######"), 10),
    ],
    TWENTY_FIVE: [
        (Model("Raven Arms", "MP-25", TWENTY_FIVE, 1970, "#######"), 60),
        (Model("Phoenix Arms", "Raven", TWENTY_FIVE, 1993, "4######"), 40),
    ],
    THIRTY_EIGHT: [
        (Model("Smith & Wesson", "Model 10", THIRTY_EIGHT, 1950, "D######"), 30),
        (Model("Taurus", "Model 85", THIRTY_EIGHT, 1980, "@@######"), 35),
        (Model("Smith & Wesson", "Model 642", THIRTY_EIGHT, 1990, "@@@####"), 20),
        (Model("Charter Arms", "Undercover", THIRTY_EIGHT, 1964, "#######"), 15),
    ],
    THREE_FIFTY_SEVEN: [
        (Model("Ruger", "GP100", THREE_FIFTY_SEVEN, 1985, "17#-#####"), 50),
        (Model("Smith & Wesson", "Model 686", THREE_FIFTY_SEVEN, 1981, "@@@####"), 30),
        (Model("Rossi", "R462", THREE_FIFTY_SEVEN, 2010, "@@######"), 20),
    ],
}
LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


@dataclass(slots=True, eq=False)
class Gun:
    id: int
    model: Model
    serial: str | None
    obliterated: bool
    uses: list[Incident] = field(default_factory=list)  # shootings it fired in, time order
    recovery: Incident | None = None
    recovered_at: datetime | None = None
    firearm_id: int | None = None  # set when the lab receives it
    firearm_number: str = ""

    @property
    def caliber(self) -> str:
        return self.model.caliber


class GunMaker:
    """Draws guns: caliber, a model of that caliber, a serial (or none, or obliterated)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.calibers = Weighted([c for c, _ in CALIBER_SHARES], [w for _, w in CALIBER_SHARES])
        self.recovered_calibers = Weighted(
            [c for c, _ in RECOVERED_CALIBER_SHARES], [w for _, w in RECOVERED_CALIBER_SHARES]
        )
        self.models = {
            c: Weighted([m for m, _ in ms], [w for _, w in ms]) for c, ms in MODELS.items()
        }
        self.count = 0

    def new(self, *, fired: bool = True) -> Gun:
        """A gun; ``fired=False`` for guns only known from a recovery (revolvers possible)."""
        calibers = self.calibers if fired else self.recovered_calibers
        model = self.models[calibers.draw(self.rng)].draw(self.rng)
        self.count += 1
        if model.ghost:
            return Gun(self.count, model, None, False)
        if self.rng.random() < 0.06:
            return Gun(self.count, model, None, True)
        return Gun(self.count, model, self._serial(model.serial), False)

    def _serial(self, pattern: str) -> str:
        out = []
        for ch in pattern:
            if ch == "@":
                out.append(self.rng.choice(LETTERS))
            elif ch == "#":
                out.append(str(self.rng.randrange(10)))
            else:
                out.append(ch)
        return "".join(out)


@dataclass(slots=True, eq=False)
class Slot:
    """A place for one gun at one incident (a shooting may involve two guns)."""

    incident: Incident
    t: float  # days since the window start, to search by time
    taken: bool = False


class SlotIndex:
    """Untaken slots per town, sorted by time, to find 'a shooting in town X around day T'."""

    def __init__(self, slots: list[Slot]) -> None:
        self.times: dict[int, list[float]] = {}
        self.slots: dict[int, list[Slot]] = {}
        for slot in slots:  # already in time order
            self.times.setdefault(slot.incident.town.id, []).append(slot.t)
            self.slots.setdefault(slot.incident.town.id, []).append(slot)

    def take(
        self, town_id: int, lo: float, hi: float, target: float, avoid: list[Incident]
    ) -> Slot | None:
        """The untaken slot in ``town_id`` within [lo, hi] closest to ``target``, or None."""
        times = self.times.get(town_id, [])
        i, j = bisect_left(times, lo), bisect_right(times, hi)
        if i >= j:
            return None
        k = min(max(bisect_left(times, target), i), j - 1)
        if k > i and target - times[k - 1] < times[k] - target:
            k -= 1
        for n in _outward(k, i, j, tries=8):
            slot = self.slots[town_id][n]
            if slot.incident not in avoid:
                self._pop(town_id, n)
                return slot
        return None

    def remove(self, slot: Slot) -> None:
        town_id = slot.incident.town.id
        times, slots = self.times[town_id], self.slots[town_id]
        n = bisect_left(times, slot.t)
        while slots[n] is not slot:
            n += 1
        self._pop(town_id, n)

    def _pop(self, town_id: int, n: int) -> None:
        self.times[town_id].pop(n)
        self.slots[town_id].pop(n).taken = True


def _outward(k: int, lo: int, hi: int, tries: int) -> list[int]:
    """Indexes k, k+1, k-1, k+2, ... within [lo, hi): nearest candidates first."""
    out = [k]
    step = 1
    while len(out) < tries and (k + step < hi or k - step >= lo):
        out += [n for n in (k + step, k - step) if lo <= n < hi]
        step += 1
    return out[:tries]


def series_length(rng: random.Random) -> int:
    """Most guns are used once; some twice; fewer 3-5 times; a rare few in long series."""
    x = rng.random()
    if x < 0.79:
        return 1
    if x < 0.91:
        return 2
    if x < 0.97:
        return rng.randint(3, 5)
    return rng.randint(6, 20)


def neighbours(towns: list[Town], k: int = 6) -> dict[int, list[Town]]:
    """The ``k`` nearest towns of each town (by centroid), for a gun's local wandering."""

    def distance(a: Town, b: Town) -> float:
        return math.hypot(a.lat - b.lat, (a.lon - b.lon) * math.cos(math.radians(41.6)))

    return {
        t.id: sorted((o for o in towns if o is not t), key=lambda o: (distance(t, o), o.id))[:k]
        for t in towns
    }


class Armory:
    """Assigns guns to incidents, then recoveries; keeps every gun made, in id order."""

    def __init__(
        self,
        rng: random.Random,
        window: Window,
        towns: list[Town],
        juris: Jurisdiction,
        hubs: Weighted[Town],
    ) -> None:
        self.rng, self.window, self.juris, self.hubs = rng, window, juris, hubs
        self.near = neighbours(towns)
        self.maker = GunMaker(rng)
        self.guns: list[Gun] = []

    def _t(self, moment: datetime) -> float:
        return (moment - self.window.start).total_seconds() / 86400

    def fire(self, incidents: list[Incident]) -> None:
        """Give every shooting/shots-fired incident with casings one gun (sometimes two)."""
        rng = self.rng
        slots: list[Slot] = []
        for incident in incidents:
            if incident.kind == IncidentKind.GUN_RECOVERY:
                continue
            if rng.random() < (0.87 if incident.kind == IncidentKind.SHOOTING else 0.8):
                slots.append(Slot(incident, self._t(incident.occurred_at)))
                if rng.random() < 0.1:  # two shooters, two calibers of casings
                    slots.append(Slot(incident, self._t(incident.occurred_at)))
        index = SlotIndex(slots)
        for slot in slots:
            if slot.taken:
                continue
            index.remove(slot)
            gun = self.maker.new()
            self.guns.append(gun)
            self._use(gun, slot.incident)
            length = series_length(rng)
            current = slot
            for step in range(1, length):
                nxt = self._next_use(index, gun, current, long_series=length >= 5, step=step)
                if nxt is None:
                    break
                self._use(gun, nxt.incident)
                current = nxt

    def _use(self, gun: Gun, incident: Incident) -> None:
        gun.uses.append(incident)
        incident.guns.append(gun)

    def _next_use(
        self, index: SlotIndex, gun: Gun, current: Slot, *, long_series: bool, step: int
    ) -> Slot | None:
        rng = self.rng
        town = current.incident.town
        gap = rng.expovariate(1 / (20 if long_series else 40))
        target = current.t + max(0.3, gap)
        candidates: list[Town]
        if long_series and step == 2:  # a long series crosses into another jurisdiction
            home = self.juris.of_town(town.id)
            others = [t for t in self.near[town.id] if self.juris.of_town(t.id) is not home]
            rng.shuffle(others)
            hubs = [self.hubs.draw(rng) for _ in range(3)]
            candidates = others + [h for h in hubs if self.juris.of_town(h.id) is not home]
        else:
            same, near = (0.55, 0.33) if long_series else (0.72, 0.22)
            x = rng.random()
            if x < same:
                first = town
            elif x < same + near:
                first = rng.choice(self.near[town.id])
            else:
                first = self.hubs.draw(rng)
            candidates = [first, town, rng.choice(self.near[town.id])]
        for candidate in candidates:
            slot = index.take(candidate.id, current.t + 0.25, target + 45, target, gun.uses)
            if slot is not None:
                return slot
        return None

    def recover(self, incidents: list[Incident]) -> None:
        """Recover some used guns; fill every gun-recovery incident with at least one gun."""
        rng, as_of = self.rng, self.window.as_of
        slots: list[Slot] = []
        for incident in incidents:
            if incident.kind == IncidentKind.GUN_RECOVERY:
                slots.append(Slot(incident, self._t(incident.occurred_at)))
                if rng.random() < 0.1:
                    slots.append(Slot(incident, self._t(incident.occurred_at)))
        index = SlotIndex(slots)
        for gun in list(self.guns):
            if rng.random() >= 0.3 + 0.05 * min(len(gun.uses), 5):
                continue
            last = gun.uses[-1]
            if last.kind == IncidentKind.SHOOTING and rng.random() < 0.2:
                self._recovered(gun, last, last.occurred_at + hours(rng.uniform(0.5, 4)))
                continue
            t = self._t(last.occurred_at)
            target = t + 1 + rng.expovariate(1 / 60)
            for town in [last.town, *self.near[last.town.id][:3]]:
                slot = index.take(town.id, t + 1, target + 120, target, [])
                if slot is not None:
                    self._recovered(gun, slot.incident, self._at_scene(slot.incident))
                    break
        for slot in slots:  # the rest: guns recovered without a known shooting
            if not slot.taken:
                gun = self.maker.new(fired=False)
                self.guns.append(gun)
                self._recovered(gun, slot.incident, self._at_scene(slot.incident))
        for gun in self.guns:
            if gun.recovered_at is not None and gun.recovered_at > as_of:
                gun.recovered_at = as_of

    def _at_scene(self, incident: Incident) -> datetime:
        return incident.occurred_at + timedelta(minutes=self.rng.randrange(5, 90))

    def _recovered(self, gun: Gun, incident: Incident, at: datetime) -> None:
        gun.recovery, gun.recovered_at = incident, at
        incident.recovered.append(gun)
