"""Town names in feed rows: villages and sections become their town; the agency rule follows.

The one place a row's town name is settled, for every feed with a town column (incidents'
``town``, agencies' ``home_town``): ``settle`` runs once per mapped row, before typing
(``validate._check_row``), so everything after it — typing, plausibility, the store lookup,
exports — sees the town. It

* replaces a village, section or former borough with its town (``cgic_data/places.py``:
  Willimantic -> Windham); a place in several towns takes the town its coordinates fall in, and
  without usable coordinates the row is rejected (a bad value: a town never arrives later);
* keeps the name the row gave in ``city`` when that is empty (the incidents feed);
* fills the columns a mapping derives from the town (``from_town``: the agency rule), e.g.
  ``agency_code: {from_town: {Windham: CT0157000, Hartford: CT0064000}}`` or
  ``agency_name: {from_town: "{town} Police Department"}``.

Rows in another state keep their names (Riverside CA is not Riverside in Greenwich).
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cgic_data.feeds.formats import Feed, Reference
from cgic_data.feeds.problems import Problem, ProblemKind, shown
from cgic_data.places import AmbiguousPlace, town_of, towns_by_key
from cgic_data.towns import towns_state

if TYPE_CHECKING:
    from cgic_data.feeds.mapping import ColumnRule, Mapper

TEMPLATE_FIELDS = ("town", "TOWN")  # {town}: as the towns list spells it; {TOWN}: upper case


def town_reference(target: Feed) -> Reference | None:
    """The feed's town reference (one column naming a town), if it has one."""
    return next((r for r in target.references if r.target == "town"), None)


def check_from_town(target: Feed, column: str, spec: str | dict[str, Any]) -> None:
    """A ``from_town`` rule is checked when the mapping is read (ValueError: what is wrong)."""
    ref = town_reference(target)
    if ref is None:
        raise ValueError(f"columns.{column}.from_town: the {target.name} feed has no town column")
    if column in ref.columns:
        raise ValueError(f"columns.{column}.from_town: the town cannot come from itself")
    if isinstance(spec, str):
        named = [f for _, f, _, _ in string.Formatter().parse(spec) if f is not None]
        if not named or set(named) - set(TEMPLATE_FIELDS):
            raise ValueError(
                f"columns.{column}.from_town: a template naming {{town}} or {{TOWN}} only "
                f"(e.g. '{{town}} Police Department'), not {spec!r}"
            )
        return
    towns = set(towns_by_key().values())
    for key in spec:
        if town_of(str(key)) not in towns:
            raise ValueError(
                f"columns.{column}.from_town: {key!r} is not a Connecticut town (see `cgic towns`)"
            )


@dataclass
class TownNames:
    """How one import settles town names (built once per file from its mapper)."""

    column: str  # our town column
    keep_as: str | None  # where the name the row gave is kept (incidents: city)
    state_column: str | None
    label: str  # the town column as a rejects report names it
    labels: dict[str, str]  # the derived columns as a rejects report names them
    derived: dict[str, ColumnRule]  # our columns filled from the town (from_town rules)
    tables: dict[str, dict[str, Any]]  # from_town lookup tables: casefolded town -> value

    def settle(self, values: dict[str, Any], line: int) -> list[Problem]:
        """Resolve the row's town in place; problems for a place the row cannot pin down."""
        given = values.get(self.column)
        if isinstance(given, str) and given.strip() and self._in_state(values):
            try:
                town = town_of(
                    given.strip(), _number(values.get("lat")), _number(values.get("lon"))
                )
            except AmbiguousPlace as exc:
                towns = ", ".join(exc.place.towns)
                expected = (
                    f"one town: {exc.place.name} lies in {towns} — give coordinates (lat/lon) "
                    f"inside one of them, or the town itself ({exc.why})"
                )
                return [Problem(line, self.label, shown(given), expected, ProblemKind.VALUE)]
            if town != given.strip():
                values[self.column] = town
                if self.keep_as and not _text(values.get(self.keep_as)):
                    values[self.keep_as] = given.strip()
        return self._derive(values, line)

    def _in_state(self, values: dict[str, Any]) -> bool:
        state = values.get(self.state_column) if self.state_column else None
        return not _text(state) or str(state).strip().upper() == towns_state()

    def _derive(self, values: dict[str, Any], line: int) -> list[Problem]:
        problems = []
        town = _text(values.get(self.column))
        for ours, rule in self.derived.items():
            spec = rule.from_town
            if not town:
                values[ours] = rule.default
            elif isinstance(spec, str):
                values[ours] = spec.format(town=town, TOWN=town.upper())
            else:
                found = self.tables[ours].get(town.casefold(), rule.default)
                if found is None:
                    expected = (
                        f"a town the mapping's from_town table for {ours} names "
                        f"({', '.join(map(str, spec or {}))}), or a `default`"
                    )
                    problems.append(
                        Problem(line, self.labels[ours], shown(town), expected, ProblemKind.VALUE)
                    )
                values[ours] = found
        return problems


def town_names(target: Feed, mapper: Mapper) -> TownNames | None:
    """The settling of ``target``'s town column under ``mapper`` (None: the feed has none)."""
    ref = town_reference(target)
    if ref is None:
        return None
    column = ref.columns[0]
    derived = {o: r for o, r in mapper.rules.items() if r.from_town is not None}
    label = mapper.label(column) if column in mapper.rules else column
    tables = {
        o: {town_of(str(k)).casefold(): v for k, v in r.from_town.items()}  # type: ignore[union-attr]
        for o, r in derived.items()
        if isinstance(r.from_town, dict)
    }
    labels = {o: mapper.label(o) for o in derived}
    return TownNames(column, ref.keep_as, ref.state_column, label, labels, derived, tables)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ("" if value is None else str(value))


def _number(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None  # a bad coordinate is reported by typing
