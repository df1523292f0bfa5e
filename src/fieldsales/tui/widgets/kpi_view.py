"""How the campaign review shows KPIs: the table's columns and cells, the bar chart of
one metric per group (textual-plot), the funnel and the learned rates (Rich tables).

Columns the KPI report gains later (ROI, retention) are shown only when KpiRow
has them, so the screen works before and after they arrive.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich import box
from rich.cells import cell_len
from rich.table import Table
from rich.text import Text
from textual_plot import PlotWidget

from fieldsales.domain.rates import LearnedRate
from fieldsales.i18n import NP_
from fieldsales.i18n.labels import (
    CHANNEL_LABELS,
    FUNNEL_STEPS,
    RATES_COLUMNS,
    REASON_SHORT,
    TARGET_COLUMNS,
    label,
)
from fieldsales.services.kpi_report import KpiRow
from fieldsales.tui.i18n import tr

# (KpiRow field, kind): count, pct (a ratio shown x100), yen
KPI_COLUMNS: tuple[tuple[str, str], ...] = (
    ("contacted", "count"),
    ("contact_rate", "pct"),
    ("reach_rate", "pct"),
    ("response_rate", "pct"),
    ("appointment_rate", "pct"),
    ("reactivation_rate", "pct"),
    ("close_rate", "pct"),
    ("average_order", "yen"),
    ("cost_per_reactivation", "yen"),
    ("roi", "pct"),
    ("retention_rate", "pct"),
    ("revenue", "yen"),
    ("coverage", "pct"),  # only when ranks were computed (by rank, or a rank filter)
)
TOTAL_KEY = "__total__"
# The KPI table on a narrow terminal: columns are left out from the end of this
# list until the table fits, so the main figures never need sideways scrolling.
KPI_KEEP: tuple[str, ...] = (
    "contacted",
    "reactivation_rate",
    "revenue",
    "roi",
    "appointment_rate",
    "contact_rate",
    "reach_rate",
    "response_rate",
    "close_rate",
    "average_order",
    "cost_per_reactivation",
    "coverage",
    "retention_rate",
)


if TYPE_CHECKING:
    from fieldsales.services.targets import CampaignReport


def kpi_columns() -> list[tuple[str, str]]:
    """The columns of KPI_COLUMNS that KpiRow has."""
    fields = KpiRow.__dataclass_fields__
    return [(name, kind) for name, kind in KPI_COLUMNS if name in fields]


def fit_kpi_columns(
    widths: dict[str, int], group_width: int, room: int, padding: int = 2
) -> list[str]:
    """The KPI columns (in table order) that fit `room` cells next to the group
    column: the least needed ones (the end of KPI_KEEP) are left out first.
    `widths` are each column's widest cell, title included."""
    shown = [name for name in widths]
    drop = [name for name in reversed(KPI_KEEP) if name in widths]
    drop += [name for name in reversed(shown) if name not in KPI_KEEP]

    def used() -> int:
        return group_width + padding + sum(widths[n] + padding for n in shown)

    for name in drop:
        if used() <= room or len(shown) <= 1:
            break
        shown.remove(name)
    return shown


def cell(value: Any, kind: str) -> str:
    if value is None:
        return "–"
    if kind == "pct":
        return f"{value * 100:.1f}%"
    return f"{int(value):,}"


def group_label(by: str, key: str, lang: str) -> str:
    """A group's name in the table and the chart: rank letter, channel, reason, rep, week."""
    if key == TOTAL_KEY:
        return tr("Total", lang)
    if by == "channel":
        return label(CHANNEL_LABELS, key, lang)
    if by == "reason":
        return label(REASON_SHORT, key, lang)
    if by == "week":
        return tr("wk {day}", lang, day=key[5:])
    return key


def metric_value(row: KpiRow, metric: str, kind: str) -> float:
    """A row's value for the chart: a percentage for ratios, 0 where there is none."""
    value = getattr(row, metric, None)
    if value is None:
        return 0.0
    return float(value) * 100 if kind == "pct" else float(value)


class MetricChart(PlotWidget, can_focus=False):
    """A bar chart of one metric per group; not focusable, so no pan or zoom keys."""

    def show(self, labels: Sequence[str], values: Sequence[float]) -> None:
        self.clear()
        if not labels:
            return
        self.bar(list(labels), values, bar_style="green")
        top = max(values) if values else 0.0
        self.set_ylimits(0, top * 1.1 if top > 0 else 1)


def funnel_table(row: KpiRow, lang: str, width: int = 30) -> Table:
    """Contacted -> reached -> appointed -> ordered: accounts, a bar and the share lost."""
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, title_justify="left")
    table.add_column(tr("Step", lang), no_wrap=True)
    table.add_column(tr(NP_("count", "Accounts"), lang), justify="right", no_wrap=True)
    table.add_column("", no_wrap=True)
    table.add_column(tr("Lost", lang), justify="right", no_wrap=True)
    steps = row.funnel()
    first = steps[0][1] or 1
    for step, n, lost in steps:
        bar = Text("█" * round(width * n / first), style="green")
        lost_text = "" if lost is None else f"-{lost * 100:.0f}%" if lost > 0 else "0%"
        table.add_row(label(FUNNEL_STEPS, step, lang), f"{n:,}", bar, Text(lost_text, style="red"))
    return table


def rates_table(rates: Sequence[LearnedRate], lang: str, strength: float) -> Table:
    """The rates per rank and channel (docs/method.md#roi): the prior, what was logged, the learned rate."""
    table = Table(
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
        title=tr(
            "Learned rates per rank and channel (prior strength {strength})",
            lang,
            strength=f"{strength:g}",
        ),
        title_justify="left",
    )
    rows = []
    for r in rates:
        c = r.counts
        whole = r.channel == "all"
        channel = tr("all", lang) if whole else label(CHANNEL_LABELS, r.channel, lang)
        rows.append(
            (
                whole,
                [
                    r.rank if whole else "",
                    channel,
                    f"{c.contacts:,}",
                    f"{c.appointments:,}",
                    f"{c.closes:,}",
                    f"{r.prior_appointment * 100:.1f}%",
                    f"{r.appointment * 100:.1f}%",
                    f"{r.prior_close * 100:.1f}%",
                    f"{r.close * 100:.1f}%",
                ],
            )
        )
    keys = ("rank", "channel", "contacts", "appts", "closes", "appt_prior", "appt_learned",
            "close_prior", "close_learned")  # fmt: skip
    for i, key in enumerate(keys):
        title = label(RATES_COLUMNS, key, lang)
        # a narrow terminal wraps a title between its words (a Japanese one anywhere);
        # a cell is never cut
        widest = max([cell_len(cells[i]) for _, cells in rows] + [_longest_word(title)])
        table.add_column(
            title, justify="left" if i < 2 else "right", min_width=widest, overflow="fold"
        )
    for whole, cells in rows:
        table.add_row(
            *cells[:6],
            Text(cells[6], style="bold"),
            cells[7],
            Text(cells[8], style="bold"),
            style="bold" if whole else None,
        )
    return table


def _longest_word(text: str) -> int:
    """The widest word of an English title; Japanese titles have no spaces and may
    break anywhere (a few cells)."""
    if text.isascii():
        return max((cell_len(w) for w in text.split()), default=0)
    return min(cell_len(text), 4)


def targets_table(report: CampaignReport | None, lang: str) -> Table | Text:
    """The campaign to date per rank: reactivations and revenue against the
    cumulative target (pro rata by days) and the whole campaign's target."""
    if report is None:
        return Text(
            tr(
                "No campaign targets set. Add campaign: (name, start, end, targets per rank) to config.yaml; `fieldsales config path` shows the file.",
                lang,
            )
        )
    table = Table(
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        title=tr(
            "{name}  {start}..{end}  ({gone} of the days gone); goals for the whole campaign, targets to date pro rata by days",
            lang,
            name=report.name or "-",
            start=report.start.isoformat(),
            end=report.end.isoformat(),
            gone=f"{report.elapsed * 100:.0f}%",
        ),
        title_justify="left",
    )
    rows = report.latest()
    # headings wrap on a narrow terminal; a figure is never cut (its column's minimum width)
    longest = max((len(f"{w.cum_revenue:,}") for w in rows), default=1)
    longest = max(longest, *(len(f"{t.revenue:,}") for t in report.targets.values()))
    table.add_column(tr("Rank", lang), min_width=5)
    for key in ("t_react", "t_react_due", "t_react_goal", "t_rev", "t_rev_due", "t_rev_goal"):
        wide = key.startswith("t_rev")
        table.add_column(
            label(TARGET_COLUMNS, key.removeprefix("t_"), lang),
            justify="right",
            min_width=longest if wide else 5,
        )
    for w in rows:
        goal = report.targets[w.rank]
        behind = w.reactivation_progress is not None and w.reactivation_progress < 1
        table.add_row(
            tr("Total", lang) if w.rank == "total" else w.rank,
            Text(f"{w.cum_reactivations:,}", style="bold red" if behind else "bold"),
            f"{w.target_reactivations:.1f}",
            f"{goal.reactivations:,}",
            Text(f"{w.cum_revenue:,}", style="bold"),
            f"{w.target_revenue:,}",
            f"{goal.revenue:,}",
            style="bold" if w.rank == "total" else None,
        )
    return table
