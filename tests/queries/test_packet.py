"""The lead packet: every row tied to the lead or series appears, nothing from other leads, and an
agency sees only what the sharing rule gives it."""

from datetime import datetime

import pytest
from sqlalchemy import Engine

from cgic_data.lead_labels import CONFIRMED_LABEL, EXCLUDED_LABEL, UNCONFIRMED_LABEL
from cgic_data.queries.packet import GROUP_TITLES, load_packet
from cgic_data.schema import CaseEventKind, Discipline, ItemKind, LeadStatus, ResultKind, Role
from cgic_data.scope import Viewer
from tests.factory import Builder

SYSTEM = Viewer.system()


class World:
    """L-1 links Alpha's i1 and Bravo's i2; L-2 (confirmed) links i2 and Charlie's i3; L-3
    (excluded) links i1 and Charlie's i4; L-9 links Charlie's i5 and i6. Every incident has its
    own evidence, results, firearms and events, numbered after the incident."""

    def __init__(self, engine: Engine) -> None:
        b = Builder(engine)
        self.b = b
        town = b.town("Hartford")
        self.a = b.agency("CT001", name="Alpha PD")
        self.bravo = b.agency("CT002", name="Bravo PD")
        self.c = b.agency("CT003", name="Charlie PD")
        owner = {1: self.a, 2: self.bravo, 3: self.c, 4: self.c, 5: self.c, 6: self.c}
        self.incident = {
            n: b.incident(owner[n], datetime(2025, 6, n, 22), number=f"I{n}", town_id=town)
            for n in owner
        }
        self.casing = {n: self.item(n, "casing") for n in owner}
        for n in owner:  # evidence that is in no lead, and results on it
            self.item(n, "bullet", ItemKind.BULLET)
            swab = self.item(n, "swab", ItemKind.SWAB)
            lift = self.item(n, "lift", ItemKind.LATENT_LIFT)
            b.result(swab, ResultKind.CODIS, subject_ref=f"SUBJ-{n}")
            b.result(lift, ResultKind.AFIS, subject_ref=None)  # searched, no hit
            b.result(swab, ResultKind.DRUG_CHEMISTRY, subject_ref=None)
            b.case_event(CaseEventKind.ARREST, datetime(2025, 7, n), incident_id=self.incident[n])
        gun = b.firearm(self.incident[2], recovered_at=datetime(2025, 6, 2, 23))
        b.trace(gun)
        self.item(2, "firearm", ItemKind.FIREARM, firearm_id=gun)
        test_fire = self.item(2, "testfire", ItemKind.TEST_FIRE, firearm_id=gun)
        other_gun = b.firearm(self.incident[5])
        b.trace(other_gun)
        c = self.casing
        self.l1 = b.lead([c[1], c[2]], number="L-1")
        b.lead([test_fire, c[3]], number="L-2", status=LeadStatus.CONFIRMED)
        b.lead([self.item(1, "casing2"), c[4]], number="L-3", status=LeadStatus.EXCLUDED)
        self.l9 = b.lead([c[5], c[6]], number="L-9")
        b.case_event(CaseEventKind.FOLLOW_UP, datetime(2025, 7, 9), lead_id=self.l1, outcome="x")
        b.case_event(CaseEventKind.FOLLOW_UP, datetime(2025, 7, 9), lead_id=self.l9)

    def item(
        self, n: int, what: str, kind: ItemKind = ItemKind.CARTRIDGE_CASE, **kw: object
    ) -> int:
        request = self.b.request(
            self.a,
            datetime(2025, 6, n + 1),
            discipline=Discipline.DNA,
            case_number=f"LC-{n}-{what}",
        )
        return self.b.item(
            self.incident[n], number=f"I{n}-{what}", kind=kind, lab_request_id=request, **kw
        )  # type: ignore[arg-type]


@pytest.fixture
def world(engine: Engine) -> World:
    return World(engine)


def column(packet, group: str, name: str) -> set[str]:  # type: ignore[no-untyped-def]
    return set(packet.groups[group][name].dropna())


def from_incidents(packet, *numbers: int) -> None:  # type: ignore[no-untyped-def]
    """Every row of every incident-level group comes from exactly these incidents."""
    wanted = {f"I{n}" for n in numbers}
    assert column(packet, "Incidents", "incident_number") == wanted
    assert {i.split("-")[0] for i in column(packet, "Evidence items", "item_number")} == wanted
    for group in ("CODIS", "AFIS", "Drug chemistry"):
        assert column(packet, group, "incident_number") == wanted, group
    assert column(packet, "Case events", "incident_number") == wanted


def test_lead_packet_holds_everything_tied_to_the_lead_and_nothing_else(
    engine: Engine, world: World
) -> None:
    packet = load_packet(engine, SYSTEM, "lead", "L-1")
    assert packet is not None
    assert tuple(packet.groups) == GROUP_TITLES
    from_incidents(packet, 1, 2)
    # all evidence of both cases, not only the lead's casings
    assert column(packet, "Evidence items", "item_number") == {
        "I1-casing", "I1-bullet", "I1-swab", "I1-lift", "I1-casing2",
        "I2-casing", "I2-bullet", "I2-swab", "I2-lift", "I2-firearm", "I2-testfire",
    }  # fmt: skip
    evidence = packet.groups["Evidence items"].set_index("item_number")
    assert evidence.loc["I1-casing", "leads"] == "L-1"
    assert evidence.loc["I2-testfire", "leads"] == ""  # in L-2, not part of this packet
    assert evidence.loc["I2-swab", "lab_case_number"] == "LC-2-swab"
    incidents = packet.incidents.set_index("incident_number")
    assert incidents.loc["I2", ["agency", "ori", "leads"]].tolist() == ["Bravo PD", "CT002", "L-1"]
    firearms = packet.groups["Firearms"]
    assert firearms["recovery_incident_number"].tolist() == ["I2"]  # not i5's gun
    assert firearms["ori"].tolist() == ["CT002"]
    assert len(packet.groups["Traces"]) == 1
    assert column(packet, "CODIS", "subject_ref") == {"SUBJ-1", "SUBJ-2"}
    assert packet.groups["Digital evidence"].empty
    events = packet.groups["Case events"]
    assert sorted(events["kind"]) == ["arrest", "arrest", "follow-up"]
    assert events.loc[events["kind"] == "follow-up", "lead_number"].tolist() == ["L-1"]
    assert packet.groups["Leads"]["lead_number"].tolist() == ["L-1"]
    assert packet.label == UNCONFIRMED_LABEL
    header = packet.header
    assert header["Lead"] == "L-1" and header["Series"] == "L-1"
    assert header["Agencies"] == "Alpha PD (CT001); Bravo PD (CT002)"
    assert (header["Incidents"], header["CODIS hits"], header["AFIS hits"]) == ("2", "2", "0")
    assert (header["Firearms recovered"], header["Traces"]) == ("1", "1")
    assert header["Assigned to"] == "unassigned"


def test_series_packet_spans_every_lead_of_the_series(engine: Engine, world: World) -> None:
    packet = load_packet(engine, SYSTEM, "series", "L-1")
    assert packet is not None
    from_incidents(packet, 1, 2, 3)
    assert packet.groups["Leads"]["lead_number"].tolist() == ["L-1", "L-2"]
    assert packet.header["Leads"] == "L-1, L-2"
    assert packet.label == f"{UNCONFIRMED_LABEL} (unconfirmed: L-1)"
    testfire = packet.groups["Evidence items"].set_index("item_number").loc["I2-testfire"]
    assert testfire["leads"] == "L-2"
    assert load_packet(engine, SYSTEM, "series", "L-2").header["Series"] == "L-1"  # type: ignore[union-attr]


def test_confirmed_and_excluded_leads_say_so(engine: Engine, world: World) -> None:
    assert load_packet(engine, SYSTEM, "lead", "L-2").label == CONFIRMED_LABEL  # type: ignore[union-attr]
    excluded = load_packet(engine, SYSTEM, "lead", "L-3")
    assert excluded is not None
    assert excluded.label == EXCLUDED_LABEL
    assert excluded.header["Series"] == "none (excluded lead)"
    assert load_packet(engine, SYSTEM, "lead", "NO-SUCH") is None


def test_an_agency_never_sees_incidents_of_leads_that_do_not_touch_it(
    engine: Engine, world: World
) -> None:
    charlie = Viewer("cy", Role.ANALYST, agency_id=world.c)
    assert load_packet(engine, charlie, "lead", "L-1") is None  # L-1 does not touch Charlie
    # Charlie's part of the series is built over L-2 only and named after it: i2 and its own i3,
    # never Alpha's i1; the lead Charlie is not part of does not even name the series
    assert load_packet(engine, charlie, "series", "L-1") is None
    series = load_packet(engine, charlie, "series", "L-2")
    assert series is not None
    from_incidents(series, 2, 3)
    assert series.groups["Leads"]["lead_number"].tolist() == ["L-2"]
    assert series.label == CONFIRMED_LABEL
    # the excluded lead shares nothing: Charlie sees its own i4 only
    from_incidents(load_packet(engine, charlie, "lead", "L-3"), 4)
    alpha = Viewer("al", Role.COMMANDER, agency_id=world.a)
    from_incidents(load_packet(engine, alpha, "lead", "L-3"), 1)
    assert load_packet(engine, alpha, "series", "L-9") is None


def test_a_date_without_a_time_reads_as_a_date_alone(engine: Engine, world: World) -> None:
    """An incident imported with a date only is stored at midnight and flagged: the packet says
    its date, never '00:00', which would read as a real time (issue 15)."""
    from sqlalchemy import update

    from cgic_data.schema import Incident

    with engine.begin() as conn:
        conn.execute(
            update(Incident)
            .where(Incident.incident_number == "I1")
            .values(occurred_at=datetime(2025, 6, 1), occurred_time_known=False)
        )
    packet = load_packet(engine, SYSTEM, "lead", "L-1")
    assert packet is not None
    assert packet.header["First incident"] == "2025-06-01"
    assert packet.header["Last incident"] == "2025-06-02 22:00"
    assert packet.incidents["time_known"].tolist() == [False, True]
