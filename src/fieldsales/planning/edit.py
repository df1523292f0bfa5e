"""Editing a planned day: pick, lock, drop, reorder, re-optimise.

Service-level (works on a PlannedDay; no database). Every edit re-times the
day with planning.schedule and passes the plan checker again before it is
returned.
"""

from __future__ import annotations

from dataclasses import replace

from fieldsales.config import Settings
from fieldsales.planning.check import verify
from fieldsales.planning.day_model import DayPlan, Pin, PlanError
from fieldsales.planning.engines import SolveFn
from fieldsales.planning.improve import best_insertion
from fieldsales.planning.planned_day import PlannedDay, day_roi
from fieldsales.planning.schedule import schedule
from fieldsales.planning.solve import solve_model


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


def add_best(
    pd: PlannedDay, settings: Settings, *, exclude: set[str] | frozenset[str] = frozenset()
) -> PlannedDay:
    """Insert the most valuable candidate that still fits (net of its detour); it is
    then locked. Raises PlanError when nothing else fits the day."""
    best = best_insertion(pd.model, pd.plan, exclude=exclude)
    if best is None:
        raise PlanError("nothing else fits the day")
    added = {s.account_id for s in best.stops} - {s.account_id for s in pd.plan.stops}
    out = replace(pd, plan=verify(pd.model, best), roi=day_roi(best, pd.accounts, settings))
    out.locked = pd.locked | added
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
    plan = solve_model(model, settings, solve)
    return PlannedDay(
        model,
        plan,
        pd.accounts,
        pd.excluded,
        day_roi(plan, pd.accounts, settings),
        locked=set(pd.locked),
    )
