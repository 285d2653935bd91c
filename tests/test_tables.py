"""Shown tables (cgic_ui/tables.py): an incident whose source gave a date only reads as a date."""

from datetime import datetime

import pandas as pd

from cgic_ui.tables import _dates_alone_where_time_unknown


def test_a_date_only_incident_shows_no_time_and_the_flag_is_not_a_column() -> None:
    frame = pd.DataFrame(
        {
            "incident_number": ["I1", "I2"],
            "occurred_at": [datetime(2025, 6, 1), datetime(2025, 6, 2, 22, 5)],
            "time_known": [False, True],
        }
    )
    shown = _dates_alone_where_time_unknown(frame)
    assert shown["occurred_at"].tolist() == ["2025-06-01", "2025-06-02 22:05"]
    assert "time_known" not in shown.columns
    untouched = frame.drop(columns="time_known")
    assert _dates_alone_where_time_unknown(untouched) is untouched
