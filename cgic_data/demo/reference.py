"""Reference data of the demo: Connecticut's 169 towns and the agencies that police them.

Towns come from the bundled ``resources/ct_towns.csv`` (real centroids and 2010 populations).
Agencies are real *kinds* of agency named after real towns, with invented ORI-like codes
(``CTZ....00``: the ``Z`` marks them as synthetic). Towns without a department in the list are
policed by the State Police, as Connecticut's resident-trooper towns are.
"""

from __future__ import annotations

from dataclasses import dataclass

from cgic_data.schema import AgencyKind
from cgic_data.towns import bundled_towns


@dataclass(frozen=True, slots=True)
class Town:
    id: int
    name: str
    lat: float
    lon: float
    population: int

    def row(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "lat": self.lat,
            "lon": self.lon,
            "population": self.population,
        }


@dataclass(frozen=True, slots=True)
class Agency:
    id: int
    code: str
    name: str
    kind: AgencyKind
    home_town_id: int | None
    prefix: str  # of its incident numbers, e.g. "HPD" in HPD-2025-004512
    title: str  # of its investigators, e.g. "Det."

    def row(self) -> dict[str, object]:
        return {
            "id": self.id,
            "code": self.code,
            "name": self.name,
            "kind": self.kind,
            "home_town_id": self.home_town_id,
        }


# Municipal departments: every town with notable gun violence, then a spread of others.
LOCAL_DEPARTMENTS: list[tuple[str, str]] = [
    ("Bridgeport", "BPD"),
    ("Hartford", "HPD"),
    ("New Haven", "NHPD"),
    ("Stamford", "SPD"),
    ("Waterbury", "WPD"),
    ("New Britain", "NBPD"),
    ("Norwalk", "NPD"),
    ("Meriden", "MPD"),
    ("New London", "NLPD"),
    ("Middletown", "MTPD"),
    ("East Hartford", "EHPD"),
    ("West Haven", "WHPD"),
    ("Bristol", "BRPD"),
    ("Norwich", "NWPD"),
    ("Danbury", "DPD"),
    ("Manchester", "MCPD"),
    ("Hamden", "HMPD"),
    ("Ansonia", "APD"),
    ("Derby", "DBPD"),
    ("Stratford", "STPD"),
    ("Milford", "MLPD"),
    ("Groton", "GPD"),
    ("Torrington", "TPD"),
    ("Windham", "WMPD"),
    ("Bloomfield", "BLPD"),
    ("Windsor", "WSPD"),
    ("Wethersfield", "WFPD"),
    ("West Hartford", "WHFD"),
    ("Enfield", "EPD"),
    ("Vernon", "VPD"),
    ("Naugatuck", "NGPD"),
    ("Shelton", "SHPD"),
    ("Fairfield", "FPD"),
    ("Greenwich", "GWPD"),
    ("Trumbull", "TBPD"),
    ("East Haven", "EHVPD"),
    ("Wallingford", "WLPD"),
    ("Newington", "NEPD"),
    ("Southington", "SOPD"),
    ("Killingly", "KPD"),
    ("Waterford", "WTPD"),
    ("Plainville", "PLPD"),
]

STATE_POLICE = "Connecticut State Police"
TASK_FORCE = "Gun Tracing Task Force"
FBI = "FBI New Haven"
ATF = "ATF Hartford"
LAB = "Division of Scientific Services Forensic Laboratory"

# name, kind, home town, incident-number prefix, investigator title
OTHER_AGENCIES: list[tuple[str, AgencyKind, str, str, str]] = [
    (STATE_POLICE, AgencyKind.STATE, "Middletown", "CSP", "Det."),
    (TASK_FORCE, AgencyKind.STATE, "Hartford", "GTTF", "Insp."),
    (FBI, AgencyKind.FEDERAL, "New Haven", "FBINH", "SA"),
    (ATF, AgencyKind.FEDERAL, "Hartford", "ATFHFD", "SA"),
    (LAB, AgencyKind.LAB, "Meriden", "DSS", "Examiner"),
]


def load_towns() -> list[Town]:
    """All 169 towns (``cgic_data.towns``), ids 1..169 in alphabetical order."""
    return [Town(**row) for row in bundled_towns()]  # type: ignore[arg-type]


def build_agencies(towns: list[Town]) -> list[Agency]:
    """Local departments first (ids 1..), then state, federal and the lab."""
    town_id = {t.name: t.id for t in towns}
    agencies = [
        Agency(
            id=i,
            code=f"CTZ{i * 10:04d}00",
            name=f"{name} Police Department",
            kind=AgencyKind.LOCAL,
            home_town_id=town_id[name],
            prefix=prefix,
            title="Det.",
        )
        for i, (name, prefix) in enumerate(LOCAL_DEPARTMENTS, start=1)
    ]
    for name, kind, home, prefix, title in OTHER_AGENCIES:
        i = len(agencies) + 1
        agencies.append(Agency(i, f"CTZ9{i:03d}00", name, kind, town_id[home], prefix, title))
    return agencies


class Jurisdiction:
    """Who polices which town: its own department, or the State Police."""

    def __init__(self, towns: list[Town], agencies: list[Agency]) -> None:
        by_name = {a.name: a for a in agencies}
        self.state_police = by_name[STATE_POLICE]
        self.task_force = by_name[TASK_FORCE]
        self.fbi = by_name[FBI]
        self.atf = by_name[ATF]
        self.lab = by_name[LAB]
        local = {a.home_town_id: a for a in agencies if a.kind == AgencyKind.LOCAL}
        self.by_town: dict[int, Agency] = {t.id: local.get(t.id, self.state_police) for t in towns}

    def of_town(self, town_id: int) -> Agency:
        return self.by_town[town_id]
