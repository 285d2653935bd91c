"""What a NIBIN lead is, in words: the one place the lead labels are spelled.

A lead is an *investigative lead — not a forensic identification* until a firearms examiner
confirms it (a hit) or excludes it; every page, packet and export that shows an unconfirmed lead
uses ``UNCONFIRMED_LABEL`` from here, so the wording cannot drift between them.
"""

from __future__ import annotations

from cgic_data.schema import LeadStatus

UNCONFIRMED_LABEL = "investigative lead — not a forensic identification"
CONFIRMED_LABEL = "confirmed hit — examiner identification"
EXCLUDED_LABEL = "excluded — examiner found no match"


def lead_label(status: LeadStatus | str) -> str:
    """What a lead is, in words: investigative until an examiner confirms (or excludes) it."""
    if status == LeadStatus.CONFIRMED:
        return CONFIRMED_LABEL
    if status == LeadStatus.EXCLUDED:
        return EXCLUDED_LABEL
    return UNCONFIRMED_LABEL
