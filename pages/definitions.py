"""Definitions: every headline figure, the label it carries on every page, and its full definition
(generated from the functions that count it, so the words and the code cannot drift apart)."""

import streamlit as st

from cgic_data.definitions import FIGURES
from cgic_ui.context import page_context

page_context()
st.title("Definitions")
st.caption(
    "A figure with the same name means the same thing on every page and in every export; two "
    "figures that differ have different names. Each figure's tooltip links here."
)
for figure in FIGURES:
    st.subheader(figure.label, anchor=figure.anchor)
    st.markdown(f"{figure.summary}  \nShown on: {', '.join(figure.shown_on)}.")
    with st.expander(f"Full definition (`{figure.source_name}`)"):
        st.markdown(figure.definition)
