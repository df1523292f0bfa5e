"""The KPI report's formats: a dict from format name to writer (table, CSV, JSON here;
HTML and XLSX in their own modules)."""

from __future__ import annotations

import json

from fieldsales.commands import report_html, report_xlsx
from fieldsales.commands.report_format import Format, Out, cell_text, kpi_columns, kpi_title
from fieldsales.services.kpi_report import COLUMNS, KpiReport, KpiRow


def funnel_text(row: KpiRow) -> str:
    steps = []
    for step, n, lost in row.funnel():
        steps.append(f"{step} {n}" + ("" if lost is None else f" (-{cell_text('rate', lost)})"))
    return " -> ".join(steps)


def write_table(report: KpiReport, out: Out) -> None:
    from rich import box
    from rich.table import Table

    columns = kpi_columns()
    table = Table(title=kpi_title(report), box=box.SIMPLE, pad_edge=False, collapse_padding=True)
    table.add_column(report.by, justify="left", no_wrap=True)
    for c in columns:
        table.add_column(c.heading, justify="right", no_wrap=True)
    for r in [*report.rows, None, report.total]:
        if r is None:
            table.add_section()
            continue
        table.add_row(r.group, *(cell_text(c.kind, getattr(r, c.attr)) for c in columns))
    console = out.console()
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
