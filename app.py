"""CGIC Intelligence Dashboard: page config, sign-in, the shared filter, navigation.

One file, two roles. ``streamlit run app.py`` imports it (as module ``app``) to find the
``st.App`` it serves: the dashboard plus the session cookie's route (``cgic_ui/session_cookie.py``).
Each page run executes it as ``__main__``, which draws the dashboard. The server branch imports
none of the page modules: their ``st.cache_data`` functions are declared once the runtime runs.
"""

from pathlib import Path

import streamlit as st

FAVICON = Path(__file__).parent / "cgic_ui" / "favicon.png"  # served locally: no icon-font CDN

if __name__ != "__main__":  # the server, imported once by `streamlit run`
    from cgic_ui.session_cookie import routes

    app = st.App(__file__, routes=routes())
else:  # a page run
    from cgic_ui.context import resume_deep_link, sidebar_filter
    from cgic_ui.errors import errors_as_messages
    from cgic_ui.navigation import land_on_home, page_paths_for, pages_for
    from cgic_ui.runtime import store, store_facts
    from cgic_ui.session import record_page_view
    from cgic_ui.signin import account_sidebar, require_viewer

    st.set_page_config(page_title="CGIC Intelligence", page_icon=str(FAVICON), layout="wide")
    store()
    viewer = require_viewer()  # the sign-in page, and nothing else, until someone is signed in
    navigation = st.navigation(pages_for(viewer.role))
    land_on_home(viewer.role, navigation)  # the lab director starts on the backlog
    resume_deep_link(page_paths_for(viewer.role))  # a deep link that arrived before st.navigation
    if store_facts().get("demo") == "true":
        st.warning(
            "**Synthetic demo data** — every incident, lead, person and case here is invented "
            "for demonstration. Not real cases.",
            icon=":material/science:",
        )
    sidebar_filter(viewer, navigation)
    account_sidebar(viewer)
    record_page_view(viewer, navigation)
    with errors_as_messages(navigation.title):
        navigation.run()
