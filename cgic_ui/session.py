"""Who is using this browser session, and whether they still may.

A signed-in session is a ``SignedInSession`` in ``st.session_state``. On every page run
``signed_in_viewer`` checks it against the store and the clock: idle longer than
``settings.IDLE_MINUTES`` ends it (audited as 'session-timeout'); a disabled account, a password
reset or a sign-out everywhere voids it (``cgic_data.access.session_viewer``); a role or agency
change applies at once. ``CGIC_AUTH=off`` (local development only) skips sign-in and yields a
lab-wide developer viewer under a visible warning.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from cgic_data import access, audit, settings
from cgic_data.schema import Role
from cgic_data.scope import Viewer
from cgic_ui.context import page_context
from cgic_ui.runtime import store

SESSION_KEY = "cgic_session"
NOTICE_KEY = "cgic_sign_in_notice"
OIDC_DENIED_KEY = "cgic_oidc_denied"
DEV_VIEWER = Viewer(username="dev (sign-in off)", role=Role.ADMIN, agency_id=None)


@dataclass
class SignedInSession:
    username: str
    signed_in_at: datetime
    last_activity: datetime
    method: str = "password"  # or "oidc"


def auth_off() -> bool:
    """Sign-in is skipped only for the exact value 'off'; anything else keeps it on."""
    return settings.AUTH_REQUIRED.value().lower() == "off"


def idle_limit() -> timedelta:
    return timedelta(minutes=settings.int_setting(settings.IDLE_MINUTES))


def start_session(result: access.SignIn, method: str) -> None:
    """Remember a successful sign-in for this browser session."""
    assert result.viewer is not None and result.at is not None
    st.session_state.pop(NOTICE_KEY, None)
    st.session_state[SESSION_KEY] = SignedInSession(
        username=result.viewer.username,
        signed_in_at=result.at,
        last_activity=result.at,
        method=method,
    )


def restart_session() -> None:
    """Begin this session anew (after the user changed their own password, which voids every
    session begun before the change)."""
    session: SignedInSession | None = st.session_state.get(SESSION_KEY)
    if session is not None:
        session.signed_in_at = session.last_activity = datetime.now()


def end_session(notice: str | None = None) -> None:
    """Forget everything this browser session held (filters, forms, the sign-in) and, for an
    identity-provider sign-in, its identity cookie too, so the next user starts clean."""
    session = st.session_state.get(SESSION_KEY)
    st.session_state.clear()
    if notice:
        st.session_state[NOTICE_KEY] = notice
    if session is not None and session.method == "oidc" and oidc_configured():
        st.logout()


def sign_out(viewer: Viewer) -> None:
    access.record_sign_out(store(), viewer, "sign-out")
    end_session("You are signed out.")


def signed_in_viewer(now: datetime | None = None) -> Viewer | None:
    """The viewer of this session, or None when nobody is (validly) signed in."""
    if auth_off():
        return DEV_VIEWER
    now = now or datetime.now()
    session: SignedInSession | None = st.session_state.get(SESSION_KEY)
    if session is None:
        return _identity_provider_sign_in()
    if now - session.last_activity > idle_limit():
        viewer = access.session_viewer(store(), session.username, session.signed_in_at)
        if viewer is not None:
            access.record_sign_out(store(), viewer, "session-timeout")
        minutes = settings.int_setting(settings.IDLE_MINUTES)
        end_session(f"You were signed out after {minutes} minutes without activity.")
        return None
    viewer = access.session_viewer(store(), session.username, session.signed_in_at)
    if viewer is None:
        end_session(
            "Your session has ended: signed out everywhere, password changed or account "
            "disabled. Please sign in again."
        )
        return None
    session.last_activity = now
    return viewer


def idle_remaining(now: datetime | None = None) -> timedelta | None:
    session: SignedInSession | None = st.session_state.get(SESSION_KEY)
    if session is None:
        return None
    return session.last_activity + idle_limit() - (now or datetime.now())


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
    """One audit row per page run: which page, with which shared filter."""
    detail = {"page": page.url_path or "(default)", "filter": asdict(page_context().filter)}
    audit.record(store(), viewer, "page-view", target=page.title, detail=detail)
