"""How long does a weekly briefing take to build on a large store?

usage: .venv/bin/python bench/briefing_build.py [--scale 10] [--store PATH] [--agency CODE]

Seeds a SQLite store with the demo generator at ``--scale`` (10: about 8,000 incidents a year,
three years; skipped when ``--store`` already holds data), then times, for the last whole week
before the store's "today": the lab-wide briefing's data (``queries.briefing.weekly_briefing``), its
HTML and its PDF (WeasyPrint), and the same for one agency (``--agency``, default the agency with
the most incidents). Nothing here is a test; timings are printed, not asserted.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from cgic_data.briefing_cli import default_week  # noqa: E402
from cgic_data.briefing_render import briefing_html, html_to_pdf  # noqa: E402
from cgic_data.queries.briefing import generated_now, weekly_briefing  # noqa: E402
from cgic_data.schema import Agency, Incident, Role  # noqa: E402
from cgic_data.scope import Viewer  # noqa: E402
from cgic_data.store import make_engine, reference_day, store_info  # noqa: E402


def timed(label: str, work):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = work()
    print(f"  {label:<6} {time.perf_counter() - started:6.2f} s")
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=10)
    parser.add_argument("--store", type=Path, default=None, help="a SQLite file to (re)use")
    parser.add_argument("--agency", default=None, help="agency code (default: the busiest)")
    args = parser.parse_args()
    path = args.store or Path(tempfile.mkdtemp()) / "briefing-bench.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    from cgic_data.demo import seed_demo
    from cgic_data.store import prepare

    prepare(engine)
    with engine.connect() as conn:
        incidents = conn.execute(select(func.count()).select_from(Incident)).scalar_one()
    if not incidents:
        print(f"seeding a scale-{args.scale:g} demo store at {path} …")
        started = time.perf_counter()
        seed_demo(engine, seed=1, scale=args.scale)
        print(f"  seeded in {time.perf_counter() - started:.0f} s")
        with engine.connect() as conn:
            incidents = conn.execute(select(func.count()).select_from(Incident)).scalar_one()
    week = default_week(reference_day(store_info(engine)))
    with engine.connect() as conn:
        busiest = conn.execute(
            select(Agency.id, Agency.code)
            .join(Incident, Incident.agency_id == Agency.id)
            .where(Agency.code == args.agency if args.agency else Agency.id.is_not(None))
            .group_by(Agency.id, Agency.code)
            .order_by(func.count().desc())
        ).first()
    print(f"store: {incidents:,} incidents; week of {week}")
    lab = Viewer("bench", Role.LAB_DIRECTOR)
    for name, agency_id in [("lab-wide", None), (busiest.code, busiest.id)]:
        print(f"{name} briefing:")
        briefing = timed("data", lambda a=agency_id: weekly_briefing(engine, lab, week, a))
        html = timed("html", lambda b=briefing: briefing_html(b, generated_at=generated_now()))
        pdf = timed("pdf", lambda h=html: html_to_pdf(h))
        print(
            f"  {len(briefing.leads)} leads, {len(briefing.series)} series, "
            f"{len(html) // 1024} KB HTML, {len(pdf) // 1024} KB PDF"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
