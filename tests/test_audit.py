"""An audit row for each audited action: sign-in, page view with its filter, export, admin change,
search with its purpose, and every look at the audit log; and the log is kept a year."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import Engine, insert, select

from cgic_data import accounts
from cgic_data.access import sign_in
from cgic_data.access_cli import prune_audit
from cgic_data.queries.audit_log import AuditQuery, count_audit, search_audit
from cgic_data.schema import AuditEntry, Role
from cgic_data.scope import Viewer
from tests.apptest import app_on, open_page
from tests.factory import Builder
from tests.pages.test_downloads import MediaSpy

ADMIN = Viewer.system("tests")
PASSWORD = "correct horse battery staple"


def rows(engine: Engine, action: str | None = None) -> list[AuditEntry]:
    stmt = select(AuditEntry).order_by(AuditEntry.id)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    with engine.connect() as conn:
        return list(conn.execute(stmt).all())


@pytest.fixture
def hartford(engine: Engine) -> int:
    agency = Builder(engine).agency("CT0006400", name="Hartford Police Department")
    Builder(engine).incident(agency, datetime(2024, 3, 3, 22), injured=1)
    return agency


def test_sign_in_ok_and_failed(engine: Engine, hartford: int) -> None:
    accounts.add_user(engine, ADMIN, "ann", Role.ANALYST, agency_id=hartford, password=PASSWORD)
    sign_in(engine, "ann", "nope, not this one")
    sign_in(engine, "ann", PASSWORD)
    found = [(r.username, r.agency_code, r.outcome) for r in rows(engine, "sign-in")]
    assert found == [("ann", "CT0006400", "failed"), ("ann", "CT0006400", "ok")]


def test_admin_changes_name_actor_target_and_before_after(engine: Engine, hartford: int) -> None:
    root = Viewer("root", Role.ADMIN)
    accounts.add_user(engine, root, "ann", Role.ANALYST, agency_id=hartford, password=PASSWORD)
    accounts.set_role(engine, root, "ann", Role.COMMANDER, hartford)
    accounts.reset_password(engine, root, "ann", "another long passphrase")
    accounts.unlock_user(engine, root, "ann")
    accounts.disable_user(engine, root, "ann")
    accounts.enable_user(engine, root, "ann")
    accounts.sign_out_everywhere(engine, root, "ann")
    changes = [(r.action, r.username, r.target) for r in rows(engine)]
    assert changes == [
        (action, "root", "ann")
        for action in [
            "user-add",
            "user-set-role",
            "user-reset-password",
            "user-unlock",
            "user-disable",
            "user-enable",
            "sign-out-everywhere",
        ]
    ]
    role_change = json.loads(rows(engine, "user-set-role")[0].detail)
    assert role_change == {
        "before": {"agency": "CT0006400", "role": "analyst"},
        "after": {"agency": "CT0006400", "role": "commander"},
    }
    assert all("passphrase" not in str(r) and PASSWORD not in str(r) for r in rows(engine))


def test_page_view_records_page_and_filter(
    engine: Engine, hartford: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_on(engine, monkeypatch):
        open_page(
            "",
            {"period": "All dates", "agency": "Hartford Police Department"},
            viewer=Viewer("ann", Role.ANALYST, hartford),
        )
    (view,) = rows(engine, "page-view")
    assert (view.username, view.agency_code, view.target) == (
        "ann",
        "CT0006400",
        "Command overview",
    )
    assert json.loads(view.detail)["filter"] == {
        "agency_ids": [hartford],
        "start": None,
        "end": None,
        "town_ids": [],
    }


def test_audit_log_view_and_export_are_audited(
    engine: Engine, hartford: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    media = MediaSpy(monkeypatch)  # a download's file is built, and audited, only on a click
    with app_on(engine, monkeypatch):
        at = open_page("pages/audit.py", viewer=Viewer("root", Role.ADMIN))
        assert at.title[0].value == "Audit log"
        shown = at.dataframe[0].value
        assert rows(engine, "export") == []
        media.deferred["audit-log.csv"]()  # what the browser's click runs
    (first_view,) = rows(engine, "audit-view")
    assert first_view.username == "root"
    assert json.loads(first_view.detail)["rows_matched"] == len(shown)
    (export,) = rows(engine, "export")
    assert export.target == "audit-log.csv"
    assert json.loads(export.detail)["rows"] == len(shown)


def test_only_lab_wide_admins_read_the_log(engine: Engine, hartford: int) -> None:
    for viewer in [Viewer("ann", Role.ANALYST, hartford), Viewer("x", Role.ADMIN, hartford)]:
        with pytest.raises(PermissionError):
            search_audit(engine, viewer, AuditQuery())


def test_audit_search_by_user_action_outcome_and_day(engine: Engine) -> None:
    day = datetime(2026, 1, 5, 12)
    entries = [
        (day, "hartford.analyst", "sign-in", "ok"),
        (day, "hartford.analyst", "sign-in", "failed"),
        (day + timedelta(days=1), "hartford.commander", "page-view", "ok"),
        (day, "newhaven_analyst", "export", "ok"),
        (day, "new%haven", "export", "ok"),
    ]
    with engine.begin() as conn:
        conn.execute(
            insert(AuditEntry),
            [dict(at=a, username=u, action=ac, outcome=o) for a, u, ac, o in entries],
        )
    lab_admin = Viewer("root", Role.ADMIN)

    def count(**query: object) -> int:
        return count_audit(engine, lab_admin, AuditQuery(**query))  # type: ignore[arg-type]

    assert count(username="HART") == 3
    assert count(username="hartford.analyst", outcomes=("failed",)) == 1
    assert count(actions=("export",)) == 2
    assert count(start=date(2026, 1, 6), end=date(2026, 1, 6)) == 1
    assert count(username="new%") == 1  # a typed % is a character, not a wildcard
    assert count(username="newhaven_") == 1
    assert count(username="' OR '1'='1") == 0
    newest = search_audit(engine, lab_admin, AuditQuery(), limit=1)
    assert newest["username"].tolist() == ["hartford.commander"]


def test_retention_refuses_to_delete_rows_younger_than_a_year(engine: Engine) -> None:
    now = datetime.now()
    with engine.begin() as conn:
        conn.execute(
            insert(AuditEntry),
            [
                dict(at=now - timedelta(days=400), username="old", action="sign-in", outcome="ok"),
                dict(at=now - timedelta(days=300), username="new", action="sign-in", outcome="ok"),
            ],
        )
    with pytest.raises(ValueError, match="at least 365 days"):
        prune_audit(engine, ADMIN, 364)
    assert prune_audit(engine, ADMIN, 365) == 1
    left = [(r.username, r.action) for r in rows(engine)]
    assert left == [("new", "sign-in"), ("tests", "audit-prune")]


def test_retention_beyond_the_calendar_is_a_clear_refusal(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 14 item 14a: a number of days reaching before year 1 raised OverflowError."""
    from cgic_data.cli import main
    from tests.apptest import store_url

    with pytest.raises(ValueError, match=r"at most \d[\d,]* days"):
        prune_audit(engine, ADMIN, 99_999_999)
    args = ["audit", "prune", "--older-than-days", "99999999", "--database-url", store_url(engine)]
    assert main(args) == 2
    assert "at most" in capsys.readouterr().err
    assert rows(engine, "audit-prune") == []
