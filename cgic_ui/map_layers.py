"""Folium elements for maps drawn in the browser from compact data, with offline assets only.

Generic building blocks (no incident logic; ``cgic_ui.maps`` composes them):

* ``ClientCluster``: rows drawn by a JavaScript callback into one Leaflet.markercluster group,
  with lookup tables sent once, bulk ``addLayers`` and the rows kept for a ``ClientHeat`` layer.
* ``ClientHeat``: leaflet.heat over a ``ClientCluster``'s rows (points travel once).
* ``ReferenceGeoJson``: towns or lines from a cached static file or inline data, added after
  ``st_folium`` hooks its click handlers so clicking them does not rerun the app.
* ``FitView``: fit the map once its frame has its final size.
* ``ZoomLabels``: place names, each shown from its rank's zoom level up.
* ``SteadyFocus``: a click on a map partly below the fold is not lost to focus scrolling.

Each element's scripts and stylesheets come from ``cgic_ui.offline.MapAssets``, never a CDN.
Layers are added to the map by folium itself when shown (``Layer.render``), so a
``LayerControl`` can start some of them switched off.
"""

from __future__ import annotations

from typing import Any

from branca.element import CssLink, Element, JavascriptLink, MacroElement
from folium.elements import ElementAddToElement, JSCSSMixin
from folium.map import Layer
from folium.template import Template

from cgic_ui.offline import MapAssets


class RawScript(Element):
    """Script text added to the page as is.

    branca turns each element's rendered script into a new Jinja template before writing it out;
    for 20k rows of data that costs about a second per render, for nothing.
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


class ClientCluster(JSCSSMixin, Layer):
    """Rows drawn in the browser by ``callback(row, tables)`` into one markerClusterGroup.

    Like folium's FastMarkerCluster, but the rows stay readable (``this.rows``) for the heat layer,
    lookup tables travel once, and markers are added in one bulk ``addLayers`` call.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = (function () {
                var T = {{ this.tables|tojson }};
                var rows = {{ this.rows|tojson }};
                var make = {{ this.callback }};
                var cluster = L.markerClusterGroup({{ this.options|tojavascript }});
                {%- if this.icon_create_function %}
                cluster.options.iconCreateFunction = {{ this.icon_create_function }};
                {%- endif %}
                var markers = new Array(rows.length);
                for (var i = 0; i < rows.length; i++) { markers[i] = make(rows[i], T); }
                cluster.addLayers(markers);
                cluster.rows = rows;
                return cluster;
            })();
        {% endmacro %}"""
    )

    def __init__(
        self,
        rows: list[list[Any]],
        tables: dict[str, Any],
        callback: str,
        assets: MapAssets,
        *,
        name: str,
        icon_create_function: str | None = None,
        cluster_radius: int = 50,
        show: bool = True,
    ) -> None:
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "ClientCluster"
        self.rows, self.tables, self.callback = rows, tables, callback
        self.icon_create_function = icon_create_function
        self.options = {
            "chunkedLoading": True,
            "maxClusterRadius": cluster_radius,
            "showCoverageOnHover": False,
        }
        self.default_js = [("markerclusterjs", assets.js["markerclusterjs"])]
        self.default_css = [
            (css, assets.css[css]) for css in ("markerclustercss", "markerclusterdefaultcss")
        ]

    def render(self, **kwargs: Any) -> None:
        """As ``JSCSSMixin``/``Layer``/``MacroElement.render``, with the script kept raw."""
        figure = self.get_root()
        for name, url in self.default_js:
            figure.header.add_child(JavascriptLink(url), name=name)
        for name, url in self.default_css:
            figure.header.add_child(CssLink(url), name=name)
        if self.show:
            self.add_child(
                ElementAddToElement(self.get_name(), self._parent.get_name()),
                name=self.get_name() + "_add",
            )
        script = self._template.module.__dict__["script"](self, kwargs)
        figure.script.add_child(RawScript(script), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)


class ClientHeat(JSCSSMixin, Layer):
    """A heat layer over a ``ClientCluster``'s rows (weights from column ``weight_index``)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.heatLayer(
                {{ this.source.get_name() }}.rows.map(function (r) {
                    return [r[0], r[1]{% if this.weight_index is not none %}, r[{{ this.weight_index }}]{% endif %}];
                }),
                {{ this.options|tojavascript }}
            );
        {% endmacro %}"""
    )

    def __init__(
        self,
        source: ClientCluster,
        assets: MapAssets,
        *,
        weight_index: int | None = None,
        max_weight: float = 1.0,
        show: bool = False,
    ) -> None:
        super().__init__(name="Heat map", overlay=True, control=True, show=show)
        self._name = "ClientHeat"
        self.source, self.weight_index = source, weight_index
        self.options = {"radius": 14, "blur": 18, "minOpacity": 0.3, "max": max_weight}
        self.default_js = [("leaflet-heat.js", assets.js["leaflet-heat.js"])]


class ReferenceGeoJson(Layer):
    """A GeoJSON reference layer (towns, series lines) added after the map has started.

    Drawn from ``url`` (fetched, so the browser caches it) or inline ``data``; either way it joins
    the map after ``st_folium`` has hooked its click handlers, so clicking a town or a line does not
    rerun the app. A feature's ``properties[tooltip_property]`` (HTML) becomes its tooltip; points
    are drawn as small circles (Leaflet's default pin is an image from its own folder).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.layerGroup([], {{ this.group_options|tojson }});
            (function (group) {
                function draw(data) {
                    var style = {{ this.style|tojson }};
                    L.geoJSON(data, {
                        pane: {{ this.pane|tojson }},
                        style: style,
                        pointToLayer: function (feature, latlng) {
                            return L.circleMarker(latlng, L.extend({radius: 4, fillOpacity: 0.8}, style, {pane: {{ this.pane|tojson }}}));
                        },
                        onEachFeature: function (feature, layer) {
                            var tip = feature.properties && feature.properties[{{ this.tooltip_property|tojson }}];
                            if (tip) { layer.bindTooltip(tip, {sticky: true}); }
                        }
                    }).addTo(group);
                }
                {%- if this.url %}
                fetch({{ this.url|tojson }}).then(function (r) { return r.json(); }).then(draw);
                {%- else %}
                setTimeout(function () { draw({{ this.data|tojson }}); }, 0);
                {%- endif %}
            })({{ this.get_name() }});
        {% endmacro %}"""
    )

    def __init__(
        self,
        name: str,
        style: dict[str, Any],
        *,
        url: str | None = None,
        data: dict[str, Any] | None = None,
        pane: str = "overlayPane",
        tooltip_property: str = "tooltip",
        attribution: str = "",
        show: bool = True,
    ) -> None:
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "ReferenceGeoJson"
        self.url, self.data, self.style, self.pane = url, data, style, pane
        self.tooltip_property = tooltip_property
        # Leaflet shows a layer's attribution (HTML) while the layer is on the map.
        self.group_options = {"attribution": attribution} if attribution else {}


class FitView(MacroElement):
    """Fit the map to ``bounds`` once its frame has its final size, until the user moves it.

    ``st_folium`` sizes its iframe only after the map script ran, so a plain ``fitBounds`` fits a
    frame of the wrong size and the selection ends up off-centre or half outside the view. The
    layer control (top right, open, taller with each site layer) is measured and kept clear of, so
    no incident is fitted under it, where a click would toggle a layer instead.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            (function (map) {
                var bounds = {{ this.bounds|tojson }}, touched = false;
                function fit() {
                    if (touched) { return; }
                    var options = {{ this.options|tojson }};
                    var box = map.getContainer(), control = box.querySelector(".leaflet-top.leaflet-right");
                    // At most 40% of the map: unstyled (CSS still loading), the control is full width.
                    var width = Math.min(control ? control.offsetWidth : 0, box.clientWidth * 0.4);
                    options.paddingBottomRight = [width + 16, options.paddingBottomRight[1]];
                    map.invalidateSize();
                    map.fitBounds(bounds, options);
                }
                ["mousedown", "wheel", "touchstart", "keydown"].forEach(function (type) {
                    map.getContainer().addEventListener(type, function () { touched = true; });
                });
                new ResizeObserver(fit).observe(map.getContainer());
                fit();
            })({{ this._parent.get_name() }});
        {% endmacro %}"""
    )

    def __init__(self, bounds: list[list[float]], max_zoom: int = 15) -> None:
        super().__init__()
        self._name = "FitView"
        self.bounds = bounds
        # Room for the zoom buttons top left; the layer control's width is added on the right.
        self.options = {
            "paddingTopLeft": [48, 24],
            "paddingBottomRight": [24, 24],
            "maxZoom": max_zoom,
        }


class ZoomLabels(Layer):
    """Text labels (place names) at points, each shown from its rank's zoom level up.

    At state zoom 169 town names would be an unreadable pile; cities name themselves first, then
    towns, then villages as there is room. One CSS class per rank on the map container, switched on
    ``zoomend``, shows them: no markers are added or removed while zooming. Rows are
    ``[lat, lon, html, rank]``; ``min_zooms[rank]`` is the zoom from which a rank shows. Labels sit
    in ``pane`` (make it ignore the pointer, so they never take a click meant for an incident).
    """

    _template = Template(
        """
        {% macro header(this, kwargs) %}
            <style>
              .cgic-label { display: none; }
              {%- for rank in range(this.min_zooms|length) %}
              .cgic-labels-{{ rank }} .cgic-label-{{ rank }} { display: block; }
              {%- endfor %}
              .cgic-label span { position: absolute; transform: translate(-50%, -50%);
                white-space: nowrap; font: 11px/1.2 "Source Sans Pro", sans-serif; color: #34495e;
                text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff; }
              .cgic-label-0 span { font-size: 13px; font-weight: 700; color: #1c2833; }
              .cgic-label-1 span { font-weight: 600; }
              .cgic-label-3 span { font-size: 10px; font-style: italic; color: #5d6d7e; }
            </style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = (function (map) {
                var group = L.layerGroup(), zooms = {{ this.min_zooms|tojson }};
                {{ this.rows|tojson }}.forEach(function (r) {
                    L.marker([r[0], r[1]], {
                        pane: {{ this.pane|tojson }}, interactive: false, keyboard: false,
                        icon: L.divIcon({className: "cgic-label cgic-label-" + r[3],
                                         html: "<span>" + r[2] + "</span>", iconSize: null})
                    }).addTo(group);
                });
                function level() {
                    var zoom = map.getZoom(), classes = map.getContainer().classList;
                    zooms.forEach(function (min, rank) { classes.toggle("cgic-labels-" + rank, zoom >= min); });
                }
                map.on("zoomend", level);
                level();
                return group;
            })({{ this._parent.get_name() }});
        {% endmacro %}"""
    )

    def __init__(
        self,
        name: str,
        rows: list[list[Any]],
        min_zooms: list[float],
        *,
        pane: str = "overlayPane",
        show: bool = True,
    ) -> None:
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "ZoomLabels"
        self.rows, self.min_zooms, self.pane = rows, min_zooms, pane


class SteadyFocus(MacroElement):
    """Keep a click on a map that is partly below the fold.

    Leaflet focuses the map on mousedown (for its keyboard controls). ``focus()`` scrolls the page
    until the whole map is in view, which moves the marker from under the pointer before mouseup:
    the click lands on the map, not the marker, and is lost. Focusing with ``preventScroll`` keeps
    the page still; the keyboard controls work as before.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            (function (keyboard) {
                if (!keyboard) { return; }
                var enabled = keyboard.enabled();
                if (enabled) { keyboard.disable(); }  // its listener is bound when enabled
                keyboard._onMouseDown = function () {
                    if (!this._focused) { this._map.getContainer().focus({preventScroll: true}); }
                };
                if (enabled) { keyboard.enable(); }
            })({{ this._parent.get_name() }}.keyboard);
        {% endmacro %}"""
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "SteadyFocus"


class Graticule(MacroElement):
    """Lines of latitude and longitude every ``step`` degrees across ``bounds``, under everything.

    The offline basemap covers Connecticut's towns only: beyond the state the grid (with the
    scale) still shows where an incident lies and how far. Drawn in ``pane``; never interactive.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            (function (map) {
                var b = {{ this.bounds|tojson }}, step = {{ this.step }}, style = {
                    pane: {{ this.pane|tojson }}, color: "#b8c4ce", weight: 0.7, interactive: false
                };
                for (var lat = b[0][0]; lat <= b[1][0] + 1e-9; lat += step) {
                    L.polyline([[lat, b[0][1]], [lat, b[1][1]]], style).addTo(map);
                }
                for (var lon = b[0][1]; lon <= b[1][1] + 1e-9; lon += step) {
                    L.polyline([[b[0][0], lon], [b[1][0], lon]], style).addTo(map);
                }
            })({{ this._parent.get_name() }});
        {% endmacro %}"""
    )

    def __init__(self, bounds: list[list[float]], step: float = 0.5, pane: str = "grid") -> None:
        super().__init__()
        self._name = "Graticule"
        self.bounds, self.step, self.pane = bounds, step, pane
