"""KPIs over 1,000,000 outcomes and 100,000 accounts (issue 14): prints figures.

    python bench/bench_kpi.py [--accounts 100000] [--outcomes 1000000]

Builds (once, cached in bench/.cache/) a base of clustered accounts
(bench/_instances.py) and an outcome log that looks like a team's: five reps,
18 months, most contacts by email and phone, a funnel that narrows (no answer,
contacted, interested, next action, appointment, order with an amount), costs
on visits, and a few corrections and undos superseding earlier events. Then
times `fieldsales report --by …` as the command computes it
(services.kpi_report.kpi_report_for), for every grouping over last month,
the last quarter and all time, two filtered reports, and the whole command
twice as a subprocess. Target: each under 1 s on SQLite; the worst of each
span is printed with its verdict.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

RESULTS = [  # (result, weight): the funnel of a dormant-account campaign
    ("no_answer", 30),
    ("contacted", 30),
    ("interested", 15),
    ("next_action", 10),
    ("refused", 7),
    ("appointment", 5),
    ("order", 3),
]
CHANNELS = [("email", 40), ("phone", 35), ("visit", 15), ("dm", 10)]
REPS = ["sato", "suzuki", "takahashi", "tanaka", "ito"]


def build(path: Path, accounts: int, outcomes: int, seed: int = 11) -> None:
    import _instances as inst

    from fieldsales.store.db import open_engine
    from fieldsales.store.models import Outcome, new_id

    inst.make_clustered_db(path, accounts, seed=seed, outcomes_per_100=0)
    engine = open_engine(path)
    with engine.connect() as conn:
        ids = [r[0] for r in conn.exec_driver_sql("SELECT id FROM account")]
    rng = random.Random(seed)
    results, rw = zip(*RESULTS, strict=True)
    channels, cw = zip(*CHANNELS, strict=True)
    now = datetime.now(UTC)
    start = now - timedelta(days=540)
    batch: list[dict[str, object]] = []
    made: list[str] = []
    with engine.begin() as conn:
        for k in range(outcomes):
            result = rng.choices(results, rw)[0]
            channel = rng.choices(channels, cw)[0]
            oid = new_id()
            row: dict[str, object] = {
                "id": oid,
                "account_id": rng.choice(ids),
                "rep": rng.choice(REPS),
                "channel": channel,
                "visit_stage": "met" if channel == "visit" else "none",
                "occurred_at": start + timedelta(seconds=rng.randrange(540 * 86400)),
                "result": result,
                "order_amount": int(rng.lognormvariate(13, 1)) if result == "order" else None,
                "cost": 3000 if channel == "visit" else None,
                "supersedes": None,
                "created_at": now,
            }
            if made and k % 500 == 0:  # a correction now and then, and an undo
                row["supersedes"] = rng.choice(made)
                if k % 1000 == 0:
                    row["result"] = "undo"
            made.append(oid)
            batch.append(row)
            if len(batch) == 50_000:
                conn.execute(Outcome.__table__.insert(), batch)  # type: ignore[attr-defined]
                batch = []
                print(f"  {k + 1:,} outcomes", flush=True)
        if batch:
            conn.execute(Outcome.__table__.insert(), batch)  # type: ignore[attr-defined]
    engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--outcomes", type=int, default=1_000_000)
    a = ap.parse_args()
    cache = Path(__file__).parent / ".cache"
    cache.mkdir(exist_ok=True)
    path = cache / f"kpi_{a.accounts}_{a.outcomes}.db"
    if not path.exists():
        print(f"building {path.name} ({a.accounts:,} accounts, {a.outcomes:,} outcomes)…")
        t = time.perf_counter()
        part = path.with_suffix(".part")
        part.unlink(missing_ok=True)
        build(part, a.accounts, a.outcomes)
        part.rename(path)  # only a whole base is ever reused
        print(f"built in {time.perf_counter() - t:.0f} s")

    from fieldsales.config import default_settings
    from fieldsales.services.kpi_report import KPI_GROUPS, kpi_report_for
    from fieldsales.store.db import open_engine

    settings = default_settings()
    engine = open_engine(path)
    with engine.connect() as conn:
        n_out = conn.exec_driver_sql("SELECT count(*) FROM outcome").scalar()
        n_acc = conn.exec_driver_sql("SELECT count(*) FROM account").scalar()
    month = (date.today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    quarter = f"{(date.today() - timedelta(days=92)).strftime('%Y-%m')}..{month}"
    print(f"# {n_acc:,} accounts, {n_out:,} outcomes; SQLite; each report timed 2x")
    worst = {"month": 0.0, "quarter": 0.0, "all time": 0.0}
    runs: list[tuple[str, str | None, dict[str, str]]] = [
        *((by, p, {}) for by in KPI_GROUPS for p in (month, quarter, None)),
        ("channel", month, {"rank": "A"}),
        ("week", quarter, {"channel": "phone", "reason": "price"}),
    ]
    for by, period, filters in runs:
        times = []
        for _ in range(2):
            t = time.perf_counter()
            rep = kpi_report_for(engine, settings, by=by, period=period, **filters)
            times.append(time.perf_counter() - t)
        span = "month" if period == month else "quarter" if period else "all time"
        worst[span] = max(worst[span], *times)
        what = f"--by {by}" + (f" --period {period}" if period else "")
        what += "".join(f" --{k} {v}" for k, v in filters.items())
        print(f"{what:<52} {min(times):.2f} / {max(times):.2f} s, {len(rep.rows)} groups")
    # the whole command, as a lead runs it (start-up, ranking when needed, output)
    for args in (["--by", "channel", "--period", month], ["--by", "rank", "--period", month]):
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "fieldsales", "--db", str(path), "report", *args,
             "--format", "json"],
            check=True, capture_output=True,
        )  # fmt: skip
        print(f"fieldsales report {' '.join(args):<38} {time.perf_counter() - t:.2f} s (CLI)")
    for span, w in worst.items():
        print(f"worst {span:<9} {w:.2f} s; target < 1 s: {'PASS' if w < 1.0 else 'MISS'}")


if __name__ == "__main__":
    main()
