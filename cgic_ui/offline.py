"""The map's JavaScript and CSS, served by the app itself: nothing loads from a CDN.

Law-enforcement networks are often closed to the internet; folium's defaults (Leaflet and plugins
from public CDNs, OpenStreetMap tiles) leave the map blank there. Instead, at start-up, the files
come from installed Python packages — Leaflet and Leaflet.markercluster from the PyPI packages
``xstatic-leaflet`` and ``xstatic-leaflet-markercluster``, the heat plugin from the copy folium
ships in its templates, the town boundaries from ``cgic_data/resources`` — and are copied into the
git-ignored ``static/vendor/``, which Streamlit serves under ``/app/static/`` (``[server]
enableStaticServing = true``). One ``pip install`` sets everything up; nothing third-party is
committed. Copying is idempotent (only changed files are written, atomically), so every process
may run it at start-up.
"""

from __future__ import annotations

import filecmp
import os
import shutil
import tempfile
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

import streamlit as st

from cgic_data.settings import PROJECT_ROOT

VENDOR_DIR = PROJECT_ROOT / "static" / "vendor"
URL_PREFIX = "app/static/vendor"


@dataclass(frozen=True)
class MapAssets:
    """Where the browser finds the map's files: ``base`` is the URL of ``static/vendor``."""

    base: str = "/" + URL_PREFIX

    def url(self, relative: str) -> str:
        return f"{self.base.rstrip('/')}/{relative}"

    @property
    def js(self) -> dict[str, str]:
        """Script URLs by folium's names for them (load order matters: Leaflet first)."""
        return {
            "leaflet": self.url("leaflet/leaflet.js"),
            "markerclusterjs": self.url("leaflet.markercluster/leaflet.markercluster.js"),
            "leaflet-heat.js": self.url("leaflet.heat/leaflet-heat.js"),
        }

    @property
    def css(self) -> dict[str, str]:
        return {
            "leaflet_css": self.url("leaflet/leaflet.css"),
            "markerclustercss": self.url("leaflet.markercluster/MarkerCluster.css"),
            "markerclusterdefaultcss": self.url("leaflet.markercluster/MarkerCluster.Default.css"),
        }

    @property
    def towns_geojson(self) -> str:
        return self.url("cgic/ct_towns.geojson")


def assets_for_base_url(base_url_path: str | None) -> MapAssets:
    """The asset URLs when Streamlit runs under ``server.baseUrlPath`` (e.g. behind a proxy)."""
    prefix = (base_url_path or "").strip("/")
    return MapAssets("/" + "/".join(p for p in (prefix, URL_PREFIX) if p))


def _package_dir(module: str) -> Path:
    return Path(import_module(module).__file__ or "").resolve().parent


def asset_sources() -> dict[str, Path]:
    """Every file to serve, by its path under ``static/vendor/``, from the installed packages."""
    leaflet = Path(import_module("xstatic.pkg.leaflet").BASE_DIR)
    cluster = Path(import_module("xstatic.pkg.leaflet_markercluster").BASE_DIR)
    sources = {
        "leaflet/leaflet.js": leaflet / "leaflet.js",
        "leaflet/leaflet.css": leaflet / "leaflet.css",
        "leaflet.markercluster/leaflet.markercluster.js": cluster / "leaflet.markercluster.js",
        "leaflet.markercluster/MarkerCluster.css": cluster / "MarkerCluster.css",
        "leaflet.markercluster/MarkerCluster.Default.css": cluster / "MarkerCluster.Default.css",
        "leaflet.heat/leaflet-heat.js": _package_dir("folium") / "templates/leaflet_heat.min.js",
        "cgic/ct_towns.geojson": _package_dir("cgic_data") / "resources/ct_towns.geojson",
    }
    for image in sorted((leaflet / "images").glob("*.png")):
        sources[f"leaflet/images/{image.name}"] = image
    return sources


def install_assets(target: Path = VENDOR_DIR) -> list[str]:
    """Copy every asset that is missing or differs into ``target``; return what was written.

    Each file is written to a temporary name and renamed, so a browser (or a second process doing
    the same at the same time) never reads a half-written file.
    """
    written: list[str] = []
    for relative, source in asset_sources().items():
        if not source.is_file():
            raise FileNotFoundError(f"map asset {relative}: {source} is missing (reinstall?)")
        destination = target / relative
        if destination.is_file() and filecmp.cmp(source, destination, shallow=False):
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=destination.parent, prefix=".part-")
        os.close(handle)
        shutil.copyfile(source, temporary)
        os.chmod(temporary, 0o644)
        os.replace(temporary, destination)
        written.append(relative)
    return written


@st.cache_resource(show_spinner=False)
def ensure_assets() -> str | None:
    """Install the assets once per server process; the error text if that failed."""
    try:
        install_assets()
    except OSError as exc:
        return f"The map's files could not be put in {VENDOR_DIR}: {exc}"
    return None


def page_assets() -> MapAssets:
    """The asset URLs for this server (honours ``server.baseUrlPath``)."""
    return assets_for_base_url(st.get_option("server.baseUrlPath"))
