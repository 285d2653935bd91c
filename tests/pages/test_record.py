"""The Record page in the real Streamlit runtime: each URL form opens its record (audited once),
nothing in the URL shows the search, and the lead packet's tables hold links that open the views."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
from sqlalchemy import Engine, select

from cgic_data.schema import AuditEntry, Firearm, Role
from cgic_data.scope import Viewer
from tests.apptest import app_on, open_page
from tests.queries.test_packet import World

PAGE = "pages/record.py"


@pytest.fixture
def world(engine: Engine) -> World:
    return World(engine)


def views(engine: Engine) -> list[str | None]:
    with engine.connect() as conn:
        return list(
            conn.execute(select(AuditEntry.target).where(AuditEntry.action == "view")).scalars()
        )


def opened(url: str) -> tuple[str, dict[str, str]]:
    """(page, query) of a link as the app builds it (``record?incident=I1&ori=CT001``)."""
    parts = urlsplit(url)
    return parts.path, {key: values[0] for key, values in parse_qs(parts.query).items()}


def frames(at) -> list[pd.DataFrame]:  # type: ignore[no-untyped-def]
    return [df.value for df in at.dataframe]


def cells(at) -> list[object]:  # type: ignore[no-untyped-def]
    return [v for frame in frames(at) for v in frame.to_numpy().ravel().tolist()]


def markdown(at) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(m.value for m in at.markdown)


def gun_number(engine: Engine, world: World) -> str:
    with engine.connect() as conn:
        return conn.execute(
            select(Firearm.firearm_number).where(Firearm.recovery_incident_id == world.incident[2])
        ).scalar_one()


def test_an_incident_link_opens_its_record_with_links_and_is_audited_once(
    engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, {"incident": "I2", "ori": "CT002"})
        assert [h.value for h in at.subheader] == ["Incident I2"]
        text = markdown(at)
        assert "[L-1](packet?show=Lead&lead=L-1)" in text
        assert "**Series [L-1](network?show=Series&series=L-1)**" in text
        assert "[Timeline](timeline?show=Series&series=L-1)" in text
        shown = cells(at)
        assert "record?incident=I1&ori=CT001" in shown  # linked by L-1
        assert f"record?firearm={gun_number(engine, world)}" in shown
        assert "record?lab_case=LC-2-casing" in shown
        at.run()
    assert views(engine) == ["incident Bravo PD I2"]


def test_a_firearm_and_a_lab_case_open_from_their_links(
    engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    gun = gun_number(engine, world)
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, {"firearm": gun})
        assert [h.value for h in at.subheader] == [f"Firearm {gun}"]
        assert "[I2](record?incident=I2&ori=CT002)" in markdown(at)
        assert any("law enforcement or prosecutors" in c.value for c in at.caption)
        assert "record?incident=I3&ori=CT003" in cells(at)  # its test fire, linked by L-2
        at = open_page(PAGE, {"lab_case": "LC-1-casing"})
        assert [h.value for h in at.subheader] == ["Lab case LC-1-casing"]
        requests = next(f for f in frames(at) if "Discipline" in f.columns)
        assert requests["Discipline"].tolist() == ["DNA"]
    assert views(engine) == [f"firearm {gun}", "lab case LC-1-casing"]


def test_what_the_viewer_may_not_see_is_not_opened(
    engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    charlie = Viewer("charlie-analyst", Role.ANALYST, agency_id=world.c)
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, {"incident": "I1"}, viewer=charlie)
        assert any("No incident numbered “I1”" in w.value for w in at.warning)
        assert not at.subheader
        at = open_page(PAGE, {"lab_case": "LC-3-casing"}, viewer=charlie)  # Alpha submitted it
        assert any("No lab case" in w.value for w in at.warning)
    assert views(engine) == []


def test_a_number_several_agencies_use_lists_them(
    engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.b.incident(world.c, datetime(2025, 8, 1), number="I1")
    with app_on(engine, monkeypatch):
        at = open_page(PAGE, {"incident": "I1"})
    assert any("2 agencies" in i.value for i in at.info)
    (matches,) = frames(at)
    assert sorted(matches["Incident number"]) == [
        "record?incident=I1&ori=CT001",
        "record?incident=I1&ori=CT003",
    ]
    assert views(engine) == []


def test_nothing_in_the_url_shows_the_search(
    engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_on(engine, monkeypatch):
        at = open_page(PAGE)
        assert [t.label for t in at.text_input] == ["Number"]
        recent = frames(at)[0]
        assert recent["Incident number"].iloc[0] == "record?incident=I6&ori=CT003"  # newest first
        at.text_input[0].input("casing").run()
        assert not at.exception
        found = frames(at)
        assert [f.columns[0] for f in found] == ["Lab case number"]
        assert "record?lab_case=LC-1-casing" in found[0]["Lab case number"].tolist()
        at.text_input[0].input("no-such-thing").run()
        assert any("Nothing you may see" in i.value for i in at.info)


def test_the_packet_tables_link_every_identifier_to_its_view(
    engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_on(engine, monkeypatch):
        at = open_page("pages/packet.py", {"lead": "L-1"})
        by_first = {frame.columns[0]: frame for frame in frames(at)}
        assert by_first["Lead number"]["Lead number"].tolist() == ["packet?show=Lead&lead=L-1"]
        incidents = by_first["Incident number"]["Incident number"].tolist()
        assert incidents == ["record?incident=I1&ori=CT001", "record?incident=I2&ori=CT002"]
        evidence = by_first["Item number"]
        assert "record?lab_case=LC-2-casing" in evidence["Lab case number"].tolist()
        assert f"record?firearm={gun_number(engine, world)}" in set(evidence["Firearm number"])
        assert "record?incident=I2&ori=CT002" in set(evidence["Incident number"])
        page, query = opened(incidents[1])
        at = open_page(f"pages/{page}.py", query)
        assert [h.value for h in at.subheader] == ["Incident I2"]


def test_timeline_and_network_tables_link_their_identifiers(
    engine: Engine, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_on(engine, monkeypatch):
        at = open_page("pages/timeline.py", {"lead": "L-1"})
        events = next(f for f in frames(at) if "event" in f.columns)
        assert set(events["incident_number"].dropna()) == {
            "record?incident=I1",
            "record?incident=I2",
        }
        assert set(events["lead_number"].dropna()) == {"packet?show=Lead&lead=L-1"}
        at = open_page("pages/network.py", {"series": "L-1"})
        nodes = next(f for f in frames(at) if "view" in f.columns)
        views = dict(zip(nodes["label"], nodes["view"], strict=True))
        assert views["L-1"] == "packet?show=Lead&lead=L-1"
        assert views["I3"] == "record?incident=I3"
        assert views[gun_number(engine, world)] == f"record?firearm={gun_number(engine, world)}"
