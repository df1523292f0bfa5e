"""Use cases of route planning: a day, a week, re-plan from here.

Service code. Candidates come from the ranking (planning.candidates)
measured from the day's start; exclusions follow docs/method.md#care-points; the
solver may run in-process or in the warm worker (pass `solve=`). Every plan
handed out has passed planning.check. Editing a planned day is
planning.edit, saving it planning.saved, opening a saved one planning.reopen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

from fieldsales.config import Settings
from fieldsales.planning.calls import call_list
from fieldsales.planning.candidates import build_model, find_account, rank_for_planning
from fieldsales.planning.day_model import Place, PlanError
from fieldsales.planning.engines import SolveFn
from fieldsales.planning.planned_day import PinRequest, PlannedDay, day_roi
from fieldsales.planning.solve import solve_model
from fieldsales.planning.workdays import check_open_day, working_days
from fieldsales.services.rank import RankTable, resolve_origin

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def place_of(spec: str | None, engine: Engine, settings: Settings) -> Place:
    label, lat, lon = resolve_origin(spec, engine, settings)
    return Place(label, lat, lon)


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
    ranked: RankTable | None = None,
    skip_calls: set[str] | frozenset[str] = frozenset(),
) -> PlannedDay:
    """Choose and order one day's visits from `start` (default office) to `end`,
    and the day's call list from the accounts not visited."""
    check_open_day(day, settings)
    s, e = place_of(start, engine, settings), place_of(end or start, engine, settings)
    if ranked is None:
        ranked = rank_for_planning(engine, settings, (s.lat, s.lon), day)
    model, accounts, excluded = build_model(
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
    plan = solve_model(model, settings, solve)
    visited = {st.account_id for st in plan.stops}
    calls = call_list(ranked, day, settings, skip=set(skip_calls) | visited | set(skip))
    accounts |= {c.account_id: ranked.base.get(ranked.base.id_index()[c.account_id]) for c in calls}
    return PlannedDay(
        model, plan, accounts, excluded, day_roi(plan, accounts, settings), calls=calls
    )


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
    """The next `days` working days (holidays and closures skipped); each account
    visited at most once and called at most once across them.

    Preferred weekdays (Tue-Thu) are planned first so they get the best
    accounts; a pinned account is reserved for its own day.
    """
    pins = pins or {}
    dates = working_days(first_day, days, settings)
    best = set(settings.visits.best_weekdays)
    order = sorted(dates, key=lambda d: (d.weekday() not in best, d))
    s = place_of(start, engine, settings)
    ranked = rank_for_planning(engine, settings, (s.lat, s.lon), first_day)
    reserved = {find_account(p.account, ranked, engine).id for ps in pins.values() for p in ps}
    used: set[str] = set()
    called: set[str] = set()
    result: dict[date, PlannedDay] = {}
    for d in order:
        own = {find_account(p.account, ranked, engine).id for p in pins.get(d, ())}
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
            skip_calls=called,
        )
        used |= {st.account_id for st in result[d].plan.stops}
        called |= {c.account_id for c in result[d].calls}
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
    ranked = rank_for_planning(engine, settings, here, day)
    model, accounts, excluded = build_model(
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
    plan = solve_model(model, settings, solve)
    return PlannedDay(model, plan, accounts, excluded, day_roi(plan, accounts, settings))
