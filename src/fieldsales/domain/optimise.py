"""Choosing and ordering one day: the engines' proposals, timed, compared and verified.

domain.solver talks to the engines; this module turns their proposals into a
plan: at most max_stops visits, times from domain.routing.schedule, the
best of the proposals, and the plan checker's verdict.
"""

from __future__ import annotations

from fieldsales.domain.plancheck import verify
from fieldsales.domain.routing import DayModel, DayPlan, PlanError, prune, schedule
from fieldsales.domain.solver import SolveFn, build_problem, order_from_solution, solve_default
from fieldsales.geo.matrix import TravelMatrix


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
) -> DayPlan:
    """Choose and order the visits of one day, then time and verify the plan."""
    full = model.matrix()
    pruned = prune(model, full)
    m = pruned.matrix() if pruned is not model else full
    problem = build_problem(pruned, m.seconds, timeout_s=timeout_s, exploration=exploration)
    best: DayPlan | None = None
    for solution in (solve or solve_default)(problem):
        order = _trim(pruned, order_from_solution(pruned, solution))
        plan = _fit(pruned, order, m)
        # more value first; for the same value, less driving
        if best is None or (plan.score, -plan.drive_s) > (best.score, -best.drive_s):
            best = plan
    if best is None:
        raise PlanError("the solver gave no answer")
    return verify(pruned, best)


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
