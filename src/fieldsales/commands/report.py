"""`fieldsales report`: the route history (planned against actual ROI) and the KPIs."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from fieldsales.context import Context

# services.kpi_report.KPI_GROUPS, spelled out: importing it here would load
# numpy and the ranking on every start of the CLI
KPI_GROUPS = ("rank", "channel", "reason", "rep", "week", "month")

if TYPE_CHECKING:
    from rich.console import Console

    from fieldsales.services.route_report import RouteDetail, RouteRow

DESCRIPTION = """\
--by route: one row per saved route (cancelled ones left out): date, rep,
stops planned and visited (marked done, or an outcome logged against the
stop), km, planned revenue and ROI (stored when the route was saved), and
what was logged: revenue of the orders attributed to the route's visits,
gross profit, cost, actual ROI (METHOD section 6), orders and reactivations
(orders from accounts that had turned dormant). Cost = roi.day_rate + km x
roi.cost_per_km + roi.expenses_per_day + the costs logged on the route's
outcomes; km is the planned km (driven km is not logged). Corrections and
undos are applied. A route with no stop visited yet has no actual ROI.

--route ID: that route's stops in visiting order with their outcomes.

--by rank|channel|reason|rep|week|month: the campaign KPIs (METHOD section 7)
per group, from the outcomes in effect of the period (by the outcome's local
date) and rep: accounts contacted, contact rate (contacted / target
accounts: the accounts of the rank or main reason; every account for the
other groups), reach (a result other than no answer), response (interested,
next action, appointment, order), appointment (appointment or order),
reactivations (orders from dormant accounts), close rate (ordered /
appointed), revenue, average order, logged costs and cost per reactivation;
then the funnel contacted -> reached -> appointed -> ordered with the share
lost at each step. Rank is the account's rank today; week is keyed by its
Monday. HTML is one self-contained page (KPI table, funnel as inline SVG).

CSV is UTF-8 with BOM (Excel opens it directly).

examples:
  fieldsales report --by rank --period 2026-11
  fieldsales report --by channel --rep Sato --format html -o kpi.html
  fieldsales report --by route --period 2026-11
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
    what.add_argument("--by", choices=["route", *KPI_GROUPS], help="one row per route or group")
    what.add_argument("--route", metavar="ID", help="one route's stops and their outcomes")
    p.add_argument("--period", metavar="YYYY-MM", help="only this month (or day)")
    p.add_argument("--rep", metavar="NAME", help="only this rep's routes or outcomes")
    p.add_argument("--format", choices=["table", "csv", "json", "html"], default="table")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of printing")
    p.set_defaults(func=run)


WIDE = 160  # columns of a table written to a file or a pipe


def _yen(v: int | None) -> str:
    return "" if v is None else f"{v:,}"


def _pct(v: float | None) -> str:
    return "" if v is None else f"{v:.0f}%"


def _route_table(rows: Sequence[RouteRow], console: Console) -> None:
    from rich import box
    from rich.table import Table

    table = Table(title="Routes", box=box.SIMPLE, pad_edge=False, collapse_padding=True)
    heads = ["date", "rep", "route", "visited", "km", "plan\nROI", "revenue", "cost"]
    heads += ["actual\nROI", "orders", "react."]
    for h in heads:
        table.add_column(
            h,
            justify="left" if h in ("date", "rep", "route") else "right",
            no_wrap=h != "rep",
        )
    for r in rows:
        table.add_row(
            r.day.isoformat(),
            r.rep,
            r.route_id[:8],
            f"{r.stops_visited}/{r.stops_planned}",
            f"{r.km:.1f}",
            _pct(r.planned_roi_pct),
            _yen(r.actual_revenue),
            _yen(r.actual_cost),
            _pct(r.actual_roi_pct),
            str(r.orders),
            str(r.reactivations),
        )
    console.print(table)
    if not rows:
        console.print("no saved routes match", markup=False)


_STOP_COLUMNS = (
    "seq",
    "company",
    "site",
    "stop_status",
    "occurred_at",
    "channel",
    "result",
    "order_amount",
    "cost",
    "notes",
    "account_id",
    "stop_id",
)


def _stop_table(detail: RouteDetail, console: Console) -> None:
    from rich import box
    from rich.table import Table

    r = detail.row
    console.print(
        f"route {r.route_id}  {r.day.isoformat()}  {r.rep}  {r.status}  "
        f"{r.stops_visited}/{r.stops_planned} visited  {r.km:.1f} km  "
        f"planned ROI {_pct(r.planned_roi_pct) or '-'}  revenue {_yen(r.actual_revenue)}  "
        f"cost {_yen(r.actual_cost) or '-'}  actual ROI {_pct(r.actual_roi_pct) or '-'}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    table = Table(box=box.SIMPLE, pad_edge=False, collapse_padding=True)
    for h in ("#", "account", "stop", "date", "channel", "result", "amount", "cost", "notes"):
        table.add_column(h, justify="right" if h in ("#", "amount", "cost") else "left")
    last_seq = None
    for s in detail.stops:
        first = s.seq != last_seq
        last_seq = s.seq
        name = s.company + (f" {s.site}" if s.site else "")
        table.add_row(
            str(s.seq) if first else "",
            name if first else "",
            s.stop_status if first else "",
            s.occurred_at.astimezone().date().isoformat() if s.occurred_at else "",
            s.channel or "",
            s.result or "",
            _yen(s.order_amount),
            _yen(s.cost),
            s.notes or "",
        )
    console.print(table)


def _console(ctx: Context, out: IO[str] | None) -> Console:
    """The terminal's console; a wide one for a file or a pipe (nothing to fit there)."""
    from rich.console import Console

    if out is not None:
        return Console(file=out, width=WIDE)
    if not ctx.console.is_terminal:
        return Console(width=WIDE)
    return ctx.console


def _render(args: argparse.Namespace, ctx: Context, out: IO[str] | None) -> None:
    """Print (out None) or write the report to `out` in the chosen format."""

    from fieldsales.services import route_report as svc
    from fieldsales.store.csvio import write_csv

    if args.route:
        detail = svc.route_detail(ctx.engine, ctx.settings, args.route)
        if args.format == "json":
            data = {
                "route": detail.row.as_dict(),
                "stops": [svc.stop_dict(s) for s in detail.stops],
            }
            _emit(json.dumps(data, indent=2, ensure_ascii=False), out)
        elif args.format == "csv":
            dicts = [svc.stop_dict(s) for s in detail.stops]
            rows = [[d[c] for c in _STOP_COLUMNS] for d in dicts]
            write_csv(out or sys.stdout, _STOP_COLUMNS, rows)
        else:
            _stop_table(detail, _console(ctx, out))
        return
    if args.by != "route":
        _render_kpis(args, ctx, out)
        return
    route_rows = svc.route_rows(ctx.engine, ctx.settings, period=args.period, rep=args.rep)
    if args.format == "json":
        _emit(json.dumps([r.as_dict() for r in route_rows], indent=2, ensure_ascii=False), out)
    elif args.format == "csv":
        table = [list(r.as_dict().values()) for r in route_rows]
        write_csv(out or sys.stdout, svc.COLUMNS, table)
    else:
        _route_table(route_rows, _console(ctx, out))


def _render_kpis(args: argparse.Namespace, ctx: Context, out: IO[str] | None) -> None:
    from fieldsales.commands import kpi_output
    from fieldsales.services import kpi_report as kpi
    from fieldsales.store.csvio import write_csv

    report = kpi.kpi_report_for(
        ctx.engine, ctx.settings, by=args.by, period=args.period, rep=args.rep
    )
    rows = [*report.rows, report.total]
    if args.format == "json":
        data = {
            "by": report.by,
            "period": report.period,
            "rep": report.rep,
            "rows": [r.as_dict() for r in report.rows],
            "total": report.total.as_dict(),
        }
        _emit(json.dumps(data, indent=2, ensure_ascii=False), out)
    elif args.format == "csv":
        dicts = [r.as_dict() for r in rows]
        write_csv(out or sys.stdout, kpi.COLUMNS, [[d[c] for c in kpi.COLUMNS] for d in dicts])
    elif args.format == "html":
        _emit(kpi_output.html_page(report).rstrip("\n"), out)
    else:
        kpi_output.print_table(report, _console(ctx, out))


def _emit(text: str, out: IO[str] | None) -> None:
    if out is None:
        print(text)
    else:
        out.write(text + "\n")


def _write_file(args: argparse.Namespace, ctx: Context, target: Path) -> None:
    """Write next to the target, then rename: a failed report never leaves half a file."""
    from fieldsales.files import atomic_write

    # the CSV writer adds the BOM itself
    with atomic_write(target, text=True, encoding="utf-8", newline="") as fh:
        _render(args, ctx, fh)


def _error(ctx: Context, message: str) -> None:
    ctx.err.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from fieldsales.services.route_report import ReportError

    if args.route and (args.period or args.rep):
        _error(ctx, "--period and --rep go with --by, not --route")
        return 2
    if args.format == "html" and (args.route or args.by == "route"):
        _error(ctx, "--format html is for the KPIs (--by rank|channel|...), not routes")
        return 2
    try:
        if args.output is None:
            _render(args, ctx, None)
            return 0
        target = Path(args.output)
        if target.is_dir():
            _error(ctx, f"{target}: is a folder; give a file name")
            return 2
        if not target.parent.is_dir():
            _error(ctx, f"{target.parent}: no such folder")
            return 2
        _write_file(args, ctx, target)
    except ReportError as exc:
        _error(ctx, str(exc))
        return 2
    except OSError as exc:
        _error(ctx, f"{args.output}: cannot write ({exc.strerror})")
        return 1
    ctx.console.print(f"wrote {target}", markup=False, highlight=False, soft_wrap=True)
    return 0
