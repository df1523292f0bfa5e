"""Order history end to end: import 2,000,000 orders for 100,000 accounts, derive
and fit, then rank with churn signs.

Targets (issue 18): the import under 60 s; fit and scoring under 10 s.

The account base is bench/_gen.py's (seeded), its positions moved into
clusters around Tokyo's business districts. Each account gets a history of
~20 orders on average with one of four patterns: steady (55%), slowing (gaps
doubling at the end, 15%), shrinking (a third of the amount over the last
year, 15%) and silent (stopped 3-15 intervals ago, 15%); intervals are
lognormal around 45 days, amounts lognormal around 100,000 yen. Half the
accounts' orders carry an order number. The file is written as cp932 with
Japanese headers, as an order system in Japan exports it.

Each step runs in a fresh process (peak memory is its own): the CLI import,
a re-import of the same file (all already stored), the service call that
ranks, derives the signs and fits BG/NBD + Gamma-Gamma, and the CLI's
`rank --signals` and `rank --json --top 20`.

Run: python bench/bench_orders.py [ACCOUNTS [ORDERS]]
"""

from __future__ import annotations

import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

CLUSTERS = [  # (lat, lon) of business districts around Tokyo
    (35.681, 139.767), (35.690, 139.700), (35.658, 139.702), (35.729, 139.711),
    (35.466, 139.622), (35.861, 139.645), (35.607, 140.106), (35.576, 139.659),
    (35.713, 139.777), (35.628, 139.739), (35.749, 139.586), (35.655, 139.339),
]  # fmt: skip
PRODUCTS = ["ボルトM8", "ナットM8", "工具セット", "潤滑油", "梱包資材", "安全靴", "手袋", "部品A"]

MEASURE = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from fieldsales.cli import main
code = main(sys.argv[1:])
wall = time.perf_counter() - t0
use = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"code": code, "wall_s": wall, "cpu_s": use.ru_utime + use.ru_stime,
                  "peak_rss_mb": use.ru_maxrss / 1024}))
"""

# ranking + churn signs + BG/NBD and Gamma-Gamma fit, timed apart
SCORE = r"""
import json, resource, sys, time
from fieldsales.config import load_settings
from fieldsales.store.db import open_engine
from fieldsales.services.rank import rank_accounts
from fieldsales.services.early_warning import warnings_for, watch_list
settings = load_settings()
engine = open_engine(sys.argv[1])
t0 = time.perf_counter()
c0 = time.process_time()
table = rank_accounts(engine, settings, origin=(settings.office.lat, settings.office.lon))
t1 = time.perf_counter()
c1 = time.process_time()
w = warnings_for(table.base)
t2 = time.perf_counter()
c2 = time.process_time()
watched = watch_list(table)
bg, gg = w.model.bgnbd, w.model.gamma_gamma
print(json.dumps({"rank_s": t1 - t0, "signs_fit_s": t2 - t1, "rank_cpu_s": c1 - c0,
    "signs_fit_cpu_s": c2 - c1, "watched": len(watched),
    "with_signs": int(w.signs.any().sum()),
    "bgnbd": None if bg is None else [round(v, 4) for v in bg.params],
    "gamma_gamma": None if gg is None else [round(gg.p, 3), round(gg.q, 3), round(gg.gamma, 1)],
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def cluster_positions(db: Path, seed: int) -> None:
    import sqlalchemy as sa

    from fieldsales.store.db import open_engine

    rng = np.random.default_rng(seed)
    engine = open_engine(db)
    with engine.begin() as conn:
        ids = [r[0] for r in conn.execute(sa.text("SELECT id FROM account ORDER BY id"))]
        centre = rng.integers(0, len(CLUSTERS), len(ids))
        lat = np.array([CLUSTERS[c][0] for c in centre]) + rng.normal(0, 0.03, len(ids))
        lon = np.array([CLUSTERS[c][1] for c in centre]) + rng.normal(0, 0.035, len(ids))
        conn.execute(
            sa.text("UPDATE account SET lat = :lat, lon = :lon WHERE id = :id AND lat IS NOT NULL"),
            [
                {"id": i, "lat": float(a), "lon": float(o)}
                for i, a, o in zip(ids, lat, lon, strict=True)
            ],
        )
    engine.dispose()


def write_orders(path: Path, accounts: int, orders: int, seed: int) -> dict[str, int]:
    """The order file; returns how many accounts got each pattern."""
    rng = np.random.default_rng(seed)
    today = date.today()
    mean = orders / accounts
    counts = np.maximum(1, rng.poisson(mean, accounts))
    counts = np.maximum(1, np.round(counts * orders / counts.sum()).astype(int))
    diff = int(orders - counts.sum())  # the rounding's few hundred: one order each
    counts[np.argsort(-counts)[: abs(diff)]] += 1 if diff > 0 else -1
    patterns = rng.choice(["steady", "slowing", "shrinking", "silent"], accounts,
                          p=[0.55, 0.15, 0.15, 0.15])  # fmt: skip
    tally = {str(p): int((patterns == p).sum()) for p in np.unique(patterns)}
    with path.open("w", encoding="cp932", newline="") as fh:
        out = csv.writer(fh, lineterminator="\r\n")
        out.writerow(["顧客コード", "受注日", "受注番号", "金額", "商品名"])
        for i in range(accounts):
            k = int(counts[i])
            if k == 0:
                continue
            interval = float(np.clip(rng.lognormal(np.log(45), 0.5), 7, 400))
            gaps = np.maximum(1, rng.normal(interval, interval * 0.2, k))
            pattern = patterns[i]
            if pattern == "slowing":
                gaps[-4:] *= np.linspace(1.5, 3.0, min(4, k))
            end_ago = rng.uniform(0, interval)
            if pattern == "silent":
                end_ago += interval * rng.uniform(3, 15)
            ago = end_ago + np.concatenate(([0.0], np.cumsum(gaps[::-1][:-1])))[::-1]
            ago = np.minimum(ago, 3650).astype(int)
            base = rng.lognormal(np.log(100_000), 0.8)
            amount = base * rng.lognormal(0, 0.3, k)
            if pattern == "shrinking":
                amount[ago < 365] *= 0.35
            numbered = i % 2 == 0
            code = f"B{i:07d}"
            for j in range(k):
                day = today - timedelta(days=int(ago[j]))
                out.writerow([
                    code,
                    day.strftime("%Y/%m/%d"),
                    f"{code}-{j:04d}" if numbered else "",
                    f"{int(amount[j]):,}",
                    PRODUCTS[(i + j) % len(PRODUCTS)],
                ])  # fmt: skip
    return tally


def run(args: list[str], home: Path, script: str = MEASURE) -> tuple[dict[str, float], str]:
    env = {**os.environ, "FIELDSALES_HOME": str(home), "COLUMNS": "120"}
    out = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, env=env
    )
    if out.returncode != 0 and not out.stdout.strip():
        raise SystemExit(out.stderr)
    lines = out.stdout.strip().splitlines()
    return json.loads(lines[-1]), "\n".join(lines[:-1]) + out.stderr


def main() -> None:
    accounts = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    orders = int(sys.argv[2]) if len(sys.argv) > 2 else 2_000_000
    from _gen import make_db

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        db, home, csv_path = work / "bench.db", work / "home", work / "受注履歴.csv"
        t = time.perf_counter()
        make_db(db, accounts, seed=7, outcomes_per_100=60)
        cluster_positions(db, seed=7)
        tally = write_orders(csv_path, accounts, orders, seed=11)
        size = csv_path.stat().st_size / 1e6
        print(f"generated {accounts:,} accounts, {orders:,} orders ({size:.0f} MB cp932) "
              f"in {time.perf_counter() - t:.1f} s; patterns {tally}")  # fmt: skip
        for label in ("import-orders (first)", "import-orders (again: all already stored)"):
            result, text = run(["--db", str(db), "import-orders", str(csv_path)], home)
            summary = next((ln for ln in text.splitlines() if " rows: " in ln), text[-300:])
            print(f"{label}: {result['wall_s']:.1f} s wall ({result['cpu_s']:.1f} s CPU), "
                  f"{orders / result['wall_s']:,.0f} rows/s, peak {result['peak_rss_mb']:.0f} MB "
                  f"(target < 60 s)\n    {summary}")  # fmt: skip
        result, _ = run([str(db)], home, SCORE)
        print(f"rank {result['rank_s']:.1f} s ({result['rank_cpu_s']:.1f} s CPU); churn signs + "
              f"BG/NBD/Gamma-Gamma fit and scoring {result['signs_fit_s']:.1f} s "
              f"({result['signs_fit_cpu_s']:.1f} s CPU; target < 10 s); "
              f"peak {result['peak_rss_mb']:.0f} MB")  # fmt: skip
        print(f"    early-warning list {result['watched']:,} accounts, {result['with_signs']:,} "
              f"with signs; BG/NBD r, alpha, a, b = {result['bgnbd']}; "
              f"Gamma-Gamma p, q, gamma = {result['gamma_gamma']}")  # fmt: skip
        for args in (["rank", "--signals", "--top", "20"], ["rank", "--json", "--top", "20"]):
            result, _ = run(["--db", str(db), *args], home)
            print(f"fieldsales {' '.join(args)}: {result['wall_s']:.1f} s end to end "
                  f"({result['cpu_s']:.1f} s CPU), peak {result['peak_rss_mb']:.0f} MB")  # fmt: skip


if __name__ == "__main__":
    random.seed(0)
    main()
