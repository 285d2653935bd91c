"""Incident map: shootings filtered by NIBIN lead, series, type and caliber, with the lines that join
a series, and the evidence, leads and forensic results of a clicked incident."""

import streamlit as st
from streamlit_folium import st_folium

from cgic_data import audit, settings
from cgic_data.incident_time import occurred_text
from cgic_data.lead_labels import CONFIRMED_LABEL, UNCONFIRMED_LABEL
from cgic_data.queries import incident_choices, incident_detail, incidents, lead_selection, map_view
from cgic_data.schema import IncidentKind
from cgic_data.scope import IncidentFilter
from cgic_ui import links, map_drill, map_legend, map_reference, maps
from cgic_ui.context import page_context
from cgic_ui.exports import csv_download
from cgic_ui.offline import ensure_assets, page_assets
from cgic_ui.runtime import cached, store
from cgic_ui.tables import MISSING

# Fits 1280x800 and 1920x1080 with Streamlit's header: the whole map is in view at once, so a click
# never lands on a map partly below the fold.
MAP_HEIGHT = 560
SCROLL_TO_DETAIL = """setTimeout(function () {
  var detail = document.querySelector(".st-key-map_detail");
  if (!detail || detail.getBoundingClientRect().top < window.innerHeight * 0.5) { return; }
  detail.style.scrollMarginTop = "45vh";
  detail.scrollIntoView({behavior: "smooth", block: "start"});
}, 150);"""


def show_series(series_id: str) -> None:
    """Add a series to the (URL-bound) series filter: the map then draws all of it."""
    st.session_state["map_series"] = [*st.session_state.get("map_series", []), series_id]


ctx = page_context()
st.title("Incident map")
problem = ensure_assets()
if problem:
    st.error(problem, icon=":material/map:")
    st.stop()

# --- the map's own filter (in the URL, so a link opens the same map) -----------------------------
# The pickers offer the viewer's most recent leads and series of any date (typing finds any other):
# a chosen lead or series is shown whole, whatever the sidebar period.
WHOLE = IncidentFilter()
# Plain numbers, no display labels: a bound multiselect puts what it shows in the URL, and a link
# must hold the lead number itself to open the same map for whoever receives it.
leads = cached(incident_choices.lead_choices, ctx.viewer, WHOLE)["lead_number"].tolist()
series = cached(incident_choices.series_choices, ctx.viewer, WHOLE)["series_id"].tolist()
# Leads and series on their own row: full lead numbers fit in the chosen chips.
lead_col, series_col = st.columns(2)
chosen_leads = lead_col.multiselect(
    "NIBIN lead numbers",
    options=list(dict.fromkeys([*st.session_state.get("map_lead", []), *leads])),
    key="map_lead",
    bind="query-params",
    accept_new_options=True,
    placeholder="Type or pick lead numbers",
    help="Shows every incident these leads link, whatever the sidebar period. Any lead number "
    "may be typed; the list holds your most recent leads.",
)
chosen_series = series_col.multiselect(
    "Series",
    options=list(dict.fromkeys([*st.session_state.get("map_series", []), *series])),
    key="map_series",
    bind="query-params",
    accept_new_options=True,
    placeholder="Type or pick a series",
    help="Incidents joined by NIBIN leads, transitively, named after the lowest lead number in "
    "them. The list holds the series of recent leads; any lead number of a series selects it.",
)
kind_col, caliber_col, link_col = st.columns(3)
chosen_kinds = kind_col.multiselect(
    "Incident type",
    options=[kind.value for kind in IncidentKind],
    format_func=str.capitalize,
    key="kind",
    bind="query-params",
    placeholder="All types",
)
chosen_calibers = caliber_col.multiselect(
    "Caliber",
    options=cached(incident_choices.caliber_choices),
    key="caliber",
    bind="query-params",
    placeholder="All calibers",
)
linkage = link_col.selectbox(
    "NIBIN link",
    options=[choice.value for choice in incidents.Linkage],
    key="linked",
    bind="query-params",
)
mf = incidents.MapFilter(
    lead_numbers=tuple(sorted({n.strip() for n in chosen_leads if n.strip()})),
    series_ids=tuple(sorted({n.strip() for n in chosen_series if n.strip()})),
    kinds=tuple(IncidentKind(k) for k in sorted(chosen_kinds)),
    calibers=tuple(sorted(chosen_calibers)),
    linkage=incidents.Linkage(linkage),
)
# A chosen lead or series is shown whole: the sidebar filter narrows the map only without one.
map_filter = WHOLE if mf.has_selection else ctx.filter
max_points = settings.int_setting(settings.MAP_MAX_POINTS)
data = cached(incidents.incident_map_data, ctx.viewer, map_filter, mf, max_points, cells=False)
# Above the cap the map is drawn per view: the incidents of the last view the map reported.
view = None
if data.aggregated:
    reported = map_drill.returned_view(st.session_state.get("incident_map"))
    view = cached(
        map_view.view_data,
        ctx.viewer,
        map_filter,
        mf,
        reported or map_drill.start_view(maps.view_extent(data.extent, focus=False)),
        settings.int_setting(settings.MAP_VIEW_POINTS),
    )

# --- what the map shows, in words -----------------------------------------------------------------
if mf.has_selection:
    summary = (
        f"**{data.total:,}** incidents match the selected leads and series, shown whole: every "
        "date and agency you may see (the sidebar filter does not narrow a chosen lead)"
    )
else:
    summary = f"**{data.total:,}** incidents match ({ctx.period_label})"
st.markdown(summary)
for kind, keys in (("lead", mf.lead_numbers), ("series", mf.series_ids)):
    for key in keys:
        if key not in data.unknown_leads:  # one click to the chosen lead's other views
            st.markdown(f"{kind.capitalize()} **{key}**: " + links.view_links(kind, key, "map"))
for typed in data.unknown_leads:
    # A part of a number: offer the leads that contain it (searched on the server, any date).
    near = cached(lead_selection.search_leads, ctx.viewer, typed, 8)
    suggestions = " · ".join(f"[{n}]({links.lead_url(n, 'map')})" for n in near["lead_number"])
    st.warning(
        f"No lead visible to you has the number `{typed}`."
        + (f" Leads containing it: {suggestions}" if suggestions else " Check the number.")
        + ("" if suggestions else " Or ask the CGIC."),
        icon=":material/search_off:",
    )
if mf.has_selection and (ctx.filter.start or ctx.filter.end):
    inside = cached(incidents.matching_count, ctx.viewer, ctx.filter, mf)
    if inside < data.total:
        st.caption(
            f"{data.total - inside:,} of these {data.total:,} incidents lie outside the sidebar "
            f"period ({ctx.period_label})."
        )
if view is not None:
    mapped = data.total - data.unmapped
    st.markdown(
        f"**{view.in_view:,}** in view of **{mapped:,}** on the map"
        + (
            ": counts per area; click one to zoom in, single incidents appear from "
            f"{settings.int_setting(settings.MAP_VIEW_POINTS):,} in view down"
            if view.aggregated
            else ": click an incident for its detail"
        )
    )
if data.unmapped:
    st.caption(
        f"{data.unmapped:,} matching incidents have no coordinates: in the CSV export, not on "
        "the map."
    )
st.html(map_legend.legend_html(drill=view is not None))

# --- the map, the page wide, and below it what is selected and clicked ----------------------------
site_layers, layer_problems = map_reference.site_layers(settings.MAP_LAYERS_DIR.value())
basemap = dict(
    tile_url=settings.TILE_URL.value(),
    tile_attribution=settings.TILE_ATTRIBUTION.value(),
    site_layers=site_layers,
)
if view is None:
    returned = st_folium(
        maps.incident_map(data, page_assets(), focus=mf.has_selection, **basemap),
        key="incident_map",
        height=MAP_HEIGHT,
        use_container_width=True,
        returned_objects=["last_object_clicked_tooltip"],  # a click reruns; pan and zoom do not
    )
else:
    # The base map stays the same while the user pans: only the view's layer is swapped.
    returned = st_folium(
        map_drill.drill_map(data, page_assets(), **basemap),
        key="incident_map",
        height=MAP_HEIGHT,
        use_container_width=True,
        feature_group_to_add=map_drill.ViewLayer(view),
        returned_objects=["last_object_clicked_tooltip", "bounds", "zoom"],  # a view reruns
    )
overlays = ", ".join(["town boundaries", "place names", *(layer.name for layer in site_layers)])
st.caption(
    "Layers (top right of the map): "
    + ("incidents, heat map, series lines, " if view is None else "")
    + f"{overlays}. Town names appear as you zoom in; zoom out to see incidents outside "
    "Connecticut. Click an incident for its evidence, leads and forensic results below the map."
)
if layer_problems:
    st.warning(
        "Some of this site's map layers could not be drawn (the site's administrator can fix "
        "the files in `CGIC_MAP_LAYERS_DIR`):\n\n" + "\n".join(f"- {p}" for p in layer_problems),
        icon=":material/layers_clear:",
    )

clicked = maps.clicked_incident_id(returned)
new_click = clicked is not None and clicked != st.session_state.get("map_last_click")
if new_click:
    st.session_state["map_last_click"] = clicked
    st.session_state["map_incident"] = clicked

# Above the cap: the incidents in view, when they are all drawn one by one.
points = data.points if view is None else None if view.aggregated else view.points
listing = mf.has_selection and points is not None and not points.empty
side_col, detail_col = st.container(key="map_detail").columns([1, 1] if listing else [2, 3])
with side_col:
    if listing:
        st.subheader(f"Selected: {len(points):,} incidents")
        listed = points.sort_values(["occurred_at", "incident_id"]).reset_index(drop=True)
        picked = st.dataframe(
            listed[["occurred_at", "town", "kind", "incident_number"]],
            hide_index=True,
            placeholder=MISSING,
            height=min(38 + 35 * len(listed), 320),
            on_select="rerun",
            selection_mode="single-row",
            key="map_list",
            column_config={
                "occurred_at": st.column_config.DatetimeColumn("When", format="YYYY-MM-DD"),
                "town": "Town",
                "kind": "Type",
                "incident_number": "Incident",
            },
        )
        rows = [row for row in picked.selection.rows if row < len(listed)]
        if rows:
            chosen = int(listed["incident_id"].iloc[rows[0]])
            if chosen != st.session_state.get("map_last_row"):
                st.session_state["map_last_row"] = chosen
                st.session_state["map_incident"] = chosen
incident_id = st.session_state.get("map_incident")
detail = (
    cached(incident_detail.incident_detail, ctx.viewer, incident_id)
    if incident_id is not None
    else None
)
# Beside the list when a selection is listed, else facts on the left and tables on the right.
facts_col = detail_col if listing else side_col
if detail is None:
    facts_col.info(
        "Click a count on the map to zoom in until single incidents show, then click one for "
        "its evidence, leads and forensic results."
        if view is not None and view.aggregated
        else "Click an incident on the map"
        + (" or a row on the left" if listing else "")
        + " to see its evidence, leads and forensic results.",
        icon=":material/touch_app:",
    )
else:
    if st.session_state.get("map_audited") != incident_id:
        st.session_state["map_audited"] = incident_id
        audit.record(
            store(),
            ctx.viewer,
            "view",
            target=f"incident {detail.incident['agency']} {detail.incident['incident_number']}",
            detail={"page": "incident map", "incident_id": incident_id},
        )
    with facts_col:
        facts = detail.incident
        number_link = links.incident_url(facts["incident_number"], facts.get("ori"))
        st.markdown(f"##### {facts['agency']} · [{facts['incident_number']}]({number_link})")
        st.markdown(
            f"**{facts['kind'].capitalize()}** · "
            f"{occurred_text(facts['occurred_at'], facts.get('time_known'))}"
            f" · {facts['town'] or facts.get('city') or 'town unknown'} · {facts['address'] or ''}  \n"
            f"Victims shot: {facts['injured']} injured, {facts['killed']} killed"
            + (
                f"  \nSeries **{detail.series_id}**: "
                + links.view_links("series", detail.series_id)
                if detail.series_id
                else ""
            )
        )
        if detail.series_id and detail.series_id not in mf.series_ids:
            st.button(
                f"Show all of series {detail.series_id}",
                icon=":material/timeline:",
                on_click=show_series,
                args=(detail.series_id,),
            )
        st.markdown("**NIBIN leads**")
        if detail.leads.empty:
            st.caption("No NIBIN lead links this incident.")
        for lead in detail.leads.itertuples():
            tone = {
                CONFIRMED_LABEL: ":green",
                UNCONFIRMED_LABEL: ":orange",
            }.get(lead.label, ":gray")
            st.markdown(
                f"**{lead.lead_number}** {tone}[{lead.label}]  \n"
                f"Issued {lead.issued_at:%Y-%m-%d}"
                + (f" · links {lead.linked_incidents}" if lead.linked_incidents else "")
                + "  \n"
                + links.view_links("lead", lead.lead_number)
            )
    with detail_col:
        st.markdown("**Evidence**")
        st.dataframe(
            detail.evidence,
            hide_index=True,
            placeholder=MISSING,
            column_config={
                "item_number": "Item",
                "kind": "Kind",
                "caliber": "Caliber",
                "recovered_at": st.column_config.DatetimeColumn("Recovered", format="YYYY-MM-DD"),
                "received_at": st.column_config.DatetimeColumn("At lab", format="YYYY-MM-DD"),
                "nibin_entered_at": st.column_config.DatetimeColumn("NIBIN", format="YYYY-MM-DD"),
                "firearm": "Firearm",
            },
        )
        st.markdown("**Forensic results** (this incident and the incidents its leads link)")
        if detail.results.empty:
            st.caption("No CODIS, AFIS or other results reported yet.")
        else:
            st.dataframe(
                detail.results.drop(columns=["this_incident"]),
                hide_index=True,
                placeholder=MISSING,
                column_config={
                    "result_number": "Result",
                    "kind": "Kind",
                    "reported_at": st.column_config.DatetimeColumn("Reported", format="YYYY-MM-DD"),
                    "item_number": "Item",
                    "incident": "Incident",
                    "subject_ref": "Subject (pseudonym)",
                    "summary": "Summary",
                },
            )
    if new_click:
        # The detail is below the map: scroll its top up to mid-screen, the map's lower half still
        # in view above it (the id makes each click's script new, so it runs again).
        detail_col.html(
            f"<script>/* incident {incident_id} */ {SCROLL_TO_DETAIL}</script>",
            unsafe_allow_javascript=True,
        )

# --- export ---------------------------------------------------------------------------------------
if points is not None and not points.empty:
    csv_download(
        points.drop(columns=["incident_id"]),
        "incident-map.csv",
        "incidents shown on the incident map",
        label=f"Download the {len(points):,} incidents"
        + (" in view" if view is not None else "")
        + " (CSV)",
    )
elif view is not None and (counts := map_drill.cells_frame(view)) is not None:
    csv_download(
        counts,
        "incident-map-cells.csv",
        "incident counts per area in the map's view",
        label=f"Download counts for {len(counts):,} areas in view (CSV)",
    )
