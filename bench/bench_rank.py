"""Rank 100,000 accounts from a point, end to end from the database.

Targets (issue 2): under 1 s wall and under 300 MB peak memory on a 2-core machine.
Run: python bench/bench_rank.py [N]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

MEASURE = r"""
import json, sys, time

def peak_mb():
    # VmHWM: this process's own peak RSS (ru_maxrss would include the parent's
    # peak, inherited across fork)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")

t0 = time.perf_counter()
from fieldsales.config import load_settings
from fieldsales.store.db import open_engine
from fieldsales.services.rank import rank_accounts, RankFilter
t_import = time.perf_counter() - t0
settings = load_settings()
engine = open_engine(sys.argv[1])
rss_before = peak_mb()
t1 = time.perf_counter()
items = rank_accounts(engine, settings, origin=(35.681236, 139.767125))
t_rank = time.perf_counter() - t1
peak_one = peak_mb()
top = items[0].company
n_items = len(items)
del items
t2 = time.perf_counter()
near = rank_accounts(engine, settings, origin=(35.9, 139.6), filters=RankFilter(within_km=10))
t_rank2 = time.perf_counter() - t2
print(json.dumps({"n": n_items, "peak_one_mb": peak_one, "import_s": t_import, "rank_s": t_rank, "rank_from_other_s": t_rank2,
                  "peak_rss_mb": peak_mb(),
                  "rss_before_mb": rss_before, "top": top, "near": len(near)}))
"""


def main() -> None:
    from _gen import make_db

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        t = time.perf_counter()
        make_db(db, n)
        print(f"generated {n:,} accounts (+20% with outcomes) in {time.perf_counter() - t:.1f} s")
        out = subprocess.run(
            [sys.executable, "-c", MEASURE, str(db)], capture_output=True, text=True, check=True
        )
        r = json.loads(out.stdout)
        total = r["import_s"] + r["rank_s"]
        print(
            f"rank {r['n']:,} accounts (do-not-contact hidden) from the office: "
            f"{r['rank_s']:.3f} s  (target < 1 s)"
        )
        print(f"same, from another point with --within 10: {r['rank_from_other_s']:.3f} s")
        print(f"with interpreter imports: {total:.3f} s (imports {r['import_s']:.3f} s)")
        print(
            f"peak memory (VmHWM of the ranking process): {r['peak_one_mb']:.0f} MB "
            f"(target < 300 MB; {r['rss_before_mb']:.0f} MB before ranking, "
            f"{r['peak_rss_mb']:.0f} MB after the second ranking)"
        )


if __name__ == "__main__":
    main()
