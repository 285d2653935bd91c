"""Every setting of the app, declared once: environment variable, default and why it exists."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    env: str
    default: str
    help: str

    def env_is_set(self) -> bool:
        return bool(os.environ.get(self.env, "").strip())

    def value(self) -> str:
        return os.environ.get(self.env, "").strip() or self.default


DATABASE_URL = Setting(
    "CGIC_DATABASE_URL",
    f"sqlite:///{PROJECT_ROOT / 'data' / 'cgic.sqlite'}",
    "SQLAlchemy URL of the store. Unset: an embedded SQLite file under data/ (created and seeded "
    "with synthetic demo data on first start). Shared store: postgresql+psycopg://user:pw@host/db",
)
CACHE_TTL_SECONDS = Setting(
    "CGIC_CACHE_TTL", "60", "How long a query result is cached; new imports appear within this."
)
DEMO_ON_EMPTY = Setting(
    "CGIC_DEMO_ON_EMPTY",
    "embedded",
    "Seed an empty store with synthetic demo data on start: 'embedded' (only the default SQLite "
    "file), 'always', or 'never' (a shared production store)",
)
TILE_URL = Setting(
    "CGIC_TILE_URL",
    "",
    "A tile-server URL template on the site's own network ({z}/{x}/{y}); unset: an offline "
    "basemap of town boundaries",
)
TILE_ATTRIBUTION = Setting("CGIC_TILE_ATTRIBUTION", "Site tile server", "Attribution for tiles")
MAP_LAYERS_DIR = Setting(
    "CGIC_MAP_LAYERS_DIR",
    "",
    "A folder of the site's own GeoJSON layers (patrol districts, beats, roads; WGS84), each "
    "file one overlay on the incident map, named after the file; unset: none",
)
MAP_MAX_POINTS = Setting(
    "CGIC_MAP_MAX_POINTS",
    "15000",
    "Above this many matching incidents the map clusters by view on the server (≤ 2 MB sent)",
)
MAP_VIEW_POINTS = Setting(
    "CGIC_MAP_VIEW_POINTS",
    "3000",
    "Up to this many incidents in the map's view are drawn one by one, above it as cells",
)
TIME_ZONE = Setting("CGIC_TIME_ZONE", "America/New_York", "Wall-clock zone of all stored times")
NIBIN_GOAL_HOURS = Setting(
    "CGIC_NIBIN_GOAL_HOURS", "48", "Timeliness goal: incident to lead in investigators' hands"
)
BACKLOG_DAYS = Setting("CGIC_BACKLOG_DAYS", "30", "A request open longer than this is backlog")
IDLE_MINUTES = Setting("CGIC_IDLE_MINUTES", "30", "An idle session ends after this (CJIS: <= 30)")
LOCKOUT_ATTEMPTS = Setting("CGIC_LOCKOUT_ATTEMPTS", "5", "Failed sign-ins before lockout")
LOCKOUT_MINUTES = Setting("CGIC_LOCKOUT_MINUTES", "10", "How long a locked account stays locked")
AUTH_REQUIRED = Setting(
    "CGIC_AUTH", "on", "'on': sign-in before any page. 'off' only for local development."
)
CONTACT = Setting(
    "CGIC_CONTACT",
    "Crime Gun Intelligence Center — call the CGIC duty analyst",
    "Contact details of the CGIC printed on every officer-safety bulletin (phone, email, desk)",
)
BULLETIN_DISSEMINATION = Setting(
    "CGIC_BULLETIN_DISSEMINATION",
    "For law enforcement use only. Do not disseminate outside law enforcement without the "
    "CGIC's approval.",
    "The dissemination line printed on every officer-safety bulletin",
)

ALL = [
    DATABASE_URL,
    CACHE_TTL_SECONDS,
    DEMO_ON_EMPTY,
    TILE_URL,
    TILE_ATTRIBUTION,
    MAP_LAYERS_DIR,
    MAP_MAX_POINTS,
    MAP_VIEW_POINTS,
    TIME_ZONE,
    NIBIN_GOAL_HOURS,
    BACKLOG_DAYS,
    IDLE_MINUTES,
    LOCKOUT_ATTEMPTS,
    LOCKOUT_MINUTES,
    AUTH_REQUIRED,
    CONTACT,
    BULLETIN_DISSEMINATION,
]


def database_url() -> str:
    return DATABASE_URL.value()


def int_setting(setting: Setting) -> int:
    raw = setting.value()
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{setting.env}={raw!r}: expected a whole number") from None


def seed_demo_when_empty() -> bool:
    """Whether the app may fill an empty store with demo data at start (see DEMO_ON_EMPTY)."""
    mode = DEMO_ON_EMPTY.value()
    if mode not in {"embedded", "always", "never"}:
        raise ValueError(f"{DEMO_ON_EMPTY.env}={mode!r}: expected embedded, always or never")
    return mode == "always" or (mode == "embedded" and not DATABASE_URL.env_is_set())
