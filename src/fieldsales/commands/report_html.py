"""`report --format html`: one self-contained page (inline CSS and SVG, nothing fetched).

KPIs: the table, a bar chart per figure (reactivations, revenue, response, ROI
when the rows have it) with a bar per group, and the funnel. Routes: the route
history and planned against actual ROI per route. Every text is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING, Any

from fieldsales.commands.report_format import (
    ROUTE_COLUMNS,
    Column,
    Out,
    cell_text,
    kpi_columns,
    kpi_title,
    present,
    route_label,
)

if TYPE_CHECKING:
    from fieldsales.services.kpi_report import KpiReport, KpiRow
    from fieldsales.services.route_report import RouteRow

_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { padding: 0.3em 0.6em; border-bottom: 1px solid #ddd; }
th { background: #f3f3f3; white-space: pre-line; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: bold; border-top: 2px solid #888; }
svg text { font-size: 13px; }
h2 { margin-top: 1.5em; }
"""

_BAR_W, _BAR_H, _LABEL_W = 420, 26, 190
_BLUE, _GREY, _GREEN = "#3b7dd8", "#9aa5b1", "#2e9e5b"

# the per-group charts of the KPI page, shown when the rows have the attribute
KPI_CHARTS: tuple[Column, ...] = (
    Column("Reactivations", "reactivated", "int"),
    Column("Revenue (JPY)", "revenue", "yen"),
    Column("Response rate", "response_rate", "rate"),
    Column("ROI", "roi", "rate"),
)


def _short(text: str, n: int = 22) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def bar_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[float | None], str]],
) -> str:
    """Horizontal bars, one block per label with a bar per series
    (name, colour, values, kind of the values); negative values go left of zero."""
    values = [v for _, _, vs, _ in series for v in vs if v is not None]
    lo, hi = min([0.0, *values]), max([0.0, *values])
    span = (hi - lo) or 1.0
    zero = _LABEL_W + round(_BAR_W * -lo / span)
    bar, gap = 18, 10
    legend = 24 if len(series) > 1 else 0
    block = len(series) * bar + gap
    height = legend + len(labels) * block + 4
    width = _LABEL_W + _BAR_W + 140
    parts = [f'<svg width="{width}" height="{height}" role="img" aria-label="{escape(title)}">']
    if legend:
        x = _LABEL_W
        for name, colour, _, _ in series:
            parts.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{colour}"></rect>')
            parts.append(f'<text x="{x + 16}" y="15">{escape(name)}</text>')
            x += 30 + 8 * len(name)
    for i, label in enumerate(labels):
        y0 = legend + i * block
        parts.append(f'<text x="0" y="{y0 + 14}">{escape(_short(label))}</text>')
        for j, (_, colour, vs, kind) in enumerate(series):
            y, v = y0 + j * bar, vs[i]
            if v is not None:
                w = round(_BAR_W * abs(v) / span)
                x = zero if v >= 0 else zero - w
                parts.append(
                    f'<rect x="{x}" y="{y}" width="{w}" height="{bar - 3}" fill="{colour}"></rect>'
                )
            text = cell_text(kind, v) or "–"
            parts.append(f'<text x="{_LABEL_W + _BAR_W + 8}" y="{y + 13}">{escape(text)}</text>')
    parts.append(f'<line x1="{zero}" y1="{legend}" x2="{zero}" y2="{height}" stroke="#666"></line>')
    parts.append("</svg>")
    return "".join(parts)


def funnel_svg(row: KpiRow) -> str:
    steps = row.funnel()
    top = max(steps[0][1], 1)
    height = len(steps) * (_BAR_H + 8)
    # inline SVG in HTML needs no namespace (and so no URL)
    parts = [f'<svg width="{_LABEL_W + _BAR_W + 120}" height="{height}" role="img">']
    for i, (step, n, lost) in enumerate(steps):
        y = i * (_BAR_H + 8)
        w = round(_BAR_W * n / top)
        label = f"{step}: {n}" + ("" if lost is None else f"  (-{cell_text('rate', lost)})")
        parts.append(f'<text x="0" y="{y + 18}">{escape(label)}</text>')
        parts.append(
            f'<rect x="{_LABEL_W}" y="{y}" width="{w}" height="{_BAR_H}" fill="{_BLUE}"></rect>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _table(first: str, columns: Sequence[Column], rows: Sequence[tuple[str, Any, str]]) -> str:
    """rows: (first cell, row object, css class)."""
    heads = "".join(f"<th>{escape(h)}</th>" for h in (first, *(c.heading for c in columns)))
    body = []
    for name, r, cls in rows:
        cells = []
        for c in columns:
            css = ' class="n"' if c.kind not in ("text", "date", "id") else ""
            cells.append(f"<td{css}>{escape(cell_text(c.kind, getattr(r, c.attr)))}</td>")
        body.append(f'<tr class="{cls}"><td>{escape(name)}</td>{"".join(cells)}</tr>')
    return f"<table><thead><tr>{heads}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _page(title: str, body: str) -> str:
    t = escape(title)
    return (
        "<!DOCTYPE html>\n"
        '<html><head><meta charset="utf-8">'
        f"<title>{t}</title><style>{_CSS}</style></head><body>"
        f"<h1>{t}</h1>{body}</body></html>\n"
    )


def kpi_page(report: KpiReport, out: Out) -> None:
    """The KPI table, a chart per figure with a bar per group, the funnel."""
    rows = [(r.group, r, "") for r in report.rows] + [("total", report.total, "total")]
    parts = [_table(report.by, kpi_columns(report), rows)]
    labels = [r.group for r in report.rows]
    for chart in present(KPI_CHARTS, type(report.total)) if report.rows else ():
        values = [getattr(r, chart.attr) for r in report.rows]
        parts.append(f"<h2>{escape(chart.heading)} by {escape(report.by)}</h2>")
        parts.append(bar_chart(chart.heading, labels, [(chart.heading, _BLUE, values, chart.kind)]))
    parts.append("<h2>Funnel (all groups)</h2>")
    parts.append(funnel_svg(report.total))
    parts.append(
        "<p>Outcomes in effect (corrections and undos applied). Rates are shares of the "
        "accounts contacted; contact rate of the target accounts; close rate of the "
        "accounts appointed.</p>"
    )
    out.text(_page(kpi_title(report), "".join(parts)))


def routes_page(rows: list[RouteRow], out: Out) -> None:
    """The route history and planned against actual ROI per route."""
    from fieldsales.services.route_report import RouteRow

    columns = present(ROUTE_COLUMNS, RouteRow)
    parts = [_table("#", columns, [(str(i), r, "") for i, r in enumerate(rows, 1)])]
    if rows:
        parts.append("<h2>Planned against actual ROI per route</h2>")
        series = [
            ("planned ROI", _GREY, [r.planned_roi_pct for r in rows], "pct"),
            ("actual ROI", _GREEN, [r.actual_roi_pct for r in rows], "pct"),
        ]
        parts.append(bar_chart("ROI per route", [route_label(r) for r in rows], series))
    else:
        parts.append("<p>No saved routes match.</p>")
    parts.append(
        "<p>Actual ROI (docs/method.md, 'ROI'): revenue of the orders attributed to the route's "
        "visits x gross margin, against the day rate, km cost, expenses and logged costs. "
        "A route with no stop visited has no actual ROI yet.</p>"
    )
    out.text(_page("Routes", "".join(parts)))
