"""Weekly briefing: pick an agency (lab staff: any, or lab-wide) and a week, preview, download the
printable HTML or the PDF (built and audited on click)."""

from datetime import date, timedelta

import streamlit as st

from cgic_data.briefing_cli import default_week
from cgic_data.briefing_render import (
    PDF_MIME,
    briefing_file_stem,
    briefing_html,
    html_to_pdf,
    pdf_available,
    preview_html,
)
from cgic_data.queries import reference
from cgic_data.queries.briefing import generated_now, parse_week, week_label, weekly_briefing
from cgic_ui.context import page_context
from cgic_ui.exports import HTML_MIME, audited_download
from cgic_ui.runtime import cached, reference_today, store_facts

WEEKS_OFFERED = 53

ctx = page_context()
st.title("Weekly briefing")
st.caption(
    "One document per agency for a week: the week against the previous one and the same week "
    "last year, new and grown NIBIN leads and what is still to be done, the most active series, "
    "NIBIN timeliness and the lab requests waiting longest — exactly what the agency's commander "
    "may see. Sites can also schedule it: `cgic briefing --agency CODE --out DIR`."
)

names = cached(reference.agencies).set_index("id")["name"].to_dict()
if ctx.viewer.sees_all_agencies:
    choices: list[int | None] = [None, *sorted(names, key=lambda i: names[i])]
else:
    choices = [ctx.viewer.agency_id]
last_whole = default_week(reference_today())
weeks = [last_whole + timedelta(weeks=1 - n) for n in range(WEEKS_OFFERED)]
try:  # ?week=2026-W48 opens that week (a link from a mail, or older than the list)
    asked = parse_week(st.query_params.get("week", ""))
except ValueError:
    asked = last_whole
if asked not in weeks:
    weeks = sorted([*weeks, asked], reverse=True)


def week_text(monday: date) -> str:
    return f"{week_label(monday)} ({monday:%d %b} – {monday + timedelta(days=6):%d %b %Y})"


left, right = st.columns(2)
agency_id = left.selectbox(
    "Agency",
    choices,
    format_func=lambda i: "Lab-wide (all agencies)" if i is None else names.get(i, str(i)),
    disabled=len(choices) == 1,
)
week = right.selectbox("Week", weeks, index=weeks.index(asked), format_func=week_text)
st.query_params["week"] = week_label(week)
if week == weeks[0]:
    st.info("This week is not over yet: its figures are the days so far.", icon=":material/info:")

with st.spinner("Building the briefing…"):
    briefing = cached(weekly_briefing, ctx.viewer, week, agency_id)
demo = store_facts().get("demo") == "true"
stem = briefing_file_stem(briefing)
what = f"weekly briefing {briefing.agency_code or 'lab-wide'} {briefing.week}"


def html_file() -> tuple[bytes, int]:
    html = briefing_html(briefing, generated_at=generated_now(), demo=demo)
    return html.encode("utf-8"), len(briefing.leads)


def pdf_file() -> tuple[bytes, int]:
    html = briefing_html(briefing, generated_at=generated_now(), demo=demo)
    return html_to_pdf(html), len(briefing.leads)


pdf_missing = pdf_available()
with st.container(horizontal=True):
    if pdf_missing is None:
        audited_download(
            "PDF", f"{stem}.pdf", what, pdf_file, mime=PDF_MIME, icon=":material/picture_as_pdf:"
        )
    audited_download(
        "Printable HTML", f"{stem}.html", what, html_file, mime=HTML_MIME, icon=":material/print:"
    )

if pdf_missing:
    st.info(pdf_missing, icon=":material/info:")
with st.container(border=True):
    st.html(preview_html(briefing, generated_at=generated_now(), demo=demo))
