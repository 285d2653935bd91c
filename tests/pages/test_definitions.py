"""The Definitions page lists every figure under its anchor, with the definition its function's
docstring gives; the figures' tooltips on the pages link there."""

import pytest
from sqlalchemy import Engine

from cgic_data.definitions import DEFINITIONS_PAGE, FIGURES
from tests.apptest import app_on, open_page


def test_every_figure_has_an_entry_with_its_functions_definition(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_on(engine, monkeypatch):
        at = open_page("pages/definitions.py")
    assert [h.value for h in at.subheader] == [f.label for f in FIGURES]
    shown = "\n".join(m.value for m in at.markdown)
    for figure in FIGURES:
        assert figure.summary in shown
        assert figure.definition and figure.definition.splitlines()[0] in shown


def test_overview_and_leads_figures_link_to_their_definitions(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    labels = {f.label: f for f in FIGURES}
    with app_on(engine, monkeypatch):
        pages = [open_page("pages/overview.py"), open_page("pages/leads.py")]
    for at in pages:
        for metric in at.metric:
            if metric.label in labels:
                assert f"{DEFINITIONS_PAGE}#{labels[metric.label].anchor}" in metric.help
    named = {m.label for at in pages for m in at.metric}
    assert {"Leads issued", "Hits confirmed", "Issued, now confirmed"} <= named
    assert "Confirmed hits" not in named  # a second name for a different count, renamed
