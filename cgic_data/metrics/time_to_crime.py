"""Time-to-crime: days from a gun's first retail sale to its recovery in a crime, as figures.

Definitions (the traces counted, their TTC and the data errors are those of
``cgic_data.metrics.traces``): a TTC is **usable** when it is known and not negative; every
figure here (median in years, share under 3 years, histogram) is over usable TTCs only. Negative
and unknown TTCs and unknown purchase dates are data errors, counted in ``quality`` per issue (a
trace can have two). Figures are per agency (the agency that recovered the gun) and per month of
recovery, and each frame is suppressed for agency viewers (``metrics.suppression``).

A short TTC (under ``SHORT_TTC_DAYS``, three years) is ATF's classic sign of trafficking; the CT
average in 2023 was 9.6 years (US 6.8).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select

from cgic_data.metrics.suppression import suppress_small_cells
from cgic_data.metrics.traces import SHORT_TTC_DAYS, frame_of, trace_facts
from cgic_data.schema import Agency
from cgic_data.scope import IncidentFilter, Viewer
from cgic_data.sqlfuncs import month_start

DAYS_PER_YEAR = 365.25  # for medians shown in years
DAYS_PER_BIN = 365  # histogram bins of 365 days, so bin 3 starts exactly at SHORT_TTC_DAYS
HISTOGRAM_LAST_YEAR = 20  # whole-year bins 0..19, then one "20+ years" bin


@dataclass(frozen=True)
class TimeToCrime:
    """TTC figures over usable values only (see the module docstring), each frame suppressed.

    overall: one row (guns, usable, median_years, under_3y_share); by_agency: agency, guns,
    usable, median_years, under_3y_share; by_month: month, usable, median_years, under_3y_share;
    histogram: years_from (0..20; 20 means 20+), label, guns, short; quality: issue, traces.
    """

    overall: pd.DataFrame
    by_agency: pd.DataFrame
    by_month: pd.DataFrame
    histogram: pd.DataFrame
    quality: pd.DataFrame


def _usable(values: pd.DataFrame) -> pd.Series:
    """Rows whose TTC is known and not negative (a plain boolean mask, no NA)."""
    return values["ttc_days"].ge(0).fillna(False).astype(bool)


def _ttc_summary(values: pd.DataFrame) -> dict[str, float | int]:
    usable = values.loc[_usable(values), "ttc_days"].astype(float)
    return {
        "guns": len(values),
        "guns_own": int(values["owned"].sum()),
        "usable": len(usable),
        "usable_own": int((_usable(values) & values["owned"]).sum()),
        "median_years": usable.median() / DAYS_PER_YEAR if len(usable) else float("nan"),
        "under_3y_share": (usable < SHORT_TTC_DAYS).mean() if len(usable) else float("nan"),
    }


def _summarise_by(values: pd.DataFrame, key: str) -> pd.DataFrame:
    """``_ttc_summary`` per ``key``, in one grouped pass (a loop over groups cost a second on a
    large store): the same figures, pandas' own median and mean over the usable TTCs."""
    usable = _usable(values)
    days = pd.Series(
        values["ttc_days"].to_numpy(dtype=float, na_value=np.nan), index=values.index
    ).where(usable)
    parts = pd.DataFrame(
        {
            key: values[key],
            "owned": values["owned"],
            "usable": usable,
            "usable_own": usable & values["owned"],
            "days": days,
            "short": (days < SHORT_TTC_DAYS).astype(float).where(usable),
        }
    )
    out = (
        parts.groupby(key, sort=True)
        .agg(
            guns=("owned", "size"),
            guns_own=("owned", "sum"),
            usable=("usable", "sum"),
            usable_own=("usable_own", "sum"),
            median_days=("days", "median"),
            under_3y_share=("short", "mean"),
        )
        .reset_index()
    )
    out["median_years"] = out["median_days"] / DAYS_PER_YEAR
    columns = [key, "guns", "guns_own", "usable", "usable_own", "median_years", "under_3y_share"]
    counts = ["guns", "guns_own", "usable", "usable_own"]
    return out[columns].astype(dict.fromkeys(counts, int))


TTC_COUNTS = {"guns": "guns_own", "usable": "usable_own"}
TTC_DEPENDENTS = {"median_years": "usable", "under_3y_share": "usable"}


def ttc_values(
    engine: Engine, viewer: Viewer, filt: IncidentFilter, fired_only: bool = False
) -> pd.DataFrame:
    """One row per traced gun in scope: agency, month (of recovery), ttc_days (NA when unknown),
    owned (the viewer's agency's own), no_purchase_date; every TTC figure comes from these."""
    facts = trace_facts(viewer, filt, fired_only)
    values = frame_of(
        engine,
        select(
            Agency.name.label("agency"),
            month_start(facts.c.recovered_at).label("month"),
            facts.c.ttc_days,
            facts.c.owned,
            facts.c.purchase_date.is_(None).label("no_purchase_date"),
        ).join(Agency, Agency.id == facts.c.agency_id),
    )
    values = values.astype({"owned": bool, "no_purchase_date": bool, "ttc_days": "Float64"})
    return values


def time_to_crime(
    engine: Engine, viewer: Viewer, filt: IncidentFilter, fired_only: bool = False
) -> TimeToCrime:
    """Time-to-crime distribution, per agency and per month of recovery, with data errors counted.

    One narrow row per gun comes back (``ttc_values``, scoped and filtered in SQL) and feeds
    every TTC figure: the histogram and the data-error counts need the rows anyway, and pandas
    takes each grouping's medians in one pass.
    """
    values = ttc_values(engine, viewer, filt, fired_only)
    overall = pd.DataFrame([_ttc_summary(values)])
    by_agency = _summarise_by(values, "agency").sort_values("guns", ascending=False)
    by_month = _summarise_by(values, "month")
    by_month["month"] = pd.to_datetime(by_month["month"])
    return TimeToCrime(
        overall=suppress_small_cells(overall, viewer, TTC_COUNTS, TTC_DEPENDENTS),
        by_agency=suppress_small_cells(
            by_agency.reset_index(drop=True), viewer, TTC_COUNTS, TTC_DEPENDENTS
        ),
        by_month=suppress_small_cells(
            by_month.drop(columns=["guns", "guns_own"]),
            viewer,
            {"usable": "usable_own"},
            TTC_DEPENDENTS,
        ),
        histogram=suppress_small_cells(
            _histogram(values), viewer, {"guns": "guns_own"}, {"share": "guns"}
        ),
        quality=suppress_small_cells(_quality(values), viewer, {"traces": "traces_own"}),
    )


def _histogram(values: pd.DataFrame) -> pd.DataFrame:
    """Usable TTCs in whole-year bins (0 = under one year), the last bin open-ended."""
    usable = values[_usable(values)]
    years = (usable["ttc_days"] // DAYS_PER_BIN).clip(upper=HISTOGRAM_LAST_YEAR).astype(int)
    bins = pd.DataFrame({"years_from": range(HISTOGRAM_LAST_YEAR + 1)})
    bins["label"] = [f"{y}–{y + 1}" for y in range(HISTOGRAM_LAST_YEAR)] + [
        f"{HISTOGRAM_LAST_YEAR}+"
    ]
    bins["guns"] = bins["years_from"].map(years.value_counts()).fillna(0).astype(int)
    bins["guns_own"] = (
        bins["years_from"].map(years[usable["owned"]].value_counts()).fillna(0).astype(int)
    )
    bins["share"] = bins["guns"] / max(len(usable), 1)
    bins["short"] = bins["years_from"] * DAYS_PER_BIN < SHORT_TTC_DAYS
    return bins


QUALITY_ISSUES = {
    "negative": "Negative time-to-crime (recovered before the sale date)",
    "missing": "No time-to-crime (none reported, purchase date unknown)",
    "no_purchase_date": "Purchase date unknown",
}


def _quality(values: pd.DataFrame) -> pd.DataFrame:
    """Data errors: counted per issue (a trace may have two), left out of TTC figures."""
    masks = {
        "negative": values["ttc_days"].lt(0).fillna(False).astype(bool),
        "missing": values["ttc_days"].isna(),
        "no_purchase_date": values["no_purchase_date"],
    }
    rows = [
        {
            "issue": QUALITY_ISSUES[key],
            "traces": int(mask.sum()),
            "traces_own": int((mask & values["owned"]).sum()),
        }
        for key, mask in masks.items()
    ]
    return pd.DataFrame(rows, columns=["issue", "traces", "traces_own"])
