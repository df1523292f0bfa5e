"""`fieldsales plan`: choose and order the day's (or week's) visits, print or export them."""

from __future__ import annotations

import argparse
import json
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from fieldsales.context import Context

DESCRIPTION = """\
Plan visits to dormant accounts for money, by the method: who is visited
follows the rank x channel fit (config `channels`: A and B yes, C only with a
reason, D never), and the route maximises expected gross profit minus travel
cost in yen (`visits.objective`), inside the working day with lunch, preferred
windows, the accounts' opening hours and fixed appointments. Holidays and
company closures are never planned. Prints each stop with its times, km,
value and why it is in the plan, the totals, the planned ROI, and the day's
call list (the accounts best reached by phone, with their talk scripts in
--json and the day sheets).

examples:
  fieldsales plan                                  today (on a day off: the next working
                                                   day), from and back to the office
  fieldsales plan --date 2026-12-01 --days 5       a week, each account at most once;
                                                   holidays and closures skipped
  fieldsales plan --from 35.68,139.70 --to office --max-stops 8
  fieldsales plan --pin C00042@14:00 --export ~/plan   with an appointment; sheets, ICS, GPX
  fieldsales plan --json                           stops, values, calls (for scripts)
"""


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "plan",
        help="plan the day's (or week's) visits on a route",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--date",
        help="first day as YYYY-MM-DD (default: today, or the next working day "
        "when today is a weekend, a holiday or a company closure)",
    )
    p.add_argument("--days", type=int, default=1, help="working days to plan (default 1)")
    p.add_argument(
        "--from", dest="start", metavar="WHERE", help="office (default), an account id, or LAT,LON"
    )
    p.add_argument("--to", dest="end", metavar="WHERE", help="where the day ends (default: --from)")
    p.add_argument("--max-stops", type=int, metavar="N", help="at most N visits a day")
    p.add_argument(
        "--pin",
        action="append",
        default=[],
        metavar="ACCOUNT@HH:MM",
        help="a fixed appointment on the first day (ACCOUNT@YYYY-MM-DDTHH:MM for another)",
    )
    p.add_argument("--json", action="store_true", help="print the plan as JSON")
    p.add_argument("--export", metavar="DIR", help="write day sheets (md, html), ICS, GPX, JSON")
    p.add_argument("--save", action="store_true", help="save the plan as routes in the database")
    p.set_defaults(func=run)


def parse_pin(text: str, first: date) -> tuple[date, Any]:
    from fieldsales.planning.planned_day import PinRequest

    ref, sep, when = text.rpartition("@")
    if not sep or not ref:
        raise ValueError(f"--pin {text}: expected ACCOUNT@HH:MM")
    try:
        if "T" in when:
            dt = datetime.fromisoformat(when)
            return dt.date(), PinRequest(ref, dt.time())
        hh, mm = when.split(":")
        return first, PinRequest(ref, time(int(hh), int(mm)))
    except ValueError:
        raise ValueError(f"--pin {text}: time must be HH:MM or YYYY-MM-DDTHH:MM") from None


def run(args: argparse.Namespace, ctx: Context) -> int:
    from fieldsales.domain.clock import today_in
    from fieldsales.planning import planner, saved, workdays
    from fieldsales.planning.day_model import PlanError
    from fieldsales.services.rank import OriginError

    try:
        # a rep planning on a Sunday evening means Monday (visits.work_weekdays)
        first = (
            date.fromisoformat(args.date)
            if args.date
            else workdays.next_working_day(today_in(ctx.settings.zone()), ctx.settings)
        )
    except ValueError:
        ctx.err.print(f"--date {args.date}: expected YYYY-MM-DD")
        return 2
    if args.days < 1 or (args.max_stops is not None and args.max_stops < 1):
        ctx.err.print("--days and --max-stops must be at least 1")
        return 2
    try:
        pins: dict[date, list[Any]] = {}
        for text in args.pin:
            d, req = parse_pin(text, first)
            pins.setdefault(d, []).append(req)
    except ValueError as exc:
        ctx.err.print(str(exc))
        return 2
    engine = ctx.engine  # first: settings then carry what the team published (Context)
    settings = ctx.settings
    try:
        with ctx.err.status("planning…"):
            if args.days == 1:
                days = [
                    planner.plan_day(
                        engine,
                        settings,
                        day=first,
                        start=args.start,
                        end=args.end,
                        pins=pins.get(first, ()),
                        max_stops=args.max_stops,
                    )
                ]
            else:
                days = planner.plan_week(
                    engine,
                    settings,
                    first_day=first,
                    days=args.days,
                    start=args.start,
                    end=args.end,
                    pins=pins,
                    max_stops=args.max_stops,
                )
    except (PlanError, OriginError) as exc:
        ctx.err.print(f"plan: {exc}")
        return 1
    skipped = workdays.skipped_days(first, args.days, settings) if args.days > 1 else []
    if args.export:  # before --save: a file that cannot be written leaves the database as it was
        from fieldsales.files import FileError
        from fieldsales.handoff.formats import export_day

        out = Path(args.export).expanduser()
        try:
            for pd in days:
                for path in export_day(pd, settings, out, engine):
                    ctx.err.print(f"wrote {path}", markup=False, highlight=False, soft_wrap=True)
        except FileError as exc:
            ctx.err.print(
                f"error: plan --export: {exc}",
                markup=False,
                highlight=False,
                soft_wrap=True,  # one line, whatever the terminal's width
            )
            return 1
    if args.save:
        for pd in days:
            saved.save_plan(engine, settings, pd)
    if args.json:
        from fieldsales.handoff.plan_json import plan_json

        data: Any = (
            plan_json(days[0], settings)
            if len(days) == 1
            else {
                "days": [plan_json(d, settings) for d in days],
                "skipped": [{"date": d.isoformat(), "why": why} for d, why in skipped],
            }
        )
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    for d, why in skipped:
        ctx.console.print(f"{d.isoformat()} ({d.strftime('%a')}): skipped, {why}")
    for pd in days:
        print_day(ctx, pd)
    return 0


def print_day(ctx: Context, pd: Any) -> None:
    from rich.table import Table

    from fieldsales.planning import text
    from fieldsales.planning.day_model import hhmm

    p = pd.plan
    if not p.stops:
        hint = (
            "no account can be visited: import accounts (fieldsales import FILE), "
            "or plan on the demo data (fieldsales --demo plan, after fieldsales demo)"
            if not pd.model.candidates and not pd.excluded
            else f"no visit fits this day ({len(pd.excluded)} accounts excluded)"
        )
        ctx.console.print(f"{p.day.isoformat()}: {hint}")
        return
    table = Table(
        title=f"{p.day.isoformat()} ({p.day.strftime('%a')}): {p.start.label} "
        f"{hhmm(p.depart_s)} → {p.end.label} {hhmm(p.return_s)}, lunch {text.lunch_text(p)}"
    )
    for col in text.STOP_COLUMNS:
        table.add_column(col, justify="right" if col in ("#", "km", "min", "value") else "left")
    for cells in text.stop_cells(pd):
        table.add_row(*cells)
    table.add_row(
        "",
        f"→ {hhmm(p.return_s)}",
        p.end.label,
        "",
        f"{p.last_leg_km:.1f}",
        str(round(p.last_leg_s / 60)),
        "",
        "",
        "",
    )
    ctx.console.print(table)
    ctx.console.print(
        f"{text.totals_line(pd)} · "
        f"{len(pd.model.candidates)} candidates, {len(pd.excluded)} excluded\n"
        f"Planned ROI {text.roi_line(pd)}"
    )
    if pd.calls:
        calls = Table(title=f"Calls ({len(pd.calls)}): phone windows, best value first")
        for col in text.CALL_COLUMNS:
            calls.add_column(col, justify="right" if col in ("#", "value") else "left")
        for cells in text.call_cells(pd):
            calls.add_row(*cells)
        ctx.console.print(calls)
