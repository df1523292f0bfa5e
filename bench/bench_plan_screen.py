"""The Plan screen at scale (issue 13 section 4), driven as a rep drives it: prints figures.

    python bench/bench_plan_screen.py [DB]     (default: the 100,000-account base
                                                 that bench_planning.py generates)

The real app (the factory `fieldsales` uses) runs headless at 120x40 with
Textual's pilot. Once its list is shown and its background warm-up for
planning is done, the bench presses the keys a rep presses and times, from the
key press to the screen showing the answer:
- `p`: the Plan screen opens and plans the day (the app's warm solver
  process, started once the list is shown; nothing saved, so a new plan);
- `x` then `a`: a stop dropped, then "add best" until the new stop is shown;
- `r`: re-optimise until the new plan is shown.
Three rounds (`R` makes a new plan for the next one). Targets: each under 1 s.
"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any


async def _until(pilot: Any, done: Any, limit: float = 60.0) -> float:
    t0 = time.perf_counter()
    while not done():
        if time.perf_counter() - t0 > limit:
            raise TimeoutError("the screen did not answer")
        await pilot.pause(0.005)
    return time.perf_counter() - t0


def _stops(screen: Any) -> int:
    return -1 if screen.planned is None else len(screen.planned.plan.stops)


async def run(db: Path) -> None:
    from fieldsales.config import default_settings
    from fieldsales.store.db import open_engine
    from fieldsales.tui.app import make_app
    from fieldsales.tui.screens.plan import PlanScreen

    settings = default_settings()
    app = make_app(settings, open_engine(db), today=date(2026, 12, 1))
    times: dict[str, list[float]] = {"plan": [], "add": [], "reopt": []}
    async with app.run_test(size=(120, 40)) as pilot:
        t_list = await _until(pilot, lambda: app.loaded)
        t_warm = await _until(pilot, lambda: not any(w.group == "warm" for w in app.workers))
        print(
            f"# {len(app.ranked):,} accounts in {db.name}; list shown after {t_list:.2f} s, "
            f"planning warm-up {t_warm:.2f} s later (background, not on a key press)"
        )
        await pilot.pause(2.0)  # a rep reads the list a moment before pressing p
        t0 = time.perf_counter()
        await pilot.press("p")
        screen = app.screen
        assert isinstance(screen, PlanScreen)
        await _until(pilot, lambda: screen.planned is not None and screen.busy is None)
        times["plan"].append(time.perf_counter() - t0)
        for k in range(3):
            if k:
                t0 = time.perf_counter()
                await pilot.press("R")
                await pilot.pause(0.005)
                await _until(pilot, lambda: screen.busy is None)
                times["plan"].append(time.perf_counter() - t0)
            pd = screen.planned
            assert pd is not None
            n = len(pd.plan.stops)
            await pilot.press("x")
            await _until(pilot, lambda n=n: _stops(screen) == n - 1)
            t0 = time.perf_counter()
            await pilot.press("a")
            await pilot.pause(0.005)
            await _until(pilot, lambda: screen.busy is None)
            times["add"].append(time.perf_counter() - t0)
            added = len(screen.planned.plan.stops)  # type: ignore[union-attr]
            t0 = time.perf_counter()
            await pilot.press("r")
            await pilot.pause(0.005)
            await _until(pilot, lambda: screen.busy is None)
            times["reopt"].append(time.perf_counter() - t0)
            print(
                f"round {k + 1}: plan {times['plan'][-1]:.2f} s ({n} visits), "
                f"add best {times['add'][-1]:.2f} s ({n - 1} -> {added} visits), "
                f"re-optimise {times['reopt'][-1]:.2f} s"
            )
    for name, label in (
        ("plan", "p (plan)"),
        ("add", "a (add best)"),
        ("reopt", "r (re-optimise)"),
    ):
        worst = max(times[name])
        verdict = "PASS" if worst < 1.0 else "MISS"
        print(f"{label:<16} worst {worst:.2f} s, target < 1 s: {verdict}")


def main() -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    default = Path(__file__).parent / ".cache" / "clustered_100000_g1_h.db"
    db = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    if not db.exists():
        import _instances as inst

        print(f"generating {db} (100,000 clustered accounts)…")
        db.parent.mkdir(parents=True, exist_ok=True)
        inst.make_clustered_db(db, 100_000)
    asyncio.run(run(db))


if __name__ == "__main__":
    main()
