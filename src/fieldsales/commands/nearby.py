"""`fieldsales nearby`: re-plan from here: the best dormant accounts that still fit today."""

from __future__ import annotations

import argparse
import json
from datetime import datetime, time
from typing import Any

from fieldsales.context import Context

DESCRIPTION = """\
After a cancellation or an early finish: from where you are and the time it
is, propose the best nearby dormant accounts that still fit the rest of the
working day, in visiting order, ending at the office (or --to).

examples:
  fieldsales nearby --from 35.6895,139.6917 --within 5
  fieldsales nearby --from C00042 --within 3 --at 14:30 --json
"""


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "nearby",
        help="what still fits today from here (re-plan mid-day)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--from",
        dest="start",
        required=True,
        metavar="LAT,LON|ACCOUNT",
        help="where you are: coordinates or an account id",
    )
    p.add_argument(
        "--within",
        type=float,
        required=True,
        metavar="KM",
        help="only accounts within this many km (straight line)",
    )
    p.add_argument("--to", dest="end", metavar="WHERE", help="where the day ends (default office)")
    p.add_argument("--at", metavar="HH:MM", help="the time now (default: the clock)")
    p.add_argument("--date", help="the day, YYYY-MM-DD (default: today)")
    p.add_argument("--json", action="store_true", help="print the plan as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from fieldsales.planning import planner
    from fieldsales.planning.day_model import PlanError
    from fieldsales.services.rank import OriginError, resolve_origin

    if args.within <= 0:
        ctx.err.print("--within must be more than 0 km")
        return 2
    now = datetime.now(ctx.settings.zone())  # the wall clock of config `timezone`
    try:
        day = datetime.fromisoformat(args.date).date() if args.date else now.date()
        at = time.fromisoformat(args.at) if args.at else now.time()
    except ValueError:
        ctx.err.print("--date must be YYYY-MM-DD and --at HH:MM")
        return 2
    try:
        _label, lat, lon = resolve_origin(args.start, ctx.engine, ctx.settings)
        pd = planner.replan_from_here(
            ctx.engine,
            ctx.settings,
            here=(lat, lon),
            now=datetime.combine(day, at),
            end=args.end,
            within_km=args.within,
        )
    except (PlanError, OriginError) as exc:
        ctx.err.print(f"nearby: {exc}")
        return 1
    if args.json:
        from fieldsales.handoff.plan_json import plan_json

        print(json.dumps(plan_json(pd), ensure_ascii=False, indent=2))
        return 0
    from fieldsales.commands.plan import print_day

    if not pd.plan.stops:
        ctx.console.print(f"Nothing within {args.within:g} km still fits today.")
        return 0
    print_day(ctx, pd)
    return 0
