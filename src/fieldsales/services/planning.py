"""Use cases of route planning: a day, a week, re-plan from here, save, edit.

Candidates come from the ranking (services.rank) measured from the day's
start; exclusions follow METHOD section 8; the solver may run in-process or
in the warm worker (pass `solve=`). Every plan handed out has passed
domain.plancheck.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy.engine import Engine

from fieldsales.config import Settings
from fieldsales.domain.optimise import plan_model
from fieldsales.domain.plancheck import verify
from fieldsales.domain.roi import DayRoi, VisitEconomics, planned_roi
from fieldsales.domain.routing import (
    Candidate,
    DayModel,
    DayPlan,
    Pin,
    Place,
    PlanError,
    base_model,
    duration_for,
    exclusion_reason,
    schedule,
)
from fieldsales.domain.solver import SolveFn
from fieldsales.services.rank import RankedAccount, RankFilter, rank_accounts, resolve_origin


@dataclass(frozen=True)
class PinRequest:
    """A fixed appointment asked for by the rep: account id/external id at HH:MM."""

    account: str
    at: time


@dataclass
class PlannedDay:
    model: DayModel
    plan: DayPlan
    accounts: dict[str, RankedAccount]  # every account the model knows, by id
    excluded: dict[str, str]  # account id -> reason
    roi: DayRoi
    locked: set[str] = field(default_factory=set)
    route_id: str | None = None

    def account(self, account_id: str) -> RankedAccount:
        return self.accounts[account_id]


def local_dt(day: date, seconds: int) -> datetime:
    """Seconds since local midnight -> aware local datetime (shown) ..."""
    return (datetime.combine(day, time(0)) + timedelta(seconds=seconds)).astimezone()


def place_of(spec: str | None, engine: Engine, settings: Settings) -> Place:
    label, lat, lon = resolve_origin(spec, engine, settings)
    return Place(label, lat, lon)


def day_roi(plan: DayPlan, accounts: dict[str, RankedAccount], settings: Settings) -> DayRoi:
    visits = [
        VisitEconomics(
            accounts[s.account_id].rank,
            accounts[s.account_id].average_order,
            accounts[s.account_id].gross_margin,
        )
        for s in plan.stops
    ]
    return planned_roi(visits, plan.km, settings.roi)


def eligible(
    ranked: Sequence[RankedAccount], day: date, settings: Settings
) -> tuple[list[RankedAccount], dict[str, str]]:
    """Split ranked accounts into visitable ones and the excluded with their reason."""
    ok: list[RankedAccount] = []
    excluded: dict[str, str] = {}
    stages = set(settings.visits.plan_stages)
    for a in ranked:
        why = exclusion_reason(a, day, settings)
        if why is None and a.stage not in stages:
            why = f"stage {a.stage}"
        if why is None:
            ok.append(a)
        else:
            excluded[a.id] = why
    return ok, excluded


def _find(ref: str, ranked: Sequence[RankedAccount]) -> RankedAccount:
    for a in ranked:
        if ref in (a.id, a.external_id):
            return a
    raise PlanError(f"{ref}: no such account")


def _build(
    engine: Engine,
    settings: Settings,
    *,
    day: date,
    start: Place,
    end: Place,
    pins: Sequence[PinRequest] = (),
    max_stops: int | None = None,
    skip: set[str] | frozenset[str] = frozenset(),
    within_km: float | None = None,
    earliest_s: int | None = None,
    ranked: Sequence[RankedAccount] | None = None,
) -> tuple[DayModel, dict[str, RankedAccount], dict[str, str]]:
    if ranked is None:
        ranked = rank_accounts(
            engine,
            settings,
            origin=(start.lat, start.lon),
            filters=RankFilter(show_all=True),
            today=day,
        )
    ok, excluded = eligible(ranked, day, settings)
    pin_objs: list[Pin] = []
    pinned: set[str] = set()
    for req in pins:
        acc = _find(req.account, ranked)
        if acc.id in excluded:
            raise PlanError(f"{acc.company}: cannot pin, {excluded[acc.id]}")
        at = req.at.hour * 3600 + req.at.minute * 60
        pin_objs.append(
            Pin(
                acc.id,
                acc.lat or 0.0,
                acc.lon or 0.0,
                at,
                duration_for(acc.rank, settings),
                acc.score.total,
            )
        )
        pinned.add(acc.id)
    cands = [
        Candidate(
            a.id, a.lat or 0.0, a.lon or 0.0, a.score.total, duration_for(a.rank, settings), a.rank
        )
        for a in ok
        if a.id not in pinned
        and a.id not in skip
        and (within_km is None or (a.distance_km is not None and a.distance_km <= within_km))
    ]
    model = base_model(
        settings,
        day,
        start,
        end,
        candidates=cands,
        pins=pin_objs,
        max_stops=max_stops,
        earliest_s=earliest_s,
        excluded_ids=frozenset(excluded),
    )
    return model, {a.id: a for a in ranked}, excluded


def _solve(model: DayModel, settings: Settings, solve: SolveFn | None) -> DayPlan:
    v = settings.visits
    return plan_model(
        model, timeout_s=v.solver_seconds, exploration=v.solver_exploration, solve=solve
    )


def plan_day(
    engine: Engine,
    settings: Settings,
    *,
    day: date,
    start: str | None = None,
    end: str | None = None,
    pins: Sequence[PinRequest] = (),
    max_stops: int | None = None,
    skip: set[str] | frozenset[str] = frozenset(),
    solve: SolveFn | None = None,
    ranked: Sequence[RankedAccount] | None = None,
) -> PlannedDay:
    """Choose and order one day's visits from `start` (default office) to `end`."""
    s, e = place_of(start, engine, settings), place_of(end or start, engine, settings)
    model, accounts, excluded = _build(
        engine,
        settings,
        day=day,
        start=s,
        end=e,
        pins=pins,
        max_stops=max_stops,
        skip=skip,
        ranked=ranked,
    )
    plan = _solve(model, settings, solve)
    return PlannedDay(model, plan, accounts, excluded, day_roi(plan, accounts, settings))


def working_days(first: date, n: int, settings: Settings) -> list[date]:
    out: list[date] = []
    d = first
    while len(out) < n:
        if d.weekday() in settings.visits.work_weekdays:
            out.append(d)
        d += timedelta(days=1)
    return out


def plan_week(
    engine: Engine,
    settings: Settings,
    *,
    first_day: date,
    days: int,
    start: str | None = None,
    end: str | None = None,
    pins: Mapping[date, Sequence[PinRequest]] | None = None,
    max_stops: int | None = None,
    solve: SolveFn | None = None,
) -> list[PlannedDay]:
    """The next `days` working days; each account at most once across them.

    Preferred weekdays (Tue-Thu) are planned first so they get the best
    accounts; a pinned account is reserved for its own day.
    """
    pins = pins or {}
    dates = working_days(first_day, days, settings)
    best = set(settings.visits.best_weekdays)
    order = sorted(dates, key=lambda d: (d.weekday() not in best, d))
    s = place_of(start, engine, settings)
    ranked = rank_accounts(
        engine,
        settings,
        origin=(s.lat, s.lon),
        filters=RankFilter(show_all=True),
        today=first_day,
    )
    reserved = {_find(p.account, ranked).id for ps in pins.values() for p in ps}
    used: set[str] = set()
    result: dict[date, PlannedDay] = {}
    for d in order:
        own = {_find(p.account, ranked).id for p in pins.get(d, ())}
        result[d] = plan_day(
            engine,
            settings,
            day=d,
            start=start,
            end=end,
            pins=pins.get(d, ()),
            max_stops=max_stops,
            skip=used | (reserved - own),
            solve=solve,
            ranked=ranked,
        )
        used |= {st.account_id for st in result[d].plan.stops}
    return [result[d] for d in dates]


def replan_from_here(
    engine: Engine,
    settings: Settings,
    *,
    here: tuple[float, float],
    now: datetime,
    end: str | None = None,
    within_km: float | None = None,
    skip: set[str] | frozenset[str] = frozenset(),
    solve: SolveFn | None = None,
) -> PlannedDay:
    """After a cancellation or an early finish: what still fits the rest of the day."""
    day = now.date()
    s = Place("Here", here[0], here[1])
    e = place_of(end, engine, settings)
    earliest = now.hour * 3600 + now.minute * 60 + now.second
    ranked = rank_accounts(
        engine, settings, origin=here, filters=RankFilter(show_all=True), today=day
    )
    model, accounts, excluded = _build(
        engine,
        settings,
        day=day,
        start=s,
        end=e,
        skip=skip,
        within_km=within_km,
        earliest_s=earliest,
        ranked=ranked,
    )
    if earliest >= model.work_end_s:
        raise PlanError("the working day is over; plan tomorrow with `fieldsales plan`")
    plan = _solve(model, settings, solve)
    return PlannedDay(model, plan, accounts, excluded, day_roi(plan, accounts, settings))


# ---- editing a plan: pick, lock, drop, reorder, re-optimise -------------------


def _retime(pd: PlannedDay, order: list[str], settings: Settings) -> PlannedDay:
    plan = verify(pd.model, schedule(pd.model, order))
    return replace(pd, plan=plan, roi=day_roi(plan, pd.accounts, settings))


def drop_stop(pd: PlannedDay, account_id: str, settings: Settings) -> PlannedDay:
    order = [s.account_id for s in pd.plan.stops if s.account_id != account_id]
    if account_id in {p.account_id for p in pd.model.pins}:
        raise PlanError("a pinned appointment cannot be dropped; unpin it first")
    out = _retime(pd, order, settings)
    out.locked = pd.locked - {account_id}
    return out


def move_stop(pd: PlannedDay, account_id: str, delta: int, settings: Settings) -> PlannedDay:
    """Move a stop earlier (delta < 0) or later; refuses an order that does not fit."""
    order = [s.account_id for s in pd.plan.stops]
    i = order.index(account_id)
    j = max(0, min(len(order) - 1, i + delta))
    order.insert(j, order.pop(i))
    return _retime(pd, order, settings)


def add_stop(pd: PlannedDay, account_id: str, settings: Settings) -> PlannedDay:
    """Insert a candidate where it delays the day least; it is then locked."""
    if account_id not in {c.account_id for c in pd.model.candidates}:
        reason = pd.excluded.get(account_id, "not a candidate for this day")
        raise PlanError(f"cannot add: {reason}")
    order = [s.account_id for s in pd.plan.stops]
    if account_id in order:
        return pd
    best: DayPlan | None = None
    for k in range(len(order) + 1):
        try:
            p = schedule(pd.model, [*order[:k], account_id, *order[k:]])
        except PlanError:
            continue
        if best is None or p.return_s < best.return_s:
            best = p
    if best is None:
        raise PlanError("no room left in the day for this account")
    out = replace(pd, plan=verify(pd.model, best), roi=day_roi(best, pd.accounts, settings))
    out.locked = pd.locked | {account_id}
    return out


def toggle_lock(pd: PlannedDay, account_id: str) -> PlannedDay:
    pd.locked = pd.locked ^ {account_id}
    return pd


def reoptimise(
    pd: PlannedDay,
    settings: Settings,
    *,
    dropped: set[str] | frozenset[str] = frozenset(),
    solve: SolveFn | None = None,
) -> PlannedDay:
    """Keep locked stops at their current times, re-choose and re-order the rest."""
    pins = list(pd.model.pins)
    pinned = {p.account_id for p in pins}
    cand = {c.account_id: c for c in pd.model.candidates}
    for s in pd.plan.stops:
        if s.account_id in pd.locked and s.account_id not in pinned:
            c = cand[s.account_id]
            pins.append(Pin(c.account_id, c.lat, c.lon, s.start_s, c.duration_s, c.value))
    locked_ids = {p.account_id for p in pins}
    model = replace(
        pd.model,
        pins=tuple(sorted(pins, key=lambda p: p.start_s)),
        candidates=tuple(
            c
            for c in pd.model.candidates
            if c.account_id not in locked_ids and c.account_id not in dropped
        ),
    )
    plan = _solve(model, settings, solve)
    return PlannedDay(
        model,
        plan,
        pd.accounts,
        pd.excluded,
        day_roi(plan, pd.accounts, settings),
        locked=set(pd.locked),
    )


# ---- saving: a plan becomes a Route with its RouteStops -------------------------


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
