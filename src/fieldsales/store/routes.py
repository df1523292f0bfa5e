"""Saved routes: read and write queries (portable SQL: SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlmodel import Session, col, select

from fieldsales.store import outbox
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


def add_route(session: Session, route: Route, stops: Sequence[RouteStop]) -> str:
    """Insert a saved plan: the route, then its stops; returns the route's id."""
    session.add(route)
    session.flush()
    for stop in stops:
        session.add(stop)
    session.flush()
    outbox.route_saved(session, route, stops)
    return route.id


def mark_stop(session: Session, route_id: str, account_id: str, status: str, now: datetime) -> bool:
    """Set a stop's status (done: it departed `now`); the route follows: in progress
    while a stop is still planned, else done. False when the account is no stop of it."""
    stops = session.exec(select(RouteStop).where(col(RouteStop.route_id) == route_id)).all()
    stop = next((s for s in stops if s.account_id == account_id), None)
    if stop is None:
        return False
    stop.status, stop.updated_at = status, now
    if status == "done":
        stop.actual_departure = now
    route = session.get(Route, route_id)
    if route is not None:
        open_ = [s for s in stops if s.status == "planned"]
        route.status = "in_progress" if open_ else "done"
        route.updated_at = now
        session.flush()
        outbox.route_saved(session, route, stops)
    return True


def stop_ids(session: Session, route_id: str) -> dict[str, str]:
    """Account id -> route stop id of a saved route (outcomes link to their stop)."""
    rows = session.exec(select(RouteStop).where(col(RouteStop.route_id) == route_id)).all()
    return {r.account_id: r.id for r in rows}
