"""Issue 19: `rank --json --top 20` end to end after each kind of write, on a
SQLite file whose ranking inputs are kept packed (table rank_block,
store/rank_blocks.py): what a write costs the next ranking.

    python bench/bench_rank_blocks.py [N ...]        default: 100000 1000000

Works on a copy of bench_speed.py's generated base ($FIELDSALES_BENCH_DIR,
generated there if missing). Prints, per step, wall time and CPU time (user +
system) of a fresh `fieldsales` process and its peak RSS:
    first rank        packs every account (the file was never ranked)
    steady            nothing written since
    outcome logged    one account's block is rebuilt (`fieldsales log`)
    edit (sqlite3)    a hand-written UPDATE of 1,000 accounts spread out (at
                      100,000 that touches every block: all rebuilt)
    vacuum            VACUUM (rowids kept: nothing rebuilt)
    config change     new breakpoints of past revenue: every block's scores
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_speed import CPU, base, run


def _rank(db: Path, label: str, n: int, *extra: str) -> None:
    wall, rss, _ = run(db, *extra, "rank", "--json", "--top", "20")
    print(f"{n:>12,}  {label:<16} {wall:6.2f} s (CPU {CPU[-1]:5.2f} s)  peak {rss:6.0f} MB")


def bench(n: int) -> None:
    work = base(n).parent / f"blocks_{n}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)
    shutil.copy(base(n), work)
    _rank(work, "first rank", n)
    _rank(work, "steady", n)
    _rank(work, "steady", n)
    with sqlite3.connect(work) as conn:
        some = conn.execute("SELECT external_id FROM account WHERE rowid = ?", [n // 2]).fetchone()
    run(work, "log", some[0], "--result", "interested", "--channel", "phone")
    _rank(work, "outcome logged", n)
    with sqlite3.connect(work) as conn:
        conn.execute(
            "UPDATE account SET lifetime_revenue = lifetime_revenue + 1 WHERE rowid % ? = 0",
            [max(n // 1000, 1)],
        )
    _rank(work, "edit (sqlite3)", n)
    conn = sqlite3.connect(work, isolation_level=None)
    conn.execute("VACUUM")
    conn.close()
    _rank(work, "vacuum", n)
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "config.yaml"
        cfg.write_text(
            "scoring:\n  past_revenue:\n    at_least: [[20000000, 10], [1000000, 5]]\n",
            encoding="utf-8",
        )
        _rank(work, "config change", n, "--config", str(cfg))
    for suffix in ("", "-wal", "-shm"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [100_000, 1_000_000]
    print(f"load average before: {os.getloadavg()[0]:.1f} (2-core machine shared; figures inflate)")
    for n in sizes:
        bench(n)
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
