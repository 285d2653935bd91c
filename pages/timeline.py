"""Lead timeline: every event of a lead or series on one time axis, and the delays that matter."""

import streamlit as st

from cgic_data.queries import timeline
from cgic_ui import lead_picker, links
from cgic_ui.context import page_context
from cgic_ui.exports import csv_download
from cgic_ui.figures_leads import timeline_figure
from cgic_ui.layout import tile_columns
from cgic_ui.runtime import cached
from cgic_ui.tables import MISSING

MAX_DETAILED_ROWS = 40

ctx = page_context()
st.title("Lead timeline")
st.caption(
    "Shooting, evidence, lab, NIBIN, lead, hits, firearm and follow-up on one axis; "
    "one row per lead, incident, item and firearm."
)
selection = lead_picker.pick(ctx, "timeline")
if selection is None:
    st.stop()

lead_picker.label_unconfirmed(selection)
as_of = lead_picker.reference_now(ctx)
result, folded = cached(timeline.timeline_views, ctx.viewer, selection, as_of)
events, gaps, goal = result.events, result.gaps, result.goal_hours
if events.empty:
    st.info("Nothing of this selection is visible to you.")
    st.stop()

ITEMS, INCIDENTS = "Incidents and items", "Incidents only"
detailed_rows = events["row"].nunique()
shape = st.radio(
    "Rows",
    [ITEMS, INCIDENTS],
    index=0 if detailed_rows <= MAX_DETAILED_ROWS else 1,
    key="rows",
    bind="query-params",
    horizontal=True,
    help="'Incidents only' folds each incident's items and firearms into its row "
    f"(the default beyond {MAX_DETAILED_ROWS} rows); the gaps table keeps every item.",
)
drawn = result if shape == ITEMS else folded
rows = events.drop_duplicates("row")["row_kind"].value_counts()
late = gaps[gaps["beyond_goal"]]
tiles = [
    ("Leads", rows.get("lead", 0)),
    ("Incidents", rows.get("incident", 0)),
    ("Items", rows.get("item", 0)),
    ("Events", len(events)),
    (f"Gaps beyond {goal} h", len(late)),
]
for column, (label, value) in zip(tile_columns([t[0] for t in tiles]), tiles, strict=True):
    column.metric(label, f"{value:,}", border=True)

st.plotly_chart(timeline_figure(drawn.events, drawn.gaps, goal), width="stretch", key="timeline")
lead_picker.related_links(selection, "timeline")

st.subheader(f"Gaps against the {goal}-hour goal")
st.caption(
    "Recovery → NIBIN entry per cartridge case or test fire; NIBIN entry → lead from the entry "
    "that produced the lead (or made it grow); lead → first follow-up, arrest or charge. "
    f"Open gaps run to {as_of:%Y-%m-%d %H:%M}."
)
if gaps.empty:
    st.info("No gaps to measure: no recovery, entry or lead times recorded yet.")
else:
    table = gaps.fillna({"agency": "", "lead_number": ""}).assign(
        flag=gaps["beyond_goal"].map({True: f"⚠ beyond {goal} h", False: "within goal"}),
        state=gaps["open"].map({True: "still open", False: "closed"}),
    )
    # Lead and incident numbers open their packet and record (the export keeps them plain).
    shown, number_links = links.with_links(table)
    columns = ["flag", "gap", "hours", "state", "row_label", "lead_number", "incident_number"]
    st.dataframe(
        shown[[*columns, "agency", "start", "end"]],
        hide_index=True,
        placeholder=MISSING,
        column_config={
            "flag": "Goal",
            "gap": "Gap",
            "hours": st.column_config.NumberColumn("Hours", format="%.1f"),
            "state": "State",
            "row_label": "Row",
            "agency": "Agency",
            "start": st.column_config.DatetimeColumn("From", format="YYYY-MM-DD HH:mm"),
            "end": st.column_config.DatetimeColumn("To", format="YYYY-MM-DD HH:mm"),
            **number_links,
        },
    )

with st.expander(f"All {len(events):,} events"):
    shown, number_links = links.with_links(events.drop(columns=["row", "row_kind"]))
    st.dataframe(
        shown,
        hide_index=True,
        placeholder=MISSING,
        column_config={
            "at": st.column_config.DatetimeColumn("At", format="YYYY-MM-DD HH:mm"),
            **number_links,
        },
    )
name = (
    f"{selection.kind}-{selection.series_id if selection.kind == 'series' else selection.asked_for}"
)
with st.container(horizontal=True):  # buttons side by side, not spread over halves
    csv_download(
        events, f"timeline-{name}.csv", f"timeline events of {selection.title}", "Events CSV"
    )
    csv_download(
        gaps, f"timeline-gaps-{name}.csv", f"timeline gaps of {selection.title}", "Gaps CSV"
    )
