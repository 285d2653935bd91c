"""Who is using this browser tab, and whether they still may.

A sign-in begins a server-side session (a ``user_sessions`` row, ``cgic_data.sessions``) and a
``SignedInSession`` in this tab's ``st.session_state``; the browser then gets the session's
cookie (``cgic_ui.session_cookie``), so a link opened in a new tab resumes the session instead
of asking for the password again (audited as 'session-resume'). On every page run
``signed_in_viewer`` checks the row against the store and the clock: idle longer than
``settings.IDLE_MINUTES`` in every tab ends it (audited as 'session-timeout'); a sign-out, a
sign-out everywhere, a disabled account or a password reset or change ends it; a role or agency
change applies at once. ``CGIC_AUTH=off`` (local development only) skips sign-in and yields a
lab-wide developer viewer under a visible warning.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from cgic_data import access, audit, sessions, settings
from cgic_data.schema import Role
from cgic_data.scope import Viewer
from cgic_data.sessions import Status
from cgic_ui import session_cookie
from cgic_ui.context import page_context
from cgic_ui.runtime import store

SESSION_KEY = "cgic_session"
NOTICE_KEY = "cgic_sign_in_notice"
OIDC_DENIED_KEY = "cgic_oidc_denied"
TICKET_KEY = "cgic_session_ticket"  # for the browser to trade for the cookie
FORGET_COOKIE_KEY = "cgic_forget_cookie"  # this tab's cookie names an ended session
DEAD_COOKIE_KEY = "cgic_dead_cookie"  # its digest, so it is not looked up on every run
DEV_VIEWER = Viewer(username="dev (sign-in off)", role=Role.ADMIN, agency_id=None)
ENDED_NOTICE = (
    "Your session has ended: signed out everywhere, password changed or account disabled. "
    "Please sign in again."
)


@dataclass
class SignedInSession:
    username: str
    session_id: int  # its user_sessions row, shared by every tab the cookie reaches
    signed_in_at: datetime
    last_activity: datetime  # in this tab
    method: str = "password"  # or "oidc"
    resumed: bool = False  # begun in another tab, resumed here through the cookie


def auth_off() -> bool:
    """Sign-in is skipped only for the exact value 'off'; anything else keeps it on."""
    return settings.AUTH_REQUIRED.value().lower() == "off"


def idle_limit() -> timedelta:
    return timedelta(minutes=settings.int_setting(settings.IDLE_MINUTES))


def idle_notice() -> str:
    minutes = settings.int_setting(settings.IDLE_MINUTES)
    return f"You were signed out after {minutes} minutes without activity."


def start_session(result: access.SignIn, method: str) -> None:
    """Begin the session of a successful sign-in: its row, this tab's state, and the ticket the
    browser trades for the cookie at the next run (``sync_cookie``)."""
    assert result.viewer is not None and result.at is not None
    begun = sessions.begin(
        store(), result.viewer.username, method=method, now=result.at, user_agent=_user_agent()
    )
    for key in (NOTICE_KEY, FORGET_COOKIE_KEY):
        st.session_state.pop(key, None)
    st.session_state[SESSION_KEY] = SignedInSession(
        username=result.viewer.username,
        session_id=begun.id,
        signed_in_at=begun.created_at,
        last_activity=begun.created_at,
        method=method,
    )
    st.session_state[TICKET_KEY] = begun.ticket


def restart_session() -> None:
    """Begin this tab's session anew (after the user changed their own password, which ended
    every session of the account) and send the browser the new cookie at once."""
    session: SignedInSession | None = st.session_state.get(SESSION_KEY)
    if session is None:
        return
    begun = sessions.begin(
        store(), session.username, method=session.method, user_agent=_user_agent()
    )
    session.session_id = begun.id
    session.signed_in_at = session.last_activity = begun.created_at
    session_cookie.send_ticket(begun.ticket)


def end_session(notice: str | None = None) -> None:
    """Forget everything this tab held (filters, forms, the sign-in) and, for an
    identity-provider sign-in, its identity cookie too, so the next user starts clean. The
    session's row has already ended; the browser is told to drop its cookie."""
    session = st.session_state.get(SESSION_KEY)
    st.session_state.clear()
    if notice:
        st.session_state[NOTICE_KEY] = notice
    _forget_cookie()
    if session is not None and session.method == "oidc" and oidc_configured():
        st.logout()


def sign_out(viewer: Viewer) -> None:
    session: SignedInSession | None = st.session_state.get(SESSION_KEY)
    if session is not None:
        sessions.end(store(), session.session_id, "sign-out")
    access.record_sign_out(store(), viewer, "sign-out")
    end_session("You are signed out.")


def signed_in_viewer(now: datetime | None = None) -> Viewer | None:
    """The viewer of this tab, or None when nobody is (validly) signed in."""
    if auth_off():
        return DEV_VIEWER
    now = now or datetime.now()
    session: SignedInSession | None = st.session_state.get(SESSION_KEY)
    if session is None:
        return resume_from_cookie(now) or _identity_provider_sign_in()
    found = sessions.check(
        store(), session.session_id, idle=idle_limit(), now=now, active_at=session.last_activity
    )
    if found.status is Status.LIVE:
        session.last_activity = now
        return found.viewer
    if found.status is Status.IDLE and found.viewer is not None:
        access.record_sign_out(store(), found.viewer, "session-timeout")
    end_session(_ended_notice(found.end_reason))
    return None


def _ended_notice(reason: str | None) -> str:
    if reason == "idle":
        return idle_notice()
    if reason == "sign-out":
        return "You are signed out."
    return ENDED_NOTICE


def resume_from_cookie(now: datetime | None = None) -> Viewer | None:
    """Resume the session this browser's cookie names (a link opened in a new tab, a reload)."""
    token = _cookie_token()
    if not token or sessions.digest(token) == st.session_state.get(DEAD_COOKIE_KEY):
        return None
    now = now or datetime.now()
    found = sessions.resume(store(), token, idle=idle_limit(), now=now)
    if found.status is not Status.LIVE or found.viewer is None or found.session_id is None:
        if found.status is Status.IDLE and found.viewer is not None:
            access.record_sign_out(store(), found.viewer, "session-timeout")
            st.session_state[NOTICE_KEY] = idle_notice()
        _forget_cookie()
        return None
    st.session_state[SESSION_KEY] = SignedInSession(
        username=found.viewer.username,
        session_id=found.session_id,
        signed_in_at=found.created_at or now,
        last_activity=now,
        method=found.method or "password",
        resumed=True,
    )
    audit.record(
        store(),
        found.viewer,
        "session-resume",
        target=found.viewer.username,
        detail={"session": found.session_id},
    )
    return found.viewer


def _cookie_token() -> str | None:
    """The session cookie the browser sent when this tab connected (AppTest has no browser:
    its client answers with a mock, read as no cookie)."""
    value = st.context.cookies.get(session_cookie.COOKIE)
    return value if isinstance(value, str) else None


def _user_agent() -> str | None:
    value = st.context.headers.get("User-Agent")
    return value if isinstance(value, str) else None


def _forget_cookie() -> None:
    """Have the browser drop the cookie this tab connected with (its session has ended), and
    stop looking it up: ``st.context.cookies`` keeps it until the tab reconnects."""
    token = _cookie_token()
    if token:
        st.session_state[DEAD_COOKIE_KEY] = sessions.digest(token)
    st.session_state[FORGET_COOKIE_KEY] = True


def sync_cookie() -> None:
    """Send the browser what it must do with the cookie since the last run: trade a fresh
    sign-in's ticket for it, or drop it after a sign-out. Called once per run."""
    ticket = st.session_state.pop(TICKET_KEY, None)
    if ticket and SESSION_KEY in st.session_state:
        session_cookie.send_ticket(ticket)
    elif st.session_state.pop(FORGET_COOKIE_KEY, False):
        session_cookie.forget()


def idle_remaining(now: datetime | None = None) -> timedelta | None:
    """Until this session times out: idle in this tab and in every other tab of the cookie
    (its row's last_seen_at); zero once it has ended elsewhere."""
    session: SignedInSession | None = st.session_state.get(SESSION_KEY)
    if session is None:
        return None
    seen = sessions.last_seen(store(), session.session_id)
    if seen is None:
        return timedelta(0)
    return max(session.last_activity, seen) + idle_limit() - (now or datetime.now())


# --- identity provider (OIDC via st.login) ----------------------------------------------------


def oidc_configured() -> bool:
    """Whether ``.streamlit/secrets.toml`` has an ``[auth]`` section (st.login is then offered)."""
    try:
        return bool(st.secrets.load_if_toml_exists() and "auth" in st.secrets)
    except FileNotFoundError:
        return False


def oidc_providers() -> list[str | None]:
    """Named providers (``[auth.<name>]`` sections), or ``[None]`` for a single default one."""
    section = st.secrets["auth"]
    named = [key for key, value in section.items() if hasattr(value, "items")]
    return list(named) or [None]


def oidc_email() -> str | None:
    """The verified email of the identity-provider user of this browser, if signed in there."""
    if not oidc_configured() or not st.user.get("is_logged_in"):
        return None
    email = st.user.get("email")
    return str(email) if email else None


def _identity_provider_sign_in() -> Viewer | None:
    """Map an identity-provider sign-in to its users row (once per browser session)."""
    email = oidc_email()
    if email is None or st.session_state.get(OIDC_DENIED_KEY) == email:
        return None
    result = access.oidc_sign_in(store(), email)
    if not result.ok:
        st.session_state[OIDC_DENIED_KEY] = email
        st.session_state[NOTICE_KEY] = (
            f"{email} has no active account on this dashboard. Ask an administrator."
        )
        return None
    start_session(result, "oidc")
    return result.viewer


# --- the audit trail of page views -------------------------------------------------------------


def record_page_view(viewer: Viewer, page: StreamlitPage) -> None:
    """One audit row per page run: which page, with which shared filter, in which session (a
    session's page views span the tabs that resumed it)."""
    detail: dict[str, object] = {
        "page": page.url_path or "(default)",
        "filter": asdict(page_context().filter),
    }
    session: SignedInSession | None = st.session_state.get(SESSION_KEY)
    if session is not None:
        detail["session"] = session.session_id
        if session.resumed:
            detail["resumed"] = True
    audit.record(store(), viewer, "page-view", target=page.title, detail=detail)
