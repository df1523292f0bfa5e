"""Issue 19: rank and the full listing at 100,000 and 1,000,000 accounts, end to
end through the CLI (a fresh process each: imports, start-up, query, output).

    python bench/bench_speed.py [N ...] [--orders N] [--listing-up-to N]
        default: 100000 1000000 --orders 100000 --listing-up-to 100000

Bases are generated once (bench/_gen.py: seeded, clustered positions,
log-normal revenue, 20% of accounts with an outcome) into
$FIELDSALES_BENCH_DIR (default /tmp/fieldsales-bench) and reused; each run
works on a copy. Prints wall time and the peak RSS of the command's process.

`--orders N`: also a base of N accounts with an order history of ~20 orders
each (2,000,000 at 100k; bench/bench_orders.py's generator, imported through
`import-orders` once), where rank adds churn signs, P(alive) and expected
value from the BG/NBD fit kept in the database (0: leave it out).
The full listing runs for bases up to `--listing-up-to` accounts.

Targets: `rank --json --top 20` < 1 s at 100k and < 3 s at 1M (peak < 1 GB at
1M); full listing (--top 0) as JSON or CSV < 3 s at 100k, memory flat. Each
listing runs twice: the first of the day computes and keeps every account's
early-warning figures (store/warning_days.py), the second reads them back.
The first ranking of a generated base computes and keeps every account's
scores (an import computes them as it writes) and, with orders, fits and
keeps the BG/NBD parameters; it is printed apart.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from _bytecode import compile_sources

CPU: list[float] = []
BENCH_DIR = Path(os.environ.get("FIELDSALES_BENCH_DIR", "/tmp/fieldsales-bench"))


def apart(fn: Any, *args: Any, **kwargs: Any) -> None:
    """Run fn(*args, **kwargs) in a process of its own and wait for it. Generating a
    base takes gigabytes at 1,000,000 accounts; done in this process, every CLI
    process started afterwards would report it as its own peak (Linux keeps the
    forking process's RSS high-water mark in the child's ru_maxrss across exec)."""
    import multiprocessing

    proc = multiprocessing.get_context("spawn").Process(target=fn, args=args, kwargs=kwargs)
    proc.start()
    proc.join()
    if proc.exitcode != 0:
        raise SystemExit(f"generating with {fn.__name__} failed (exit {proc.exitcode})")


def base(n: int) -> Path:
    from _gen import make_db

    path = BENCH_DIR / f"base_{n}.db"
    if not path.exists():
        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        tmp = path.with_suffix(".tmp")
        tmp.unlink(missing_ok=True)
        apart(make_db, tmp, n)
        tmp.rename(path)
        print(f"generated {n:,} accounts in {time.perf_counter() - t:.0f} s -> {path}")
    return path


def orders_base(n: int, per_account: int = 20) -> Path:
    """A base of n accounts with an order history of ~per_account orders each
    (bench/bench_orders.py's generator: four patterns, cp932 file), imported
    through the CLI once and kept."""
    from _gen import make_db
    from bench_orders import cluster_positions, write_orders

    path = BENCH_DIR / f"orders_{n}.db"
    if not path.exists():
        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        tmp = path.with_suffix(".tmp")
        csv_path = BENCH_DIR / f"orders_{n}.csv"
        for p in (tmp, csv_path):
            p.unlink(missing_ok=True)
        apart(make_db, tmp, n, seed=7, outcomes_per_100=60)
        apart(cluster_positions, tmp, seed=7)
        apart(write_orders, csv_path, n, n * per_account, seed=11)
        run(tmp, "import-orders", str(csv_path))
        csv_path.unlink()
        tmp.rename(path)
        print(f"generated {n:,} accounts with {n * per_account:,} orders in "
              f"{time.perf_counter() - t:.0f} s -> {path}")  # fmt: skip
    return path


def run(db: Path, *args: str) -> tuple[float, float, int]:
    """(wall s, peak RSS MB, bytes written to stdout) of one CLI process; its
    CPU time (user + system, steadier on a busy machine) goes to CPU[-1]."""
    env = {**os.environ, "FIELDSALES_HOME": str(db.parent / "home"), "COLUMNS": "120"}
    cmd = [sys.executable, "-m", "fieldsales", "--db", str(db), *args]
    t = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        size = 0
        assert proc.stdout is not None
        while chunk := proc.stdout.read(1 << 16):
            size += len(chunk)
            sink.write(chunk)
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    CPU.append(usage.ru_utime + usage.ru_stime)
    if status != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"{' '.join(args)} failed: {err}")
    return wall, usage.ru_maxrss / 1024, size


# The tree before issue 19 had no --csv: FIELDSALES_BENCH_FORMATS=--json to time it
FORMATS = os.environ.get("FIELDSALES_BENCH_FORMATS", "--json --csv").split()


def bench_base(label: str, src: Path, n: int, listing: bool, orders: bool) -> None:
    work = BENCH_DIR / f"work_{n}{'_orders' if orders else ''}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)
    shutil.copy(src, work)
    what = "scores" + (" and the BG/NBD fit" if orders else "")
    wall, rss, _ = run(work, "rank", "--json", "--top", "20")
    print(f"{label:>12}  first rank --json --top 20 (keeps every account's {what}): "
          f"{wall:6.2f} s (CPU {CPU[-1]:.2f} s)  {rss:6.0f} MB")  # fmt: skip
    walls, cpus, peak = [], [], 0.0
    for _ in range(3):
        wall, rss, _ = run(work, "rank", "--json", "--top", "20")
        walls.append(wall)
        cpus.append(CPU[-1])
        peak = max(peak, rss)
    limit = 1 if n <= 100_000 else 3
    print(f"{label:>12}  rank --json --top 20: min {min(walls):.2f} s, max {max(walls):.2f} s "
          f"(CPU min {min(cpus):.2f} s)  peak {peak:6.0f} MB  (target < {limit} s)")  # fmt: skip
    if orders:
        wall, rss, _ = run(work, "rank", "--signals", "--top", "20")
        print(f"{label:>12}  rank --signals --top 20 (signs of every account): {wall:6.2f} s "
              f"(CPU {CPU[-1]:.2f} s)  {rss:6.0f} MB")  # fmt: skip
    if not listing:
        return
    # the first full listing of a day computes every account's early-warning
    # figures and keeps them (table warning_day); the next ones that day read them
    for when in ("", " again"):
        for fmt in FORMATS:
            wall, rss, size = run(work, "rank", fmt, "--top", "0")
            print(f"{label:>12}  rank {fmt} --top 0{when} (every account): {wall:6.2f} s "
                  f"(CPU {CPU[-1]:.2f} s)  {rss:6.0f} MB  {size / 1e6:.0f} MB written")  # fmt: skip


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[100_000, 1_000_000])
    parser.add_argument("--orders", type=int, default=100_000, metavar="N")
    parser.add_argument("--listing-up-to", type=int, default=100_000, metavar="N")
    args = parser.parse_args()
    compile_sources()  # as installed: bench/_bytecode.py
    print(f"load average before: {os.getloadavg()[0]:.1f} (2-core machine shared; figures inflate)")
    for n in args.sizes:
        bench_base(f"{n:,}", base(n), n, n <= args.listing_up_to, orders=False)
    if args.orders:
        n = args.orders
        src = orders_base(n)
        bench_base(f"{n:,}+orders", src, n, n <= args.listing_up_to, orders=True)
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
