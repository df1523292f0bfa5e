"""The Plan screen's work at scale (issue 13 section 4): prints figures.

    python bench/bench_plan_screen.py [DB]     (default: the 100,000-account base
                                                 that bench_planning.py generates)

Once the app is open it holds the ranking, and a background worker has read
what planning needs beyond it (economics, opening hours, learned rates). What
`p` then costs is the day's model and the solve in the warm solver process;
"add best" (`a`) and "re-optimise" (`r`) work on the day's model. Each is timed
3 times, as the screen calls them (the same service functions and the warm
solver process). Targets: a plan under 1 s, add best and re-optimise under 1 s.
"""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path


def main() -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    from fieldsales.config import default_settings
    from fieldsales.services import planning
    from fieldsales.services.planning_model import planning_columns
    from fieldsales.services.rank import RankFilter, rank_accounts
    from fieldsales.services.rates import learned_for
    from fieldsales.services.solver_worker import WarmSolver
    from fieldsales.store.db import open_engine

    default = Path(__file__).parent / ".cache" / "clustered_100000_g1_h.db"
    db = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    if not db.exists():
        import _instances as inst

        print(f"generating {db} (100,000 clustered accounts)…")
        db.parent.mkdir(parents=True, exist_ok=True)
        inst.make_clustered_db(db, 100_000)
    s = default_settings()
    engine = open_engine(db)
    day = date(2026, 12, 1)
    t = time.perf_counter()
    ranked = rank_accounts(
        engine, s, origin=(s.office.lat, s.office.lon), filters=RankFilter(show_all=True), today=day
    )
    t_rank = time.perf_counter() - t
    t = time.perf_counter()
    planning_columns(ranked.base)
    learned_for(ranked.base, s)
    t_warm = time.perf_counter() - t
    print(
        f"# {len(ranked):,} accounts in {db.name}; the app's ranking {t_rank:.2f} s, "
        f"its background warm-up for planning {t_warm:.2f} s (not on the key press)"
    )
    solver = WarmSolver()
    solver.start()
    time.sleep(3)  # the screen starts it while the rep looks at the list
    worst = {"plan": 0.0, "add": 0.0, "reopt": 0.0}
    for k in range(3):
        t = time.perf_counter()
        pd = planning.plan_day(engine, s, day=day, ranked=ranked, solve=solver.solve)
        t_plan = time.perf_counter() - t
        # a full day: the rep drops a stop (`x`), then asks for the best that fits (`a`)
        gone = pd.plan.stops[len(pd.plan.stops) // 2].account_id
        dropped = planning.drop_stop(pd, gone, s)
        t = time.perf_counter()
        added = planning.add_best(dropped, s, exclude={gone})
        t_add = time.perf_counter() - t
        t = time.perf_counter()
        planning.reoptimise(added, s, solve=solver.solve)
        t_reopt = time.perf_counter() - t
        worst = {
            "plan": max(worst["plan"], t_plan),
            "add": max(worst["add"], t_add),
            "reopt": max(worst["reopt"], t_reopt),
        }
        print(
            f"run {k + 1}: plan {t_plan:.2f} s ({len(pd.plan.stops)} visits, "
            f"{len(pd.model.candidates)} candidates), add best {t_add * 1000:.0f} ms, "
            f"re-optimise {t_reopt:.2f} s"
        )
    solver.close()
    for name, goal in (("plan", 1.0), ("add", 1.0), ("reopt", 1.0)):
        verdict = "PASS" if worst[name] < goal else "MISS"
        print(f"{name:<6} worst {worst[name]:.2f} s, target < {goal:g} s: {verdict}")


if __name__ == "__main__":
    main()
