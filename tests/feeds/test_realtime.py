"""Real time: a lead imported now is on the overview within CGIC_CACHE_TTL (60 s).

The app's queries run through ``cgic_ui.runtime.cached`` (st.cache_data with that TTL). This runs
the real cached overview query in a fresh Python process with Streamlit's cache clock replaced by
a fake one (``cache_utils.TTLCACHE_TIMER``, the hook Streamlit exposes for this), imports a lead
file from another connection — as ``cgic watch`` would — and reads the overview again as time
passes: the cached figure holds for up to 60 s, then the new lead shows.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from tests.apptest import store_url
from tests.factory import Builder

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, sys
from datetime import date
from streamlit.runtime.caching import cache_utils

clock = [1000.0]
cache_utils.TTLCACHE_TIMER = lambda: clock[0]  # before any cache exists

from cgic_data.feeds.load import import_file
from cgic_data.queries.overview import period_counts
from cgic_data.scope import IncidentFilter, Viewer
from cgic_data.store import make_engine
from cgic_ui.runtime import cached

viewer, filt = Viewer.system("tester"), IncidentFilter(start=date(2025, 6, 1), end=date(2025, 6, 30))
seen = [cached(period_counts, viewer, filt).leads_issued]
result = import_file(make_engine(sys.argv[1]), "nibin_leads", sys.argv[2])
seen.append(cached(period_counts, viewer, filt).leads_issued)  # at once: still cached
for step in (30, 29, 2):  # 30 s, 59 s, 61 s after the first read
    clock[0] += step
    seen.append(cached(period_counts, viewer, filt).leads_issued)
print(json.dumps({"status": result.status, "seen": seen}))
"""


def test_an_imported_lead_is_on_the_overview_within_the_cache_ttl(
    engine: Engine, tmp_path: Path
) -> None:
    b = Builder(engine)
    incident = b.incident(b.agency("CT1"), datetime(2025, 6, 1, 22))
    b.item(incident, number="I-1")
    b.item(incident, number="I-2")
    leads = tmp_path / "nibin_leads.csv"
    leads.write_text(
        "lead_number,issued_at,status,item_numbers\nNL-1,2025-06-03T09:00,open,I-1;I-2\n"
    )
    env = {
        **os.environ,
        "CGIC_DATABASE_URL": store_url(engine),
        "CGIC_DEMO_ON_EMPTY": "never",
        "CGIC_CACHE_TTL": "60",
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, store_url(engine), str(leads)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome == {"status": "ok", "seen": [0, 0, 0, 0, 1]}
