"""Choosing and ordering one day: the engines' proposals, timed, compared and verified.

Pure code. planning.engines talks to the engines; this module turns their
proposals into a plan: at most max_stops visits, times from
planning.schedule, the best of the proposals, a short polish of it
(planning.improve), and the plan checker's verdict (planning.check).
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import replace

import numpy as np

from fieldsales.config import Settings
from fieldsales.domain.channels import WHY_NEAR
from fieldsales.geo.matrix import TravelMatrix
from fieldsales.planning.check import PlanInvalid, verify
from fieldsales.planning.day_model import END, START, DayModel, DayPlan, PlanError
from fieldsales.planning.engines import (
    SolveFn,
    build_problem,
    order_from_solution,
    solve_default,
)
from fieldsales.planning.improve import polish, reorder
from fieldsales.planning.schedule import prune, retime, schedule

WALL_SHARE = 0.95  # of the budget: the polish stops here, leaving time to check and return
# PyVRP iterations when choosing (~0.3 ms each at 400 candidates): what is
# left of the budget after VROOM's full search, so the count, not the clock,
# ends the search and the same data give the same plan.
ITERATIONS_BASE = 300
ITERATIONS_PER_CANDIDATE = 1


def choose_iterations(n_candidates: int) -> int:
    return ITERATIONS_BASE + ITERATIONS_PER_CANDIDATE * n_candidates


def _trim(model: DayModel, order: list[str]) -> list[str]:
    """Keep at most max_stops visits, dropping the least valuable non-pinned ones."""
    if model.max_stops is None:
        return order
    pinned = {p.account_id for p in model.pins}
    value = {c.account_id: c.value for c in model.candidates}
    free = [a for a in order if a not in pinned]
    room = max(0, model.max_stops - len(pinned))
    keep = set(sorted(free, key=lambda a: -value[a])[:room])
    return [a for a in order if a in pinned or a in keep]


def plan_model(
    model: DayModel,
    *,
    timeout_s: float,
    exploration: int,
    solve: SolveFn | None = None,
    seed: int = 0,
    iterations: int | None = None,
) -> DayPlan:
    """Choose and order the visits of one day, then time and verify the plan.

    The same model and seed give the same plan: the engines stop on
    iteration counts and the polish on a count of tries; `timeout_s` only
    caps the whole call (matrix, engines, polish and checks) on a slow machine.
    """
    t0 = time.perf_counter()
    deadline = t0 + timeout_s * WALL_SHARE
    full = model.matrix()
    pruned = prune(model, full)
    m = pruned.matrix() if pruned is not model else full
    # the engines choose among the candidates that stand on their own; those
    # that may come only near a planned stop (channel fit △) join in the polish
    core, cm = _core(pruned, m)
    left = max(0.05, timeout_s - (time.perf_counter() - t0))
    if iterations is None:
        iterations = choose_iterations(len(core.candidates))
    problem = build_problem(
        core,
        cm.seconds,
        timeout_s=left,
        exploration=exploration,
        km=cm.km,
        seed=seed,
        iterations=iterations,
    )
    best: DayPlan | None = None
    for solution in (solve or solve_default)(problem):
        order = _trim(core, order_from_solution(core, solution))
        plan = _fit(core, order, cm)
        # more value (net of travel) first; for the same value, less driving
        if best is None or (plan.objective, -plan.drive_s) > (best.objective, -best.drive_s):
            best = plan
    if best is None:
        raise PlanError("the solver gave no answer")
    best = verify(pruned, best)
    # the polish must never cost the verified plan
    with contextlib.suppress(PlanError, PlanInvalid):
        best = verify(pruned, polish(pruned, best, m, deadline))
    with contextlib.suppress(PlanError, PlanInvalid):
        best = verify(pruned, reorder(pruned, best, m, deadline))
    try:
        return verify(pruned, retime(pruned, best, m))
    except (PlanError, PlanInvalid):
        return best


def _core(model: DayModel, m: TravelMatrix) -> tuple[DayModel, TravelMatrix]:
    """The model without the near-stop candidates, and its travel matrix."""
    keep = [i for i, c in enumerate(model.candidates) if c.why != WHY_NEAR]
    if len(keep) == len(model.candidates):
        return model, m
    nodes = [START, END] + [model.pin_node(i) for i in range(len(model.pins))]
    nodes += [model.cand_node(i) for i in keep]
    sub = np.ix_(nodes, nodes)
    core = replace(model, candidates=tuple(model.candidates[i] for i in keep))
    return core, TravelMatrix(km=m.km[sub], seconds=m.seconds[sub])


def _fit(model: DayModel, order: list[str], m: TravelMatrix) -> DayPlan:
    """Time the order; if it does not fit, give up the least valuable stops until it does.

    VROOM's clock and ours agree (same integer matrix), so for it this is only
    a safety net; PyVRP has no lunch break, so its day is planned an hour
    shorter and the lunch inserted here, which rarely costs a stop.
    """
    value = {c.account_id: c.value for c in model.candidates}
    while True:
        try:
            return schedule(model, order, m)
        except PlanError:
            droppable = [a for a in order if a in value]
            if not droppable:
                raise
            order.remove(min(droppable, key=lambda a: value[a]))


def solve_model(model: DayModel, settings: Settings, solve: SolveFn | None) -> DayPlan:
    """plan_model with the budget, exploration and seed of config `visits`."""
    v = settings.visits
    return plan_model(
        model,
        timeout_s=v.solver_seconds,
        exploration=v.solver_exploration,
        solve=solve,
        seed=v.solver_seed,
    )
