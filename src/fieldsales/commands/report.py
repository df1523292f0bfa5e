"""`fieldsales report`: the route history (planned against actual ROI) and the KPIs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fieldsales.context import Context

if TYPE_CHECKING:
    from fieldsales.commands.report_format import Format

# services.kpi_report.KPI_GROUPS and the formats of kpi_output / route_output,
# spelled out: importing them here would load numpy and the ranking on every
# start of the CLI
KPI_GROUPS = ("rank", "channel", "reason", "rep", "week", "month")
CHANNELS = ("visit", "phone", "dm", "email")
FORMATS = ("table", "csv", "json", "html", "xlsx")

DESCRIPTION = """\
--by route: one row per saved route (cancelled ones left out): date, rep,
stops planned and visited (marked done, or an outcome logged against the
stop), km, planned revenue and ROI (stored when the route was saved), and
what was logged: revenue of the orders attributed to the route's visits,
gross profit, cost, actual ROI (docs/method.md, 'ROI'), orders and reactivations
(orders from accounts that had turned dormant). Cost = roi.day_rate + km x
roi.cost_per_km + roi.expenses_per_day + the costs logged on the route's
outcomes; km is the planned km (driven km is not logged). Corrections and
undos are applied. A route with no stop visited yet has no actual ROI.

--route ID: that route's stops in visiting order with their outcomes.

--by rank|channel|reason|rep|week|month: the campaign KPIs (docs/method.md, 'KPIs')
per group, from the outcomes in effect of the period (by the outcome's local
date) and rep: accounts contacted, contact rate (contacted / target
accounts: the accounts of the rank or main reason; every account for the
other groups), reach (a result other than no answer), response (interested,
next action, appointment, order), appointment (appointment or order),
reactivations (orders from dormant accounts), close rate (ordered /
appointed), revenue, average order, gross profit (revenue x margin), cost
(the cost logged on each outcome, else kpi.contact_cost of its channel),
cost per reactivation, ROI ((gross profit - cost) / cost), retention after
revival (of the revivals at least kpi.retention_days old, the share that
ordered again within those days) and, when ranks are computed (--by rank or
--rank), coverage (the share of kpi.coverage_ranks accounts touched in the
kpi.coverage_days before the period's end); then the funnel contacted ->
reached -> appointed -> ordered with the share lost at each step. Rank is the
account's rank today; week is keyed by its Monday. Filters: --rep,
--channel, --reason, --rank.

--by campaign: the campaign in config.yaml (campaign: start, end, targets
of reactivations and revenue per rank), week by week: each rank's
reactivations and revenue to date against its target pro rata by days.

formats: table (default), csv, json, html, xlsx (html and xlsx: not --route).
CSV is UTF-8 with BOM (Excel opens it directly); JSON holds every field.
HTML is one self-contained page (inline CSS and SVG, nothing fetched): the
table, bar charts per group (reactivations, revenue, response rate) and the
funnel; for --by route, planned against actual ROI per route. XLSX needs -o:
a sheet per table (KPIs and Funnel, or Routes) with numbers as numbers (yen
#,##0, rates 0%), the header row frozen, filters, and Excel charts (contacted
and reactivated, revenue per group, the funnel; planned against actual ROI
per route).

examples:
  fieldsales report --by rank --period 2026-11
  fieldsales report --by channel --period 2026-09..2026-11 --rank A
  fieldsales report --by campaign
  fieldsales report --by campaign --format xlsx -o campaign.xlsx
  fieldsales report --by rank --period 2026-11 --format xlsx -o kpi.xlsx
  fieldsales report --by channel --rep Sato --format html -o kpi.html
  fieldsales report --by week --format csv -o weeks.csv
  fieldsales report --by route --period 2026-11
  fieldsales report --by route --period 2026-11 --format xlsx -o routes.xlsx
  fieldsales report --by route --rep Sato --format csv -o routes.csv
  fieldsales report --route 3f2a9c
"""


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "report",
        help="route history (planned against actual ROI) and KPIs per rank, channel, ...",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument(
        "--by",
        choices=["route", *KPI_GROUPS, "campaign"],
        help="one row per route or group; campaign: targets against actual, week by week",
    )
    what.add_argument("--route", metavar="ID", help="one route's stops and their outcomes")
    p.add_argument(
        "--period", metavar="YYYY-MM", help="only this month, day, or range FROM..TO of them"
    )
    p.add_argument("--rep", metavar="NAME", help="only this rep's routes or outcomes")
    p.add_argument("--channel", choices=CHANNELS, help="KPIs: only outcomes on this channel")
    p.add_argument("--reason", metavar="CODE", help="KPIs: only accounts of this main reason")
    p.add_argument("--rank", choices=list("ABCD"), help="KPIs: only accounts of this rank today")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of printing")
    p.set_defaults(func=run)


def _formats(args: argparse.Namespace) -> tuple[str, dict[str, Format]]:
    """What is asked for (for messages) and its formats."""
    if args.route:
        from fieldsales.commands.route_output import STOP_FORMATS

        return "--route", STOP_FORMATS
    if args.by == "route":
        from fieldsales.commands.route_output import ROUTE_FORMATS

        return "--by route", ROUTE_FORMATS
    if args.by == "campaign":
        from fieldsales.commands.campaign_output import FORMATS as CAMPAIGN_FORMATS

        return "--by campaign", CAMPAIGN_FORMATS
    from fieldsales.commands.kpi_output import FORMATS as KPI_FORMATS

    return f"--by {args.by}", KPI_FORMATS


def _load(args: argparse.Namespace, ctx: Context) -> Any:
    """The report's figures (raises ReportError for a bad period or route)."""
    if args.route:
        from fieldsales.services import route_report

        return route_report.route_detail(ctx.engine, ctx.settings, args.route)
    if args.by == "route":
        from fieldsales.services import route_report

        return route_report.route_rows(ctx.engine, ctx.settings, period=args.period, rep=args.rep)
    if args.by == "campaign":
        from fieldsales.services import targets

        return targets.campaign_report(ctx.engine, ctx.settings)
    from fieldsales.services import kpi_report

    return kpi_report.kpi_report_for(
        ctx.engine,
        ctx.settings,
        by=args.by,
        period=args.period,
        rep=args.rep,
        channel=args.channel,
        reason=args.reason,
        rank=args.rank,
    )


def _error(ctx: Context, message: str) -> None:
    ctx.err.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from fieldsales.commands.report_format import Out
    from fieldsales.files import FileError, atomic_write, check_folder, check_target
    from fieldsales.services.route_report import ReportError

    if args.route and (args.period or args.rep):
        _error(ctx, "--period and --rep go with --by, not --route")
        return 2
    kpi_only = [f"--{n}" for n in ("channel", "reason", "rank") if getattr(args, n)]
    if kpi_only and (args.route or args.by in ("route", "campaign")):
        _error(ctx, f"{', '.join(kpi_only)} go with the KPI groupings (--by rank, channel, ...)")
        return 2
    if args.by == "campaign" and (args.period or args.rep):
        _error(ctx, "--by campaign covers the campaign's dates in config.yaml: drop --period/--rep")
        return 2
    what, formats = _formats(args)
    fmt = formats.get(args.format)
    if fmt is None:
        _error(ctx, f"--format {args.format} is not offered for {what}: use {', '.join(formats)}")
        return 2
    if fmt.binary and args.output is None:
        _error(ctx, f"--format {args.format} writes a file: add -o FILE (e.g. -o report.xlsx)")
        return 2
    target = None if args.output is None else Path(args.output)
    if target is not None:
        try:
            check_folder(target.parent)
            check_target(target)  # a folder, a link, a FIFO or a device is refused
        except FileError as exc:
            _error(ctx, str(exc))
            return 2
    try:
        report = _load(args, ctx)
        if target is None:
            terminal = ctx.console if ctx.console.is_terminal else None
            fmt.write(report, Out(sys.stdout, terminal))
            return 0
        # whole or not at all: a temporary file renamed into place (the CSV writer adds the BOM)
        text_kw: dict[str, Any] = {} if fmt.binary else {"encoding": "utf-8", "newline": ""}
        with atomic_write(target, text=not fmt.binary, **text_kw) as fh:
            fmt.write(report, Out(fh))
    except ReportError as exc:
        _error(ctx, str(exc))
        return 2
    except FileError as exc:
        _error(ctx, str(exc))
        return 1
    ctx.console.print(f"wrote {target}", markup=False, highlight=False, soft_wrap=True)
    return 0
