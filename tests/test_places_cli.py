"""`cgic towns`: where a rejects report for an unknown town sends a site."""

from __future__ import annotations

import pytest

from cgic_data.cli import main


def test_cgic_towns_lists_the_towns_then_the_villages(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["towns"]) == 0
    out = capsys.readouterr().out.splitlines()
    towns = out[1 : out.index("")]
    assert len(towns) == 169 and towns[0] == "Andover" and "Windham" in towns
    assert "Willimantic -> Windham (former city)" in out
    assert "Mystic -> Groton|Stonington (village)" in out


def test_cgic_towns_resolves_a_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["towns", "Vernon Rockville (Vernon)"]) == 0
    assert main(["towns", "Mystic", "--lat", "41.3543", "--lon", "-71.9665"]) == 0
    assert main(["towns", "Mystic"]) == 1
    assert main(["towns", "Atlantis"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[:2] == ["Vernon Rockville (Vernon) -> Vernon", "Mystic -> Stonington"]
    assert out[2].startswith("Mystic lies in more than one town (Groton, Stonington)")
    assert out[3] == "Atlantis: not a Connecticut town, village or section (see `cgic towns`)"
