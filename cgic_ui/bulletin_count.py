"""The Command overview's line on officer-safety bulletins issued in the period (commanders)."""

from __future__ import annotations

import streamlit as st

from cgic_data.queries.bulletin import bulletins_issued
from cgic_data.schema import Role
from cgic_ui.context import PageContext
from cgic_ui.runtime import cached


def bulletins_line(ctx: PageContext) -> None:
    """For a commander: how many bulletins their agency (lab staff: everyone) issued in the
    period, with where to issue one. Nothing for other roles."""
    if ctx.viewer.role != Role.COMMANDER:
        return
    issued = cached(bulletins_issued, ctx.viewer, ctx.filter)
    st.caption(
        f"Officer-safety bulletins issued in the period: **{issued:,}** "
        "(issue one from any lead or series: its *Bulletin* link)."
    )
