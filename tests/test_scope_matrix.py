"""Every query function that takes a viewer, for every role in two agencies: nothing leaks.

Discovery is automatic: every public function of ``cgic_data.queries.*`` and
``cgic_data.metrics.*`` with ``engine`` and ``viewer`` parameters is called, for each viewer, on
the hand-built store of ``tests.scope_world``, with arguments generated from its signature (every
incident and lead number, every incident id, every Literal/enum value, dataclass filters with each
text field set to each probe, ...). Whatever it returns is walked recursively: a viewer of agency
A must never receive the number (or anything carrying it) or the id of an incident that no
shared lead justifies, nor the number of a lead between other agencies.

Text filters also get SQL-injection payloads: they must raise nothing, surface no incident at all,
and leave the store as it was. A new query function is covered without a change here; if its
signature has a parameter type this file cannot fill, the test says which provider to add.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import enum
import importlib
import inspect
import pkgutil
import traceback
import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select

import cgic_data.metrics
import cgic_data.queries
from cgic_data.schema import AuditEntry, Incident, Role
from cgic_data.scope import IncidentFilter, Viewer, scoped_incident_ids
from tests.conftest import BACKENDS, _maker
from tests.scope_world import AS_OF, INCIDENTS, LEADS, World, build_world

INJECTIONS = [
    "' OR '1'='1",
    "'; DROP TABLE incidents; --",
    "x' UNION SELECT incident_number FROM incidents --",
    '" OR ""="',
    "%",
    "_",
    "\\",
    "1; DELETE FROM audit_log",
]


def discover() -> list[Callable[..., Any]]:
    found = []
    for package in (cgic_data.queries, cgic_data.metrics):
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            for name, fn in inspect.getmembers(module, inspect.isfunction):
                params = inspect.signature(fn).parameters
                if (
                    fn.__module__ == module.__name__
                    and not name.startswith("_")
                    and {"engine", "viewer"} <= set(params)
                ):
                    found.append(fn)
    return found


FUNCTIONS = discover()


def label(fn: Callable[..., Any]) -> str:
    return f"{fn.__module__.removeprefix('cgic_data.')}.{fn.__name__}"


# --- arguments from signatures ---------------------------------------------------------------


class NoProvider(Exception):
    pass


def _resolve(fn: Callable[..., Any], annotation: Any) -> tuple[list[Any], bool]:
    """(the type's alternatives without None, whether None is allowed), from a string or type."""
    if isinstance(annotation, str):
        parts = [p.strip() for p in _split_union(annotation)]
        optional = "None" in parts
        alternatives: list[Any] = []
        for part in parts:
            if part == "None":
                continue
            try:
                alternatives.append(eval(part, dict(fn.__globals__), vars(typing)))
            except Exception:
                alternatives.append(part)  # e.g. a TYPE_CHECKING-only name: matched by its text
        return alternatives, optional
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [a for a in args if a is not type(None)], type(None) in args
    return [annotation], False


def _split_union(text: str) -> list[str]:
    depth, start, parts = 0, 0, []
    for i, ch in enumerate(text):
        depth += ch == "["
        depth -= ch == "]"
        if ch == "|" and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    return [*parts, text[start:]]


class Probes:
    """Values to try for each kind of parameter, on one world, for one viewer."""

    def __init__(self, world: World, viewer: Viewer) -> None:
        self.world = world
        self.viewer = viewer
        self.numbers = [*INCIDENTS, *LEADS]
        self.texts = [*self.numbers, ""]
        self.ids = list(world.incident_ids.values())

    def for_type(self, fn: Callable[..., Any], name: str, tp: Any, depth: int) -> list[Any]:
        origin = typing.get_origin(tp)
        if tp is IncidentFilter:
            others = tuple(i for k, i in self.world.agency_ids.items() if k != "A")
            return [IncidentFilter(), IncidentFilter(agency_ids=others)]
        if tp is str:
            return self.texts
        if tp is bool:
            return [False, True]
        if tp is int:
            return [*self.ids, 0, 1]
        if tp is datetime:
            return [datetime(2025, 1, 1)]
        if tp is date:
            return [date(2025, 1, 1) if "start" in name else AS_OF]
        if origin is typing.Literal:
            return list(typing.get_args(tp))
        if isinstance(tp, type) and issubclass(tp, enum.Enum):
            return list(tp)
        if origin is tuple:
            inner = typing.get_args(tp)[0]
            return [()] + [(v,) for v in self.for_type(fn, name, inner, depth)]
        if origin in (list, collections.abc.Sequence):
            inner = typing.get_args(tp)[0]
            return [[]] + [[v] for v in self.for_type(fn, name, inner, depth)]
        if dataclasses.is_dataclass(tp) and isinstance(tp, type):
            return self.dataclass_variants(fn, tp, depth)
        text = tp if isinstance(tp, str) else getattr(tp, "__name__", str(tp))
        if text.startswith("Select"):
            return [select(Incident.id)]  # asks about every incident in the store
        return self.produced(text, depth)

    def dataclass_variants(self, fn: Callable[..., Any], tp: type, depth: int) -> list[Any]:
        """The default instance, then each text field set to each probe (the text filters)."""
        try:
            base = tp()
        except TypeError:
            return self.produced(tp.__name__, depth)
        variants = [base]
        hints = typing.get_type_hints(tp)
        for f in dataclasses.fields(tp):
            hint = hints.get(f.name)
            if hint is str:
                variants += [dataclasses.replace(base, **{f.name: t}) for t in self.texts]
            elif typing.get_origin(hint) is tuple and typing.get_args(hint)[0] is str:
                variants += [dataclasses.replace(base, **{f.name: (t,)}) for t in self.texts]
        return variants

    def produced(self, type_name: str, depth: int) -> list[Any]:
        """Values of a type that other discovered functions return for this viewer."""
        if depth > 0:
            raise NoProvider(type_name)
        values = []
        plain = Probes(self.world, self.viewer)  # real keys, even when probing with payloads
        for producer in FUNCTIONS:
            returns = inspect.signature(producer).return_annotation
            if isinstance(returns, str) and type_name in _split_union(returns.replace(" ", "")):
                for kwargs in calls(producer, plain, depth + 1):
                    value = producer(self.world.engine, self.viewer, **kwargs)
                    if value is not None:
                        values.append(value)
        if not values:
            raise NoProvider(type_name)
        return values

    def for_parameter(self, fn: Callable[..., Any], param: inspect.Parameter, depth: int):
        alternatives, optional = _resolve(fn, param.annotation)
        values: list[Any] = []
        for tp in alternatives:
            try:
                values += self.for_type(fn, param.name, tp, depth)
            except NoProvider:
                if param.default is inspect.Parameter.empty and not optional:
                    raise
        if param.default is not inspect.Parameter.empty:
            simple = all(isinstance(v, str | bool | enum.Enum) for v in values) and values
            return (
                [param.default, *[v for v in values if v != param.default]]
                if simple
                else [param.default]
            )
        return values or [None]


def calls(fn: Callable[..., Any], probes: Probes, depth: int = 0) -> Iterator[dict[str, Any]]:
    """The base call (first value of each parameter), then one parameter varied at a time."""
    params = [
        p for n, p in inspect.signature(fn).parameters.items() if n not in ("engine", "viewer")
    ]
    options = {p.name: probes.for_parameter(fn, p, depth) for p in params}
    base = {name: values[0] for name, values in options.items()}
    yield base
    for name, values in options.items():
        for value in values[1:]:
            yield base | {name: value}


# --- walking results ----------------------------------------------------------------------------


def leaves(value: Any) -> Iterator[Any]:
    if isinstance(value, pd.DataFrame):
        yield from leaves(list(value.columns))
        yield from leaves(value.index.tolist())
        for column in value.columns:
            yield from leaves(value[column].tolist())
    elif isinstance(value, pd.Series):
        yield from leaves(value.index.tolist())
        yield from leaves(value.tolist())
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from leaves(getattr(value, f.name))
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from leaves(k)
            yield from leaves(v)
    elif isinstance(value, list | tuple | set | frozenset):
        for v in value:
            yield from leaves(v)
    elif isinstance(value, str | int | float | np.integer | np.floating | bool | type(None)):
        yield value
    elif hasattr(value, "nodes") and hasattr(value, "edges"):  # a networkx graph
        yield from leaves(list(value.nodes(data=True)))
        yield from leaves(list(value.edges(data=True)))
    else:
        yield repr(value)


def leaked(result: Any, tokens: set[str], ids: set[int], asked: Any = None) -> set[str]:
    """Hidden tokens and ids in ``result``. A string that is exactly one the caller passed in
    (``asked``) is an echo of the question (e.g. 'no lead LEAD-BC'), not data: skipped; data
    about a hidden incident still shows through its id and its derived numbers."""
    echoes = {leaf for leaf in leaves(asked) if isinstance(leaf, str)}
    found: set[str] = set()
    for leaf in leaves(result):
        if isinstance(leaf, str) and leaf not in echoes:
            found |= {t for t in tokens if t in leaf}
        elif isinstance(leaf, int | np.integer) and not isinstance(leaf, bool) and int(leaf) in ids:
            found.add(f"incident id {int(leaf)}")
    return found


# --- the store and the viewers ------------------------------------------------------------------


@pytest.fixture(scope="module", params=BACKENDS)
def world(request: pytest.FixtureRequest, store_makers: dict[str, object]) -> Iterator[World]:
    maker = _maker(store_makers, request.param)
    engine = maker.new_store()
    built = build_world(engine)
    yield built
    maker.drop(engine)


# Agency users are commanders and analysts (cgic_data.accounts gives lab directors and admins no
# agency); CGIC/lab staff see all agencies, so nothing is hidden from them: they must only get
# through every call without an error.
AGENCY_VIEWERS = [(role, agency) for agency in "AB" for role in (Role.COMMANDER, Role.ANALYST)]
LAB_WIDE_ROLES = [Role.LAB_DIRECTOR, Role.ADMIN]


def agency_viewer(world: World, role: Role, agency: str) -> Viewer:
    return Viewer(f"{role}-{agency}".replace(" ", "-"), role, world.agency_ids[agency])


def test_the_world_means_what_it_says(world: World) -> None:
    """The store encodes the intended sharing, as the ONE rule in scope.py reads it."""
    for agency in "ABC":
        viewer = agency_viewer(world, Role.ANALYST, agency)
        with world.engine.connect() as conn:
            seen = set(conn.execute(scoped_incident_ids(viewer, IncidentFilter())).scalars())
        assert seen == world.visible_to(agency)


def test_discovery_finds_the_query_functions() -> None:
    names = {label(fn) for fn in FUNCTIONS}
    assert {"queries.overview.period_counts", "queries.statewide.statewide_counts"} <= names
    assert all(
        fn.__module__.startswith(("cgic_data.queries", "cgic_data.metrics")) for fn in FUNCTIONS
    )


def refused(exc: Exception) -> bool:
    """A deliberate refusal: PermissionError, or a ValueError raised by cgic_data's own code
    (e.g. 'search terms need 3+ characters'), not one from deep inside pandas or SQLAlchemy."""
    if isinstance(exc, PermissionError):
        return True
    frames = traceback.extract_tb(exc.__traceback__)
    return isinstance(exc, ValueError) and "/cgic_data/" in frames[-1].filename


def run_all(
    fn: Callable[..., Any], world: World, viewer: Viewer, probes: Probes | None = None
) -> Iterator[tuple[dict[str, Any], Any]]:
    """(arguments, result) of every generated call; a refused call gives None, an error
    gives the exception (so one test reports every problem of a function at once)."""
    try:
        argument_sets = list(calls(fn, probes or Probes(world, viewer)))
    except NoProvider as missing:
        pytest.fail(
            f"{label(fn)}: no probe values for type {missing}; teach tests/test_scope_matrix.py "
            "(Probes.for_type) to make some"
        )
    for kwargs in argument_sets:
        try:
            yield kwargs, fn(world.engine, viewer, **kwargs)
        except Exception as exc:
            yield kwargs, None if refused(exc) else exc


@dataclass
class Examined:
    errors: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    found: set[str] = field(default_factory=set)  # every token found, in any call

    def report(self) -> str:
        return "\n".join([*self.errors, *self.leaks][:10])


def examine(
    fn: Callable[..., Any], world: World, viewer: Viewer, tokens: set[str], ids: set[int]
) -> Examined:
    """Run every generated call; collect errors, and calls whose result holds a token or id."""
    out = Examined()
    for kwargs, result in run_all(fn, world, viewer):
        if isinstance(result, Exception):
            out.errors.append(f"{kwargs} raised {type(result).__name__}: {result}")
        elif found := leaked(result, tokens, ids, kwargs):
            out.leaks.append(f"{kwargs} -> {sorted(found)}")
            out.found |= found
    return out


@pytest.mark.parametrize(("role", "agency"), AGENCY_VIEWERS, ids=lambda v: str(v).replace(" ", "-"))
@pytest.mark.parametrize("fn", FUNCTIONS, ids=label)
def test_agency_viewer_never_receives_what_no_shared_lead_justifies(
    fn: Callable[..., Any], role: Role, agency: str, world: World
) -> None:
    viewer = agency_viewer(world, role, agency)
    tokens, ids = world.hidden_from(agency)
    examined = examine(fn, world, viewer, tokens, ids)
    assert not (examined.errors or examined.leaks), f"{label(fn)} as {viewer}:\n{examined.report()}"


@pytest.mark.parametrize("role", LAB_WIDE_ROLES, ids=lambda r: str(r).replace(" ", "-"))
@pytest.mark.parametrize("fn", FUNCTIONS, ids=label)
def test_lab_wide_viewers_run_every_query(fn: Callable[..., Any], role: Role, world: World) -> None:
    viewer = Viewer(f"lab-{role}".replace(" ", "-"), role)
    examined = examine(fn, world, viewer, set(INCIDENTS), set())
    assert not examined.errors, f"{label(fn)} as {viewer}:\n{examined.report()}"
    # What lab staff receive shows that the probes reach the data (the matrix is not vacuous).
    REACHED.setdefault((world.engine.url.get_backend_name(), role), {})[label(fn)] = examined.found


REACHED: dict[tuple[str, Role], dict[str, set[str]]] = {}


def test_the_walk_finds_hidden_numbers_and_ids_but_not_echoes() -> None:
    frame = pd.DataFrame({"id": [900_004], "address": ["1 BX-0001 Street"], "n": [3]})
    assert leaked(frame, {"BX-0001", "CX-0001"}, {900_004}) == {"BX-0001", "incident id 900004"}
    assert leaked({"unknown": ["LEAD-BC"]}, {"LEAD-BC"}, set(), {"lead": "LEAD-BC"}) == set()


def text_filter_calls(fn: Callable[..., Any], probes: Probes) -> Iterator[dict[str, Any]]:
    """Calls where a text filter (a str parameter, or a dataclass's text field) holds a payload."""
    for kwargs in calls(fn, probes):
        if any(_holds_payload(value) for value in kwargs.values()):
            yield kwargs


def _holds_payload(value: Any) -> bool:
    if isinstance(value, str):
        return value in INJECTIONS
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return any(
            getattr(value, f.name) in (p, (p,))
            for f in dataclasses.fields(value)
            for p in INJECTIONS
        )
    return False


class InjectionProbes(Probes):
    def __init__(self, world: World, viewer: Viewer) -> None:
        super().__init__(world, viewer)
        self.texts = [INJECTIONS[0], *INJECTIONS]  # every text value is a payload


@pytest.mark.parametrize("fn", FUNCTIONS, ids=label)
def test_sql_injection_through_text_filters_finds_nothing_and_breaks_nothing(
    fn: Callable[..., Any], world: World
) -> None:
    every_number = set(INCIDENTS) | set(LEADS)
    every_id = set(world.incident_ids.values())
    problems = []
    for viewer in [Viewer("lab-admin", Role.ADMIN), agency_viewer(world, Role.ANALYST, "A")]:
        for kwargs in text_filter_calls(fn, InjectionProbes(world, viewer)):
            try:
                result = fn(world.engine, viewer, **kwargs)
            except Exception as exc:
                if not refused(exc):
                    problems.append(f"{kwargs} raised {type(exc).__name__}: {exc}")
                continue
            if found := leaked(result, every_number, every_id, kwargs):
                problems.append(f"{kwargs} as {viewer.username} -> {sorted(found)}")
    assert not problems, f"{label(fn)}:\n" + "\n".join(problems[:10])
    with world.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Incident)).scalar_one() == len(
            INCIDENTS
        )
        assert conn.execute(select(func.count()).select_from(AuditEntry)).scalar_one() == 0


def test_probes_reached_every_incident_for_lab_staff(world: World) -> None:
    """Across all functions, lab staff receive every incident: the probes reach the data, so the
    agency matrix is not vacuous. Reuses what the lab-wide tests saw; runs the rest itself (they
    ran on another worker, or were deselected)."""
    seen = REACHED.setdefault((world.engine.url.get_backend_name(), Role.LAB_DIRECTOR), {})
    viewer = Viewer("lab-lab-director", Role.LAB_DIRECTOR)
    for fn in FUNCTIONS:
        if label(fn) not in seen:
            seen[label(fn)] = examine(fn, world, viewer, set(INCIDENTS), set()).found
    assert set().union(*seen.values()) == set(INCIDENTS)
