"""Series network: incidents, firearms, leads and CODIS/AFIS subjects of a series as a graph, and
the subjects whose hits tie several series together."""

import streamlit as st

from cgic_data.queries import network
from cgic_ui import lead_picker, links
from cgic_ui.context import page_context
from cgic_ui.exports import csv_download
from cgic_ui.figures_leads import network_figure
from cgic_ui.layout import tile_columns
from cgic_ui.runtime import cached
from cgic_ui.tables import MISSING

NODE_VIEWS = {"lead": links.lead_url, "incident": links.incident_url, "firearm": links.firearm_url}

ctx = page_context()
st.title("Series network")
st.caption(
    "Which shootings share a gun, and which people tie series together. Subjects are the "
    "pseudonymous references of CODIS/AFIS hits."
)
selection = lead_picker.pick(ctx, "network", default_view=lead_picker.SERIES)
if selection is not None:
    lead_picker.label_unconfirmed(selection)
    graph = cached(network.series_graph, ctx.viewer, selection)
    counts = [
        ("Incidents", graph.count("incident")),
        ("Firearms", graph.count("firearm")),
        ("Leads", graph.count("lead")),
        ("Subjects", graph.count("subject")),
        ("Connected parts", graph.components),
    ]
    for column, (label, value) in zip(tile_columns([c[0] for c in counts]), counts, strict=True):
        column.metric(label, f"{value:,}", border=True)
    if graph.nodes.empty:
        st.info("Nothing of this selection is visible to you.")
    else:
        if graph.components > 1:
            st.caption(
                "The graph falls into several parts: the leads that join them are not shared "
                "with your agency, or the lead links incidents only through evidence not shown."
            )
        st.plotly_chart(network_figure(graph), width="stretch", key="network")
        lead_picker.related_links(selection, "network")
        with st.expander(f"All {len(graph.nodes):,} nodes"):
            nodes = graph.nodes[["kind", "label", "detail", "component"]]
            views = [  # a lead opens its packet, an incident or firearm its record
                NODE_VIEWS[kind](label) if kind in NODE_VIEWS else None
                for kind, label in zip(nodes["kind"], nodes["label"], strict=True)
            ]
            st.dataframe(
                nodes.assign(view=views),
                hide_index=True,
                placeholder=MISSING,
                column_config={
                    "component": st.column_config.NumberColumn("Part"),
                    "view": st.column_config.LinkColumn("Open", display_text=r"^(\w+)\?"),
                },
            )

st.subheader("Subjects tying series together")
st.caption(
    "Subjects whose CODIS/AFIS hits fall on incidents of more than one series, and who have a "
    f"hit on an incident in the sidebar filter ({ctx.period_label}). Series are counted over "
    "every incident you may see in the filter's agencies and towns, whatever its date."
)
subjects = cached(network.subjects_across_series, ctx.viewer, ctx.filter)
if subjects.empty:
    st.info("No subject's hits reach more than one series in this filter.")
else:
    st.dataframe(
        subjects,
        hide_index=True,
        placeholder=MISSING,
        column_config={
            "subject_ref": "Subject",
            "series_count": st.column_config.NumberColumn("Series"),
            "series": "Series ids (open one above)",
            "incidents": st.column_config.NumberColumn("Incidents"),
            "hits": st.column_config.NumberColumn("Hits"),
            "last_hit": st.column_config.DatetimeColumn("Last hit", format="YYYY-MM-DD"),
        },
    )
    csv_download(subjects, "subjects-across-series.csv", "subjects tying series together")
