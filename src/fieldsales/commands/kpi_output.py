"""The KPI report's table (rich) and HTML page (one self-contained file)."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from fieldsales.services.kpi_report import KpiReport, KpiRow

if TYPE_CHECKING:
    from rich.console import Console

# (heading, value as text) per column of the table and the page
_HEADS = (
    "targets", "contacted", "contact\nrate", "reach", "response", "appoint.", "react.",
    "react.\nrate", "close", "orders", "revenue", "avg order", "cost", "cost /\nreact.",
)  # fmt: skip


def _pct(v: float | None) -> str:
    return "" if v is None else f"{v * 100:.0f}%"


def _yen(v: int | None) -> str:
    return "" if v is None else f"{v:,}"


def _cells(r: KpiRow) -> list[str]:
    return [
        str(r.targets),
        str(r.contacted),
        _pct(r.contact_rate),
        _pct(r.reach_rate),
        _pct(r.response_rate),
        _pct(r.appointment_rate),
        str(r.reactivated),
        _pct(r.reactivation_rate),
        _pct(r.close_rate),
        str(r.orders),
        _yen(r.revenue),
        _yen(r.average_order),
        _yen(r.cost),
        _yen(r.cost_per_reactivation),
    ]


def _title(report: KpiReport) -> str:
    parts = [f"KPIs by {report.by}"]
    if report.period:
        parts.append(report.period)
    if report.rep:
        parts.append(f"rep {report.rep}")
    return "  ".join(parts)


def _funnel_text(row: KpiRow) -> str:
    steps = []
    for step, n, lost in row.funnel():
        steps.append(f"{step} {n}" + ("" if lost is None else f" (-{_pct(lost)})"))
    return " -> ".join(steps)


def print_table(report: KpiReport, console: Console) -> None:
    from rich import box
    from rich.table import Table

    table = Table(title=_title(report), box=box.SIMPLE, pad_edge=False, collapse_padding=True)
    table.add_column(report.by, justify="left", no_wrap=True)
    for h in _HEADS:
        table.add_column(h, justify="right", no_wrap=True)
    for r in report.rows:
        table.add_row(r.group, *_cells(r))
    table.add_section()
    table.add_row("total", *_cells(report.total))
    console.print(table)
    console.print(f"funnel: {_funnel_text(report.total)}", markup=False, highlight=False)
    if not report.rows:
        console.print("no outcomes match", markup=False)


_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { padding: 0.3em 0.6em; border-bottom: 1px solid #ddd; }
th { background: #f3f3f3; white-space: pre-line; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: bold; border-top: 2px solid #888; }
svg text { font-size: 13px; }
"""

_BAR_W, _BAR_H, _LABEL_W = 420, 26, 190


def _funnel_svg(row: KpiRow) -> str:
    steps = row.funnel()
    top = max(steps[0][1], 1)
    height = len(steps) * (_BAR_H + 8)
    # inline SVG in HTML needs no namespace (and so no URL)
    parts = [f'<svg width="{_LABEL_W + _BAR_W + 120}" height="{height}" role="img">']
    for i, (step, n, lost) in enumerate(steps):
        y = i * (_BAR_H + 8)
        w = round(_BAR_W * n / top)
        label = f"{step}: {n}" + ("" if lost is None else f"  (-{_pct(lost)})")
        parts.append(f'<text x="0" y="{y + 18}">{escape(label)}</text>')
        parts.append(
            f'<rect x="{_LABEL_W}" y="{y}" width="{w}" height="{_BAR_H}" fill="#3b7dd8"></rect>'
        )
    parts.append("</svg>")
    return "".join(parts)


def html_page(report: KpiReport) -> str:
    """One self-contained page: inline CSS, the KPI table and the funnel as inline SVG."""
    title = escape(_title(report))
    heads = "".join(f"<th>{escape(h)}</th>" for h in (report.by, *_HEADS))
    body = []
    for r, cls in [*((r, "") for r in report.rows), (report.total, "total")]:
        cells = "".join(f'<td class="n">{escape(c)}</td>' for c in _cells(r))
        body.append(f'<tr class="{cls}"><td>{escape(r.group)}</td>{cells}</tr>')
    return (
        "<!DOCTYPE html>\n"
        '<html><head><meta charset="utf-8">'
        f"<title>{title}</title><style>{_CSS}</style></head><body>"
        f"<h1>{title}</h1>"
        f"<table><thead><tr>{heads}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        "<h2>Funnel (all groups)</h2>"
        f"{_funnel_svg(report.total)}"
        "<p>Outcomes in effect (corrections and undos applied). Rates are shares of the "
        "accounts contacted; contact rate of the target accounts; close rate of the "
        "accounts appointed.</p>"
        "</body></html>\n"
    )
