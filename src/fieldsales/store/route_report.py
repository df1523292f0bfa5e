"""SQL for the route history (issue 14 section 2): one row per saved route.

Everything is aggregated in the database (GROUP BY per route), so the same
queries serve a team's PostgreSQL; the only dialect-specific piece is the
day difference, compiled per dialect below.

What counts (the same rules as the attribution in store/outcome_log.py):
- outcomes in effect only (queries.in_effect: corrections and undos applied);
- a stop is visited when it is marked done or an outcome was logged against it;
- revenue is the order amounts of outcomes linked to the route's stops
  (`route_stop_id`, set when the order was logged within roi.attribution_days),
  gross profit each amount x the account's gross margin (else roi.gross_margin);
- expenses are the `cost` of every outcome linked to the route's stops;
- a reactivation is an account whose attributed order came after it had
  turned dormant (docs/method.md#stages: the order day is past last order +
  dormancy.at_risk_max_cycles purchase cycles, or no order was ever known).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session, col

from fieldsales.config import Settings
from fieldsales.domain.vocab import UNDO
from fieldsales.store.models import Account, Outcome, Route, RouteStop
from fieldsales.store.queries import in_effect


class days_between(FunctionElement[float]):  # named like the SQL function it stands for
    """Whole days from the date of `start` to the date of `end` (end - start)."""

    type = sa.Float()
    inherit_cache = True
    name = "days_between"


@compiles(days_between)
def _days_between_default(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    end, start = (compiler.process(c, **kw) for c in element.clauses)
    return f"(CAST({end} AS DATE) - CAST({start} AS DATE))"  # PostgreSQL: an integer


@compiles(days_between, "sqlite")
def _days_between_sqlite(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    end, start = (compiler.process(c, **kw) for c in element.clauses)
    return f"(julianday(date({end})) - julianday(date({start})))"


def order_with_amount() -> sa.ColumnElement[bool]:
    """An outcome that is an order with its amount (what revenue is made of)."""
    return sa.and_(col(Outcome.result) == "order", col(Outcome.order_amount).is_not(None))


def dormant_when_logged(settings: Settings) -> sa.ColumnElement[bool]:
    """The account had gone quiet when the outcome was logged: past at_risk's limit
    of purchase cycles since its last order (compute_stage's rule), or no order known."""
    cycle = sa.case(
        (col(Account.purchase_cycle_days) > 0, col(Account.purchase_cycle_days)),
        else_=settings.dormancy.default_cycle_days,
    )
    return sa.or_(
        col(Account.last_order_date).is_(None),
        days_between(col(Outcome.occurred_at), col(Account.last_order_date))
        > cycle * settings.dormancy.at_risk_max_cycles,
    )


@dataclass(frozen=True)
class RouteFigures:
    id: str
    day: date
    rep: str
    status: str
    planned_km: float
    actual_km: float | None
    planned_revenue: int
    planned_cost: int
    planned_roi_pct: float | None
    stops_planned: int
    stops_visited: int
    revenue: int  # yen, orders in effect attributed to the route's stops
    gross_profit: float  # yen, before rounding
    expenses: int  # yen, costs logged on the route's outcomes
    orders: int
    reactivations: int


def _logged_stops() -> sa.Select[Any]:
    return sa.select(col(Outcome.route_stop_id)).where(
        col(Outcome.route_stop_id).is_not(None), col(Outcome.result) != UNDO, in_effect()
    )


def route_figures(
    *,
    session: Session,
    settings: Settings,
    first_day: date | None = None,
    last_day: date | None = None,
    rep: str | None = None,
    route_id: str | None = None,
) -> list[RouteFigures]:
    """Per saved route (cancelled ones left out), oldest day first: what was
    planned and what was logged. Three grouped queries joined on the route id."""
    visited = sa.or_(col(RouteStop.status) == "done", col(RouteStop.id).in_(_logged_stops()))
    stops = (
        sa.select(
            col(RouteStop.route_id).label("route_id"),
            sa.func.count().label("planned"),
            sa.func.sum(sa.case((visited, 1), else_=0)).label("visited"),
        )
        .group_by(col(RouteStop.route_id))
        .subquery("stops")
    )
    is_order = order_with_amount()
    margin = sa.func.coalesce(col(Account.gross_margin), settings.roi.gross_margin)
    was_dormant = dormant_when_logged(settings)
    logged = (
        sa.select(
            col(RouteStop.route_id).label("route_id"),
            sa.func.sum(sa.case((is_order, col(Outcome.order_amount)), else_=0)).label("revenue"),
            sa.func.sum(sa.case((is_order, col(Outcome.order_amount) * margin), else_=0.0)).label(
                "profit"
            ),
            sa.func.sum(sa.func.coalesce(col(Outcome.cost), 0)).label("expenses"),
            sa.func.sum(sa.case((is_order, 1), else_=0)).label("orders"),
            sa.func.count(
                sa.distinct(
                    sa.case((sa.and_(is_order, was_dormant), col(Outcome.account_id)), else_=None)
                )
            ).label("reactivations"),
        )
        .select_from(Outcome)
        .join(RouteStop, col(RouteStop.id) == col(Outcome.route_stop_id))
        .join(Account, col(Account.id) == col(Outcome.account_id))
        .where(in_effect())
        .group_by(col(RouteStop.route_id))
        .subquery("logged")
    )
    stmt = (
        sa.select(
            col(Route.id),
            col(Route.day),
            col(Route.rep),
            col(Route.status),
            col(Route.planned_km),
            col(Route.actual_km),
            col(Route.planned_revenue),
            col(Route.planned_cost),
            col(Route.planned_roi_pct),
            sa.func.coalesce(stops.c.planned, 0),
            sa.func.coalesce(stops.c.visited, 0),
            sa.func.coalesce(logged.c.revenue, 0),
            sa.func.coalesce(logged.c.profit, 0.0),
            sa.func.coalesce(logged.c.expenses, 0),
            sa.func.coalesce(logged.c.orders, 0),
            sa.func.coalesce(logged.c.reactivations, 0),
        )
        .select_from(Route)
        .outerjoin(stops, stops.c.route_id == col(Route.id))
        .outerjoin(logged, logged.c.route_id == col(Route.id))
        .where(col(Route.status) != "cancelled")
        .order_by(col(Route.day), col(Route.rep), col(Route.created_at), col(Route.id))
    )
    if first_day is not None:
        stmt = stmt.where(col(Route.day) >= first_day)
    if last_day is not None:
        stmt = stmt.where(col(Route.day) <= last_day)
    if rep is not None:
        stmt = stmt.where(col(Route.rep) == rep)
    if route_id is not None:
        stmt = stmt.where(col(Route.id) == route_id)
    return [
        RouteFigures(
            id=r[0],
            day=r[1],
            rep=r[2],
            status=r[3],
            planned_km=float(r[4]),
            actual_km=None if r[5] is None else float(r[5]),
            planned_revenue=int(r[6]),
            planned_cost=int(r[7]),
            planned_roi_pct=r[8],
            stops_planned=int(r[9]),
            stops_visited=int(r[10]),
            revenue=int(r[11]),
            gross_profit=float(r[12]),
            expenses=int(r[13]),
            orders=int(r[14]),
            reactivations=int(r[15]),
        )
        for r in session.execute(stmt)
    ]


def find_route_id(*, session: Session, ref: str) -> str | None:
    """A route's id from its id or a unique prefix of at least 6 characters."""
    if session.get(Route, ref) is not None:
        return ref
    if len(ref) < 6:
        return None
    found = session.execute(
        sa.select(col(Route.id)).where(col(Route.id).startswith(ref)).limit(2)
    ).all()
    return str(found[0][0]) if len(found) == 1 else None


@dataclass(frozen=True)
class StopOutcome:
    seq: int
    stop_id: str
    account_id: str
    company: str
    site: str | None
    stop_status: str
    # the outcome in effect logged against the stop, if any (None for a stop without one)
    occurred_at: datetime | None
    channel: str | None
    result: str | None
    order_amount: int | None
    cost: int | None
    notes: str | None


def route_stop_outcomes(*, session: Session, route_id: str) -> list[StopOutcome]:
    """The route's stops in visiting order, each with its outcomes in effect
    (one row per outcome, oldest first; a stop without any gets one empty row)."""
    effective = (
        sa.select(Outcome)
        .where(in_effect(), col(Outcome.route_stop_id).is_not(None))
        .subquery("effective")
    )
    stmt = (
        sa.select(
            col(RouteStop.seq),
            col(RouteStop.id),
            col(RouteStop.account_id),
            col(Account.company),
            col(Account.site),
            col(RouteStop.status),
            effective.c.occurred_at,
            effective.c.channel,
            effective.c.result,
            effective.c.order_amount,
            effective.c.cost,
            effective.c.notes,
        )
        .select_from(RouteStop)
        .join(Account, col(Account.id) == col(RouteStop.account_id))
        .outerjoin(effective, effective.c.route_stop_id == col(RouteStop.id))
        .where(col(RouteStop.route_id) == route_id)
        .order_by(col(RouteStop.seq), effective.c.occurred_at, effective.c.id)
    )
    return [StopOutcome(*r) for r in session.execute(stmt)]
