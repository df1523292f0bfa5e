"""The one module that talks to the routing engine (pyvroom / VROOM).

Why VROOM: it collects 96-99% of the best score at 500 candidates in ~0.5 s,
has floating lunch breaks built in, and is the fastest (README, design notes:
route solver; bench/bench_routing.py prints the comparison with PyVRP).

The model is turned into a `Problem` of plain integers (picklable, so the warm
worker process can take it), solved, and only the ORDER of visits comes back:
times are recomputed by domain.routing.schedule and verified by plancheck.

VROOM cannot force a job, so pinned appointments split the day into
consecutive routes ("vehicles") that end and start at each appointment; the
lunch break belongs to the segment that overlaps the lunch window most.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import numpy.typing as npt

from fieldsales.domain.routing import END, START, DayModel, DayPlan, PlanError, lunch_needed
from fieldsales.geo.matrix import TravelMatrix

MAX_PRIORITY = 100  # VROOM rejects priorities above 100


@dataclass(frozen=True)
class Job:
    id: int  # the matrix node
    service_s: int
    priority: int
    windows: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Vehicle:
    id: int
    start_node: int
    end_node: int
    window: tuple[int, int]
    lunch_window: tuple[int, int] | None  # allowed START of the break
    lunch_s: int
    max_tasks: int | None


@dataclass(frozen=True)
class Problem:
    durations: npt.NDArray[np.int64]
    jobs: tuple[Job, ...]
    vehicles: tuple[Vehicle, ...]
    timeout_s: float
    exploration: int


# node sequences per vehicle, in vehicle order
Solution = list[list[int]]
SolveFn = Callable[[Problem], Solution]


def priorities(values: Sequence[float]) -> list[int]:
    """Scores to VROOM's integer 0-100, the best candidate at 100 (best resolution)."""
    top = max(values, default=0.0)
    if top <= 0:
        return [0 for _ in values]
    return [max(1, round(v / top * MAX_PRIORITY)) for v in values]


def build_problem(
    model: DayModel,
    durations: npt.NDArray[np.int64],
    *,
    timeout_s: float,
    exploration: int,
) -> Problem:
    """Integers only: seconds and scaled scores (engines truncate floats silently)."""
    # soft windows and off days are priced in the collected value; the engine
    # sees the base score so its ordering freedom is not cut by a soft preference
    prio = priorities([c.value for c in model.candidates])
    jobs = tuple(
        Job(
            id=model.cand_node(i),
            service_s=c.duration_s,
            priority=prio[i],
            windows=tuple(model.windows_for(c.duration_s)),
        )
        for i, c in enumerate(model.candidates)
    )
    # segments between pinned appointments: (start node, free from, end node, free until)
    segs: list[tuple[int, int, int, int]] = []
    node, free = START, model.work_start_s
    for i, p in enumerate(model.pins):
        if p.start_s < free:
            raise PlanError(
                f"appointment at {p.start_s // 3600:02d}:{p.start_s % 3600 // 60:02d} "
                "overlaps the previous one or the start of the day"
            )
        segs.append((node, free, model.pin_node(i), p.start_s))
        node, free = model.pin_node(i), p.start_s + p.duration_s
    segs.append((node, free, END, model.work_end_s))

    lunch_seg = -1
    if lunch_needed(model):
        lw0, lw1 = model.lunch_window
        overlaps = [min(b, lw1) - max(a, lw0) for _n, a, _m, b in segs]
        best = max(range(len(segs)), key=lambda k: overlaps[k])
        if overlaps[best] >= model.lunch_s:
            lunch_seg = best
        else:
            raise PlanError("the appointments leave no room for lunch in its window")
    budget = None
    if model.max_stops is not None:
        budget = max(0, model.max_stops - len(model.pins))
    vehicles = []
    for k, (a_node, a, b_node, b) in enumerate(segs):
        lw = None
        if k == lunch_seg:
            lw = (max(a, model.lunch_window[0]), min(b, model.lunch_window[1]) - model.lunch_s)
        vehicles.append(Vehicle(k, a_node, b_node, (a, b), lw, model.lunch_s, budget))
    return Problem(durations, jobs, tuple(vehicles), timeout_s, exploration)


def solve_vroom(problem: Problem) -> Solution:
    """Run VROOM once; returns the job nodes in visiting order per vehicle."""
    import vroom  # ~0.5 s import: only on first use (or once in the warm worker)

    inp = vroom.Input()
    inp.set_durations_matrix("car", problem.durations.astype(np.int64))
    for v in problem.vehicles:
        breaks = []
        if v.lunch_window is not None:
            breaks = [
                vroom.Break(
                    1 + v.id,
                    time_windows=[vroom.TimeWindow(*v.lunch_window)],
                    service=v.lunch_s,
                )
            ]
        kwargs = {} if v.max_tasks is None else {"max_tasks": v.max_tasks}
        inp.add_vehicle(
            vroom.Vehicle(
                v.id,
                start=v.start_node,
                end=v.end_node,
                time_window=vroom.TimeWindow(*v.window),
                breaks=breaks,
                **kwargs,
            )
        )
    for j in problem.jobs:
        inp.add_job(
            vroom.Job(
                j.id,
                location=j.id,
                default_service=j.service_s,
                priority=j.priority,
                time_windows=[vroom.TimeWindow(a, b) for a, b in j.windows],
            )
        )
    if not problem.jobs:
        return [[] for _ in problem.vehicles]
    # one thread: two threads on a busy 2-core laptop are not repeatable (STACK.md)
    sol = inp.solve(
        exploration_level=problem.exploration,
        nb_threads=1,
        timeout=timedelta(seconds=problem.timeout_s),
    )
    routes: dict[int, list[int]] = {v.id: [] for v in problem.vehicles}
    df = sol.routes
    if df is None or len(df) == 0 or "id" not in df.columns:  # nothing could be visited
        return [[] for _ in problem.vehicles]
    for vid, kind, jid in zip(df["vehicle_id"], df["type"], df["id"], strict=True):
        if kind == "job":
            routes[int(vid)].append(int(jid))
    return [routes[v.id] for v in problem.vehicles]


def order_from_solution(model: DayModel, solution: Solution) -> list[str]:
    """The solver's node sequences as one day's order of account ids, pins included."""
    order: list[str] = []
    first_cand = model.cand_node(0)
    for k, seq in enumerate(solution):
        order += [model.candidates[n - first_cand].account_id for n in seq]
        if k < len(model.pins):
            order.append(model.pins[k].account_id)
    return order


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


def _drive(m: TravelMatrix, nodes: list[int]) -> int:
    return int(sum(m.seconds[a, b] for a, b in itertools.pairwise(nodes)))


def polish(model: DayModel, order: list[str], m: TravelMatrix) -> list[str]:
    """2-opt and or-opt on the chosen stops: less driving for the same visits.

    VROOM's order is within ~0.3% of optimal at 25 stops (STACK.md); these
    exact local moves close most of that gap in milliseconds. Pins stay put;
    a move is kept only if the day still schedules.
    """
    from fieldsales.domain.routing import schedule

    node = {c.account_id: model.cand_node(i) for i, c in enumerate(model.candidates)}
    node |= {p.account_id: model.pin_node(i) for i, p in enumerate(model.pins)}
    pinned = {p.account_id for p in model.pins}

    def cost(o: list[str]) -> int:
        return _drive(m, [START, *(node[a] for a in o), END])

    def fits(o: list[str]) -> bool:
        try:
            schedule(model, o, m)
            return True
        except PlanError:
            return False

    best, best_cost = list(order), cost(order)
    improved = True
    while improved:
        improved = False
        n = len(best)
        moves: list[list[str]] = []
        for i in range(n):
            for j in range(i + 2, n + 1):
                seg = best[i:j]
                if not pinned & set(seg):
                    moves.append(best[:i] + seg[::-1] + best[j:])
        for length in (1, 2, 3):  # or-opt: move a run of 1-3 stops, either way round
            for i in range(n - length + 1):
                seg = best[i : i + length]
                if pinned & set(seg):
                    continue
                rest = best[:i] + best[i + length :]
                for k in range(len(rest) + 1):
                    if k != i:
                        moves.append([*rest[:k], *seg, *rest[k:]])
                        if length > 1:
                            moves.append([*rest[:k], *seg[::-1], *rest[k:]])
        for cand in moves:
            c = cost(cand)
            if c < best_cost and fits(cand):
                best, best_cost, improved = cand, c, True
                break
    return best


def plan_model(
    model: DayModel,
    *,
    timeout_s: float,
    exploration: int,
    solve: SolveFn | None = None,
) -> DayPlan:
    """Choose and order the visits of one day, then time and verify the plan."""
    from fieldsales.domain.plancheck import verify
    from fieldsales.domain.routing import prune, schedule

    full = model.matrix()
    pruned = prune(model, full)
    m = pruned.matrix() if pruned is not model else full
    problem = build_problem(pruned, m.seconds, timeout_s=timeout_s, exploration=exploration)
    order = _trim(pruned, order_from_solution(pruned, (solve or solve_vroom)(problem)))
    order = polish(pruned, order, m)
    value = {c.account_id: c.value for c in pruned.candidates}
    while True:
        try:
            plan = schedule(pruned, order, m)
            break
        except PlanError:
            # the engine's clock and ours agree (same integer matrix); this is a
            # safety net: give up the least valuable stop rather than show nothing
            droppable = [a for a in order if a in value]
            if not droppable:
                raise
            order.remove(min(droppable, key=lambda a: value[a]))
    return verify(pruned, plan)
