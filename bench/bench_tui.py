"""Benchmark of the rep's workspace (issue 3 quality targets); prints figures.

1. Filter / search update at 100,000 accounts (target < 200 ms): keys typed
   into the search box and filter keys pressed in the running app (headless,
   120x40), timed from the key press until the table has been repainted.
2. Startup to the first painted home screen with 10,000 accounts (target
   < 1.5 s): a fresh Python process, timed from its launch until the home
   screen has painted its first ranked rows (imports and ranking included).

    python bench/bench_tui.py [--accounts 100000] [--startup-accounts 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

COMPANIES = ["山田", "佐藤", "鈴木", "高橋", "田中", "Acme", "ナカムラ", "カトウ", "Global", "東和"]
KINDS = ["商事", "工業", "製作所", "Trading", "電機", "物産", "精機", "システム"]
CITIES = ["千代田区", "港区", "新宿区", "渋谷区", "横浜市西区", "さいたま市浦和区", "川崎市中原区"]
REASONS = ["product", "price", "customer_change", "forgotten", "competitor", "unknown"]


def build_db(path: Path, n: int, seed: int = 7) -> None:
    """n synthetic accounts around Tokyo and a few thousand outcomes, inserted in bulk."""
    import sqlalchemy as sa

    from fieldsales.domain.text import fold
    from fieldsales.store.db import open_engine, session_scope
    from fieldsales.store.models import Account, Outcome

    rnd = random.Random(seed)
    engine = open_engine(path)
    rows = []
    for i in range(n):
        company = f"{rnd.choice(COMPANIES)}{rnd.choice(KINDS)}{i}"
        located = rnd.random() > 0.03
        rows.append(
            {
                "id": f"{i:08d}-0000-4000-8000-000000000000",
                "external_id": f"B{i:06d}",
                "match_key": fold(f"{company}|{i}"),
                "company": company,
                "prefecture": "東京都",
                "city": rnd.choice(CITIES),
                "lat": 35.45 + rnd.random() * 0.5 if located else None,
                "lon": 139.45 + rnd.random() * 0.5 if located else None,
                "geo_precision": rnd.choice(["street", "town", "city"]) if located else "none",
                "lifetime_revenue": rnd.randint(50_000, 20_000_000),
                "last_order_date": date(2026, 11, 1) - timedelta(days=rnd.randint(30, 1500)),
                "purchase_cycle_days": rnd.choice([30, 60, 90, 180, 365]),
                "main_reason": rnd.choice(REASONS),
                "reason_solvable": rnd.choice(["partly", "mostly", "hard", "unknown"]),
                "competitor_status": rnd.choice(["none", "partial", "long_contract"]),
                "digital_responsiveness": rnd.choice(["low", "medium", "high"]),
                "do_not_contact": rnd.random() < 0.02,
            }
        )
    outcomes = []
    for j in range(n // 20):
        day = date(2026, 11, 20) - timedelta(days=rnd.randint(0, 200))
        outcomes.append(
            {
                "id": f"{j:08d}-1111-4000-8000-000000000000",
                "account_id": rows[rnd.randrange(n)]["id"],
                "rep": "bench",
                "channel": "phone",
                "occurred_at": datetime(day.year, day.month, day.day, 3, tzinfo=UTC),
                "visit_stage": "none",
                "result": rnd.choice(["contacted", "interested", "refused", "no_answer"]),
                "next_action_due": day + timedelta(days=rnd.randint(1, 30)),
            }
        )
    with session_scope(engine) as s:
        for k in range(0, n, 20_000):
            s.execute(sa.insert(Account), rows[k : k + 20_000])
        s.execute(sa.insert(Outcome), outcomes)
    engine.dispose()


async def measure_filtering(db: Path) -> dict[str, list[float]]:
    from fieldsales.config import default_settings
    from fieldsales.store.db import open_engine
    from fieldsales.tui.app import make_app
    from fieldsales.tui.widgets.account_table import AccountTable

    app = make_app(default_settings(), open_engine(db), today=date(2026, 11, 20))
    timings: dict[str, list[float]] = {
        "search key": [],
        "filter key": [],
        "sort key": [],
        "no-op key": [],  # an unbound key: what the harness itself costs
    }
    async with app.run_test(size=(120, 40)) as pilot:
        t0 = time.perf_counter()
        while not app.loaded:
            await pilot.pause(0.02)
        print(
            f"  ranking {len(app.ranked):,} accounts in the worker: {time.perf_counter() - t0:.2f} s"
        )
        table = app.screen.query_one(AccountTable)

        async def timed(kind: str, key: str) -> None:
            start = time.perf_counter()
            await pilot.press(key)
            await pilot.pause()  # until the repaint that follows the key was processed
            timings[kind].append((time.perf_counter() - start) * 1000)

        for _ in range(5):
            await timed("no-op key", "z")
        home = app.screen
        direct = []
        for text in ["山", "山田", "山田商事", "acme", ""]:
            home.filters.search = text
            start = time.perf_counter()
            home.refilter(keep=True)  # filter + sort + hand the rows to the table
            direct.append((time.perf_counter() - start) * 1000)
        timings["refilter only"] = direct
        await pilot.press("slash")
        for key in "山田商事1":  # kanji, then a digit: the list narrows key by key
            await timed("search key", key)
        for _ in "山田商事1":
            await timed("search key", "backspace")
        for key in "acme":  # latin, width- and case-folded
            await timed("search key", key)
        await pilot.press("escape")  # back to the table
        for key in ["a", "a", "d", "d"]:  # show all, due follow-ups only, on and off
            await timed("filter key", key)
        for _ in range(4):
            await timed("sort key", "s")
        print(f"  rows shown at the end: {len(table.rows):,}")
    return timings


STARTUP_CHILD = textwrap.dedent(
    """
    import sys, time
    from fieldsales.context import Context
    from fieldsales.tui import app as tui_app

    launched = float(sys.argv[2])
    original = tui_app.FieldSalesApp.on_ranking_loaded

    def hooked(self, message):
        original(self, message)
        def painted():
            print(f"PAINTED {time.time() - launched:.3f} {len(self.ranked)}", flush=True)
            self.exit()
        self.call_after_refresh(painted)

    tui_app.FieldSalesApp.on_ranking_loaded = hooked
    ctx = Context(db=sys.argv[1])
    app = tui_app.make_app(ctx.settings, ctx.engine)
    app.run(headless=True, size=(120, 40))
    """
)


def measure_startup(db: Path, runs: int) -> list[float]:
    out = []
    env = {**os.environ, "FIELDSALES_HOME": str(db.parent / "home")}
    for _ in range(runs):
        launched = time.time()
        proc = subprocess.run(
            [sys.executable, "-c", STARTUP_CHILD, str(db), repr(launched)],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        line = next((x for x in proc.stdout.splitlines() if x.startswith("PAINTED")), None)
        if line is None:
            raise SystemExit(f"startup run failed:\n{proc.stderr[-2000:]}")
        out.append(float(line.split()[1]))
    return out


def summary(values: list[float], unit: str) -> str:
    return (
        f"median {statistics.median(values):.0f} {unit}, max {max(values):.0f} {unit} "
        f"(n={len(values)})"
        if unit == "ms"
        else f"median {statistics.median(values):.2f} {unit}, max {max(values):.2f} {unit} "
        f"(n={len(values)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--startup-accounts", type=int, default=10_000)
    parser.add_argument("--startup-runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["FIELDSALES_HOME"] = str(Path(tmp) / "home")
        big = Path(tmp) / "big.db"
        t = time.perf_counter()
        build_db(big, args.accounts)
        print(f"built {args.accounts:,} accounts in {time.perf_counter() - t:.1f} s")
        print(f"filter / search at {args.accounts:,} accounts (target < 200 ms per key):")
        timings = asyncio.run(measure_filtering(big))
        for kind, values in timings.items():
            print(f"  {kind:<13} {summary(values, 'ms')}")
        every = [v for k in ("search key", "filter key", "sort key") for v in timings[k]]
        print(f"  all keys      {summary(every, 'ms')}  -> {'OK' if max(every) < 200 else 'SLOW'}")
        print("  (key rows: key press to repaint, including the no-op harness cost above)")

        small = Path(tmp) / "small.db"
        build_db(small, args.startup_accounts)
        print(
            f"startup to first painted home screen, {args.startup_accounts:,} accounts "
            "(target < 1.5 s, fresh process, imports included):"
        )
        runs = measure_startup(small, args.startup_runs)
        verdict = "OK" if statistics.median(runs) < 1.5 else "SLOW"
        print(f"  {summary(runs, 's')}  -> {verdict}")


if __name__ == "__main__":
    main()
