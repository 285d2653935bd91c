"""Run the real app (app.py, st.navigation, the shared filter) on a given store in AppTest.

Sign-in is on, as in production: ``open_page`` signs in ``viewer`` (by default a lab-wide admin,
"tester") by putting a signed-in session into AppTest's session state, after creating that
account in the store if it is missing. ``viewer=None`` opens the app signed out.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from cgic_data import accounts, sessions
from cgic_data.access import get_account
from cgic_data.schema import Role
from cgic_data.scope import Viewer
from cgic_data.store import make_engine
from cgic_ui.errors import RAISE_SETTING
from cgic_ui.session import SESSION_KEY, SignedInSession

TIMEOUT = 60
APP = str(Path(__file__).resolve().parent.parent / "app.py")
TEST_VIEWER = Viewer(username="tester", role=Role.ADMIN, agency_id=None)


def store_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@contextmanager
def app_on(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point the app at ``engine``'s store (never seeding it) for the duration of a test."""
    monkeypatch.setenv("CGIC_DATABASE_URL", store_url(engine))
    monkeypatch.setenv("CGIC_DEMO_ON_EMPTY", "never")
    monkeypatch.setenv("CGIC_AUTH", "on")
    monkeypatch.setenv(RAISE_SETTING, "raise")  # a page's error fails the test, not a message
    yield


def ensure_account(engine: Engine, viewer: Viewer) -> None:
    """An active account with ``viewer``'s name, role and agency (no password: none is needed to
    put a signed-in session into AppTest)."""
    actor = Viewer.system("tests")
    account = get_account(engine, viewer.username)
    if account is None:
        accounts.add_user(engine, actor, viewer.username, viewer.role, agency_id=viewer.agency_id)
    elif account.viewer() != viewer or not account.is_active:
        accounts.set_role(engine, actor, viewer.username, viewer.role, viewer.agency_id)
        accounts.enable_user(engine, actor, viewer.username)


def sign_in_as(at: AppTest, viewer: Viewer, signed_in_at: datetime | None = None) -> None:
    """Give ``at`` a signed-in session of ``viewer`` on the store the app is pointed at (its
    ``user_sessions`` row too, as a sign-in makes)."""
    engine = make_engine(os.environ["CGIC_DATABASE_URL"])
    try:
        ensure_account(engine, viewer)
        begun = sessions.begin(engine, viewer.username, method="password", now=signed_in_at)
    finally:
        engine.dispose()
    at.session_state[SESSION_KEY] = SignedInSession(
        viewer.username, begun.id, begun.created_at, begun.created_at
    )


def open_page(
    page: str,
    query: dict[str, str | list[str]] | None = None,
    viewer: Viewer | None = TEST_VIEWER,
) -> AppTest:
    """Start app.py signed in as ``viewer``, switch to ``page`` (e.g. "pages/overview.py") with
    URL ``query``, run it. ``viewer=None``: signed out (the sign-in page is all there is)."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    if viewer is not None:
        sign_in_as(at, viewer)
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at
