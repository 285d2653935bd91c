"""Trace intelligence: where crime guns come from and how fast they reach crime.

Definitions (each figure counts **guns**, not trace requests: a gun traced more than once counts
once, by its most recent trace):

* A trace belongs to the agency whose incident recovered the gun (``Firearm.recovery_incident_id``)
  and is dated by that incident. A viewer sees the traces of the incidents they may see
  (``cgic_data.scope``): an agency sees its own and those of incidents shared with it by a lead.
  A gun with no recovery incident on file belongs to no agency and counts nowhere.
* **Time-to-crime** (TTC): whole days from first retail sale to recovery, as ATF reports it; when
  the trace carries no TTC it is derived from the purchase date and the recovery date (the gun's
  ``recovered_at``, else its recovery incident's date). A negative TTC (recovered before it was
  sold) or one that cannot be known (no TTC, no purchase date) is a **data error**: counted and
  reported, left out of every TTC figure, never a crash.
* Trafficking indicators, per gun: **short TTC** (0 to under 3 years, < 1,095 days); **purchaser
  not the possessor**; **out-of-state source** (dealer state is not ``HOME_STATE``); **obliterated
  serial**; **repeat purchaser** (the purchaser bought at least ``REPEAT_PURCHASER_MIN`` crime guns
  the viewer may see, any date); **repeat dealer** (the dealer sold at least
  ``REPEAT_DEALER_MIN`` visible crime guns recovered under 3 years after sale: a busy dealer's
  many old guns are no sign, quick ones are, as in ATF's dealer demand letters). An unknown value
  never raises an indicator.
* "Fired in shootings" narrows to guns recovered at a shooting or shots-fired incident, or linked
  to one by a NIBIN lead that was not excluded, the viewer may list (``lead_shown_to``) and whose
  casings or bullets came from a shooting the viewer may see.

Trace data is law-enforcement only, and aggregates shown beyond the owning agency suppress small
cells (``suppress_small_cells``). ATF's caveat goes with every figure (``ATF_CAVEAT``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import (
    CTE,
    ColumnElement,
    Engine,
    and_,
    case,
    exists,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.orm import aliased

from cgic_data.frames import query_frame
from cgic_data.metrics.suppression import count_with_own, suppress_small_cells
from cgic_data.schema import (
    Agency,
    EvidenceItem,
    Firearm,
    Incident,
    IncidentKind,
    ItemKind,
    LeadItem,
    LeadStatus,
    NibinLead,
    Trace,
)
from cgic_data.scope import (
    IncidentFilter,
    Viewer,
    incident_conditions,
    shared_lead_ids,
    visibility_condition,
)
from cgic_data.sqlfuncs import calendar_days_between

ATF_CAVEAT = (
    "Not all crime guns are traced, and traced guns are not a random sample of crime guns "
    "(ATF's standard caveat); trace data is for law-enforcement use in criminal investigations."
)
ATF_CAVEAT_SHORT = "ATF: not all crime guns are traced; traced guns are not a random sample."
HOME_STATE = "CT"
SHORT_TTC_DAYS = 3 * 365
REPEAT_PURCHASER_MIN = 2
REPEAT_DEALER_MIN = 3
SHOOTING_KINDS = (IncidentKind.SHOOTING, IncidentKind.SHOTS_FIRED)
SCENE_ITEM_KINDS = (ItemKind.CARTRIDGE_CASE, ItemKind.BULLET)  # what a gun leaves at a shooting

INDICATORS = {
    "short_ttc": "Short time-to-crime (< 3 years)",
    "not_possessor": "Purchaser is not the possessor",
    "out_of_state": "Out-of-state source",
    "obliterated": "Obliterated serial number",
    "repeat_purchaser": f"Purchaser of {REPEAT_PURCHASER_MIN}+ crime guns",
    "repeat_dealer": f"Dealer of {REPEAT_DEALER_MIN}+ crime guns under 3 years",
}


# --- the facts about each visible trace ----------------------------------------------------------


def latest_trace_only() -> ColumnElement[bool]:
    """True for a gun's most recent trace (later request, then higher id): one row per gun."""
    later = aliased(Trace)
    return ~exists().where(
        later.firearm_id == Trace.firearm_id,
        or_(
            later.requested_at > Trace.requested_at,
            and_(later.requested_at == Trace.requested_at, later.id > Trace.id),
        ),
    )


def lead_shown_to(viewer: Viewer, lead_id: Any) -> ColumnElement[bool]:
    """A lead the viewer may list: any for lab-wide viewers, else one touching their agency's
    incidents (``scope.shared_lead_ids``). Seeing two incidents does not show the lead between."""
    return true() if viewer.sees_all_agencies else lead_id.in_(shared_lead_ids(viewer.agency_id))


def fired_in_shootings(viewer: Viewer) -> ColumnElement[bool]:
    """Guns recovered at a shooting, or linked by a live lead to a shooting the viewer may see."""
    gun_item, shot_item = aliased(EvidenceItem), aliased(EvidenceItem)
    gun_link, shot_link = aliased(LeadItem), aliased(LeadItem)
    shot = aliased(Incident)
    linked = (
        select(gun_item.firearm_id)
        .join(gun_link, gun_link.item_id == gun_item.id)
        .join(NibinLead, NibinLead.id == gun_link.lead_id)
        .join(shot_link, shot_link.lead_id == gun_link.lead_id)
        .join(shot_item, shot_item.id == shot_link.item_id)
        .join(shot, shot.id == shot_item.incident_id)
        .where(
            gun_item.firearm_id.is_not(None),
            NibinLead.status != LeadStatus.EXCLUDED,
            lead_shown_to(viewer, NibinLead.id),
            shot.kind.in_(SHOOTING_KINDS),
            shot_item.kind.in_(SCENE_ITEM_KINDS),
            visibility_condition(viewer, shot),
        )
    )
    return or_(Incident.kind.in_(SHOOTING_KINDS), Firearm.id.in_(linked))


def recovered_at(
    gun: type[Firearm] = Firearm, incident: type[Incident] = Incident
) -> ColumnElement[Any]:
    """When the gun was recovered: its own date, else its recovery incident's (both joined)."""
    return func.coalesce(gun.recovered_at, incident.occurred_at)


def ttc_days(
    trace: type[Trace] = Trace, gun: type[Firearm] = Firearm, incident: type[Incident] = Incident
) -> ColumnElement[Any]:
    """Time-to-crime in days: ATF's figure, else purchase date → recovery date (see above)."""
    return func.coalesce(
        trace.time_to_crime_days,
        calendar_days_between(trace.purchase_date, recovered_at(gun, incident)),
    )


def _repeat_values(
    viewer: Viewer, column: str, minimum: int, candidates: Any, short_only: bool = False
) -> Any:
    """Values of trace ``column`` (purchaser, dealer) behind ``minimum``+ visible guns, any date
    (``short_only``: counting guns with a short time-to-crime only), among ``candidates`` (a
    one-column select of the values to check: those of the guns listed).

    Only the candidates' traces are grouped, reached through the column's index: a period's few
    purchasers and dealers, not every trace on file, whatever the period. Aliased tables: the
    subquery must not correlate with the outer query's traces.
    """
    trace, gun, incident = aliased(Trace), aliased(Firearm), aliased(Incident)
    value = getattr(trace, column)
    repeated = (
        select(value)
        .where(value.in_(candidates))
        .group_by(value)
        .having(func.count(func.distinct(trace.firearm_id)) >= minimum)
    )
    if viewer.sees_all_agencies and not short_only:
        return repeated  # every trace counts: no need to reach its gun and incident
    conditions = [visibility_condition(viewer, incident)]
    if short_only:
        ttc = ttc_days(trace, gun, incident)
        conditions += [ttc >= 0, ttc < SHORT_TTC_DAYS]
    return (
        repeated.join(gun, gun.id == trace.firearm_id)
        .join(incident, incident.id == gun.recovery_incident_id)
        .where(*conditions)
    )


FACT_COLUMNS = [
    "trace_id", "trace_number", "firearm_id", "incident_id", "agency_id", "owned", "recovered_at",
    "purchase_date", "ttc_days", "dealer_name", "dealer_ffl", "dealer_state", "purchaser_ref",
]  # fmt: skip


def trace_facts(
    viewer: Viewer, filt: IncidentFilter, fired_only: bool = False, indicators: bool = True
) -> CTE:
    """One row per visible traced gun in the filter: who owns it, its TTC and its indicators.

    Columns: trace_id, trace_number, firearm_id, incident_id, agency_id, owned (the viewer's own
    agency's gun; always true for lab-wide viewers), recovered_at, purchase_date, ttc_days,
    dealer_name, dealer_ffl, dealer_state, purchaser_ref, short_ttc, and (``indicators``) one
    boolean per ``INDICATORS`` key (short_ttc among them). Sources, dealers and time-to-crime need
    no indicators: without them the repeat purchaser and dealer checks are not run at all.

    Two steps, each MATERIALIZED (computed once): the guns with their own facts, then the
    indicators, whose repeat purchaser and dealer checks group only the listed guns' purchasers
    and dealers (``_repeat_values``). Inlined, every count of a flag re-ran the subqueries behind
    it; over every trace on file, a month's indicators cost as much as all dates'.
    """
    recovered = recovered_at()
    ttc = ttc_days()
    owned = true() if viewer.sees_all_agencies else Incident.agency_id == viewer.agency_id
    guns = (
        select(
            Trace.id.label("trace_id"),
            Trace.trace_number,
            Firearm.id.label("firearm_id"),
            Incident.id.label("incident_id"),
            Incident.agency_id,
            case((owned, True), else_=False).label("owned"),
            recovered.label("recovered_at"),
            Trace.purchase_date,
            ttc.label("ttc_days"),
            case((and_(ttc >= 0, ttc < SHORT_TTC_DAYS), True), else_=False).label("short_ttc"),
            Trace.dealer_name,
            Trace.dealer_ffl,
            func.upper(Trace.dealer_state).label("dealer_state"),
            Trace.purchaser_ref,
            Trace.purchaser_is_possessor,
            Firearm.serial_obliterated,
        )
        .join(Firearm, Firearm.id == Trace.firearm_id)
        .join(Incident, Incident.id == Firearm.recovery_incident_id)
        .where(
            incident_conditions(viewer, filt),
            latest_trace_only(),
            fired_in_shootings(viewer) if fired_only else true(),
        )
        .cte("traced_guns")
        .prefix_with("MATERIALIZED")
    )
    if not indicators:
        return guns
    g = guns.c
    flags = {
        "short_ttc": g.short_ttc.is_(True),
        "not_possessor": g.purchaser_is_possessor.is_(False),
        "out_of_state": and_(g.dealer_state.is_not(None), g.dealer_state != HOME_STATE),
        "obliterated": g.serial_obliterated.is_(True),
        "repeat_purchaser": g.purchaser_ref.in_(
            _repeat_values(viewer, "purchaser_ref", REPEAT_PURCHASER_MIN, select(g.purchaser_ref))
        ),
        "repeat_dealer": g.dealer_ffl.in_(
            _repeat_values(
                viewer, "dealer_ffl", REPEAT_DEALER_MIN, select(g.dealer_ffl), short_only=True
            )
        ),
    }
    stmt = select(
        *(g[column] for column in FACT_COLUMNS),
        *(case((flag, True), else_=False).label(key) for key, flag in flags.items()),
    )
    return stmt.cte("trace_facts").prefix_with("MATERIALIZED")


def frame_of(engine: Engine, stmt: Any) -> pd.DataFrame:
    return query_frame(engine, stmt)


# --- sources: states and dealers -----------------------------------------------------------------


@dataclass(frozen=True)
class Sources:
    """Where the guns were first sold. split: source (in state / out of state / unknown), guns,
    share; states: dealer_state, guns, short_ttc, in_state; both suppressed."""

    split: pd.DataFrame
    states: pd.DataFrame


def sources(
    engine: Engine, viewer: Viewer, filt: IncidentFilter, fired_only: bool = False
) -> Sources:
    """Source states of the visible traced guns: in state (``HOME_STATE``) vs out of state."""
    facts = trace_facts(viewer, filt, fired_only, indicators=False)
    guns, guns_own = count_with_own(true(), facts.c.owned)
    short, short_own = count_with_own(facts.c.short_ttc, facts.c.owned)
    states = frame_of(
        engine,
        select(
            facts.c.dealer_state,
            guns.label("guns"),
            guns_own.label("guns_own"),
            short.label("short_ttc"),
            short_own.label("short_own"),
        )
        .group_by(facts.c.dealer_state)
        .order_by(guns.desc(), facts.c.dealer_state),
    )
    states["in_state"] = states["dealer_state"] == HOME_STATE
    labels = {True: f"In state ({HOME_STATE})", False: "Out of state"}
    source = states["in_state"].map(labels).where(states["dealer_state"].notna(), "Unknown state")
    split = (
        states.assign(source=source)
        .groupby("source", as_index=False)[["guns", "guns_own"]]
        .sum()
        .set_index("source")
        .reindex([*labels.values(), "Unknown state"], fill_value=0)
        .reset_index()
    )
    split["share"] = split["guns"] / max(int(split["guns"].sum()), 1)
    return Sources(
        split=suppress_small_cells(split, viewer, {"guns": "guns_own"}, {"share": "guns"}),
        states=suppress_small_cells(
            states[states["dealer_state"].notna()].reset_index(drop=True),
            viewer,
            {"guns": "guns_own", "short_ttc": "short_own"},
        ),
    )


def top_dealers(
    engine: Engine,
    viewer: Viewer,
    filt: IncidentFilter,
    fired_only: bool = False,
    limit: int = 15,
) -> pd.DataFrame:
    """Dealers (FFLs) with the most visible traced guns: dealer_ffl, dealer_name, dealer_state,
    guns, short_ttc (sold under 3 years before recovery), suppressed (then not ranked)."""
    facts = trace_facts(viewer, filt, fired_only, indicators=False)
    guns, guns_own = count_with_own(true(), facts.c.owned)
    short, short_own = count_with_own(facts.c.short_ttc, facts.c.owned)
    frame = frame_of(
        engine,
        select(
            facts.c.dealer_ffl,
            func.max(facts.c.dealer_name).label("dealer_name"),
            func.max(facts.c.dealer_state).label("dealer_state"),
            guns.label("guns"),
            guns_own.label("guns_own"),
            short.label("short_ttc"),
            short_own.label("short_own"),
        )
        .where(facts.c.dealer_ffl.is_not(None))
        .group_by(facts.c.dealer_ffl)
        .order_by(guns.desc(), short.desc(), facts.c.dealer_ffl)
        .limit(limit),
    )
    return suppress_small_cells(frame, viewer, {"guns": "guns_own", "short_ttc": "short_own"})


# --- trafficking indicators ----------------------------------------------------------------------


def indicator_counts(
    engine: Engine, viewer: Viewer, filt: IncidentFilter, fired_only: bool = False
) -> pd.DataFrame:
    """Per indicator (see ``INDICATORS``): guns showing it and their share of the traced guns;
    a last row counts guns with at least one indicator. Columns: indicator, key, guns, share."""
    facts = trace_facts(viewer, filt, fired_only)
    any_flag = or_(*(facts.c[key] for key in INDICATORS))
    columns: list[Any] = []
    for key, flag in [
        ("traced", true()),
        *((k, facts.c[k]) for k in INDICATORS),
        ("any", any_flag),
    ]:
        count, own = count_with_own(flag, facts.c.owned)
        columns += [count.label(key), own.label(f"{key}_own")]
    row = frame_of(engine, select(*columns)).iloc[0]
    labels = {**INDICATORS, "any": "Any indicator"}
    frame = pd.DataFrame(
        [
            {
                "indicator": label,
                "key": key,
                "guns": int(row[key]),
                "guns_own": int(row[f"{key}_own"]),
                "share": row[key] / row["traced"] if row["traced"] else float("nan"),
            }
            for key, label in labels.items()
        ]
    )
    return suppress_small_cells(frame, viewer, {"guns": "guns_own"}, {"share": "guns"})


# --- trace coverage: recovered guns traced, NIBIN entries never traced ---------------------------


def _traced() -> ColumnElement[bool]:
    return exists().where(Trace.firearm_id == Firearm.id)


def _nibin_entered() -> ColumnElement[bool]:
    return exists().where(
        EvidenceItem.firearm_id == Firearm.id, EvidenceItem.nibin_entered_at.is_not(None)
    )


def trace_coverage(engine: Engine, viewer: Viewer, filt: IncidentFilter) -> pd.DataFrame:
    """Per agency: recovered crime guns, how many were traced (``traced_share``), how many had
    test fires entered into NIBIN and how many of those have no trace on file. Other agencies'
    rows are suppressed for an agency viewer like any aggregate beyond its own agency."""
    traced, entered = _traced(), _nibin_entered()
    own = true() if viewer.sees_all_agencies else Incident.agency_id == viewer.agency_id
    measures = {
        "recovered": true(),
        "traced": traced,
        "nibin_entered": entered,
        "nibin_untraced": and_(entered, ~traced),
    }
    columns: list[Any] = []
    for key, flag in measures.items():
        count, own_count = count_with_own(flag, own)
        columns += [count.label(key), own_count.label(f"{key}_own")]
    frame = frame_of(
        engine,
        select(Agency.name.label("agency"), *columns)
        .select_from(Firearm)
        .join(Incident, Incident.id == Firearm.recovery_incident_id)
        .join(Agency, Agency.id == Incident.agency_id)
        .where(incident_conditions(viewer, filt))
        .group_by(Agency.id, Agency.name)
        .order_by(func.count().desc(), Agency.name),
    )
    frame["traced_share"] = frame["traced"] / frame["recovered"]
    frame["untraced_share"] = frame["nibin_untraced"] / frame["nibin_entered"].where(
        frame["nibin_entered"] > 0
    )
    return suppress_small_cells(
        frame,
        viewer,
        {key: f"{key}_own" for key in measures},
        {"traced_share": "recovered", "untraced_share": "nibin_entered"},
    )


def untraced_condition() -> ColumnElement[bool]:
    """A recovered gun with test fires in NIBIN and no trace on file (the gap to close)."""
    return and_(_nibin_entered(), ~_traced())
