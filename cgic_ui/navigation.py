"""The app's pages, who may open them, and the section they sit in. Adding a page: one line here."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from cgic_data.schema import Role

ALL_ROLES = frozenset(Role)
ADMIN_ONLY = frozenset({Role.ADMIN})


@dataclass(frozen=True)
class PageSpec:
    path: str
    title: str
    icon: str
    section: str
    roles: frozenset[Role] = ALL_ROLES
    # Whether the shared sidebar filter (period, agencies, towns) narrows what the page shows;
    # on a page it does not, the filter is not drawn: a control that does nothing misleads.
    filtered: bool = True


PAGES: list[PageSpec] = [
    PageSpec("pages/overview.py", "Command overview", ":material/dashboard:", "Overview"),
    PageSpec("pages/map.py", "Incident map", ":material/map:", "Investigate"),
    PageSpec("pages/leads.py", "Leads", ":material/format_list_numbered:", "Investigate"),
    PageSpec("pages/packet.py", "Lead packet", ":material/folder_open:", "Investigate"),
    PageSpec("pages/timeline.py", "Lead timeline", ":material/timeline:", "Investigate"),
    PageSpec("pages/network.py", "Series network", ":material/hub:", "Investigate"),
    PageSpec("pages/bulletin.py", "Officer-safety bulletin", ":material/campaign:", "Investigate"),
    PageSpec("pages/record.py", "Record", ":material/description:", "Investigate"),
    PageSpec("pages/analysis.py", "Near repeats & hot spots", ":material/radar:", "Investigate"),
    PageSpec("pages/backlog.py", "Lab backlog", ":material/science:", "Laboratory"),
    PageSpec("pages/trace.py", "Trace intelligence", ":material/travel_explore:", "Intelligence"),
    PageSpec("pages/scorecard.py", "Timeliness scorecard", ":material/timer:", "Intelligence"),
    PageSpec(  # picks its own agency and week: the sidebar filter would do nothing there
        "pages/briefings.py",
        "Weekly briefing",
        ":material/summarize:",
        "Intelligence",
        filtered=False,
    ),
    PageSpec(
        "pages/admin.py",
        "Accounts",
        ":material/manage_accounts:",
        "Administration",
        ADMIN_ONLY,
        filtered=False,
    ),
    PageSpec(
        "pages/audit.py",
        "Audit log",
        ":material/policy:",
        "Administration",
        ADMIN_ONLY,
        filtered=False,
    ),
    PageSpec(
        "pages/import.py", "Import", ":material/upload_file:", "Data", ADMIN_ONLY, filtered=False
    ),
    PageSpec("pages/definitions.py", "Definitions", ":material/menu_book:", "Help", filtered=False),
]


def uses_filter(title: str) -> bool:
    """Whether the page titled ``title`` reads the shared sidebar filter (an unknown title, such
    as the sign-in page's, does not)."""
    return any(spec.filtered for spec in PAGES if spec.title == title)


def page_paths_for(role: Role) -> set[str]:
    """Script paths of the pages ``role`` may open."""
    return {spec.path for spec in PAGES if role in spec.roles}


# Where each role lands after sign-in; the overview for everyone else.
HOME = {Role.LAB_DIRECTOR: "pages/backlog.py"}


def pages_for(role: Role) -> dict[str, list[st.Page]]:
    """``st.navigation`` sections holding only the pages ``role`` may open.

    The default page is the first one for every role: Streamlit serves the default page at ``/``
    only, so a role whose home were the default would get "page not found" for a link to it
    (``backlog?…`` for the lab director). A role's own home is reached by ``land_on_home``."""
    allowed = [spec for spec in PAGES if role in spec.roles]
    sections: dict[str, list[st.Page]] = {}
    for spec in allowed:
        page = st.Page(
            spec.path, title=spec.title, icon=spec.icon, default=spec.path == allowed[0].path
        )
        sections.setdefault(spec.section, []).append(page)
    return sections


LANDED_KEY = "cgic_landed"


def land_on_home(role: Role, current: StreamlitPage) -> None:
    """On a session's first page run at the app's root (no page, no query), open the role's home
    page (the lab director's backlog); a link to any page, or a later visit to ``/``, is left as
    it is."""
    if st.session_state.get(LANDED_KEY):
        return
    st.session_state[LANDED_KEY] = True
    home = HOME.get(role)
    if home and current.url_path == "" and not len(st.query_params):
        st.switch_page(home)
