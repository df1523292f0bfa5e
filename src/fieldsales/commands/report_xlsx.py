"""`report --format xlsx`: an Excel workbook (XlsxWriter, imported only when asked for).

A sheet per table, numbers as numbers with number formats (yen #,##0, rates
0%), the header row frozen, an autofilter, column widths to fit (wide
characters count double), and native Excel charts. KPIs: sheet KPIs (groups
and the total row; a column chart of contacted and reactivated and one of
revenue per group) and sheet Funnel (step, accounts, share lost; a bar chart).
Routes: sheet Routes (the route history; planned against actual ROI per route).
Text is always written as text, never as a formula.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from fieldsales.commands.report_format import (
    ROUTE_COLUMNS,
    Column,
    Out,
    cell_text,
    display_width,
    kpi_columns,
    kpi_title,
    present,
    route_label,
)

if TYPE_CHECKING:
    from xlsxwriter.workbook import Workbook

    from fieldsales.services.kpi_report import KpiReport
    from fieldsales.services.route_report import RouteRow

NUMBER_FORMATS = {
    "int": "0",
    "yen": "#,##0",
    "rate": "0%",
    "pct": "0%",  # stored as a ratio (118% is 1.18), so Excel computes with it
    "km": "0.0",
    "date": "yyyy-mm-dd",
}


class _Sheet:
    """A worksheet written row by row, remembering the widest text of each column."""

    def __init__(self, wb: Workbook, name: str, heads: Sequence[str]) -> None:
        self.wb, self.ws = wb, wb.add_worksheet(name)
        self.name = name
        self.widths = [display_width(h) for h in heads]
        self._formats: dict[tuple[str, bool], Any] = {}
        head = wb.add_format({"bold": True, "bg_color": "#F3F3F3", "bottom": 1})
        for j, h in enumerate(heads):
            self.ws.write_string(0, j, h, head)
        self.rows = 0

    def fmt(self, kind: str, bold: bool = False) -> Any:
        key = (kind, bold)
        if key not in self._formats:
            spec: dict[str, Any] = {"bold": True} if bold else {}
            if kind in NUMBER_FORMATS:
                spec["num_format"] = NUMBER_FORMATS[kind]
            self._formats[key] = self.wb.add_format(spec)
        return self._formats[key]

    def row(self, cells: Sequence[tuple[str, Any]], bold: bool = False) -> None:
        """Append a row of (kind, value)."""
        self.rows += 1
        i = self.rows
        for j, (kind, v) in enumerate(cells):
            f = self.fmt(kind, bold)
            if v is None:
                self.ws.write_blank(i, j, None, f)
            elif kind == "date" and isinstance(v, date):
                self.ws.write_datetime(i, j, datetime.combine(v, time()), f)
            elif kind in ("text", "id"):
                self.ws.write_string(i, j, str(v), f)
            else:
                self.ws.write_number(i, j, v / 100 if kind == "pct" else v, f)
            shown = str(v) if kind in ("text", "id") else cell_text(kind, v)
            self.widths[j] = max(self.widths[j], display_width(shown))

    def finish(self, filter_rows: int) -> None:
        """Widths, the frozen header row and first column, an autofilter on `filter_rows`."""
        for j, w in enumerate(self.widths):
            self.ws.set_column(j, j, min(max(w + 2, 8), 50))
        self.ws.freeze_panes(1, 1)
        self.ws.autofilter(0, 0, max(filter_rows, 1), len(self.widths) - 1)

    def chart(
        self,
        kind: str,
        title: str,
        cols: Sequence[int],
        n: int,
        at: str,
        axis_format: str | None = None,
        colours: Sequence[str] = ("#3B7DD8", "#2E9E5B"),
    ) -> None:
        """A native chart of columns `cols` over data rows 1..n, categories in column 0."""
        chart = self.wb.add_chart({"type": kind})
        assert chart is not None
        for col, colour in zip(cols, colours, strict=False):
            chart.add_series(
                {
                    "name": [self.name, 0, col],
                    "categories": [self.name, 1, 0, n, 0],
                    "values": [self.name, 1, col, n, col],
                    "fill": {"color": colour},
                    "data_labels": {"value": n <= 12},
                }
            )
        chart.set_title({"name": title})
        value_axis = {"num_format": axis_format} if axis_format else {}
        if kind == "bar":  # categories on the vertical axis, first on top
            chart.set_y_axis({"reverse": True})
            chart.set_x_axis(value_axis)
        else:
            chart.set_y_axis(value_axis)
        chart.set_legend({"position": "bottom" if len(cols) > 1 else "none"})
        chart.set_size({"width": min(max(480, 60 * n + 160), 1400), "height": 320})
        self.ws.insert_chart(at, chart)


def _workbook(out: Out, title: str) -> Workbook:
    import xlsxwriter

    wb = xlsxwriter.Workbook(out.fh, {"in_memory": True})
    wb.set_properties({"title": title, "comments": "fieldsales report"})
    return wb


def _below(rows: int, gap: int = 3) -> str:
    return f"A{rows + gap}"


def kpi_book(report: KpiReport, out: Out) -> None:
    columns = kpi_columns(report)
    title = kpi_title(report)
    wb = _workbook(out, title)
    sheet = _Sheet(wb, "KPIs", [report.by, *(c.title for c in columns)])
    for r in report.rows:
        sheet.row([("text", r.group), *((c.kind, getattr(r, c.attr)) for c in columns)])
    t = report.total
    sheet.row([("text", "total"), *((c.kind, getattr(t, c.attr)) for c in columns)], bold=True)
    sheet.finish(len(report.rows))
    n = len(report.rows)
    if n:
        col = {c.attr: j + 1 for j, c in enumerate(columns)}
        by = report.by
        sheet.chart("column", f"Contacted and reactivated by {by}",
                    [col["contacted"], col["reactivated"]], n, _below(n + 2))  # fmt: skip
        sheet.chart("column", f"Revenue (JPY) by {by}", [col["revenue"]], n, _below(n + 2, 20),
                    axis_format="#,##0")  # fmt: skip
    funnel = _Sheet(wb, "Funnel", ["step", "accounts", "lost"])
    steps = t.funnel()
    for step, count, lost in steps:
        funnel.row([("text", step), ("int", count), ("rate", lost)])
    funnel.finish(len(steps))
    funnel.chart("bar", "Funnel (all groups)", [1], len(steps), "E2")
    wb.close()


def routes_book(rows: list[RouteRow], out: Out) -> None:
    from fieldsales.services.route_report import RouteRow

    columns: tuple[Column, ...] = present(ROUTE_COLUMNS, RouteRow)
    wb = _workbook(out, "Routes")
    sheet = _Sheet(wb, "Routes", ["route", *(c.title for c in columns)])
    for r in rows:
        sheet.row([("text", route_label(r)), *((c.kind, getattr(r, c.attr)) for c in columns)])
    sheet.finish(len(rows))
    if rows:
        col = {c.attr: j + 1 for j, c in enumerate(columns)}
        sheet.chart("column", "Planned against actual ROI per route",
                    [col["planned_roi_pct"], col["actual_roi_pct"]], len(rows),
                    _below(len(rows) + 1), axis_format="0%",
                    colours=("#9AA5B1", "#2E9E5B"))  # fmt: skip
    wb.close()
