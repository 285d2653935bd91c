"""The sign-in page drawn before any other page, and the signed-in user's corner of the sidebar."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import streamlit as st

from cgic_data import access, accounts, settings
from cgic_data.demo_accounts import accounts_file_for, has_accounts
from cgic_data.queries import reference
from cgic_data.scope import Viewer
from cgic_ui import session
from cgic_ui.navigation import PAGES
from cgic_ui.runtime import cached, store, store_facts

USE_NOTICE = (
    "This system holds criminal justice information. It is for authorized users, for criminal "
    "justice purposes only. Every sign-in, page view, search and export is recorded and may be "
    "reviewed; misuse may lead to disciplinary, civil and criminal penalties."
)


def require_viewer() -> Viewer:
    """The signed-in viewer; when nobody is signed in, draw the sign-in page and stop the run.

    Signed out, every page's URL leads to the sign-in form (no page of the app is registered),
    so a deep link survives sign-in: the next run opens the page it named, if the role allows.
    """
    viewer = session.signed_in_viewer()
    if viewer is None:
        gate = [st.Page(sign_in_page, title="Sign in", icon=":material/login:", default=True)]
        gate += [
            st.Page(sign_in_page, title="Sign in", url_path=st.Page(spec.path).url_path)
            for spec in PAGES
        ]
        st.navigation(gate, position="hidden").run()
        st.stop()
    if session.auth_off():
        st.warning(
            f"**Sign-in is off** (`{settings.AUTH_REQUIRED.env}=off`): local development only. "
            "Everyone who can reach this server sees all agencies as an admin.",
            icon=":material/lock_open:",
        )
    return viewer


# One message for every refusal (unknown user, wrong password, locked, disabled): saying
# "locked" or "disabled" would tell a stranger that the username exists. The reason is in the
# audit log, and admins see locks on the Accounts page and in `cgic user list`.
REFUSED = "Wrong username or password, or the account is locked or disabled."


def _sentence(text: str) -> str:
    """A data-layer reason ('a password needs ...') as a sentence, keeping its own capitals."""
    text = text[:1].upper() + text[1:]
    return text if text.endswith(".") else text + "."


def sign_in_page() -> None:
    """Username and password, or the site's identity provider when one is configured."""
    _, middle, _ = st.columns([1, 2, 1])
    with middle:
        st.title("CGIC Intelligence", anchor=False)
        st.caption("Crime Gun Intelligence Center dashboard — sign in")
        notice = st.session_state.get(session.NOTICE_KEY)
        if notice:
            st.info(notice, icon=":material/info:")
        session.sync_cookie()  # drop the cookie of a session that has just ended
        if session.oidc_configured():
            for provider in session.oidc_providers():
                label = (
                    f"Sign in with {provider}" if provider else "Sign in with your agency account"
                )
                if st.button(label, key=f"oidc-{provider}", type="primary", width="stretch"):
                    if provider:
                        st.login(provider)
                    else:
                        st.login()
            st.caption("Multi-factor sign-in is done by your agency's identity provider.")
            st.divider()
        with st.form("sign-in", clear_on_submit=True, border=True):
            username = st.text_input("Username", autocomplete="username")
            password = st.text_input("Password", type="password", autocomplete="current-password")
            submitted = st.form_submit_button("Sign in", type="primary", width="stretch")
        if submitted:
            result = access.sign_in(store(), username, password)
            if result.ok:
                session.start_session(result, "password")
                st.rerun()
            st.error(REFUSED, icon=":material/error:")
        attempts = settings.int_setting(settings.LOCKOUT_ATTEMPTS)
        minutes = settings.int_setting(settings.LOCKOUT_MINUTES)
        st.caption(
            f"After {attempts} failed attempts an account locks for {minutes} minutes; "
            "an administrator can release it sooner. "
            f"Idle sessions end after {settings.int_setting(settings.IDLE_MINUTES)} minutes."
        )
        _setup_hint()
        st.caption(USE_NOTICE)


def _setup_hint() -> None:
    """Tell whoever runs a fresh install how to get in (never a password)."""
    if store_facts().get("demo") == "true":
        st.info(
            "**Synthetic demo store.** Demo accounts (admin, lab director, a CGIC analyst, "
            "Hartford and New Haven commanders and analysts) have random passwords, printed by "
            f"`cgic demo` and kept on the server in `{_shown_path(accounts_file_for(store()))}` "
            "(readable only by the account that runs the app).",
            icon=":material/science:",
        )
    elif not has_accounts(store()):
        st.info(
            "No accounts yet. On the server, create the first admin: "
            "`cgic user add NAME --role admin`.",
            icon=":material/person_add:",
        )


def _shown_path(path: Path) -> str:
    try:
        return str(path.relative_to(settings.PROJECT_ROOT))
    except ValueError:
        return str(path)


# --- the signed-in user's corner of the sidebar ------------------------------------------------


@st.fragment(run_every=timedelta(seconds=60))
def _idle_watch() -> None:
    """Once a minute, rerun the whole app if this session has been idle too long in every tab
    (or has ended in another): the run then ends it here and shows the sign-in page, so an
    unattended screen does not stay open."""
    remaining = session.idle_remaining()
    if remaining is not None and remaining <= timedelta(0):
        st.rerun()


def _agency_label(viewer: Viewer) -> str:
    if viewer.sees_all_agencies:
        return "all agencies"
    agencies = cached(reference.agencies)
    names = dict(zip(agencies["id"], agencies["name"], strict=True))
    return str(names.get(viewer.agency_id, f"agency {viewer.agency_id}"))


def account_sidebar(viewer: Viewer) -> None:
    """Who is signed in, sign out, sign out everywhere, change password."""
    with st.sidebar:
        st.divider()
        st.caption(f"Signed in as **{viewer.username}** · {viewer.role} · {_agency_label(viewer)}")
        if session.auth_off():
            return
        session.sync_cookie()  # a fresh sign-in's cookie, for the links opened in new tabs
        _idle_watch()
        left, right = st.columns(2)
        if left.button("Sign out", icon=":material/logout:", width="stretch"):
            session.sign_out(viewer)
            st.rerun()
        with right.popover("Account", icon=":material/person:", width="stretch"):
            if st.button("Sign out everywhere", icon=":material/devices_off:"):
                accounts.sign_out_everywhere(store(), viewer, viewer.username)
                session.end_session("You are signed out on every device.")
                st.rerun()
            _change_password_form(viewer)


def _change_password_form(viewer: Viewer) -> None:
    with st.form("change-password", clear_on_submit=True, border=False):
        st.markdown("**Change password**")
        current = st.text_input("Current password", type="password")
        new = st.text_input(
            "New password",
            type="password",
            help=(
                f"At least {access.MIN_PASSWORD_LENGTH} characters, not common or easy to "
                "guess; a passphrase of uncommon words is best."
            ),
        )
        repeat = st.text_input("New password again", type="password")
        submitted = st.form_submit_button("Change password")
    if not submitted:
        return
    if new != repeat:
        st.error("The new passwords differ.")
        return
    try:
        changed = accounts.change_own_password(store(), viewer, current, new)
    except access.AccessError as exc:
        st.error(_sentence(str(exc)))
        return
    if not changed:
        st.error("The current password is wrong.")
        return
    # The change ended every session of the account; this tab goes on in a new one.
    session.restart_session()
    st.success("Password changed. Other sessions of this account are signed out.")
