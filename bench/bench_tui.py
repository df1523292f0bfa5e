"""Key press to repaint in the account list at 100,000 accounts, in a real terminal.

    python bench/bench_tui.py [--accounts 100000] [--gap 0.5] [DB]

`fieldsales --db <copy of the base>` runs in a tmux pane of 120x40 (a private
tmux server). A small wrapper around the real app logs, with the monotonic
clock, the moment each key event reaches the app (Textual stamps it when the
terminal's bytes are read) and the moment each frame has been written to the
terminal. The benchmark types keys with `tmux send-keys`, one every --gap
seconds; a key's latency is from its event to the last frame written before
the next key, i.e. the repaint that shows its final result (search typing is
not debounced). Kinds: search typing (kanji, kana, digits, backspace, latin),
filter keys (a, d), sort keys (s, r), cursor moves (down, up), page keys
(pagedown, pageup, end, home), and saving an outcome (l, 2, then Ctrl+S in the
log dialog).

Saving is measured from the Ctrl+S key event to the first frame written after
the list holds the saved account in its new place: the app logs "listed" when
the re-scored account has been spliced into the ranking and the list
refiltered, and the first frame of the list's screen written after that (the
dialog closed) is the one that shows it. A second line, "save: last frame", is the
last frame written in the SAVE_WINDOW (2 s) after Ctrl+S: the screen done changing
because of the save (the list, the toast shown). The next key waits until the
save's toast has gone (toasts stay TOAST_SECONDS), so that neither its expiry nor
that of the previous save's toast is counted as a key's or a save's frame.

The base is bench/_instances.py's clustered territory (seeded), generated once
and cached in $FIELDSALES_BENCH_DIR (default bench/.cache/); the app runs on a temporary copy, so the saved
outcomes do not change the cached base. The keys start once the app's
background warm-up (search keys, planning columns) is done. Prints median,
p95 and max per kind (target < 100 ms) with the app's CPU time over the same
spans (all its threads; a loaded machine inflates wall times, much less CPU
times), the app's peak memory and CPU time, and, for comparison, what a whole
re-rank costs (what a save did before). Before `2` in the log dialog the
benchmark waits until the dialog is mounted; opening the dialog is not timed.
Then (--typed-ahead) `l`, `2` and Ctrl+S are sent at once, before the dialog is
drawn, as a rep typing quickly does: how many of them saved, and the time from
`l` to the list showing the account in its new place.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from _bytecode import compile_sources

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
SIZE = (120, 40)
TARGET_MS = 100.0
SAVE_LIMIT = 20.0  # seconds a save may take (a loaded machine) before it counts as lost
SAVE_WINDOW = 2.0  # seconds after Ctrl+S in which the save's frames are looked for
TOAST_SECONDS = 5.0  # how long a toast stays (Textual's App.NOTIFICATION_TIMEOUT)
TOAST_MARGIN = 1.5  # seconds more, for the toast shown late on a loaded machine

CHILD = textwrap.dedent(
    """
    import resource, sys, time
    from textual import events
    from textual.app import App
    from textual.widgets import Input
    from fieldsales.tui import app as tui_app

    log = open(sys.argv[2], "a", buffering=1)
    if __name__ == "__main__":
        log.write(f"start {time.monotonic():.6f}\\n")
    display = App._display

    def logged_display(self, screen, renderable):
        display(self, screen, renderable)
        if renderable is not None and not self._batch_count:
            log.write(f"paint {time.monotonic():.6f} {type(screen).__name__}\\n")
            log.write(f"tick {time.monotonic():.6f} {time.process_time():.6f}\\n")

    App._display = logged_display
    on_event = App.on_event

    async def logged_event(self, event):
        if isinstance(event, events.Key):
            log.write(f"key {event.time:.6f} {event.key}\\n")
            log.write(f"tick {time.monotonic():.6f} {time.process_time():.6f}\\n")
        await on_event(self, event)

    App.on_event = logged_event
    loaded = tui_app.FieldSalesApp.on_ranking_loaded

    def hooked_loaded(self, message):
        loaded(self, message)
        for box in self.screen.query(Input):  # a blinking cursor repaints by itself
            box.cursor_blink = False

    tui_app.FieldSalesApp.on_ranking_loaded = hooked_loaded
    rescored = tui_app.FieldSalesApp.on_account_rescored

    def hooked_rescored(self, message):  # the saved account is in its new place
        rescored(self, message)
        log.write(f"listed {time.monotonic():.6f}\\n")

    tui_app.FieldSalesApp.on_account_rescored = hooked_rescored
    from fieldsales.tui.screens import log_outcome
    dialog_mounted = log_outcome.LogOutcomeScreen.on_mount

    def hooked_dialog(self):  # the log dialog takes keys from now on
        dialog_mounted(self)
        log.write(f"dialog {time.monotonic():.6f}\\n")

    log_outcome.LogOutcomeScreen.on_mount = hooked_dialog
    build_romaji = tui_app.FieldSalesApp.build_romaji

    def hooked_romaji(self, base):  # called at the end of the warm-up
        log.write(f"warm {time.monotonic():.6f}\\n")
        build_romaji(self, base)

    tui_app.FieldSalesApp.build_romaji = hooked_romaji
    unmount = tui_app.FieldSalesApp.on_unmount

    def hooked_unmount(self):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        log.write(f"peak {peak:.0f}\\n")
        used = resource.getrusage(resource.RUSAGE_SELF)
        log.write(f"cpu {used.ru_utime + used.ru_stime:.3f}\\n")
        log.write(f"end {time.monotonic():.6f}\\n")
        unmount(self)

    tui_app.FieldSalesApp.on_unmount = hooked_unmount
    if __name__ == "__main__":  # the romaji keys' process imports this file again
        from fieldsales.cli import main

        sys.exit(main(["--db", sys.argv[1]]))
    """
)

# (kind, tmux key); "lit:" sends the text literally (Japanese as UTF-8)
SEARCH = [("search", f"lit:{ch}") for ch in "ベンチ商事12"] + [("search", "BSpace")] * 3
SEQUENCE: list[tuple[str, str]] = [
    *[("cursor", "Down")] * 8,
    *[("cursor", "Up")] * 4,
    *[("page", k) for k in ("PageDown", "PageDown", "PageDown", "PageUp", "End", "Home")],
    ("setup", "/"),
    *SEARCH,
    *[("search", f"lit:{ch}") for ch in "acme"],
    *[("search", "BSpace")] * 4,
    ("search", "Escape"),  # clears the search: the whole list again
    *[("filter", k) for k in ("a", "a", "d", "d")],
    *[("sort", k) for k in ("s", "s", "s", "r", "s", "r")],
    ("sort", "s"),
    *[("sort", "s")] * 4,  # back to the ranking (the cycle has 11 states)
]


class Tmux:
    def __init__(self) -> None:
        self.socket = f"fieldsales-keys-{os.getpid()}"
        self.target = "keys:0.0"
        self.run("new-session", "-d", "-s", "keys", "-x", str(SIZE[0]), "-y", str(SIZE[1]))
        self.run("set-option", "-g", "remain-on-exit", "on")

    def run(self, *args: str) -> str:
        out = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=True
        )
        return out.stdout

    def launch(self, argv: list[str], env: dict[str, str]) -> None:
        command = shlex.join(["env", *(f"{k}={v}" for k, v in env.items()), *argv])
        self.run("respawn-pane", "-k", "-t", self.target, command)

    def send(self, key: str) -> None:
        if key.startswith("lit:"):
            self.run("send-keys", "-t", self.target, "-l", key[4:])
        else:
            self.run("send-keys", "-t", self.target, key)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", self.target)

    def dead(self) -> bool:
        return self.run("display-message", "-p", "-t", self.target, "#{pane_dead}").strip() == "1"

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


def read_log(path: Path) -> list[tuple[str, float, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split(" ", 2)
        rows.append((parts[0], float(parts[1]), parts[2] if len(parts) > 2 else ""))
    return rows


def wait_for(log: Path, what: str, tmux: Tmux, limit: float = 300.0, count: int = 1) -> None:
    """Until the app has logged `what` `count` times."""
    t0 = time.monotonic()
    while not (log.exists() and sum(r[0] == what for r in read_log(log)) >= count):
        if tmux.dead() or time.monotonic() - t0 > limit:
            raise SystemExit(f"the app never logged {what!r}; the pane shows:\n{tmux.screen()}")
        time.sleep(0.1)


def listed_within(log: Path, count: int, limit: float) -> bool:
    """Whether the app logged its `count`-th "listed" (a saved account put in its new
    place) within `limit` seconds: on a loaded machine a save can take seconds."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        if sum(r[0] == "listed" for r in read_log(log)) >= count:
            return True
        time.sleep(0.1)
    return False


def toast_gone(listed_at: float, gap: float) -> None:
    """Wait until the toast of the save listed at `listed_at` has gone (its expiry is
    a frame of its own, not one of the next key's); the toast comes up to a second
    after the list on a loaded machine."""
    time.sleep(max(gap, listed_at + TOAST_SECONDS + TOAST_MARGIN - time.monotonic()))


def cpu_ms(rows: list[tuple[str, float, str]], start: float, end: float) -> float:
    """The app's CPU time (all its threads) from the first tick at or after `start` to
    the first at or after `end` (a tick is logged as each key arrives and just after
    each frame is written)."""
    ticks = [(t, float(cpu)) for kind, t, cpu in rows if kind == "tick"]
    first = next((c for t, c in ticks if t >= start), None)
    last = next((c for t, c in ticks if t >= end), None)  # logged just after the frame
    return (last - first) * 1000 if first is not None and last is not None else float("nan")


def latencies(rows: list[tuple[str, float, str]], kinds: list[str]) -> dict[str, list[float]]:
    """Per kind: ms from each key event to the last frame before the next key event;
    per "cpu:" + kind, the app's CPU time over the same span."""
    # a key event that bubbles back up to the app is logged again, with its own time
    keys = sorted({(t, k) for kind, t, k in rows if kind == "key"})
    paints = sorted(t for kind, t, _ in rows if kind == "paint")
    if len(keys) != len(kinds):
        raise SystemExit(f"sent {len(kinds)} keys, the app got {len(keys)}")
    out: dict[str, list[float]] = {}
    for n, ((t, _), kind) in enumerate(zip(keys, kinds, strict=True)):
        end = keys[n + 1][0] if n + 1 < len(keys) else float("inf")
        if kind == "save outcome":
            end = min(end, t + SAVE_WINDOW)
        after = [p for p in paints if t <= p < end]
        if kind != "setup" and after:
            out.setdefault(kind, []).append((after[-1] - t) * 1000)
            out.setdefault("cpu:" + kind, []).append(cpu_ms(rows, t, after[-1]))
    return out


def save_latencies(rows: list[tuple[str, float, str]]) -> tuple[list[float], list[float]]:
    """Per Ctrl+S: ms from its key event to the first frame written after the list
    holds the saved account in its new place (the app logs "listed" once the
    re-scored account is spliced into the ranking and the list refiltered)."""
    keys = sorted({(t, k) for kind, t, k in rows if kind == "key"})
    # frames of the list's screen only: one of the dialog still open does not count
    paints = sorted(t for kind, t, what in rows if kind == "paint" and what == "HomeScreen")
    listed = sorted(t for kind, t, _ in rows if kind == "listed")
    out: list[float] = []
    cpu: list[float] = []
    for n, (t, key) in enumerate(keys):
        if key != "ctrl+s":
            continue
        end = keys[n + 1][0] if n + 1 < len(keys) else float("inf")
        done = next((m for m in listed if t <= m < end), None)
        frame = next((p for p in paints if done is not None and done <= p < end), None)
        if frame is not None:
            out.append((frame - t) * 1000)
            cpu.append(cpu_ms(rows, t, frame))
    return out, cpu


def typed_ahead_latencies(rows: list[tuple[str, float, str]]) -> list[float]:
    """Per `l 2 Ctrl+S` typed in one go (the three keys within 0.5 s): ms from the `l`
    key event to the first frame of the list written after the saved account was
    put in its new place."""
    keys = sorted({(t, k) for kind, t, k in rows if kind == "key"})
    paints = sorted(t for kind, t, what in rows if kind == "paint" and what == "HomeScreen")
    listed = sorted(t for kind, t, _ in rows if kind == "listed")
    out: list[float] = []
    for n in range(len(keys) - 2):
        (t, k), (_, k2), (t3, k3) = keys[n : n + 3]
        if (k, k2, k3) != ("l", "2", "ctrl+s") or t3 - t > 0.5:
            continue
        end = keys[n + 3][0] if n + 3 < len(keys) else float("inf")
        done = next((m for m in listed if t <= m < end), None)
        frame = next((p for p in paints if done is not None and done <= p < end), None)
        if frame is not None:
            out.append((frame - t) * 1000)
    return out


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def full_rerank_seconds(db: Path) -> float:
    """What saving an outcome cost before: the whole ranking again (in-process, warm)."""
    sys.path.insert(0, str(SRC))
    from fieldsales.context import Context
    from fieldsales.services.rank import RankFilter, rank_accounts

    ctx = Context(db=db)
    s = ctx.settings
    rank_accounts(ctx.engine, s, origin=(s.office.lat, s.office.lon))  # warm
    t0 = time.perf_counter()
    rank_accounts(
        ctx.engine, s, origin=(s.office.lat, s.office.lon), filters=RankFilter(show_all=True)
    )
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("db", nargs="?", type=Path, help="database (default: generated, cached)")
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--gap", type=float, default=0.5, help="seconds between keys")
    ap.add_argument("--saves", type=int, default=5, help="outcomes saved")
    ap.add_argument("--log", type=Path, help="keep the app's key and frame log here")
    ap.add_argument(
        "--typed-ahead", type=int, default=3, help="outcomes saved with l 2 Ctrl+S typed in one go"
    )
    a = ap.parse_args()
    compile_sources()  # as installed: bench/_bytecode.py
    sys.path.insert(0, str(HERE))
    from bench_startup import build_db, default_db

    db = a.db or default_db(a.accounts)
    if not db.exists():
        build_db(db, a.accounts)
    with tempfile.TemporaryDirectory(prefix="fieldsales-keys-") as tmp:
        copy = Path(tmp) / "base.db"
        shutil.copyfile(db, copy)
        log = Path(tmp) / "log.txt"
        child = Path(tmp) / "child.py"
        child.write_text(CHILD, encoding="utf-8")
        config = Path(tmp) / "config.yaml"
        config.write_text("rep: Bench\n", encoding="utf-8")  # no first-run dialog
        env = {"PYTHONPATH": str(SRC), "FIELDSALES_HOME": str(Path(tmp) / "home"),
               "FIELDSALES_CONFIG": str(config), "TERM": "tmux-256color"}  # fmt: skip
        tmux = Tmux()
        kinds: list[str] = []
        try:
            tmux.launch([sys.executable, str(child), str(copy), str(log)], env)
            wait_for(log, "warm", tmux)
            time.sleep(1.0)
            for kind, key in SEQUENCE:
                tmux.send(key)
                kinds.append(kind)
                time.sleep(a.gap)
            missed = 0
            for n in range(a.saves):  # l, 2 (phone, contacted), Ctrl+S; then the next row
                tmux.send("l")
                kinds.append("setup")
                # the dialog mounted first, as before (the typed-ahead keys come below)
                wait_for(log, "dialog", tmux, limit=60.0, count=n + 1)
                time.sleep(a.gap)
                tmux.send("2")
                kinds.append("setup")
                time.sleep(a.gap)
                tmux.send("C-s")
                kinds.append("save outcome")
                if not listed_within(log, n - missed + 1, SAVE_LIMIT):
                    # not saved (the dialog still open, e.g. "pick a result first"):
                    # counted as missing, the dialog closed
                    missed += 1
                    tmux.send("Escape")
                    kinds.append("setup")
                toast_gone(time.monotonic(), a.gap)  # the frames after the save, its toast gone
                tmux.send("Down")
                kinds.append("cursor")
                time.sleep(a.gap)
            # l, 2, Ctrl+S sent at once: the keys reach the app before the dialog is drawn
            ahead = 0
            for _ in range(a.typed_ahead):
                before = sum(r[0] == "listed" for r in read_log(log))
                for key in ("l", "2", "C-s"):
                    tmux.send(key)
                    kinds.append("setup")
                if listed_within(log, before + 1, SAVE_LIMIT):
                    ahead += 1
                else:  # lost: the dialog is still open
                    tmux.send("Escape")
                    kinds.append("setup")
                toast_gone(time.monotonic(), a.gap)
                tmux.send("Down")
                kinds.append("cursor")
                time.sleep(a.gap)
            tmux.send("C-q")
            kinds.append("setup")
            for _ in range(300):
                if tmux.dead():
                    break
                time.sleep(0.1)
        finally:
            tmux.close()
        rows = read_log(log)
        if a.log:
            shutil.copyfile(log, a.log)
        got = latencies(rows, kinds)
        got["save: last frame"] = got.pop("save outcome", [])
        got["save outcome"], got["cpu:save outcome"] = save_latencies(rows)
        got["typed ahead"] = typed_ahead_latencies(rows)
        peak = next((t for kind, t, _ in rows if kind == "peak"), float("nan"))
        cpu = next((t for kind, t, _ in rows if kind == "cpu"), float("nan"))
        start = next((t for kind, t, _ in rows if kind == "start"), float("nan"))
        wall = next((t for kind, t, _ in rows if kind == "end"), float("nan")) - start

    print(f"# {db.name}: key press to repaint, tmux {SIZE[0]}x{SIZE[1]}, a key every {a.gap} s")
    worst = 0.0
    for kind in ("search", "filter", "sort", "cursor", "page", "save outcome", "save: last frame"):
        values = got.get(kind, [])
        if not values:
            print(f"  {kind:<16} no repaint logged")
            continue
        worst = max(worst, max(values)) if not kind.startswith("save") else worst
        used = got.get("cpu:" + kind, [])
        print(
            f"  {kind:<16} median {statistics.median(values):6.1f} ms   p95 {p95(values):6.1f} ms"
            f"   max {max(values):6.1f} ms   (n={len(values)})"
            + (
                f"   CPU median {statistics.median(used):5.1f} ms, max {max(used):5.1f} ms"
                if used
                else ""
            )
        )
    verdict = "PASS" if worst < TARGET_MS else "MISS"
    print(f"  every list key under {TARGET_MS:.0f} ms: {verdict} (worst {worst:.1f} ms)")
    saved = got.get("save outcome", [])
    if missed:
        print(
            f"  {missed} of {a.saves} saves did not happen (the dialog missed a key): not counted"
        )
    if saved:
        verdict = "PASS" if max(saved) < TARGET_MS else "MISS"
        print(f"  saved account shown in its new place within {TARGET_MS:.0f} ms: {verdict}")
    if a.typed_ahead:
        print(f"  l 2 Ctrl+S typed in one go: {ahead} of {a.typed_ahead} saved", end="")
        quick = got.get("typed ahead", [])
        if quick:
            print(
                f"; l to the list with the account in its new place: median "
                f"{statistics.median(quick):.1f} ms, max {max(quick):.1f} ms",
                end="",
            )
        print()
    print(f"  app CPU time {cpu:.1f} s in {wall:.1f} s (a loaded machine inflates every figure)")
    print(f"  load average at the end: {os.getloadavg()[0]:.1f} (2 cores)")
    print(f"  app peak memory {peak:.0f} MB")
    print(f"  a whole re-rank (what a save did before): {full_rerank_seconds(db):.2f} s")


if __name__ == "__main__":
    main()
