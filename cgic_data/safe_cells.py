"""Neutralising spreadsheet formulas in exported text ("CSV injection", OWASP), reversibly.

Text in the store comes from outside systems. A cell such as ``=HYPERLINK("http://…","x")`` or
``=cmd|' /C calc'!A0`` in a CSV, workbook or HTML table that someone opens in a spreadsheet runs
as a formula. OWASP's rule: a text cell that starts with ``=``, ``+``, ``-``, ``@``, tab or carriage
return gets a leading ``'``, which spreadsheets read as "this is text". Only text is touched:
numbers stay numbers (a numeric column, -72.7, is never prefixed), but the text "-5" is.

The rule also prefixes text that already starts with quotes followed by a trigger (``'=x`` becomes
``''=x``), so ``restore`` (one quote off whatever starts with quotes and then a trigger) undoes it
exactly: ``cgic import`` of a ``cgic export`` gives back every original value. ``defusedcsv`` was
considered: it covers only the csv module (not pandas, openpyxl or HTML), leaves tab, carriage
return and "-5" alone and rewrites ``|`` inside values, so its output cannot be read back exactly.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
from pandas.api import types

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NEUTRALISE = re.compile(r"'*[=+\-@\t\r]")
_RESTORE = re.compile(r"'+[=+\-@\t\r]")


def neutralise(text: str) -> str:
    """``text`` as a spreadsheet will show it and never run it (see the module docstring)."""
    return f"'{text}" if _NEUTRALISE.match(text) else text


def restore(text: str) -> str:
    """The original of a ``neutralise``-d text: one leading quote off, only where it added one."""
    return text[1:] if _RESTORE.match(text) else text


def neutralise_cell(value: Any) -> Any:
    """A text value neutralised; anything else (numbers, dates, missing) as it is."""
    return neutralise(value) if isinstance(value, str) else value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` ready to leave the app: every text cell and column name neutralised.

    Numeric, boolean and date-time columns are left as they are (a column of numbers stays
    numbers in the file); other columns may mix text with other values, so only text changes."""
    out = frame.copy()
    for position, dtype in enumerate(frame.dtypes):
        if not (
            types.is_numeric_dtype(dtype)
            or types.is_bool_dtype(dtype)
            or types.is_datetime64_any_dtype(dtype)
            or types.is_timedelta64_dtype(dtype)
        ):
            out.isetitem(position, frame.iloc[:, position].map(neutralise_cell))
    out.columns = [neutralise_cell(name) for name in frame.columns]
    return out
