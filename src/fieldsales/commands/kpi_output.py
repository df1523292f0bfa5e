"""The KPI report's formats: a dict from format name to writer (table, CSV, JSON here;
HTML and XLSX in their own modules)."""

from __future__ import annotations

import json

from fieldsales.commands import report_html, report_xlsx
from fieldsales.commands.report_format import (
    Format,
    Out,
    cell_text,
    display_width,
    kpi_columns,
    kpi_title,
)
from fieldsales.services.kpi_report import COLUMNS, KpiReport, KpiRow


def funnel_text(row: KpiRow) -> str:
    steps = []
    for step, n, lost in row.funnel():
        steps.append(f"{step} {n}" + ("" if lost is None else f" (-{cell_text('rate', lost)})"))
    return " -> ".join(steps)


def _chunks(widths: list[int], first: int, room: int) -> list[list[int]]:
    """Column indexes packed into tables that fit `room` characters, each repeating
    the group column (`first` wide): a number is never cut, a wide table is split."""
    chunks: list[list[int]] = [[]]
    used = first + 2
    for i, w in enumerate(widths):
        if chunks[-1] and used + w + 2 > room:
            chunks.append([])
            used = first + 2
        chunks[-1].append(i)
        used += w + 2
    return chunks


def write_table(report: KpiReport, out: Out) -> None:
    from rich import box
    from rich.table import Table

    columns = kpi_columns(report)
    rows = [*report.rows, report.total]
    cells = [[cell_text(c.kind, getattr(r, c.attr)) for c in columns] for r in rows]
    widths = [
        max(display_width(x) for x in [*c.heading.split("\n"), *(row[j] for row in cells)])
        for j, c in enumerate(columns)
    ]
    first = max(display_width(x) for x in [report.by, "total", *(r.group for r in rows)])
    console = out.console()
    for n, chunk in enumerate(_chunks(widths, first, console.width)):
        table = Table(
            title=kpi_title(report) if n == 0 else None,
            box=box.SIMPLE,
            pad_edge=False,
            collapse_padding=True,
        )
        table.add_column(report.by, justify="left", no_wrap=True)
        for j in chunk:
            table.add_column(columns[j].heading, justify="right", no_wrap=True)
        for r, row in zip(rows, cells, strict=True):
            if r is report.total:
                table.add_section()
            table.add_row(r.group, *(row[j] for j in chunk))
        console.print(table)
    console.print(f"funnel: {funnel_text(report.total)}", markup=False, highlight=False)
    if not report.rows:
        console.print("no outcomes match", markup=False)


def write_csv(report: KpiReport, out: Out) -> None:
    """Every field of the rows and the total, UTF-8 with BOM (the writer adds it)."""
    from fieldsales.store.csvio import write_csv as csv_rows

    dicts = [r.as_dict() for r in (*report.rows, report.total)]
    csv_rows(out.fh, COLUMNS, [[d[c] for c in COLUMNS] for d in dicts])


def write_json(report: KpiReport, out: Out) -> None:
    data = {
        "by": report.by,
        "period": report.period,
        "rep": report.rep,
        "rows": [r.as_dict() for r in report.rows],
        "total": report.total.as_dict(),
    }
    out.text(json.dumps(data, indent=2, ensure_ascii=False))


FORMATS: dict[str, Format] = {
    "table": Format(write_table),
    "csv": Format(write_csv),
    "json": Format(write_json),
    "html": Format(report_html.kpi_page),
    "xlsx": Format(report_xlsx.kpi_book, binary=True),
}
