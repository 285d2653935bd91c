"""Lead packet: everything tied to one NIBIN lead or series, grouped, mapped, exportable, and the
lead work (assignment, follow-up) recorded against it."""

import pandas as pd
import streamlit as st

from cgic_data import audit, leadwork
from cgic_data.leadwork import FollowUpStatus
from cgic_data.queries import packet as packets
from cgic_data.queries.lead_selection import LeadSelection
from cgic_ui import lead_picker
from cgic_ui.context import page_context
from cgic_ui.layout import tile_columns
from cgic_ui.packet_export import TRACE_CAVEAT, packet_downloads
from cgic_ui.packet_map import located, packet_map_figure
from cgic_ui.runtime import cached, store, store_facts
from cgic_ui.tables import linked_table

OPENED_KEY = "cgic_packets_opened"
GROUP_NOTES = {
    "Evidence items": "Every item of the linked incidents; 'Leads' names the leads an item is in.",
    "Traces": TRACE_CAVEAT,
    "CODIS": "A result naming a (pseudonymous) subject is a hit; one without is a search only.",
    "AFIS": "A result naming a (pseudonymous) subject is a hit; one without is a search only.",
}

ctx = page_context()
st.title("Lead packet")
st.caption(
    "Everything tied to one NIBIN lead or series — incidents, evidence, firearms, traces, "
    "forensic results and case events — with the agency and its incident number to call. "
    "A packet shows the lead whole (the sidebar filter only narrows the pick list)."
)
selection = lead_picker.pick(ctx, "packet")
if selection is None:
    st.stop()
packet = cached(packets.load_packet, ctx.viewer, selection.kind, selection.asked_for)
if packet is None:
    st.warning("Nothing of this selection is visible to you.", icon=":material/search_off:")
    st.stop()


def record_opening(selection: LeadSelection, newest_item: object) -> None:
    """Audit the first opening per session (and again when the lead has grown), and mark the
    packet's leads seen by the signed-in user, so they stop being new or growing for them."""
    opened: dict[tuple[str, str], object] = st.session_state.setdefault(OPENED_KEY, {})
    marker = (selection.kind, selection.asked_for)
    if marker in opened and opened[marker] == newest_item:
        return
    audit.record(
        store(),
        ctx.viewer,
        "packet_open",
        target=f"{selection.kind} {selection.asked_for}",
        detail={"series": selection.series_id, "incidents": len(selection.incident_ids)},
    )
    user_id = leadwork.user_id_for(store(), ctx.viewer.username)
    if user_id is not None:
        leadwork.mark_seen_all(store(), ctx.viewer, user_id, selection.lead_numbers)
    opened[marker] = newest_item


leads_frame = packet.groups["Leads"]
record_opening(selection, leads_frame["last_item_added_at"].max())

if packet.label.startswith("confirmed"):
    st.success(packet.label, icon=":material/verified:")
else:
    st.warning(f"**{packet.label}**", icon=":material/warning:")

incidents = packet.incidents
header = packet.header
figures = [
    ("Incidents", len(incidents)),
    ("Agencies", incidents["ori"].nunique()),
    ("People shot", int(incidents["injured"].sum() + incidents["killed"].sum())),
    ("Evidence items", len(packet.groups["Evidence items"])),
    ("Firearms", len(packet.groups["Firearms"])),
    ("CODIS hits", int(header["CODIS hits"])),
    ("AFIS hits", int(header["AFIS hits"])),
]
for column, (label, value) in zip(tile_columns([f[0] for f in figures]), figures, strict=True):
    column.metric(label, f"{value:,}", border=True)

st.subheader(packet.title)  # above both columns: in the narrow one a lead number broke in two
facts_col, map_col = st.columns([2, 3])
with facts_col:
    facts = pd.DataFrame(list(header.items()), columns=["Fact", "Value"]).set_index("Fact")
    st.table(facts, border="horizontal", hide_header=True)
with map_col:
    if located(incidents).empty:
        st.info("No incident of this packet has coordinates to map.")
    else:
        st.plotly_chart(packet_map_figure(incidents), width="stretch", key="packet_map")

# --- links and exports: under the map, beside the long facts table ------------------------------
own = lead_picker.view_params(
    selection.kind,
    selection.asked_for if selection.kind == "lead" else selection.series_id or selection.asked_for,
)
with map_col:
    # A flowing row: each link as wide as its words (in a third of the row, the long series
    # link was cut off).
    links = st.container(horizontal=True)
    links.page_link(
        "pages/timeline.py", label="Timeline", icon=":material/timeline:", query_params=own
    )
    links.page_link("pages/network.py", label="Network", icon=":material/hub:", query_params=own)
    if selection.kind == "lead" and selection.series_id:
        links.page_link(
            "pages/packet.py",
            label=f"Packet of the whole series {selection.series_id}",
            icon=":material/account_tree:",
            query_params=lead_picker.view_params("series", selection.series_id),
        )
    demo = store_facts().get("demo") == "true"
    packet_downloads(packet, generated_by=ctx.viewer.username, demo=demo)

# --- lead work ---------------------------------------------------------------------------------
if selection.kind == "lead" and leadwork.may_work_leads(ctx.viewer):
    lead = leads_frame.iloc[0]
    with st.expander("Lead work: assign, record follow-up", icon=":material/assignment_ind:"):
        assign_col, follow_col = st.columns(2)
        with assign_col.form("assign"):
            investigator = st.text_input("Investigator", value=lead.assigned_to or "")
            if st.form_submit_button("Assign"):
                try:
                    leadwork.assign_lead(store(), ctx.viewer, lead.lead_number, investigator)
                except ValueError as problem:
                    st.error(str(problem))
                else:
                    st.cache_data.clear()
                    st.rerun()
        with follow_col.form("follow_up", clear_on_submit=True):
            statuses = [s.value for s in FollowUpStatus]
            # recording a follow-up means work has started, unless it is already further along
            current = lead.follow_up_status
            worked = current if current in statuses[1:] else FollowUpStatus.IN_PROGRESS.value
            status = st.selectbox("Follow-up status", statuses, index=statuses.index(worked))
            outcome = st.selectbox(
                "Outcome (optional)",
                leadwork.OUTCOMES,
                index=None,
                accept_new_options=True,
                placeholder="Pick or type an outcome",
            )
            notes = st.text_area("Notes", height=80)
            if st.form_submit_button("Record follow-up"):
                leadwork.record_follow_up(
                    store(),
                    ctx.viewer,
                    lead.lead_number,
                    FollowUpStatus(status),
                    outcome=outcome,
                    notes=notes,
                )
                st.cache_data.clear()
                st.rerun()

# --- the groups --------------------------------------------------------------------------------
# Every lead, incident, firearm and lab case number opens its own view (cgic_ui.links).
tabs = st.tabs([f"{title} ({len(frame)})" for title, frame in packet.groups.items()])
for tab, (title, frame) in zip(tabs, packet.groups.items(), strict=True):
    with tab:
        if title in GROUP_NOTES:
            st.caption(GROUP_NOTES[title])
        if frame.empty:
            st.info(f"No {title.lower()} recorded for this {selection.kind}.")
            continue
        linked_table(frame, key=f"group-{title}")
