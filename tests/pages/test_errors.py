"""A page that fails shows a clear message, never a traceback or a server path; the traceback goes
to the server log under a reference the user can quote."""

import logging

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from cgic_data.queries import timeline
from cgic_ui.errors import RAISE_SETTING
from tests.apptest import APP, TEST_VIEWER, app_on, sign_in_as
from tests.queries.lead_world import build_lead_world

SECRET = "Cannot cast DatetimeArray to dtype float64 in /srv/secret/path.py"


def failing_page() -> None:
    from cgic_ui.errors import errors_as_messages

    with errors_as_messages("Lead timeline"):
        raise TypeError("Cannot cast DatetimeArray to dtype float64 in /srv/secret/path.py")


def test_the_page_guard_shows_a_reference_and_logs_the_traceback(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv(RAISE_SETTING, raising=False)
    with caplog.at_level(logging.ERROR, logger="cgic.pages"):
        at = AppTest.from_function(failing_page).run()
    assert not at.exception
    shown = " ".join(e.value for e in at.error)
    assert "could not be shown" in shown and "DatetimeArray" not in shown
    reference = shown.split("reference **")[1].split("**")[0]
    logged = [r for r in caplog.records if reference in r.getMessage()]
    assert logged and "/srv/secret/path.py" in (logged[0].exc_text or "")


def test_an_error_escaping_a_page_is_shown_without_its_details(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever escapes (a fragment, a page run before app.py's guard): the app's config tells
    Streamlit to show a generic message, with no message text, type or stack trace."""
    build_lead_world(engine)

    def broken(*args: object, **kwargs: object) -> None:
        raise TypeError(SECRET)

    monkeypatch.setattr(timeline, "_fetch", broken)
    with app_on(engine, monkeypatch):
        monkeypatch.setenv(RAISE_SETTING, "")  # as in production
        at = AppTest.from_file(APP, default_timeout=60)
        at.query_params["lead"] = "L-1"
        sign_in_as(at, TEST_VIEWER)
        at.run()
        at.switch_page("pages/timeline.py").run()
    assert at.exception, "the broken query was not reached"
    for shown in at.exception:
        assert "DatetimeArray" not in shown.value and "/srv/secret" not in shown.value
        assert not shown.stack_trace
