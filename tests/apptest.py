"""Run the real app (app.py, st.navigation, the shared filter) on a given store in AppTest."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

TIMEOUT = 60
APP = str(Path(__file__).resolve().parent.parent / "app.py")


def store_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@contextmanager
def app_on(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point the app at ``engine``'s store (never seeding it) for the duration of a test."""
    monkeypatch.setenv("CGIC_DATABASE_URL", store_url(engine))
    monkeypatch.setenv("CGIC_DEMO_ON_EMPTY", "never")
    yield


def open_page(page: str, query: dict[str, str | list[str]] | None = None) -> AppTest:
    """Start app.py, switch to ``page`` (e.g. "pages/overview.py") with URL ``query``, run it."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at
