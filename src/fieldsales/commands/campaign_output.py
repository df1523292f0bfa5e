"""`report --by campaign`: campaign targets against the actual, week by week
(services/targets.py), as a table, CSV, JSON or an Excel book with charts."""

from __future__ import annotations

import json
from typing import Any

from fieldsales.commands.report_format import Column, Format, Out, cell_text, present
from fieldsales.services.targets import CampaignReport, TargetWeek

COLUMNS: tuple[Column, ...] = (
    Column("week", "week", "date"),
    Column("rank", "rank", "text"),
    Column("react.", "reactivations", "int"),
    Column("react.\nto date", "cum_reactivations", "int"),
    Column("react.\ntarget", "target_reactivations", "num"),
    Column("react.\nvs target", "reactivation_progress", "rate"),
    Column("revenue", "revenue", "yen"),
    Column("revenue\nto date", "cum_revenue", "yen"),
    Column("revenue\ntarget", "target_revenue", "yen"),
    Column("revenue\nvs target", "revenue_progress", "rate"),
)
_FIELDS = [c.attr for c in COLUMNS]


def _text(c: Column, w: TargetWeek) -> str:
    v = getattr(w, c.attr)
    if not w.started and c.attr not in ("week", "rank", "target_reactivations", "target_revenue"):
        return ""
    if c.kind == "num":
        return f"{v:.1f}"
    return cell_text(c.kind, v)


def title(report: CampaignReport) -> str:
    name = report.name or "campaign"
    return (
        f"{name}  {report.start}..{report.end}  as of {report.today}"
        f"  ({report.elapsed * 100:.0f}% of the days gone)"
    )


def write_table(report: CampaignReport, out: Out) -> None:
    from rich import box
    from rich.table import Table

    console = out.console()
    summary = Table(title=title(report), box=box.SIMPLE, pad_edge=False)
    for head in ("rank", "react. to date", "target", "revenue to date", "target"):
        summary.add_column(head, justify="right" if head != "rank" else "left")
    for w in report.latest():
        t = report.targets[w.rank]
        summary.add_row(
            w.rank,
            str(w.cum_reactivations),
            str(t.reactivations),
            cell_text("yen", w.cum_revenue),
            cell_text("yen", t.revenue),
        )
    console.print(summary)
    table = Table(title="week by week (targets pro rata by days)", box=box.SIMPLE, pad_edge=False)
    for c in COLUMNS:
        table.add_column(c.heading, justify="left" if c.kind in ("date", "text") else "right")
    for n, w in enumerate(report.weeks, start=1):
        table.add_row(*(_text(c, w) for c in COLUMNS))
        if w.rank == "total" and n < len(report.weeks):  # a line after each week
            table.add_section()
    console.print(table)


def write_csv(report: CampaignReport, out: Out) -> None:
    from fieldsales.store.csvio import write_csv as csv_rows

    dicts = [w.as_dict() for w in report.weeks]
    csv_rows(out.fh, _FIELDS, [[d[f] for f in _FIELDS] for d in dicts])


def write_json(report: CampaignReport, out: Out) -> None:
    data = {
        "campaign": report.name,
        "start": report.start.isoformat(),
        "end": report.end.isoformat(),
        "as_of": report.today.isoformat(),
        "elapsed": round(report.elapsed, 4),
        "targets": {r: t.model_dump() for r, t in report.targets.items()},
        "weeks": [w.as_dict() for w in report.weeks],
    }
    out.text(json.dumps(data, indent=2, ensure_ascii=False))


def write_xlsx(report: CampaignReport, out: Out) -> None:
    """A sheet per rank with a target (line) and actual (columns) chart to date."""
    from fieldsales.commands.report_xlsx import _Sheet, _workbook

    wb = _workbook(out, title(report))
    columns = present(COLUMNS, TargetWeek)[2:]  # week and rank: the first column, the sheet
    for rank in report.targets:
        weeks = [w for w in report.weeks if w.rank == rank]
        sheet = _Sheet(wb, f"rank {rank}" if rank != "total" else "total",
                       ["week", *(c.title for c in columns)])  # fmt: skip
        for w in weeks:
            cells: list[tuple[str, Any]] = [("date", w.week)]
            for c in columns:
                v = getattr(w, c.attr)
                shown = w.started or c.attr.startswith("target")
                cells.append((c.kind if c.kind != "num" else "int", v if shown else None))
            sheet.row(cells)
        sheet.finish(len(weeks))
        col = {c.attr: j + 1 for j, c in enumerate(columns)}
        sheet.chart("line", f"Reactivations to date against target ({rank})",
                    [col["cum_reactivations"], col["target_reactivations"]], len(weeks),
                    f"A{len(weeks) + 4}")  # fmt: skip
        sheet.chart("line", f"Revenue to date against target ({rank}, JPY)",
                    [col["cum_revenue"], col["target_revenue"]], len(weeks),
                    f"A{len(weeks) + 22}", axis_format="#,##0")  # fmt: skip
    wb.close()


FORMATS: dict[str, Format] = {
    "table": Format(write_table),
    "csv": Format(write_csv),
    "json": Format(write_json),
    "xlsx": Format(write_xlsx, binary=True),
}
