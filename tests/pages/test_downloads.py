"""Downloads in the real Streamlit runtime (security review, issue 14, items 4-5).

A page run must build no file: a file put in Streamlit's media store up front can be fetched
from its ``/media/...`` URL with no click and no audit row. Each button's file is built by the
callable it registered, which is what the browser's click runs; that call writes the ``export``
audit row (who, what, how many rows) and returns cells no spreadsheet would run as formulas.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, select
from streamlit.runtime.media_file_manager import MediaFileManager

from cgic_data.schema import AuditEntry
from tests.apptest import TEST_VIEWER, app_on, open_page
from tests.hostile import assert_no_formula, csv_cells, hostile_store, html_cells, xlsx_cells

PAGES = {
    "pages/map.py": {"period": "All dates"},
    "pages/packet.py": {"lead": "@L-1"},
    "pages/leads.py": {"period": "All dates"},
}


class MediaSpy:
    """Stands between the pages and Streamlit's media store: files stored, callables deferred."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.stored: list[str | None] = []
        self.deferred: dict[str | None, Callable[[], Any]] = {}
        add, add_deferred = MediaFileManager.add, MediaFileManager.add_deferred

        def spy_add(manager: MediaFileManager, data: Any, mime: str, *args: Any, **kw: Any) -> str:
            if kw.get("is_for_static_download"):  # a download's file, not a page's image
                self.stored.append(kw.get("file_name"))
            return add(manager, data, mime, *args, **kw)

        def spy_deferred(manager: MediaFileManager, build: Any, *args: Any, **kw: Any) -> str:
            self.deferred[kw.get("file_name")] = build
            return add_deferred(manager, build, *args, **kw)

        monkeypatch.setattr(MediaFileManager, "add", spy_add)
        monkeypatch.setattr(MediaFileManager, "add_deferred", spy_deferred)


def exports(engine: Engine) -> list[tuple[str | None, str | None, dict[str, Any]]]:
    """(who, file, detail) of every export audit row, oldest first."""
    query = (
        select(AuditEntry.username, AuditEntry.target, AuditEntry.detail)
        .where(AuditEntry.action == "export")
        .order_by(AuditEntry.id)
    )
    with engine.connect() as conn:
        return [
            (who, what, json.loads(detail or "{}")) for who, what, detail in conn.execute(query)
        ]


def cells_of(file_name: str, data: bytes | str) -> list[object]:
    if file_name.endswith(".xlsx"):
        assert isinstance(data, bytes)
        return xlsx_cells(data)
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    return html_cells(text) if file_name.endswith(".html") else list(csv_cells(text))


@pytest.mark.parametrize("page", list(PAGES))
def test_a_download_is_built_and_audited_only_when_clicked(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, page: str
) -> None:
    hostile_store(engine)
    media = MediaSpy(monkeypatch)
    with app_on(engine, monkeypatch):
        at = open_page(page, PAGES[page])
    buttons = at.get("download_button")
    assert buttons, "the page offers no download"
    assert [(b.proto.url, bool(b.proto.deferred_file_id)) for b in buttons] == [("", True)] * len(
        buttons
    )
    assert media.stored == []  # nothing behind a /media URL before a click
    assert exports(engine) == []
    assert len(media.deferred) == len(buttons)
    for clicks, (file_name, build) in enumerate(media.deferred.items(), start=1):
        assert file_name is not None
        assert_no_formula(cells_of(file_name, build()), f"{page}: {file_name}")
        audited = exports(engine)
        assert len(audited) == clicks, file_name  # one row per file handed out
        who, target, detail = audited[-1]
        assert (who, target) == (TEST_VIEWER.username, file_name)
        assert detail["what"] and detail["rows"] > 0, detail
