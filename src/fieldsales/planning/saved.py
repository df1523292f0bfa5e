"""Saving a plan: it becomes a Route with its RouteStops; stops are marked done or skipped.

Service code; the queries themselves are store.routes.
"""

from __future__ import annotations

from datetime import UTC
from typing import TYPE_CHECKING

from fieldsales.config import Settings
from fieldsales.planning.day_model import PlanError
from fieldsales.planning.planned_day import PlannedDay, local_dt
from fieldsales.planning.text import lunch_text
from fieldsales.store import routes, unit
from fieldsales.store.models import Route, RouteStop, utcnow

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

STOP_STATUSES = ("planned", "done", "skipped")


def save_plan(engine: Engine, settings: Settings, pd: PlannedDay) -> str:
    """Store the plan as a route (status planned); returns the route id."""
    plan = pd.plan
    zone = settings.zone()
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
        notes=f"lunch {lunch_text(plan)}" if plan.lunch else None,
    )
    stops = [
        RouteStop(
            route_id=route.id,
            account_id=s.account_id,
            seq=seq,
            planned_arrival=local_dt(plan.day, s.start_s, zone).astimezone(UTC),
            planned_departure=local_dt(plan.day, s.departure_s, zone).astimezone(UTC),
            leg_km=round(s.leg_km, 2),
            leg_minutes=round(s.leg_s / 60),
            score=round(s.value, 1),
            in_window=s.in_window,
            locked=s.account_id in pd.locked,
            pinned=s.pinned,
        )
        for seq, s in enumerate(plan.stops, start=1)
    ]
    with unit.writing(engine) as session:
        route_id = routes.add_route(session, route, stops)
    pd.route_id = route_id
    return route_id


def mark_stop(engine: Engine, route_id: str, account_id: str, status: str) -> None:
    """Mark a saved stop done or skipped; the route follows (in progress, done)."""
    if status not in STOP_STATUSES:
        raise PlanError(f"{status}: a stop is one of {', '.join(STOP_STATUSES)}")
    with unit.writing(engine) as session:
        if not routes.mark_stop(session, route_id, account_id, status, utcnow()):
            raise PlanError(f"{account_id}: not a stop of route {route_id}")


def route_stop_ids(engine: Engine, route_id: str) -> dict[str, str]:
    """Account id -> route stop id of a saved route (outcomes link to their stop)."""
    with unit.reading(engine) as session:
        return routes.stop_ids(session, route_id)
