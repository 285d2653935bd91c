"""The session cookie's route (cgic_ui.session_cookie), called as the ASGI server calls it: a
ticket becomes an HttpOnly, SameSite=Strict cookie (Secure over TLS), once, and only for a
request from the app's own pages; a cookie is dropped only when its session has ended."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from sqlalchemy import Engine
from starlette.requests import Request
from starlette.responses import Response

from cgic_data import accounts, sessions
from cgic_data.schema import Role
from cgic_data.scope import Viewer
from cgic_ui import session_cookie

PASSWORD = "correct horse battery staple"
HOST = "127.0.0.1:8501"


@pytest.fixture
def store(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    accounts.add_user(engine, Viewer.system("tests"), "ann", Role.ADMIN, password=PASSWORD)
    monkeypatch.setattr(session_cookie, "_engine", lambda: engine)
    return engine


def call(method: str, body: str = "", **headers: str) -> Response:
    """One request to the route, with ``headers`` (underscores for dashes)."""
    sent = {"host": HOST} | {k.replace("_", "-"): v for k, v in headers.items()}
    scope = {
        "type": "http",
        "method": method,
        "path": session_cookie.route_path(),
        "headers": [(k.lower().encode(), v.encode()) for k, v in sent.items()],
        "scheme": "http",
        "server": ("127.0.0.1", 8501),
        "query_string": b"",
    }

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": body.encode(), "more_body": False}

    return asyncio.run(session_cookie.session_cookie(Request(scope, receive)))


def set_cookie(response: Response) -> str:
    (header,) = response.headers.getlist("set-cookie")
    return header


def ticket(engine: Engine) -> str:
    return sessions.begin(engine, "ann", method="password", now=datetime.now()).ticket


def test_a_ticket_becomes_an_http_only_strict_cookie_once(store: Engine) -> None:
    one = ticket(store)
    response = call("POST", one, origin=f"http://{HOST}", sec_fetch_site="same-origin")
    assert response.status_code == 204
    cookie = set_cookie(response)
    name, token = cookie.split(";")[0].split("=", 1)
    assert name == "cgic_session"
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=strict", "path=/"} <= attributes
    assert "secure" not in attributes  # plain HTTP (local): a Secure cookie would be dropped
    assert not any(a.startswith(("expires", "max-age")) for a in attributes)  # browser session
    assert sessions.is_open(store, token)
    again = call("POST", one, origin=f"http://{HOST}")
    assert again.status_code == 403 and not again.headers.getlist("set-cookie")


def test_behind_tls_the_cookie_is_secure(store: Engine) -> None:
    response = call("POST", ticket(store), x_forwarded_proto="https")
    assert "secure" in {p.strip().lower() for p in set_cookie(response).split(";")}


@pytest.mark.parametrize(
    "headers",
    [{"origin": "https://evil.example"}, {"sec_fetch_site": "cross-site"}],
    ids=["other origin", "cross-site fetch"],
)
def test_a_request_from_another_site_is_refused(store: Engine, headers: dict[str, str]) -> None:
    one = ticket(store)
    response = call("POST", one, **headers)
    assert response.status_code == 403 and not response.headers.getlist("set-cookie")
    assert call("POST", one).status_code == 204  # the refused request did not use the ticket


def test_a_cookie_is_dropped_only_once_its_session_has_ended(store: Engine) -> None:
    begun = sessions.begin(store, "ann", method="password", now=datetime.now())
    token = sessions.redeem_ticket(store, begun.ticket)
    assert token is not None
    kept = call("DELETE", cookie=f"cgic_session={token}")
    assert kept.status_code == 204 and not kept.headers.getlist("set-cookie")
    sessions.end(store, begun.id, "sign-out")
    dropped = set_cookie(call("DELETE", cookie=f"cgic_session={token}"))
    assert dropped.startswith('cgic_session="";') and "max-age=0" in dropped.lower()
