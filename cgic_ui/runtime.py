"""The store handle and the one cached way to run a ``cgic_data`` query from a page."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

import streamlit as st
from sqlalchemy import Engine

from cgic_data import settings
from cgic_data.startup import prepare_store
from cgic_data.store import make_engine, reference_day, store_info

T = TypeVar("T")


def store() -> Engine:
    """The process-wide engine of ``CGIC_DATABASE_URL``."""
    return _store_for(settings.database_url())


@st.cache_resource(show_spinner="Opening the store…")
def _store_for(url: str) -> Engine:
    """One engine per store URL, made ready as ``cgic prepare`` would (``make run`` has done that
    before the server started; a bare ``streamlit run app.py`` does it here, on the first visit)."""
    engine = make_engine(url)
    prepare_store(
        engine,
        demo_when_empty=settings.seed_demo_when_empty(),
        seeding=lambda: st.spinner("First start: generating synthetic demo data…"),
    )
    return engine


@st.cache_data(ttl=settings.int_setting(settings.CACHE_TTL_SECONDS), show_spinner=False)
def _cached_call(
    url: str, module: str, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    function = getattr(importlib.import_module(module), name)
    return function(_store_for(url), *args, **kwargs)


def cached(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run ``function(engine, *args, **kwargs)`` through the shared cache.

    The key is the function's name and every argument, so the ``Viewer`` (what a user may see) is
    always part of it: two users with different scopes never share a result.
    """
    url = settings.database_url()
    return _cached_call(url, function.__module__, function.__qualname__, args, kwargs)


@st.cache_resource(
    ttl=settings.int_setting(settings.CACHE_TTL_SECONDS), max_entries=256, show_spinner=False
)
def _built_figure(module: str, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    return getattr(importlib.import_module(module), name)(*args, **kwargs)


def cached_figure(builder: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``builder(*args, **kwargs)`` built once per distinct input and then shared, unpickled.

    For a chart of cached results: building a plotly figure (subplots, validated traces) cost up
    to a second on every run of a page whose data came from the cache. The key is the builder
    and the hashed inputs (the frames themselves, already scoped to their viewer); the figure is
    shared read-only (``st.plotly_chart`` only serialises it), so a builder's result must not be
    changed after it is returned.
    """
    return _built_figure(builder.__module__, builder.__qualname__, args, kwargs)


def store_facts() -> dict[str, str]:
    """The store's ``store_info`` rows (demo flag, seed, the date demo data was generated for)."""
    return cached(store_info)


def reference_today() -> date:
    """'Today' for default periods (``store.reference_day``) of the app's store."""
    return reference_day(store_facts())
