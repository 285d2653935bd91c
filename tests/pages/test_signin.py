"""Sign-in before any page, in the real app: wrong password, lockout, idle timeout, roles, and a
new tab resuming the session through its cookie."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, select, update
from streamlit.testing.v1 import AppTest

from cgic_data import accounts, sessions
from cgic_data.schema import AuditEntry, Role, UserSession
from cgic_data.scope import Viewer
from cgic_ui.navigation import PAGES
from cgic_ui.session import SESSION_KEY
from tests.apptest import APP, TIMEOUT, app_on, open_page
from tests.factory import Builder

PASSWORD = "correct horse battery staple"
ADMIN = Viewer.system("tests")
REFUSED = "Wrong username or password, or the account is locked or disabled."


@pytest.fixture
def store(engine: Engine) -> Engine:
    b = Builder(engine)
    hartford = b.agency("CT0006400", name="Hartford Police Department")
    b.incident(hartford, datetime(2024, 3, 3, 22), injured=1)
    accounts.add_user(engine, ADMIN, "ann", Role.ANALYST, agency_id=hartford, password=PASSWORD)
    return engine


def sign_in(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    return at.button[0].click().run()


def next_click(at: AppTest) -> AppTest:
    """The same browser session's next page run.

    A fresh AppTest carrying the session state over: in AppTest (Streamlit 1.67) a plain
    ``at.run()`` after a run that called ``st.navigation`` re-renders the page without
    re-running app.py, so the gate would not be exercised.
    """
    fresh = AppTest.from_file(APP, default_timeout=TIMEOUT)
    fresh.session_state[SESSION_KEY] = at.session_state[SESSION_KEY]
    return fresh.run()


def idle_for(at: AppTest, engine: Engine, idle: timedelta) -> None:
    """As if this tab, and every other tab of its session, had not run for ``idle``."""
    session = at.session_state[SESSION_KEY]
    session.last_activity = datetime.now() - idle
    with engine.begin() as conn:
        conn.execute(
            update(UserSession)
            .where(UserSession.id == session.session_id)
            .values(last_seen_at=session.last_activity)
        )


def titles(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


def last_audit(engine: Engine) -> AuditEntry:
    with engine.connect() as conn:
        return conn.execute(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).one()


def test_no_page_renders_before_sign_in(store: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    with app_on(store, monkeypatch):
        at = open_page("", {"period": "All dates"}, viewer=None)
    assert titles(at) == ["CGIC Intelligence"]
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    assert not at.metric and not at.dataframe
    assert not at.sidebar.multiselect  # not even the shared filter
    for spec in PAGES:  # signed out, no page file is registered: every URL is the sign-in form
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(spec.path)


def test_wrong_password_is_refused_with_a_plain_message(
    store: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_on(store, monkeypatch):
        at = sign_in(open_page("", viewer=None), "ann", "not the password")
    assert [e.value for e in at.error] == [REFUSED]
    assert titles(at) == ["CGIC Intelligence"]
    assert (last_audit(store).action, last_audit(store).outcome) == ("sign-in", "failed")


def test_sign_in_opens_the_overview(store: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    with app_on(store, monkeypatch):
        at = open_page("", {"period": "All dates"}, viewer=None)
        at = sign_in(at, "ann", PASSWORD)
    assert not at.exception
    assert "Command overview" in titles(at)
    assert {m.label: m.value for m in at.metric}["Shootings"] == "1"
    assert any("Signed in as **ann**" in c.value for c in at.sidebar.caption)
    with store.connect() as conn:
        actions = conn.execute(select(AuditEntry.action).order_by(AuditEntry.id)).scalars().all()
    assert actions[-2:] == ["sign-in", "page-view"]


def test_the_fifth_failure_locks_but_the_form_does_not_say_so(
    store: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_on(store, monkeypatch):
        at = open_page("", viewer=None)
        for _ in range(5):
            at = sign_in(at, "ann", "guess")
            assert [e.value for e in at.error] == [REFUSED]
        at = sign_in(at, "ann", PASSWORD)  # the right password, too late
        assert [e.value for e in at.error] == [REFUSED]
        # The reason is for the audit log and the admin, not for whoever is at the form.
        assert last_audit(store).outcome == "denied" and "locked" in last_audit(store).detail
        accounts.unlock_user(store, ADMIN, "ann")
        at = sign_in(at, "ann", PASSWORD)
    assert "Command overview" in titles(at)


def test_every_refusal_reads_the_same_so_usernames_stay_secret(
    store: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("carl", "dan"):
        accounts.add_user(store, ADMIN, name, Role.ANALYST, agency_id=1, password=PASSWORD)
    accounts.disable_user(store, ADMIN, "dan")
    with app_on(store, monkeypatch):
        at = open_page("", viewer=None)
        for _ in range(5):
            sign_in(at, "ann", "guess")
        shown = {
            case: [e.value for e in sign_in(at, username, password).error]
            for case, username, password in [
                ("unknown user", "nobody", PASSWORD),
                ("wrong password", "carl", "guess"),
                ("locked", "ann", PASSWORD),
                ("disabled", "dan", PASSWORD),
            ]
        }
    assert shown == {case: [REFUSED] for case in shown}


def test_idle_session_ends_after_thirty_minutes(
    store: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    ann = Viewer("ann", Role.ANALYST, 1)
    with app_on(store, monkeypatch):
        at = open_page("pages/overview.py", viewer=ann)
        assert "Command overview" in titles(at)
        idle_for(at, store, timedelta(minutes=29))
        at = next_click(at)
        assert "Command overview" in titles(at)  # 29 idle minutes: still signed in
        idle_for(at, store, timedelta(minutes=31))
        at = next_click(at)
    assert titles(at) == ["CGIC Intelligence"]
    assert "after 30 minutes without activity" in at.info[0].value
    assert (last_audit(store).action, last_audit(store).username) == ("session-timeout", "ann")


def test_sign_out_everywhere_ends_this_session_at_the_next_click(
    store: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    ann = Viewer("ann", Role.ANALYST, 1)
    with app_on(store, monkeypatch):
        at = open_page("pages/overview.py", viewer=ann)
        accounts.sign_out_everywhere(store, ADMIN, "ann")
        at = next_click(at)
    assert titles(at) == ["CGIC Intelligence"]
    assert "signed out everywhere" in at.info[0].value


def test_pages_follow_the_role(store: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    with app_on(store, monkeypatch):
        analyst = open_page("", viewer=Viewer("ann", Role.ANALYST, 1))
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            analyst.switch_page("pages/admin.py")  # not in an analyst's navigation at all
        admin = open_page("pages/admin.py", viewer=Viewer("root", Role.ADMIN))
    assert "Accounts" in titles(admin)
    assert set(admin.dataframe[0].value["username"]) == {"ann", "root"}


def test_sign_in_off_for_development_warns(store: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    with app_on(store, monkeypatch):
        monkeypatch.setenv("CGIC_AUTH", "off")
        at = open_page("", viewer=None)
    assert "Command overview" in titles(at)
    assert any("Sign-in is off" in w.value for w in at.warning)


OIDC = {
    "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
    "cookie_secret": "not-a-real-secret-but-long-enough-for-a-test",
    "client_id": "cgic",
    "client_secret": "not-real",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}


def open_with_provider(email: str | None, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The app with an identity provider configured, whose signed-in user (if any) is ``email``."""
    monkeypatch.setattr("cgic_ui.session.oidc_email", lambda: email)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.secrets["auth"] = OIDC
    return at.run()


def test_identity_provider_button_and_email_mapping(
    store: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    accounts.add_user(store, ADMIN, "carol", Role.COMMANDER, agency_id=1, email="Carol@HPD.gov")
    with app_on(store, monkeypatch):
        signed_out = open_with_provider(None, monkeypatch)
        assert signed_out.button[0].label == "Sign in with your agency account"
        stranger = open_with_provider("mallory@hpd.gov", monkeypatch)
        assert "has no active account" in stranger.info[0].value
        carol = open_with_provider("carol@hpd.gov", monkeypatch)
    assert "Command overview" in titles(carol)
    with store.connect() as conn:
        sign_ins = conn.execute(
            select(AuditEntry.username, AuditEntry.outcome).where(AuditEntry.action == "sign-in")
        ).all()
    assert sign_ins == [("(unknown)", "denied"), ("carol", "ok")]


# --- a new tab resumes the session through the cookie --------------------------------------------


def cookie_from(at: AppTest, engine: Engine) -> str:
    """What the browser does with the ticket the page sent it: trade it for the cookie's token
    (the route's own tests: tests/test_session_cookie.py)."""
    scripts = [h.proto.body for h in at.get("html")]
    (ticket,) = [m for s in scripts for m in re.findall(r"body: (\"[^\"]+\")", s)]
    token = sessions.redeem_ticket(engine, json.loads(ticket))
    assert token is not None
    return token


def new_tab(
    token: str | None, monkeypatch: pytest.MonkeyPatch, query: dict[str, str] | None = None
) -> AppTest:
    """A tab with no session of its own whose browser sends ``token`` as the session cookie
    (AppTest cannot send cookies: the app's one reading of them is patched instead)."""
    monkeypatch.setattr("cgic_ui.session._cookie_token", lambda: token)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def audit_actions(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(AuditEntry.action).order_by(AuditEntry.id)).scalars())


def test_a_new_tab_resumes_the_session_until_sign_out(
    store: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_on(store, monkeypatch):
        first = sign_in(open_page("", viewer=None), "ann", PASSWORD)
        token = cookie_from(first, store)
        second = new_tab(token, monkeypatch, {"period": "All dates"})
        assert "Command overview" in titles(second)
        assert "Username" not in [t.label for t in second.text_input]  # no sign-in form
        assert {m.label: m.value for m in second.metric}["Shootings"] == "1"
        session_id = first.session_state[SESSION_KEY].session_id
        assert second.session_state[SESSION_KEY].session_id == session_id
        with store.connect() as conn:
            view, resumed = conn.execute(
                select(AuditEntry.detail).order_by(AuditEntry.id.desc()).limit(2)
            ).scalars()
        assert audit_actions(store)[-2:] == ["session-resume", "page-view"]
        assert json.loads(resumed)["session"] == session_id
        assert json.loads(view)["session"] == session_id and json.loads(view)["resumed"]

        # Sign out (AppTest cannot click app.py's sidebar once a page has run: the browser
        # test clicks it); the first tab's next click shows the sign-in form.
        sessions.end(store, session_id, "sign-out")
        first = next_click(first)
        assert titles(first) == ["CGIC Intelligence"]
        assert "You are signed out." in first.info[0].value
        third = new_tab(token, monkeypatch)
    assert titles(third) == ["CGIC Intelligence"]
    assert [t.label for t in third.text_input] == ["Username", "Password"]
    assert any("DELETE" in h.proto.body for h in third.get("html"))  # drop the dead cookie
    assert audit_actions(store)[-1] == "page-view"  # the last signed-in page: no resume since


def test_a_cookie_of_an_idle_session_signs_nobody_in(
    store: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_on(store, monkeypatch):
        first = sign_in(open_page("", viewer=None), "ann", PASSWORD)
        token = cookie_from(first, store)
        idle_for(first, store, timedelta(minutes=31))
        tab = new_tab(token, monkeypatch)
    assert titles(tab) == ["CGIC Intelligence"]
    assert "after 30 minutes without activity" in tab.info[0].value
    assert (last_audit(store).action, last_audit(store).username) == ("session-timeout", "ann")
