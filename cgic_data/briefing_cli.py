"""``cgic briefing``: write weekly briefings to a folder, for a site's scheduler and mail system.

    cgic briefing --agency CTZ002000 --week 2026-W48 --out /srv/cgic/briefings
    cgic briefing --agency all --out /srv/cgic/briefings      # every agency and the lab-wide one

Without ``--week`` it is the last whole ISO week before the store's "today" (a Monday cron job
briefs the week just ended). Each agency's briefing is built as that agency's commander sees it
(``queries.briefing.briefing_viewer``); ``--agency lab`` is the lab-wide one. Every file written
is an audited ``export`` by ``cli:<operating-system user>``.
"""

from __future__ import annotations

import argparse
import getpass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, or_, select

from cgic_data import audit
from cgic_data.briefing_render import briefing_file_stem, briefing_html, html_to_pdf
from cgic_data.queries.briefing import generated_now, parse_week, weekly_briefing
from cgic_data.schema import Agency, Incident
from cgic_data.scope import Viewer

FORMATS = ("html", "pdf")
LAB_WIDE = "lab"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "briefing",
        help="write weekly briefings (HTML and PDF) for an agency, all agencies or the lab",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    parser.add_argument(
        "--agency",
        action="append",
        required=True,
        help="agency code or name; 'lab' for the lab-wide briefing; 'all' for every agency "
        "with incidents and the lab-wide one (repeatable)",
    )
    parser.add_argument("--week", help="ISO week such as 2026-W48 (default: the last whole week)")
    parser.add_argument("--out", required=True, type=Path, help="folder to write the files to")
    parser.add_argument(
        "--format",
        choices=[*FORMATS, "both"],
        default="both",
        help="file format (default: both HTML and PDF)",
    )
    parser.add_argument("--database-url", default=None, help="default: CGIC_DATABASE_URL")
    parser.set_defaults(func=run)


def default_week(today: date) -> date:
    """The Monday of the last whole ISO week before ``today``."""
    return today - timedelta(days=today.weekday() + 7)


def agencies_asked(engine: Engine, asked: list[str]) -> list[int | None]:
    """Agency ids (None: lab-wide) for the ``--agency`` values, in order, without repeats."""
    chosen: list[int | None] = []
    with engine.connect() as conn:
        for text in asked:
            wanted = text.strip().lower()
            if wanted == LAB_WIDE:
                found: list[int | None] = [None]
            elif wanted == "all":
                with_incidents = select(Incident.agency_id).distinct()
                found = [
                    *conn.execute(
                        select(Agency.id).where(Agency.id.in_(with_incidents)).order_by(Agency.code)
                    ).scalars(),
                    None,
                ]
            else:
                ids = list(
                    conn.execute(
                        select(Agency.id).where(
                            or_(
                                func.lower(Agency.code) == wanted, func.lower(Agency.name) == wanted
                            )
                        )
                    ).scalars()
                )
                if len(ids) != 1:
                    raise ValueError(f"no single agency with the code or name {text!r}")
                found = [ids[0]]
            chosen += [a for a in found if a not in chosen]
    return chosen


def run(args: argparse.Namespace) -> int:
    from cgic_data.store import is_demo, make_engine, prepare, reference_day, store_info

    engine = make_engine(args.database_url)
    prepare(engine)
    week = parse_week(args.week) if args.week else default_week(reference_day(store_info(engine)))
    formats = FORMATS if args.format == "both" else (args.format,)
    actor = Viewer.system(f"cli:{getpass.getuser()}")
    demo = is_demo(engine)
    args.out.mkdir(parents=True, exist_ok=True)
    for agency_id in agencies_asked(engine, args.agency):
        briefing = weekly_briefing(engine, actor, week, agency_id)
        html = briefing_html(briefing, generated_at=generated_now(), demo=demo)
        stem = briefing_file_stem(briefing)
        for fmt in formats:
            path = args.out / f"{stem}.{fmt}"
            path.write_bytes(html.encode("utf-8") if fmt == "html" else html_to_pdf(html))
            audit.record(
                engine,
                actor,
                "export",
                target=path.name,
                detail={"what": "weekly briefing", "agency": briefing.agency_code or LAB_WIDE,
                        "week": briefing.week, "format": fmt},
            )  # fmt: skip
            print(path)
    return 0
