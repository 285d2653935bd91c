"""A page that fails says so in plain words and never shows a traceback: the traceback, with its
server paths and query text, goes to the server log under a short reference the user can quote."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

log = logging.getLogger("cgic.pages")

# Tests set CGIC_PAGE_ERRORS=raise so that AppTest still reports a page's exception as a failure.
RAISE_SETTING = "CGIC_PAGE_ERRORS"


@contextmanager
def errors_as_messages(page: str) -> Iterator[None]:
    """Run a page; on an error, log it and show a clear message with a reference instead.

    Streamlit's own control flow (``st.stop``, ``st.rerun``, ``st.switch_page``) raises
    ``BaseException`` subclasses, which pass through untouched.
    """
    try:
        yield
    except Exception:
        if os.environ.get(RAISE_SETTING, "").lower() == "raise":
            raise
        reference = uuid.uuid4().hex[:8]
        log.exception("page %s failed (reference %s)", page, reference)
        st.error(
            "This page could not be shown because of an error on the server. Nothing was "
            f"changed. The details are in the server log under reference **{reference}**: "
            "please quote it to your administrator. Other pages still work.",
            icon=":material/error:",
        )
