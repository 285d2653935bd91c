"""The app's pages, who may open them, and the section they sit in. Adding a page: one line here."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from cgic_data.schema import Role

ALL_ROLES = frozenset(Role)


@dataclass(frozen=True)
class PageSpec:
    path: str
    title: str
    icon: str
    section: str
    roles: frozenset[Role] = ALL_ROLES


PAGES: list[PageSpec] = [
    PageSpec("pages/overview.py", "Command overview", ":material/dashboard:", "Overview"),
]


def pages_for(role: Role) -> dict[str, list[st.Page]]:
    """``st.navigation`` sections holding only the pages ``role`` may open (first is default)."""
    sections: dict[str, list[st.Page]] = {}
    for spec in PAGES:
        if role in spec.roles:
            page = st.Page(spec.path, title=spec.title, icon=spec.icon, default=not sections)
            sections.setdefault(spec.section, []).append(page)
    return sections
