"""Improving a verified day: insert, swap and move visits while the plan gains.

Pure code. `polish` inserts unvisited candidates (or swaps them for a less
valuable stop), `reorder` moves single visits to other places in the order,
`best_insertion` is "add best" on the Plan screen. Every move is timed by
planning.schedule; planning.solve verifies what comes out.
"""

from __future__ import annotations

import time
from itertools import pairwise

import numpy as np

from fieldsales.domain.channels import WHY_NEAR
from fieldsales.geo.matrix import TravelMatrix
from fieldsales.planning.day_model import END, START, DayModel, DayPlan, PlanError
from fieldsales.planning.schedule import schedule

# The polish stops after this many timed tries that did not improve the plan
# (a count, not a clock, so that the same data give the same plan).
POLISH_TRIES = 500


def _near_ok(model: DayModel, order: list[str], m: TravelMatrix, node: dict[str, int]) -> bool:
    """Every near-stop candidate in `order` lies within near_stop_km of a stop
    that is in the plan on its own (straight-line km, as the plan checker has it)."""
    near = [a for a in order if a in model_near(model)]
    if not near:
        return True
    anchors = [node[a] for a in order if a not in model_near(model)]
    if not anchors:
        return False
    limit = model.near_stop_km * model.detour_factor + 1e-6  # the matrix holds road km
    return all(bool((m.km[node[a], anchors] <= limit).any()) for a in near)


def model_near(model: DayModel) -> frozenset[str]:
    return frozenset(c.account_id for c in model.candidates if c.why == WHY_NEAR)


def _segment_room(
    model: DayModel, plan: DayPlan, m: TravelMatrix, node: dict[str, int]
) -> list[int]:
    """Per gap before stop k (k = len: the last leg), the free seconds of its segment.

    A segment runs between fixed times (day start, pinned appointments, day
    end); an insertion there must fit into its free time. Only a filter:
    schedule() decides.
    """
    bounds = [0] + [k + 1 for k, s in enumerate(plan.stops) if s.pinned] + [len(plan.stops) + 1]
    room = [0] * (len(plan.stops) + 1)
    for a, b in pairwise(bounds):
        begin = model.work_start_s if a == 0 else plan.stops[a - 1].departure_s
        end = model.work_end_s if b == len(plan.stops) + 1 else plan.stops[b - 1].start_s
        busy = sum(s.leg_s + s.departure_s - s.start_s for s in plan.stops[a : b - 1])
        busy += plan.stops[b - 1].leg_s if b <= len(plan.stops) else plan.last_leg_s
        if plan.lunch and begin <= plan.lunch[0] < end:
            busy += plan.lunch[1] - plan.lunch[0]
        for k in range(a, b):
            room[k] = end - begin - busy
    return room


def polish(model: DayModel, plan: DayPlan, m: TravelMatrix, deadline: float) -> DayPlan:
    """Insert unvisited candidates (or swap them for a less valuable stop) while it pays.

    The engines stop on a clock; this spends what is left of the budget on
    the cheapest improvement there is: more collected value. Moves are ranked
    by value gained and checked by schedule() until the deadline.
    """
    cands = {
        c.account_id: (model.cand_node(i), c)
        for i, c in enumerate(model.candidates)
        if c.account_id not in model.excluded_ids
    }
    pinned = {p.account_id for p in model.pins}
    node = {a: n for a, (n, _c) in cands.items()}
    node |= {p.account_id: model.pin_node(i) for i, p in enumerate(model.pins)}
    improved = True
    tries = 0
    check_near = any(c.why == WHY_NEAR for c in model.candidates)
    while improved and time.perf_counter() < deadline:
        improved = False
        order = [s.account_id for s in plan.stops]
        visited = set(order)
        free = [a for a in cands if a not in visited]
        if not free:
            break
        room = np.array(_segment_room(model, plan, m, node))
        seq = [0] + [node[a] for a in order] + [1]  # start, stops, end
        prev, nxt = np.array(seq[:-1]), np.array(seq[1:])
        fn = np.array([cands[a][0] for a in free])
        svc = np.array([cands[a][1].duration_s for a in free])
        val = np.array([cands[a][1].value for a in free])
        d = m.seconds
        # extra seconds of inserting free[i] into gap k
        extra = d[prev][:, fn].T + svc[:, None] + d[fn][:, nxt] - d[prev, nxt][None, :]
        km = m.km
        # travel cost of the detour, in the value's unit (yen; 0 under the score objective)
        extra_cost = model.cost_per_km * (
            km[prev][:, fn].T + km[fn][:, nxt] - km[prev, nxt][None, :]
        )
        # (-gain, extra seconds, candidate, gap, stop dropped or -1)
        moves: list[tuple[float, int, int, int, int]] = []
        can_add = model.max_stops is None or len(order) < model.max_stops  # pins count
        if can_add:
            ii, kk = np.nonzero(extra <= room[None, :])
            moves += [
                (float(extra_cost[i, k] - val[i]), int(extra[i, k]), int(i), int(k), -1)
                for i, k in zip(ii, kk, strict=True)
            ]
        # swaps: drop stop j (not pinned) and insert a more valuable one in its place
        for j, a in enumerate(order):
            if a in pinned:
                continue
            c = cands[a][1]
            p_, n_ = seq[j], seq[j + 2]
            saved = d[p_, node[a]] + c.duration_s + d[node[a], n_] - d[p_, n_]
            ins = d[p_, fn] + svc + d[fn, n_] - d[p_, n_]
            ok = np.nonzero((val > c.value) & (ins - saved <= room[j]))[0]
            moves += [(c.value - val[i], int(ins[i] - saved), int(i), j, j) for i in ok]
        moves.sort()
        for _neg, _extra, i, k, drop in moves:
            if time.perf_counter() >= deadline:
                break
            tries += 1
            if tries > POLISH_TRIES:
                return plan
            trial = [a for x, a in enumerate(order) if x != drop]
            trial.insert(k, free[i])
            if check_near and not _near_ok(model, trial, m, node):
                continue
            try:
                cand_plan = schedule(model, trial, m)
            except PlanError:
                continue
            if cand_plan.objective > plan.objective + 1e-9:
                plan, improved = cand_plan, True
                break
    return plan


def best_insertion(
    model: DayModel,
    plan: DayPlan,
    *,
    exclude: set[str] | frozenset[str] = frozenset(),
    m: TravelMatrix | None = None,
    max_tries: int = POLISH_TRIES,
) -> DayPlan | None:
    """The plan with the most valuable candidate that still fits inserted, or None.

    "Add best" on the Plan screen: the same filter as the polish (free time of
    each segment) keeps the timed tries few, so it answers in milliseconds
    whatever the size of the account base.
    """
    m = m if m is not None else model.matrix()
    cands = {
        c.account_id: (model.cand_node(i), c)
        for i, c in enumerate(model.candidates)
        if c.account_id not in exclude
    }
    order = [s.account_id for s in plan.stops]
    free = [a for a in cands if a not in set(order)]
    if not free or (model.max_stops is not None and len(order) >= model.max_stops):
        return None
    node = {a: n for a, (n, _c) in cands.items()}
    node |= {p.account_id: model.pin_node(i) for i, p in enumerate(model.pins)}
    for c_i, c in enumerate(model.candidates):
        node.setdefault(c.account_id, model.cand_node(c_i))
    room = np.array(_segment_room(model, plan, m, node))
    seq = [START] + [node[a] for a in order] + [END]
    prev, nxt = np.array(seq[:-1]), np.array(seq[1:])
    fn = np.array([cands[a][0] for a in free])
    svc = np.array([cands[a][1].duration_s for a in free])
    val = np.array([cands[a][1].value for a in free])
    d, km = m.seconds, m.km
    extra = d[prev][:, fn].T + svc[:, None] + d[fn][:, nxt] - d[prev, nxt][None, :]
    cost = model.cost_per_km * (km[prev][:, fn].T + km[fn][:, nxt] - km[prev, nxt][None, :])
    ii, kk = np.nonzero(extra <= room[None, :])
    moves = sorted(
        (float(cost[i, k] - val[i]), int(extra[i, k]), int(i), int(k))
        for i, k in zip(ii, kk, strict=True)
    )
    check_near = any(c.why == WHY_NEAR for c in model.candidates)
    for _gain, _extra, i, k in moves[:max_tries]:
        trial = [*order[:k], free[i], *order[k:]]
        if check_near and not _near_ok(model, trial, m, node):
            continue
        try:
            return schedule(model, trial, m)
        except PlanError:
            continue
    return None


# relocations tried by reorder() before it stops (a count, so plans repeat)
REORDER_TRIES = 600


def reorder(model: DayModel, plan: DayPlan, m: TravelMatrix, deadline: float) -> DayPlan:
    """Move single visits to other places in the order while that collects more.

    The engines choose the set without pricing the preferred windows (a visit
    outside them keeps outside_factor of its value); moving a valuable visit
    into its window (e.g. second instead of first) is often worth a little
    more driving. First improvement, up to REORDER_TRIES timed tries.
    """
    order = [s.account_id for s in plan.stops]
    tries = 0
    improved = True
    while improved and tries < REORDER_TRIES and time.perf_counter() < deadline:
        improved = False
        for i in range(len(order)):
            for j in range(len(order)):
                if i == j or j == i - 1 or tries >= REORDER_TRIES:
                    continue  # moving i before i-1 is moving i-1 after i
                tries += 1
                trial = order[:]
                trial.insert(j, trial.pop(i))
                try:
                    cand = schedule(model, trial, m)
                except PlanError:
                    continue
                if cand.objective > plan.objective + 1e-9:
                    plan, order, improved = cand, trial, True
                    break
            if improved:
                break
    return plan
