"""The route history: planned against actual ROI per saved route (issue 14 section 2).

Actual ROI is the formula of docs/method.md#roi (domain.roi.actual_roi) on what was
logged: orders attributed to the route's visits x gross margin, against the
day rate + km x roi.cost_per_km + roi.expenses_per_day + the costs logged on
the route's outcomes. Km is the route's actual km where one was recorded,
else its planned km (the app does not log driven km today). A route none of
whose stops was visited yet has no actual ROI (it has not happened).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import asdict, dataclass
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING, Any

from fieldsales.config import Settings
from fieldsales.domain.roi import actual_roi
from fieldsales.errors import UserError
from fieldsales.store import route_report, unit
from fieldsales.store.route_report import StopOutcome

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


class ReportError(UserError):
    """A report asked for something that cannot be given (bad period, unknown route)."""

    title = "Report"


@dataclass(frozen=True)
class RouteRow:
    route_id: str
    day: date
    rep: str
    status: str
    stops_planned: int
    stops_visited: int
    km: float
    planned_revenue: int
    planned_cost: int
    planned_roi_pct: float | None
    actual_revenue: int
    actual_gross_profit: int
    actual_expenses: int
    actual_cost: int | None
    actual_roi_pct: float | None
    orders: int
    reactivations: int

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["day"] = self.day.isoformat()
        for k in ("planned_roi_pct", "actual_roi_pct"):
            if d[k] is not None:
                d[k] = round(d[k], 1)
        return d


COLUMNS: tuple[str, ...] = tuple(RouteRow.__dataclass_fields__)

_PERIOD = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


def period_bounds(period: str) -> tuple[date, date]:
    """First and last day of a period: a month (2026-11), one day (2026-11-20), or a
    range of them (2026-10..2026-12, 2026-11-02..2026-11-08)."""
    text = period.strip()
    if ".." in text:
        left, right = text.split("..", 1)
        first, _ = period_bounds(left)
        _, last = period_bounds(right)
        if last < first:
            raise ReportError(f"period {period!r}: ends before it starts")
        return first, last
    m = _PERIOD.match(text)
    try:
        if m is None:
            raise ValueError(period)
        year, month = int(m[1]), int(m[2])
        if m[3] is not None:
            day = date(year, month, int(m[3]))
            return day, day
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    except ValueError:
        raise ReportError(
            f"period {period!r}: give a month as YYYY-MM (2026-11), a day as YYYY-MM-DD,"
            " or a range FROM..TO of them (2026-10..2026-12)"
        ) from None


def route_rows(
    engine: Engine,
    settings: Settings,
    *,
    period: str | None = None,
    rep: str | None = None,
    route_id: str | None = None,
) -> list[RouteRow]:
    """One row per saved route of the period (all when None) and rep, oldest first."""
    first, last = period_bounds(period) if period else (None, None)
    with unit.reading(engine) as session:
        figures = route_report.route_figures(
            session=session,
            settings=settings,
            first_day=first,
            last_day=last,
            rep=rep,
            route_id=route_id,
        )
    return [_row(f, settings) for f in figures]


def _row(f: route_report.RouteFigures, settings: Settings) -> RouteRow:
    km = f.actual_km if f.actual_km is not None else f.planned_km
    gross_profit = round(f.gross_profit)
    cost: int | None = None
    roi: float | None = None
    if f.stops_visited > 0:
        day = actual_roi(f.revenue, gross_profit, km, f.expenses, settings.roi)
        cost, roi = day.cost, day.roi_pct
    return RouteRow(
        route_id=f.id,
        day=f.day,
        rep=f.rep,
        status=f.status,
        stops_planned=f.stops_planned,
        stops_visited=f.stops_visited,
        km=round(km, 1),
        planned_revenue=f.planned_revenue,
        planned_cost=f.planned_cost,
        planned_roi_pct=f.planned_roi_pct,
        actual_revenue=f.revenue,
        actual_gross_profit=gross_profit,
        actual_expenses=f.expenses,
        actual_cost=cost,
        actual_roi_pct=roi,
        orders=f.orders,
        reactivations=f.reactivations,
    )


@dataclass(frozen=True)
class RouteDetail:
    row: RouteRow
    stops: list[StopOutcome]
    zone: tzinfo | None = None  # the config timezone: the days the stops are shown in


def route_detail(engine: Engine, settings: Settings, ref: str) -> RouteDetail:
    """A route's figures and its stops with their outcomes; `ref` is an id or a unique prefix."""
    with unit.reading(engine) as session:
        route_id = route_report.find_route_id(session=session, ref=ref)
        if route_id is None:
            raise ReportError(f"route {ref!r}: not found; `fieldsales report --by route` lists ids")
        stops = route_report.route_stop_outcomes(session=session, route_id=route_id)
    rows = route_rows(engine, settings, route_id=route_id)
    if not rows:
        raise ReportError(f"route {ref!r}: cancelled; it has no figures")
    return RouteDetail(rows[0], stops, settings.zone())


def stop_dict(s: StopOutcome) -> dict[str, Any]:
    d = asdict(s)
    occurred = d["occurred_at"]
    d["occurred_at"] = occurred.isoformat() if isinstance(occurred, datetime) else None
    return d
