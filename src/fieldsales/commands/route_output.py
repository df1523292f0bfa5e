"""The route history's formats (`report --by route`) and one route's stops
(`report --route ID`): dicts from format name to writer."""

from __future__ import annotations

import json

from fieldsales.commands import report_html, report_xlsx
from fieldsales.commands.report_format import Format, Out, cell_text
from fieldsales.services.route_report import COLUMNS, RouteDetail, RouteRow, stop_dict


def write_routes_table(rows: list[RouteRow], out: Out) -> None:
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
            cell_text("km", r.km),
            cell_text("pct", r.planned_roi_pct),
            cell_text("yen", r.actual_revenue),
            cell_text("yen", r.actual_cost),
            cell_text("pct", r.actual_roi_pct),
            str(r.orders),
            str(r.reactivations),
        )
    console = out.console()
    console.print(table)
    if not rows:
        console.print("no saved routes match", markup=False)


def write_routes_csv(rows: list[RouteRow], out: Out) -> None:
    from fieldsales.store.csvio import write_csv

    write_csv(out.fh, COLUMNS, [list(r.as_dict().values()) for r in rows])


def write_routes_json(rows: list[RouteRow], out: Out) -> None:
    out.text(json.dumps([r.as_dict() for r in rows], indent=2, ensure_ascii=False))


ROUTE_FORMATS: dict[str, Format] = {
    "table": Format(write_routes_table),
    "csv": Format(write_routes_csv),
    "json": Format(write_routes_json),
    "html": Format(report_html.routes_page),
    "xlsx": Format(report_xlsx.routes_book, binary=True),
}

STOP_COLUMNS = (
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


def write_stops_table(detail: RouteDetail, out: Out) -> None:
    from rich import box
    from rich.table import Table

    r = detail.row
    console = out.console()
    console.print(
        f"route {r.route_id}  {r.day.isoformat()}  {r.rep}  {r.status}  "
        f"{r.stops_visited}/{r.stops_planned} visited  {r.km:.1f} km  "
        f"planned ROI {cell_text('pct', r.planned_roi_pct) or '-'}  "
        f"revenue {cell_text('yen', r.actual_revenue)}  "
        f"cost {cell_text('yen', r.actual_cost) or '-'}  "
        f"actual ROI {cell_text('pct', r.actual_roi_pct) or '-'}",
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
            s.occurred_at.astimezone(detail.zone).date().isoformat() if s.occurred_at else "",
            s.channel or "",
            s.result or "",
            cell_text("yen", s.order_amount),
            cell_text("yen", s.cost),
            s.notes or "",
        )
    console.print(table)


def write_stops_csv(detail: RouteDetail, out: Out) -> None:
    from fieldsales.store.csvio import write_csv

    dicts = [stop_dict(s) for s in detail.stops]
    write_csv(out.fh, STOP_COLUMNS, [[d[c] for c in STOP_COLUMNS] for d in dicts])


def write_stops_json(detail: RouteDetail, out: Out) -> None:
    data = {"route": detail.row.as_dict(), "stops": [stop_dict(s) for s in detail.stops]}
    out.text(json.dumps(data, indent=2, ensure_ascii=False))


STOP_FORMATS: dict[str, Format] = {
    "table": Format(write_stops_table),
    "csv": Format(write_stops_csv),
    "json": Format(write_stops_json),
}
