"""The session cookie: set and cleared by the server, so page scripts can never read it.

Streamlit's websocket cannot set a cookie, so ``app.py`` serves one route of its own beside
Streamlit's (``st.App(..., routes=routes())``; ``streamlit run app.py`` finds it):

* ``POST <base>/cgic/session`` with a one-time ticket (``cgic_data.sessions``) answers with the
  session's token as an ``HttpOnly; SameSite=Strict`` cookie, ``Secure`` when the request came
  over TLS (its scheme or ``X-Forwarded-Proto``). The signed-in tab sends it with ``fetch``: no
  reload, so the tab keeps its page and query, and there is no redirect target to validate.
* ``DELETE`` on the same path drops the cookie unless it names an open session, so a tab that
  saw an older session end cannot sign out a newer one.

Both refuse a request whose ``Origin`` or ``Sec-Fetch-Site`` says it came from another site.
The cookie has no expiry date: it lasts until the browser closes, and the server ends the
session sooner (idle, sign-out, revocation).
"""

from __future__ import annotations

import functools
import json
from urllib.parse import urlsplit

import streamlit as st
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from streamlit.url_util import make_url_path

from cgic_data import sessions, settings
from cgic_data.store import make_engine

COOKIE = "cgic_session"
ROUTE = "cgic/session"


def route_path() -> str:
    return make_url_path(str(st.get_option("server.baseUrlPath") or ""), ROUTE)


def cookie_path() -> str:
    return make_url_path(str(st.get_option("server.baseUrlPath") or ""), "")


def routes() -> list[BaseRoute]:
    """The cookie route, for ``st.App(routes=...)`` in app.py."""
    return [Route(route_path(), session_cookie, methods=["POST", "DELETE"])]


def _engine() -> Engine:
    """An engine of its own: the pages' ``st.cache_resource`` one wants a page run around it.
    The store is already migrated (a ticket exists only after a page run has opened it)."""
    return _engine_for(settings.database_url())


@functools.cache
def _engine_for(url: str) -> Engine:
    return make_engine(url)


def same_site(request: Request) -> bool:
    """Whether a browser says this request came from a page of this server."""
    if request.headers.get("sec-fetch-site", "same-origin") != "same-origin":
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return True
    host = request.headers.get("x-forwarded-host") or request.headers.get("host", "")
    return urlsplit(origin).netloc == host.split(",")[0].strip()


def over_tls(request: Request) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


async def session_cookie(request: Request) -> Response:
    """POST: trade a ticket for the session cookie. DELETE: drop a cookie that has ended."""
    headers = {"Cache-Control": "no-store"}
    if not same_site(request):
        return Response(status_code=403, headers=headers)
    response = Response(status_code=204, headers=headers)
    if request.method == "POST":
        ticket = (await request.body())[: sessions.MAX_SECRET_LENGTH + 1].decode("ascii", "replace")
        token = await run_in_threadpool(sessions.redeem_ticket, _engine(), ticket.strip())
        if token is None:
            return Response(status_code=403, headers=headers)
        response.set_cookie(
            COOKIE,
            token,
            path=cookie_path(),
            secure=over_tls(request),
            httponly=True,
            samesite="strict",
        )
        return response
    token = request.cookies.get(COOKIE)
    if token and await run_in_threadpool(sessions.is_open, _engine(), token):
        return response
    response.delete_cookie(
        COOKIE, path=cookie_path(), secure=over_tls(request), httponly=True, samesite="strict"
    )
    return response


def send_ticket(ticket: str) -> None:
    """Have this tab's browser trade ``ticket`` for the cookie, in the background. Drawn in the
    sidebar (a signed-in page always has one), wherever the caller is."""
    script = _fetch("POST", f", body: {json.dumps(ticket)}")
    st.sidebar.html(script, unsafe_allow_javascript=True)


def forget() -> None:
    """Have this tab's browser drop the cookie if the session it names has ended (drawn where the
    caller is: the sign-in page has no sidebar)."""
    st.html(_fetch("DELETE"), unsafe_allow_javascript=True)


def _fetch(method: str, extra: str = "") -> str:
    options = f"{{method: '{method}'{extra}, credentials: 'same-origin', cache: 'no-store'}}"
    return f"<script>fetch({json.dumps(route_path())}, {options});</script>"
