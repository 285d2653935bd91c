"""CGIC Intelligence Dashboard: page config, sign-in, the shared filter, navigation."""

import streamlit as st

from cgic_ui.context import sidebar_filter
from cgic_ui.navigation import pages_for
from cgic_ui.runtime import store, store_facts
from cgic_ui.session import current_viewer

st.set_page_config(page_title="CGIC Intelligence", page_icon=":material/target:", layout="wide")
store()
viewer = current_viewer()
navigation = st.navigation(pages_for(viewer.role))
if store_facts().get("demo") == "true":
    st.warning(
        "**Synthetic demo data** — every incident, lead, person and case here is invented "
        "for demonstration. Not real cases.",
        icon=":material/science:",
    )
sidebar_filter(viewer)
navigation.run()
