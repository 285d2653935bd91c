"""Folium elements for maps drawn in the browser from compact data, with offline assets only.

Generic building blocks (no incident logic; ``cgic_ui.maps`` composes them):

* ``ClientCluster``: rows drawn by a JavaScript callback into one Leaflet.markercluster group,
  with lookup tables sent once, bulk ``addLayers`` and the rows kept for a ``ClientHeat`` layer.
* ``ClientHeat``: leaflet.heat over a ``ClientCluster``'s rows (points travel once).
* ``ReferenceGeoJson``: towns or lines from a cached static file or inline data, added after
  ``st_folium`` hooks its click handlers so clicking them does not rerun the app.
* ``FitView``: fit the map once its frame has its final size.

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
    rerun the app. A feature's ``properties[tooltip_property]`` becomes its tooltip.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.layerGroup();
            (function (group) {
                function draw(data) {
                    L.geoJSON(data, {
                        pane: {{ this.pane|tojson }},
                        style: {{ this.style|tojson }},
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
        show: bool = True,
    ) -> None:
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "ReferenceGeoJson"
        self.url, self.data, self.style, self.pane = url, data, style, pane
        self.tooltip_property = tooltip_property


class FitView(MacroElement):
    """Fit the map to ``bounds`` once its frame has its final size, until the user moves it.

    ``st_folium`` sizes its iframe only after the map script ran, so a plain ``fitBounds`` fits a
    frame of the wrong size and the selection ends up off-centre or half outside the view.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            (function (map) {
                var bounds = {{ this.bounds|tojson }}, touched = false;
                function fit() {
                    if (touched) { return; }
                    map.invalidateSize();
                    map.fitBounds(bounds, {{ this.options|tojson }});
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
        # More room at the top: the layer control sits over the top right corner.
        self.options = {
            "paddingTopLeft": [24, 110],
            "paddingBottomRight": [24, 24],
            "maxZoom": max_zoom,
        }


# --- rows for the browser ------------------------------------------------------------------------
