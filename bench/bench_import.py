"""Import 100,000 generated accounts from CSV, end to end through the CLI.

Target (issue 2): under 20 s wall on a 2-core machine. Prints rows/s, wall time
and peak memory for a first import (all created), a re-import of the same file
(all unchanged) and a re-import of the file saved as Shift_JIS with 10% of the
rows changed (updates with per-field history).

Needs the bench extra (the generator reads real towns): pip install -e '.[bench]'
Run: python bench/bench_import.py [N]
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# Runs in a fresh process so that peak memory is the import's own.
MEASURE = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from fieldsales.cli import main
code = main(["--db", sys.argv[1], "import", "--no-locate", sys.argv[2]])
wall = time.perf_counter() - t0
print(json.dumps({"code": code, "wall_s": wall,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def load_generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "generate_sample", REPO / "data" / "generate_sample.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["generate_sample"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def measure(db: Path, csv_path: Path) -> dict[str, float]:
    env = {**os.environ, "FIELDSALES_HOME": str(db.parent / "home"), "COLUMNS": "120"}
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, str(db), str(csv_path)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    lines = out.stdout.strip().splitlines()
    result: dict[str, float] = json.loads(lines[-1])
    summary = next((ln for ln in lines if " created, " in ln), "")
    print(f"    {summary}")
    return result


def changed_copy(src: Path, dst: Path, every: int = 10) -> None:
    """Every `every`-th row gets a new revenue and note; written as cp932 (Excel in Japan)."""
    with (
        src.open(encoding="utf-8-sig", newline="") as fin,
        dst.open("w", encoding="cp932", errors="replace", newline="") as fout,
    ):
        reader, writer = csv.reader(fin), csv.writer(fout, lineterminator="\r\n")
        header = next(reader)
        writer.writerow(header)
        rev, note = header.index("累計取引額"), header.index("備考")
        for i, row in enumerate(reader):
            if i % every == 0:
                row[rev] = str(int(row[rev].replace(",", "")) + 1000)
                row[note] = "ベンチで更新"
            writer.writerow(row)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    gen = load_generator()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        src, db = work / "accounts.csv", work / "bench.db"
        t = time.perf_counter()
        gen.write_csv(src, gen.ACCOUNT_HEADERS, gen.generate_accounts(n))
        print(
            f"generated {n:,} rows ({src.stat().st_size / 1e6:.1f} MB CSV) "
            f"in {time.perf_counter() - t:.1f} s"
        )
        changed = work / "accounts_sjis.csv"
        changed_copy(src, changed)
        runs = [
            ("first import (create)", src),
            ("re-import (unchanged)", src),
            ("re-import cp932, 10% changed", changed),
        ]
        for label, path in runs:
            print(f"{label}:")
            r = measure(db, path)
            status = "OK" if r["wall_s"] < 20 else "OVER TARGET"
            print(
                f"    {n / r['wall_s']:,.0f} rows/s, wall {r['wall_s']:.2f} s (target < 20 s: "
                f"{status}), peak memory {r['peak_rss_mb']:.0f} MB, exit {r['code']:.0f}"
            )


if __name__ == "__main__":
    main()
