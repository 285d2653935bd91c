"""The incident map's colours and the legend that names them, in one place so they cannot drift
apart: incident types, series lines, grid cells and cluster bubbles look the same on the map (the
CSS here, the callbacks in ``cgic_ui.maps``) and in the legend the page draws above it.

The legend is plain HTML outside the map: a branca legend would pull d3 from public CDNs.
"""

from __future__ import annotations

from cgic_ui.figures import KIND_COLOURS

SERIES_COLOUR = "#6c3483"
CELL_COLOUR = "#34495e"
# Cluster bubbles by size, in slate greys: markercluster's green/yellow/orange would read as
# incident types (shots fired are orange). Drawn the same in the legend.
CLUSTER_COLOURS = {"small": "#b6c2ce", "medium": "#8596a8", "large": "#566b80"}
KINDS = list(KIND_COLOURS)

MAP_CSS = (
    """
<style>
  .leaflet-container { background: #e8eef3; }
  .leaflet-heatmap-layer { pointer-events: none; }
  .leaflet-control-layers { font-size: 13px; }
  .leaflet-tooltip { font-size: 12px; }
  .cgic-tip b { font-size: 13px; }
  .cgic-tip .lead { color: #7d6608; font-style: italic; }
  .cgic-tip .hit { color: #1e8449; font-weight: 600; }
  .leaflet-container .leaflet-control-scale-line { font-size: 12px;
    background: rgba(255, 255, 255, 0.85); }
  .leaflet-container .leaflet-control-attribution { font-size: 11px; }
  path.leaflet-interactive:focus { outline: none; }
  .cgic-cell div { background: rgba(52, 73, 94, 0.75); color: #fff; border-radius: 50%;
    display: flex; align-items: center; justify-content: center; font-weight: 600;
    border: 2px solid rgba(255, 255, 255, 0.9); width: 100%; height: 100%; }
</style>
"""
    + "<style>\n"
    + "".join(
        f"  .leaflet-marker-pane .marker-cluster-{size} {{ background-color: {colour}8c; }}\n"
        f"  .leaflet-marker-pane .marker-cluster-{size} div {{ background-color: {colour}; "
        f"color: {'#1c2833' if size == 'small' else '#fff'}; }}\n"
        for size, colour in CLUSTER_COLOURS.items()
    )
    + "</style>\n"
)


def legend_html(aggregated: bool = False, drill: bool = False) -> str:
    """The legend, drawn by the page outside the map (a branca legend would need d3 from CDNs).

    It names everything the map draws in colour, cluster bubbles included (in the same colours
    and count bands as ``CLUSTER_COLOURS`` and the cluster icons). ``drill``: the map drawn per
    view (``cgic_ui.map_drill``), single incidents with counts where they crowd.
    """
    dot = (
        '<span style="display:inline-block;width:{s}px;height:{s}px;border-radius:50%;'
        'background:{c};border:{b};vertical-align:middle;margin:0 4px 0 10px"></span>{t}'
    )
    if aggregated:
        parts = [
            dot.format(
                s=16, c=CELL_COLOUR, b="2px solid #fff", t="incidents in a ~2 km cell (clusters "
                "add the cells up when zoomed out)"
            )
        ]  # fmt: skip
    else:
        parts = [
            dot.format(s=11, c=KIND_COLOURS[k], b="1px solid #fff", t=k.capitalize()) for k in KINDS
        ]
        parts.append(dot.format(s=15, c="#999", b="1px solid #fff", t="larger: more victims shot"))
        parts.append(
            dot.format(s=15, c="#999", b="2.5px solid #111", t="black ring: someone killed")
        )
        if drill:
            parts.insert(
                0,
                dot.format(
                    s=16, c=CELL_COLOUR, b="2px solid #fff",
                    t="incidents close together: click to zoom in",
                ),
            )  # fmt: skip
        else:
            parts.append(
                f'<span style="display:inline-block;width:22px;height:0;border-top:3px solid '
                f'{SERIES_COLOUR};vertical-align:middle;margin:0 4px 0 10px"></span>series, in '
                "date order"
            )
    bands = ("under 100", "100–999", "1,000+") if aggregated else ("under 10", "10–99", "100+")
    parts.append('<span style="margin-left:10px">clusters, by how many they hold:</span>')
    parts.extend(
        f'<span style="display:inline-block;width:14px;height:14px;border-radius:50%;'
        f"background:{colour};box-shadow:0 0 0 3px {colour}8c;vertical-align:middle;"
        f'margin:0 4px 0 10px"></span>{band}'
        for colour, band in zip(CLUSTER_COLOURS.values(), bands, strict=True)
    )
    return '<div style="font-size:0.85rem;line-height:1.9">' + "".join(parts) + "</div>"
