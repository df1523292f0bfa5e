"""Read queries on saved routes (portable SQL: SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from fieldsales.store.models import Route, RouteStop


def latest_route(session: Session, *, rep: str, day: date) -> tuple[Route, list[RouteStop]] | None:
    """The rep's most recently saved route of `day` with its stops in visiting order.

    Saving after an edit writes a new route version; the newest one is the plan.
    Cancelled routes are not plans any more.
    """
    route = session.exec(
        select(Route)
        .where(col(Route.rep) == rep, col(Route.day) == day, col(Route.status) != "cancelled")
        .order_by(col(Route.created_at).desc(), col(Route.id).desc())
        .limit(1)
    ).first()
    if route is None:
        return None
    stops = session.exec(
        select(RouteStop).where(col(RouteStop.route_id) == route.id).order_by(col(RouteStop.seq))
    ).all()
    return route, list(stops)
