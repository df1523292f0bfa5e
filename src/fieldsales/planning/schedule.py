"""Timing a day: an order of visits becomes times (lunch placed, windows kept).

Pure code. `schedule` times an order of account ids as early as possible and
raises PlanError when it does not fit the day; `retime` waits for a preferred
window where that is worth more; `prune` drops candidates that cannot fit
even alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from fieldsales.geo.matrix import TravelMatrix
from fieldsales.planning.day_model import (
    END,
    START,
    DayModel,
    DayPlan,
    PlanError,
    Stop,
    lunch_needed,
)


@dataclass(frozen=True)
class _Node:
    node: int
    account_id: str
    duration_s: int
    value: float
    pin_start: int | None  # fixed start for pins
    window: tuple[int, int] | None = None


def _nodes(model: DayModel) -> dict[int, _Node]:
    out: dict[int, _Node] = {}
    for i, p in enumerate(model.pins):
        out[model.pin_node(i)] = _Node(
            model.pin_node(i), p.account_id, p.duration_s, p.value, p.start_s
        )
    for i, c in enumerate(model.candidates):
        out[model.cand_node(i)] = _Node(
            model.cand_node(i), c.account_id, c.duration_s, c.value, None, c.window
        )
    return out


def _simulate(
    model: DayModel,
    m: TravelMatrix,
    seq: list[_Node],
    lunch_gap: int | None,
    after_travel: bool,
    not_before: dict[int, int] | None = None,
) -> DayPlan | None:
    """Earliest times along `seq`; lunch in gap `lunch_gap` (before or after driving).

    `not_before`: position in seq -> earliest start of that visit (a wait for a
    preferred window, see retime)."""
    lw0, lw1 = model.lunch_window
    latest_lunch = lw1 - model.lunch_s
    t = model.work_start_s
    prev = START
    stops: list[Stop] = []
    lunch: tuple[int, int] | None = None
    for gap in range(len(seq) + 1):
        nxt = seq[gap].node if gap < len(seq) else END
        leg_s = int(m.seconds[prev, nxt])
        if gap == lunch_gap and not after_travel:
            ls = max(t, lw0)
            if ls > latest_lunch:
                return None
            lunch, t = (ls, ls + model.lunch_s), ls + model.lunch_s
        t += leg_s
        arrival = t
        if gap == lunch_gap and after_travel:
            ls = max(t, lw0)
            if ls > latest_lunch:
                return None
            lunch, t = (ls, ls + model.lunch_s), ls + model.lunch_s
        if gap == len(seq):
            if t > model.work_end_s:
                return None
            depart = model.work_start_s
            if stops and lunch_gap != 0 and stops[0].start_s > stops[0].arrival_s:
                # leave later rather than wait outside the first account
                first = stops[0]
                depart = first.start_s - first.leg_s
                stops[0] = replace(first, arrival_s=first.start_s)
            return DayPlan(
                day=model.day,
                start=model.start,
                end=model.end,
                depart_s=depart,
                return_s=t,
                last_leg_km=float(m.km[prev, nxt]),
                last_leg_s=leg_s,
                stops=tuple(stops),
                lunch=lunch,
                cost_per_km=model.cost_per_km,
            )
        n = seq[gap]
        if n.pin_start is not None:
            if t > n.pin_start:
                return None
            start = n.pin_start
        else:
            start = -1
            floor = t if not_before is None else max(t, not_before.get(gap, t))
            for o, c in model.windows_for(n.duration_s, n.window):
                if floor <= c:
                    start = max(floor, o)
                    break
            if start < 0:
                return None
        stops.append(
            Stop(
                account_id=n.account_id,
                arrival_s=arrival,
                start_s=start,
                departure_s=start + n.duration_s,
                leg_km=float(m.km[prev, n.node]),
                leg_s=leg_s,
                base_value=n.value,
                value=model.collected(n.value, start, n.duration_s),
                in_window=model.in_best_window(start, n.duration_s),
                pinned=n.pin_start is not None,
            )
        )
        t = start + n.duration_s
        prev = n.node
    return None  # unreachable: the loop returns at the end node


def schedule(
    model: DayModel,
    order: Sequence[str],
    m: TravelMatrix | None = None,
    not_before: dict[int, int] | None = None,
) -> DayPlan:
    """Times for visiting `order` (account ids, pins included) as early as possible
    (no visit before `not_before[k]` for the k-th stop).

    Lunch goes into the gap that lets the day end earliest; raises PlanError
    when the order cannot fit the day.
    """
    m = m if m is not None else model.matrix()
    by_id = {n.account_id: n for n in _nodes(model).values()}
    missing = [a for a in order if a not in by_id]
    if missing:
        raise PlanError(f"not a candidate for this day: {', '.join(missing)}")
    seq = [by_id[a] for a in order]
    if not lunch_needed(model):
        plan = _simulate(model, m, seq, None, False, not_before)
        if plan is None:
            raise PlanError("these stops do not fit the working hours")
        return plan
    best: DayPlan | None = None
    for gap in range(len(seq) + 1):
        for after in (False, True):
            plan = _simulate(model, m, seq, gap, after, not_before)
            if plan is not None and (best is None or plan.return_s < best.return_s):
                best = plan
    if best is None:
        raise PlanError("these stops leave no room for lunch inside the working hours")
    return best


def retime(model: DayModel, plan: DayPlan, m: TravelMatrix | None = None) -> DayPlan:
    """Wait for a preferred window where that is worth more (soft windows).

    A visit outside the best windows keeps only `outside_factor` of its value;
    when a best window opens a little after the rep arrives and the rest of the
    day still fits, starting at its opening collects more. Stops are tried in
    order, each wait kept only if the whole day's collected value grows.
    """
    if model.windows_hard or model.outside_factor >= 1.0 or not plan.stops:
        return plan
    m = m if m is not None else model.matrix()
    order = [s.account_id for s in plan.stops]
    waits: dict[int, int] = {}
    for k, s in enumerate(plan.stops):
        if s.pinned or s.in_window:
            continue
        dur = s.departure_s - s.start_s
        for o, c in model.best_windows:
            if o > s.start_s and o + dur <= c:
                trial = {**waits, k: o}
                try:
                    cand = schedule(model, order, m, trial)
                except PlanError:
                    break
                if cand.score > plan.score + 1e-9:
                    plan, waits = cand, trial
                break
    return plan


def prune(model: DayModel, m: TravelMatrix) -> DayModel:
    """Drop candidates that cannot fit the day even alone (cheap, helps every solver)."""
    keep = []
    for i, c in enumerate(model.candidates):
        node = model.cand_node(i)
        if c.account_id in model.excluded_ids:
            continue
        earliest = model.work_start_s + int(m.seconds[START, node])
        wins = model.windows_for(c.duration_s, c.window)
        ok = any(earliest <= cl for _o, cl in wins)
        start = max(earliest, min((o for o, cl in wins if earliest <= cl), default=earliest))
        if ok and start + c.duration_s + int(m.seconds[node, END]) <= model.work_end_s:
            keep.append(c)
    if len(keep) == len(model.candidates):
        return model
    return replace(model, candidates=tuple(keep))
