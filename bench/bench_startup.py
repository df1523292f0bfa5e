"""Start-up in a real terminal: `fieldsales --db <10,000 accounts>` against a bare Textual app.

    python bench/bench_startup.py [--rounds 5] [--accounts 10000] [DB]

Both run in a tmux pane of 120x40 (a private tmux server, killed at the end),
one after the other, for several rounds. The time counted is from launching
the command to the pane showing:
- fieldsales: the first row of the ranked list (a company name of the
  generated base, ベンチ商事…株式会社), i.e. the ranking loaded and painted;
- the bare app: a Textual App with a 10-row DataTable, its first row painted.
The CPU time each used up to that moment (all its threads, from /proc) is printed
next to the wall time: on a loaded machine the wall time inflates much more.
"Painted" is seen by polling `tmux capture-pane -p`, every 10 ms, for that
text, so both include the interpreter's start, the imports and Textual's
first frames in the same terminal. Each app is then quit with Ctrl+Q and the
next starts only when it has exited. Prints every round, the medians and
their ratio (target: at most 2), then the wall time of `fieldsales --help`
(median of 5).

The code measured is this checkout's (`python -m fieldsales` with src/ first
on PYTHONPATH), with its own empty home (FIELDSALES_HOME), so no user config
or saved language is read. The database is generated once with
bench/_instances.py (clustered territory) and cached in $FIELDSALES_BENCH_DIR
(default bench/.cache/).
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _bytecode import compile_sources

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
SIZE = (120, 40)
POLL = 0.01
LIMIT = 120.0  # seconds before a launch counts as hung
TARGET = 2.0  # issue 19: the ranked list within 2x of a bare Textual app

BARE_APP = """
from textual.app import App
from textual.widgets import DataTable, Footer, Header


class Bare(App):
    BINDINGS = [("ctrl+q", "quit", "Quit")]

    def compose(self):
        yield Header()
        yield DataTable()
        yield Footer()

    def on_mount(self):
        table = self.query_one(DataTable)
        table.add_columns("Rank", "Score", "Company", "City", "Distance")
        for i in range(10):
            table.add_row("A", str(200 - i), f"Bare row {i} Ltd", "Chiyoda", f"{i}.0 km")


Bare().run()
"""
FIELDSALES_PAINTED = re.compile(r"ベンチ商事\d+株式会社")
BARE_PAINTED = re.compile(r"Bare row 0 Ltd")


class Tmux:
    """A private tmux server with one pane of SIZE that keeps its dead commands."""

    def __init__(self) -> None:
        self.socket = f"fieldsales-bench-{os.getpid()}"
        self.target = "bench:0.0"
        self._run("new-session", "-d", "-s", "bench", "-x", str(SIZE[0]), "-y", str(SIZE[1]))
        self._run("set-option", "-g", "remain-on-exit", "on")
        self._run("set-option", "-g", "history-limit", "0")

    def _run(self, *args: str) -> str:
        out = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=True
        )
        return out.stdout

    def launch(self, argv: list[str], env: dict[str, str]) -> None:
        command = shlex.join(["env", *(f"{k}={v}" for k, v in env.items()), *argv])
        self._run("respawn-pane", "-k", "-t", self.target, command)

    def screen(self) -> str:
        return self._run("capture-pane", "-p", "-t", self.target)

    def dead(self) -> bool:
        return self._run("display-message", "-p", "-t", self.target, "#{pane_dead}").strip() == "1"

    def pid(self) -> int:
        return int(self._run("display-message", "-p", "-t", self.target, "#{pane_pid}").strip())

    def keys(self, *keys: str) -> None:
        self._run("send-keys", "-t", self.target, *keys)

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system, all threads) the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def time_to_paint(
    tmux: Tmux, argv: list[str], env: dict[str, str], painted: re.Pattern[str]
) -> tuple[float, float]:
    """(seconds, CPU seconds) from launching `argv` in the pane to `painted` showing in
    it; then quits it. `env` execs the command, so the pane's process is the app."""
    t0 = time.perf_counter()
    tmux.launch(argv, env)
    pid = tmux.pid()
    while True:
        text = tmux.screen()
        elapsed = time.perf_counter() - t0
        if painted.search(text):
            break
        if tmux.dead() or elapsed > LIMIT:
            raise RuntimeError(f"{argv[-1]!r} never painted; the pane shows:\n{text}")
        time.sleep(POLL)
    cpu = cpu_seconds(pid)
    time.sleep(0.3)  # let it settle before quitting (the background warm-up starts)
    tmux.keys("C-q")
    for _ in range(int(30 / POLL)):
        if tmux.dead():
            break
        time.sleep(POLL)
    else:
        raise RuntimeError(f"{argv[-1]!r} did not quit on Ctrl+Q")
    return elapsed, cpu


def build_db(path: Path, n: int) -> None:
    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(SRC))
    import _instances as inst

    print(f"generating {path.name} ({n:,} clustered accounts, once)…", flush=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    inst.make_clustered_db(tmp, n)
    tmp.replace(path)


def bench_dir() -> Path:
    """Where generated bases are kept: $FIELDSALES_BENCH_DIR, else bench/.cache."""
    return Path(os.environ.get("FIELDSALES_BENCH_DIR") or HERE / ".cache")


def default_db(n: int) -> Path:
    sys.path.insert(0, str(HERE))
    import _instances as inst

    return bench_dir() / f"clustered_{n}_g{inst.GEN_VERSION}_h.db"


def help_time(env: dict[str, str], runs: int = 5) -> list[float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "fieldsales", "--help"],
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            check=True,
        )
        times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("db", nargs="?", type=Path, help="database (default: generated, cached)")
    ap.add_argument("--accounts", type=int, default=10_000, help="accounts of the generated db")
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    compile_sources()  # as installed: bench/_bytecode.py
    db = a.db or default_db(a.accounts)
    if not db.exists():
        if a.db is not None:
            sys.exit(f"{db}: no such database")
        build_db(db, a.accounts)

    with tempfile.TemporaryDirectory(prefix="fieldsales-bench-") as tmp:
        home = Path(tmp) / "home"
        bare = Path(tmp) / "bare_app.py"
        bare.write_text(BARE_APP, encoding="utf-8")
        env = {"PYTHONPATH": str(SRC), "FIELDSALES_HOME": str(home), "TERM": "tmux-256color"}
        fieldsales = [sys.executable, "-m", "fieldsales", "--db", str(db)]
        tmux = Tmux()
        try:
            # a first launch of each, not counted: the files come into the page cache
            time_to_paint(tmux, fieldsales, env, FIELDSALES_PAINTED)
            time_to_paint(tmux, [sys.executable, str(bare)], env, BARE_PAINTED)
            app_t: list[tuple[float, float]] = []
            bare_t: list[tuple[float, float]] = []
            print(f"# {db.name}, tmux {SIZE[0]}x{SIZE[1]}, {a.rounds} rounds (alternating)")
            print(
                f"# load average before: {os.getloadavg()[0]:.1f} (2-core machine; figures inflate)"
            )
            for r in range(a.rounds):
                first = r % 2 == 0  # alternate which one goes first
                for which in ("app", "bare") if first else ("bare", "app"):
                    if which == "app":
                        app_t.append(time_to_paint(tmux, fieldsales, env, FIELDSALES_PAINTED))
                    else:
                        bare_t.append(
                            time_to_paint(tmux, [sys.executable, str(bare)], env, BARE_PAINTED)
                        )
                print(
                    f"round {r + 1}: fieldsales {app_t[-1][0]:.2f} s (CPU {app_t[-1][1]:.2f} s)"
                    f"   bare Textual {bare_t[-1][0]:.2f} s (CPU {bare_t[-1][1]:.2f} s)"
                )
        finally:
            tmux.close()
        m_app = statistics.median(t for t, _ in app_t)
        m_bare = statistics.median(t for t, _ in bare_t)
        c_app = statistics.median(c for _, c in app_t)
        c_bare = statistics.median(c for _, c in bare_t)
        ratio = m_app / m_bare
        verdict = "PASS" if ratio <= TARGET else "MISS"
        print(
            f"median: fieldsales {m_app:.2f} s (CPU {c_app:.2f} s) to the ranked list, "
            f"bare Textual {m_bare:.2f} s (CPU {c_bare:.2f} s)"
        )
        print(f"ratio {ratio:.2f} (target <= {TARGET}): {verdict}; CPU ratio {c_app / c_bare:.2f}")
        print(f"# load average after: {os.getloadavg()[0]:.1f}")
        h = help_time(env)
        print(
            f"fieldsales --help: median {statistics.median(h):.2f} s "
            f"(of {len(h)}: {', '.join(f'{x:.2f}' for x in h)})"
        )


if __name__ == "__main__":
    main()
