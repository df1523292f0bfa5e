"""What every format of `fieldsales report` shares: the columns, their text, where output goes.

A format is one writer function `(report, out)`; each report kind (KPIs,
routes, one route's stops) keeps a dict from format name to `Format`, so a
new format is one entry. Columns are (heading, attribute, kind): a column
whose attribute the row type does not have (yet) is left out, so the writers
follow the fields KpiRow has.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import IO, TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from rich.console import Console

WIDE = 160  # columns of a table written to a file or a pipe


@dataclass
class Out:
    """Where a report goes: a file (text or binary, as the format asks) or the terminal."""

    fh: IO[Any]
    terminal: Console | None = None  # the terminal's console, when printing to one

    def console(self) -> Console:
        """The terminal's console; a wide one for a file or a pipe (nothing to fit there)."""
        if self.terminal is not None:
            return self.terminal
        from rich.console import Console

        return Console(file=self.fh, width=WIDE)

    def text(self, text: str) -> None:
        self.fh.write(text.rstrip("\n") + "\n")


@dataclass(frozen=True)
class Format:
    write: Callable[[Any, Out], None]
    binary: bool = False  # written to a file only (never to a terminal)


class Column(NamedTuple):
    heading: str  # may hold a line break for narrow tables
    attr: str
    # int, yen, rate (a ratio: 0.4 is 40%, 5.0 is 500%), pct (already a percentage),
    # km, text, date, id
    kind: str

    @property
    def title(self) -> str:
        """The heading on one line (HTML, spreadsheets)."""
        return self.heading.replace("\n", " ")


# the KPI columns, in order; fields another change adds to KpiRow show up here
# as soon as KpiRow has them (gross_profit, roi, retained, retention_rate, coverage)
KPI_COLUMNS: tuple[Column, ...] = (
    Column("targets", "targets", "int"),
    Column("contacted", "contacted", "int"),
    Column("contact\nrate", "contact_rate", "rate"),
    Column("reach", "reach_rate", "rate"),
    Column("response", "response_rate", "rate"),
    Column("appoint.", "appointment_rate", "rate"),
    Column("react.", "reactivated", "int"),
    Column("react.\nrate", "reactivation_rate", "rate"),
    Column("close", "close_rate", "rate"),
    Column("orders", "orders", "int"),
    Column("revenue", "revenue", "yen"),
    Column("avg order", "average_order", "yen"),
    Column("gross\nprofit", "gross_profit", "yen"),
    Column("cost", "cost", "yen"),
    Column("cost /\nreact.", "cost_per_reactivation", "yen"),
    Column("ROI", "roi", "rate"),
    Column("retained", "retained", "int"),
    Column("retention", "retention_rate", "rate"),
    Column("coverage", "coverage", "rate"),
)

ROUTE_COLUMNS: tuple[Column, ...] = (
    Column("date", "day", "date"),
    Column("rep", "rep", "text"),
    Column("route id", "route_id", "id"),
    Column("status", "status", "text"),
    Column("stops", "stops_planned", "int"),
    Column("visited", "stops_visited", "int"),
    Column("km", "km", "km"),
    Column("planned\nrevenue", "planned_revenue", "yen"),
    Column("planned\ncost", "planned_cost", "yen"),
    Column("planned\nROI", "planned_roi_pct", "pct"),
    Column("revenue", "actual_revenue", "yen"),
    Column("gross\nprofit", "actual_gross_profit", "yen"),
    Column("cost", "actual_cost", "yen"),
    Column("actual\nROI", "actual_roi_pct", "pct"),
    Column("orders", "orders", "int"),
    Column("react.", "reactivations", "int"),
)


def present(columns: tuple[Column, ...], row_type: type) -> tuple[Column, ...]:
    """The columns whose attribute the (dataclass) row type has."""
    names = {f.name for f in dataclasses.fields(row_type)}
    return tuple(c for c in columns if c.attr in names or hasattr(row_type, c.attr))


def kpi_columns(report: Any) -> tuple[Column, ...]:
    """The KPI columns the report's rows have."""
    return present(KPI_COLUMNS, type(report.total))


def kpi_title(report: Any) -> str:
    """KPIs by rank  2026-11  rep Sato"""
    parts = [f"KPIs by {report.by}"]
    if report.period:
        parts.append(report.period)
    if report.rep:
        parts.append(f"rep {report.rep}")
    return "  ".join(parts)


def route_label(r: Any) -> str:
    """2026-11-10 Sato 3f2a9c01: a route as a chart names it."""
    return f"{r.day.isoformat()} {r.rep} {r.route_id[:8]}"


def cell_text(kind: str, value: Any) -> str:
    """A value as a person reads it: 1,200,000 / 40% / 12.5 / 2026-11-10."""
    if value is None:
        return ""
    if kind == "yen":
        return f"{value:,}"
    if kind == "rate":
        return f"{value * 100:.0f}%"
    if kind == "pct":
        return f"{value:.0f}%"
    if kind == "km":
        return f"{value:.1f}"
    if kind == "id":
        return str(value)[:8]
    if kind == "date" and isinstance(value, date):
        return value.isoformat()
    return str(value)


def display_width(text: str) -> int:
    """Columns the text takes in a spreadsheet or terminal (wide CJK characters count 2)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
