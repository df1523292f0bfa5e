"""The one module that talks to the routing engines: VROOM (pyvroom) and PyVRP.

Pure code. Every proposal is verified and the best is kept (planning.solve). VROOM
orders a set that fits quickly (PyVRP then improves that order in a few
iterations) and is the fallback; PyVRP, started from scratch on two seeds
at once (it releases the GIL), chooses among many candidates: it collects
more score at 50-500 candidates than VROOM's full search (README, design
notes: route solver; bench/bench_routing.py).

The model becomes a `Problem` of plain integers (picklable, so the warm
worker process can take it); only the ORDER of visits comes back: times are
recomputed by planning.schedule and verified by planning.check.

VROOM cannot force a job, so pinned appointments split the day into
consecutive routes ("vehicles") that end and start at each appointment; the
lunch break belongs to the segment that overlaps the lunch window most.
PyVRP gets the same segments as vehicle types with their own depots.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from fieldsales.planning.day_model import END, START, DayModel, PlanError, hhmm, lunch_needed

MAX_PRIORITY = 100  # VROOM rejects priorities above 100
PRIZE_SCALE = 1000  # PyVRP: prize = score x 1 returned empty routes, x 1000 works


@dataclass(frozen=True)
class Job:
    id: int  # the matrix node
    service_s: int
    priority: int  # VROOM: 0-100
    prize: int  # PyVRP: the score x PRIZE_SCALE
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
    # what a leg costs, in the prizes' unit (yen of travel; None: the durations)
    costs: npt.NDArray[np.int64] | None = None
    seed: int = 0
    # PyVRP iterations when choosing (repeatable); the time budget is only a cap
    iterations: int | None = None
    # some visits have hard windows (visits.windows_hard, or accounts' opening
    # hours): VROOM's full search then joins the proposals when choosing
    hard_windows: bool = False


# node sequences per vehicle, in vehicle order
Solution = list[list[int]]
# a solver answers with one or more proposals; the best verified one is kept
SolveFn = Callable[[Problem], list[Solution]]


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
    km: npt.NDArray[np.float64] | None = None,
    seed: int = 0,
    iterations: int | None = None,
) -> Problem:
    """Integers only: seconds, yen (or scaled scores) (engines truncate floats silently).

    With a travel cost (model.cost_per_km) and `km`, PyVRP's objective is the
    model's: prizes in yen of expected gross profit against legs in yen of
    travel, so the plan maximises value minus travel cost.
    """
    # soft windows and off days are priced in the collected value; the engine
    # sees the base value so its ordering freedom is not cut by a soft preference
    prio = priorities([c.value for c in model.candidates])
    costs = None
    scale = PRIZE_SCALE
    if model.cost_per_km > 0 and km is not None:
        costs = np.rint(km * model.cost_per_km).astype(np.int64)
        scale = 1  # yen against yen
    jobs = tuple(
        Job(
            id=model.cand_node(i),
            service_s=c.duration_s,
            priority=prio[i],
            prize=round(c.value * scale),
            windows=tuple(model.windows_for(c.duration_s, c.window)),
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
        elif model.pins:
            raise PlanError("the appointments leave no room for lunch in its window")
        else:  # nothing but the settings themselves: name them
            raise PlanError(
                f"visits.lunch_minutes ({model.lunch_s // 60}) does not fit "
                f"visits.lunch_window ({hhmm(lw0)}-{hhmm(lw1)}) inside the working day "
                f"({hhmm(model.work_start_s)}-{hhmm(model.work_end_s)}); "
                "change one of them in config.yaml"
            )
    budget = None
    if model.max_stops is not None:
        budget = max(0, model.max_stops - len(model.pins))
    vehicles = []
    for k, (a_node, a, b_node, b) in enumerate(segs):
        lw = None
        if k == lunch_seg:
            lw = (max(a, model.lunch_window[0]), min(b, model.lunch_window[1]) - model.lunch_s)
        vehicles.append(Vehicle(k, a_node, b_node, (a, b), lw, model.lunch_s, budget))
    hard = model.windows_hard or any(c.window is not None for c in model.candidates)
    return Problem(
        durations, jobs, tuple(vehicles), timeout_s, exploration, costs, seed, iterations, hard
    )


# When every candidate fits only the order is left: PyVRP then runs a fixed
# number of iterations (repeatable on a busy machine; 25 stops are optimal
# after ~40, ~0.45 ms each) instead of the time budget (bench/bench_routing.py)
ORDER_ITERATIONS_PER_JOB = 2
ORDER_ITERATIONS_MIN = 50
VROOM_SHARE = 0.5  # at most half the budget when VROOM runs alone (the fallback)
# VROOM's full search ends on its own (0.1-0.6 s at 200 candidates); its clock
# cap is set well above that, so that a busy machine does not change the plan
VROOM_CAP = 2.0
SOLVER_SHARE = 0.85  # of the budget: set-up, timing, polish and checking take the rest


def solve_vroom(problem: Problem, *, seconds: float | None = None) -> Solution:
    """Run VROOM once (for `seconds`, default its share of the budget);
    returns the job nodes in visiting order per vehicle."""
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
    # one thread: two threads on a busy 2-core laptop are not repeatable
    sol = inp.solve(
        exploration_level=problem.exploration,
        nb_threads=1,
        timeout=timedelta(seconds=problem.timeout_s * VROOM_SHARE if seconds is None else seconds),
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


@dataclass
class _PyvrpData:
    data: Any
    node_of: list[int]  # client index -> matrix node
    client_of: dict[int, int]  # matrix node -> its first client index


def _pyvrp_data(problem: Problem) -> _PyvrpData | None:
    """The problem in PyVRP's terms; None when there is no client at all.

    PyVRP has no break: the segment that holds lunch is planned lunch_s
    shorter and solve._fit inserts the lunch afterwards. Several windows
    of one job become mutually exclusive copies (a client group).
    """
    import pyvrp

    d = problem.durations.astype(np.int64)
    ends = sorted({v.start_node for v in problem.vehicles} | {v.end_node for v in problem.vehicles})
    depot_of = {node: i for i, node in enumerate(ends)}
    depots = [pyvrp.Depot(node) for node in ends]
    clients: list[Any] = []
    node_of: list[int] = []
    client_of: dict[int, int] = {}
    groups: list[Any] = []
    for j in problem.jobs:
        windows = j.windows or ((0, 2**62),)
        group = None
        if len(windows) > 1:
            group = len(groups)
            first = len(clients)
            groups.append(
                pyvrp.ClientGroup(list(range(first, first + len(windows))), required=False)
            )
        client_of[j.id] = len(clients)
        for a, b in windows:
            clients.append(
                pyvrp.Client(
                    j.id,
                    service_duration=j.service_s,
                    tw_early=a,
                    tw_late=b,
                    prize=j.prize,
                    required=False,
                    group=group,
                )
            )
            node_of.append(j.id)
    if not clients:
        return None
    vtypes = [
        pyvrp.VehicleType(
            1,
            start_depot=depot_of[v.start_node],
            end_depot=depot_of[v.end_node],
            tw_early=v.window[0],
            tw_late=v.window[1] - (v.lunch_s if v.lunch_window is not None else 0),
        )
        for v in problem.vehicles
    ]
    locations = [pyvrp.Location(0, 0) for _ in range(d.shape[0])]
    # distances are what a leg costs: yen of travel, or the seconds themselves
    dist: Any = d if problem.costs is None else problem.costs.astype(np.int64)
    data = pyvrp.ProblemData(
        locations, clients, depots, vtypes, [dist], [cast(Any, d)], groups=groups
    )
    return _PyvrpData(data, node_of, client_of)


def solve_pyvrp(
    problem: Problem,
    *,
    seconds: float | None = None,
    start: Solution | None = None,
    iterations: int | None = None,
    seed: int = 0,
) -> Solution:
    """Run PyVRP (prize-collecting) for `seconds` (and at most `iterations`),
    warm-started from `start` if given."""
    import pyvrp
    from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria

    pd = _pyvrp_data(problem)
    routes: list[list[int]] = [[] for _ in problem.vehicles]
    if pd is None:
        return routes
    init = None
    if start is not None and any(start):
        init = pyvrp.Solution(
            pd.data,
            [
                pyvrp.Route(pd.data, [pd.client_of[n] for n in seq], k)
                for k, seq in enumerate(start)
                if seq
            ],
        )
    budget = problem.timeout_s * SOLVER_SHARE if seconds is None else seconds
    stop: Any = MaxRuntime(max(0.001, budget))
    if iterations is not None:
        stop = MultipleCriteria([MaxIterations(iterations), stop])
    res = pyvrp.solve(
        pd.data,
        stop,
        seed=seed,
        display=False,
        collect_stats=False,
        initial_solution=init,
    )
    if not res.best.is_feasible():
        return routes  # nothing trustworthy; the other engine's answer stands
    for r in res.best.routes():
        routes[r.vehicle_type()] = [pd.node_of[a.idx] for a in r.schedule() if a.is_client()]
    return routes


def _surely_choosing(problem: Problem) -> bool:
    """More service time than the whole day holds: not every candidate can fit."""
    day = sum(v.window[1] - v.window[0] for v in problem.vehicles)
    return sum(j.service_s for j in problem.jobs) > day


def solve_default(problem: Problem) -> list[Solution]:
    """PyVRP for choosing, VROOM then PyVRP for ordering: the best verified is kept.

    One after the other, never at once: VROOM holds the GIL, which starved
    PyVRP's Python search loop of its time when they ran together. When the
    candidates may all fit (their visits fit in the day), a quick VROOM pass
    (exploration 0, 10-50 ms) tells whether they do: then only the order is
    left and PyVRP, warm-started from it, gets a few iterations (25 stops:
    ~35 ms). Otherwise PyVRP chooses with the whole budget, twice at once with
    different seeds (one per core: its local search releases the GIL), from
    scratch: at 500 candidates warm starts from VROOM (quick or full search)
    kept PyVRP near VROOM's choice, 1-8% below a cold start, and VROOM's full
    search itself was 4-10% below it (bench/bench_routing.py; README design
    notes). VROOM still answers if PyVRP gives nothing.
    """
    t0 = time.perf_counter()
    end = t0 + problem.timeout_s * SOLVER_SHARE
    answers: list[Solution] = []
    if not _surely_choosing(problem):
        quick = solve_vroom(replace(problem, exploration=0))
        answers.append(quick)
        if sum(len(seq) for seq in quick) == len(problem.jobs):
            iterations = max(ORDER_ITERATIONS_MIN, ORDER_ITERATIONS_PER_JOB * len(problem.jobs))
            return [
                quick,
                _safe_pyvrp(
                    problem, end - time.perf_counter(), quick, iterations, seed=problem.seed
                ),
            ]
    # VROOM's full search chooses well on clustered days, with hard windows
    # above all (bench/bench_planning.py: 93-100% of the best known at 200-2,000
    # candidates in 0.1-0.6 s, where PyVRP alone reached 72-88% at 1 s); it
    # holds the GIL, so it runs first, single-threaded (repeatable), the cap
    # being only a guard on a slow machine
    full = solve_vroom(problem, seconds=problem.timeout_s * VROOM_CAP)
    answers.append(full)
    # the iteration count ends PyVRP's search; its clock cap only guards a slow machine
    left = max(end - time.perf_counter(), problem.timeout_s)
    out: list[Solution] = [[] for _ in problem.vehicles]
    warm = full if any(full) else None

    def second() -> None:
        # one search improves VROOM's choice, the other starts from scratch
        out[:] = [_safe_pyvrp(problem, left, warm, problem.iterations, seed=problem.seed + 1)]

    t = threading.Thread(target=second, name="pyvrp-2", daemon=True)
    t.start()
    first = _safe_pyvrp(problem, left, None, problem.iterations, seed=problem.seed)
    t.join()
    answers += [first, out[0]]
    if not any(seq for a in answers for seq in a):  # PyVRP failed: VROOM's answer stands
        left = max(0.05, t0 + problem.timeout_s - time.perf_counter())
        answers.append(solve_vroom(problem, seconds=left))
    return answers


def _safe_pyvrp(
    problem: Problem,
    seconds: float,
    start: Solution | None,
    iterations: int | None = None,
    seed: int = 0,
) -> Solution:
    try:
        return solve_pyvrp(problem, seconds=seconds, start=start, iterations=iterations, seed=seed)
    except Exception:  # an engine failing must not cost the plan; VROOM still answers
        return [[] for _ in problem.vehicles]
