"""Ranking with a large outcome log: rank_accounts on 100,000 accounts and 1,000,000 outcomes.

    python bench/bench_rank_outcomes.py [DB]

DB defaults to bench/.cache/kpi_100000_1000000.db, which `python bench/bench_kpi.py`
builds (once; about a minute). The base is only read. Prints the time of
services.rank.rank_accounts from the office (min / max of 3 runs, in one
process, after one untimed run that warms the OS file cache) and the peak RSS
of that process; its CPU time too, a steadier figure on a busy machine.
Target: under 2.5 s on a 2-core machine.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

MEASURE = r"""
import json, sys, time

def peak_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")

from fieldsales.config import default_settings
from fieldsales.services.rank import rank_accounts
from fieldsales.store.db import open_engine

settings = default_settings()
engine = open_engine(sys.argv[1], migrate=False)
origin = (35.681236, 139.767125)
rank_accounts(engine, settings, origin=origin)  # warm the file cache
times, cpu = [], []
for _ in range(3):
    t, c = time.perf_counter(), time.process_time()
    table = rank_accounts(engine, settings, origin=origin)
    times.append(time.perf_counter() - t)
    cpu.append(time.process_time() - c)
    n = len(table)
    del table
print(json.dumps({"times": times, "cpu": cpu, "n": n, "peak_mb": peak_mb()}))
"""


def main() -> None:
    default = Path(__file__).parent / ".cache" / "kpi_100000_1000000.db"
    db = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    if not db.exists():
        sys.exit(f"{db}: no such database; build it with: python bench/bench_kpi.py")
    out = subprocess.run([sys.executable, "-c", MEASURE, str(db)], capture_output=True, text=True)
    if out.returncode:
        sys.exit(out.stderr)
    r = json.loads(out.stdout)
    t = r["times"]
    verdict = "PASS" if max(t) < 2.5 else "MISS"
    print(f"# {db.name}: rank_accounts from the office, 3 runs in one process")
    c = r["cpu"]
    print(f"rank_accounts: min {min(t):.2f} s / max {max(t):.2f} s ({r['n']:,} listed)")
    print(f"CPU time of the process: min {min(c):.2f} s / max {max(c):.2f} s (wall > CPU: waits)")
    print(f"peak RSS: {r['peak_mb']:.0f} MB")
    print(f"target < 2.5 s: {verdict}")


if __name__ == "__main__":
    main()
