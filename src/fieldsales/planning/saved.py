"""Saving a plan: it becomes a Route with its RouteStops; stops are marked done or skipped."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from fieldsales.config import Settings
from fieldsales.planning.day_model import PlanError
from fieldsales.planning.planned_day import PlannedDay, local_dt


def save_plan(engine: Engine, settings: Settings, pd: PlannedDay) -> str:
    """Store the plan as a route (status planned); returns the route id."""
    from datetime import UTC

    from fieldsales.store.db import session_scope
    from fieldsales.store.models import Route, RouteStop

    plan = pd.plan
    lunch = ""
    if plan.lunch:
        a, b = (local_dt(plan.day, x).strftime("%H:%M") for x in plan.lunch)
        lunch = f"lunch {a}-{b}"
    with session_scope(engine) as session:
        route = Route(
            rep=settings.rep_name(),
            day=plan.day,
            start_label=plan.start.label,
            start_lat=plan.start.lat,
            start_lon=plan.start.lon,
            end_label=plan.end.label,
            end_lat=plan.end.lat,
            end_lon=plan.end.lon,
            planned_score=round(plan.score, 1),
            planned_km=round(plan.km, 2),
            planned_minutes=(plan.return_s - plan.depart_s) // 60,
            planned_revenue=pd.roi.expected_revenue,
            planned_cost=pd.roi.cost,
            planned_roi_pct=pd.roi.roi_pct,
            notes=lunch or None,
        )
        session.add(route)
        session.flush()
        for seq, s in enumerate(plan.stops, start=1):
            session.add(
                RouteStop(
                    route_id=route.id,
                    account_id=s.account_id,
                    seq=seq,
                    planned_arrival=local_dt(plan.day, s.start_s).astimezone(UTC),
                    planned_departure=local_dt(plan.day, s.departure_s).astimezone(UTC),
                    leg_km=round(s.leg_km, 2),
                    leg_minutes=round(s.leg_s / 60),
                    score=round(s.value, 1),
                    in_window=s.in_window,
                    locked=s.account_id in pd.locked,
                    pinned=s.pinned,
                )
            )
        pd.route_id = route.id
        return route.id


STOP_STATUSES = ("planned", "done", "skipped")


def mark_stop(engine: Engine, route_id: str, account_id: str, status: str) -> None:
    """Mark a saved stop done or skipped; the route follows (in progress, done)."""
    from sqlmodel import select

    from fieldsales.store.db import session_scope
    from fieldsales.store.models import Route, RouteStop, utcnow

    if status not in STOP_STATUSES:
        raise PlanError(f"{status}: a stop is one of {', '.join(STOP_STATUSES)}")
    with session_scope(engine) as session:
        stops = session.exec(select(RouteStop).where(RouteStop.route_id == route_id)).all()
        stop = next((s for s in stops if s.account_id == account_id), None)
        if stop is None:
            raise PlanError(f"{account_id}: not a stop of route {route_id}")
        now = utcnow()
        stop.status, stop.updated_at = status, now
        if status == "done":
            stop.actual_departure = now
        route = session.get(Route, route_id)
        if route is not None:
            open_ = [s for s in stops if s.status == "planned"]
            route.status = "in_progress" if open_ else "done"
            route.updated_at = now


def route_stop_ids(engine: Engine, route_id: str) -> dict[str, str]:
    """Account id -> route stop id of a saved route (outcomes link to their stop)."""
    from sqlmodel import Session, select

    from fieldsales.store.models import RouteStop

    with Session(engine) as session:
        rows = session.exec(select(RouteStop).where(RouteStop.route_id == route_id)).all()
        return {r.account_id: r.id for r in rows}
