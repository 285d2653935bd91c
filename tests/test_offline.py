"""The map's files come from installed packages into static/vendor/, idempotently."""

from __future__ import annotations

from pathlib import Path

from cgic_ui import offline


def test_every_url_the_map_uses_is_an_installed_file(tmp_path: Path) -> None:
    written = offline.install_assets(tmp_path)
    assets = offline.MapAssets()
    for url in [*assets.js.values(), *assets.css.values(), assets.towns_geojson]:
        relative = url.removeprefix(assets.base + "/")
        assert relative in written
        assert (tmp_path / relative).stat().st_size > 500
    # Leaflet's CSS refers to its images by relative paths.
    assert (tmp_path / "leaflet/images/layers.png").is_file()
    assert b"L.heatLayer" in (tmp_path / "leaflet.heat/leaflet-heat.js").read_bytes()
    assert (
        b"markerClusterGroup"
        in (tmp_path / "leaflet.markercluster/leaflet.markercluster.js").read_bytes()
    )


def test_installing_twice_writes_nothing_and_repairs_what_changed(tmp_path: Path) -> None:
    first = offline.install_assets(tmp_path)
    assert offline.install_assets(tmp_path) == []
    (tmp_path / "leaflet/leaflet.js").write_text("broken")
    assert offline.install_assets(tmp_path) == ["leaflet/leaflet.js"]
    assert len(first) == len(offline.asset_sources())
    assert not list(tmp_path.rglob(".part-*"))


def test_urls_follow_streamlit_base_url_path() -> None:
    assert offline.assets_for_base_url("").base == "/app/static/vendor"
    assert offline.assets_for_base_url(None).base == "/app/static/vendor"
    assert offline.assets_for_base_url("/cgic/").base == "/cgic/app/static/vendor"
    assert (
        offline.assets_for_base_url("cgic").url("leaflet/leaflet.js")
        == "/cgic/app/static/vendor/leaflet/leaflet.js"
    )


def test_vendor_folder_is_served_by_streamlit_and_ignored_by_git() -> None:
    root = offline.PROJECT_ROOT
    assert root / "static" / "vendor" == offline.VENDOR_DIR
    assert "static/vendor/" in (root / ".gitignore").read_text().splitlines()
    assert "enableStaticServing = true" in (root / ".streamlit" / "config.toml").read_text()
