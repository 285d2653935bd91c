"""Officer-safety bulletin: one page for patrol about a lead or series, opened from its link
(``?series=…`` or ``?lead=…``); each file made is a numbered, recorded and audited bulletin."""

from datetime import datetime

import streamlit as st

from cgic_data import bulletins
from cgic_data.briefing_render import PDF_MIME, html_to_pdf, pdf_available
from cgic_data.queries.bulletin import bulletin_content
from cgic_ui import lead_picker
from cgic_ui.context import page_context
from cgic_ui.exports import HTML_MIME, audited_download
from cgic_ui.runtime import cached, store, store_facts

ctx = page_context()
st.title("Officer-safety bulletin")
st.caption(
    "One page for patrol: the incidents on a map, dates, times of day, calibers, the firearm if "
    "recovered, and whom to call. Each file you make is a new bulletin with its own number, "
    "recorded and audited; the preview issues nothing."
)
selection = lead_picker.pick(ctx, "bulletin", default_view=lead_picker.SERIES)
if selection is None:
    st.stop()
content = cached(bulletin_content, ctx.viewer, selection.kind, selection.asked_for)
if content is None:
    st.warning("Nothing of this selection is visible to you.", icon=":material/search_off:")
    st.stop()
demo = store_facts().get("demo") == "true"
engine, viewer = store(), ctx.viewer


def issued_file(pdf: bool) -> tuple[bytes, int]:
    """Runs on the click: takes the number, records the bulletin, renders it."""
    issued = bulletins.issue(engine, viewer, content)
    html = bulletins.bulletin_html(content, issued, demo=demo)
    return (html_to_pdf(html) if pdf else html.encode("utf-8")), len(content.incidents)


stem = f"bulletin-{content.kind}-{content.subject}"
what = f"officer-safety bulletin {content.title}"
pdf_missing = pdf_available()
with st.container(horizontal=True):
    if pdf_missing is None:
        audited_download(
            "Issue bulletin (PDF)",
            f"{stem}.pdf",
            what,
            lambda: issued_file(True),
            mime=PDF_MIME,
            icon=":material/picture_as_pdf:",
        )
    audited_download(
        "Issue bulletin (HTML)",
        f"{stem}.html",
        what,
        lambda: issued_file(False),
        mime=HTML_MIME,
        icon=":material/print:",
    )

if pdf_missing:
    st.info(pdf_missing, icon=":material/info:")
preview = bulletins.IssuedBulletin("(number given when issued)", viewer.username, datetime.now())
with st.container(border=True):
    st.html(bulletins.preview_html(content, preview))
