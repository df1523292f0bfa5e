"""A warm solver process, so the UI never freezes while a plan is computed.

VROOM holds the GIL for its whole run (a 500-candidate solve froze a Textual
UI for 0.5-0.8 s in a thread), so it runs in a separate process that is
started once and kept: it imports pyvroom (~0.5 s) while the rep is still
looking at the ranking, then answers each plan in ~0.5 s. Cancelling kills
the process (VROOM cannot be interrupted) and the next solve starts a fresh one.

`WarmSolver.solve` blocks its caller: call it from a Textual thread worker.
Pure of the database and the UI: it only runs planning.engines.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import sys
import threading
from multiprocessing.connection import Connection
from typing import Any

from fieldsales.planning.engines import Problem, Solution


class SolveCancelled(Exception):
    """The plan was cancelled before the solver answered."""


class SolverCrashed(RuntimeError):
    """The solver process died; the message says how."""


def _serve(conn: Connection) -> None:
    import pyvrp  # noqa: F401  (warm-up: pay both imports before the first plan)
    import vroom  # noqa: F401

    from fieldsales.planning.engines import solve_default

    conn.send(("ready", None))
    while True:
        try:
            problem = conn.recv()
        except EOFError:
            return
        if problem is None:
            return
        try:
            conn.send(("ok", solve_default(problem)))
        except Exception as exc:  # report, keep serving: one bad problem is not fatal
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


class WarmSolver:
    """One persistent solver process; thread-safe; a drop-in `solve` for plan_model."""

    def __init__(self) -> None:
        # spawn: forking a process that runs Textual's threads is unsafe
        self._ctx = mp.get_context("spawn")
        self._lock = threading.Lock()
        self._proc: Any = None
        self._conn: Connection | None = None
        self._cancelled = threading.Event()

    def start(self) -> None:
        """Start (or restart) the process; returns at once, it warms up meanwhile."""
        if self._proc is not None and self._proc.is_alive():
            return
        parent, child = self._ctx.Pipe()
        self._proc = self._ctx.Process(
            target=_serve, args=(child,), daemon=True, name="fieldsales-solver"
        )
        # Textual swaps sys.stdout/stderr for objects without a file descriptor,
        # which multiprocessing cannot hand to the new process: use the real ones
        real_out = sys.__stdout__ or open(os.devnull, "w")  # noqa: SIM115
        real_err = sys.__stderr__ or open(os.devnull, "w")  # noqa: SIM115
        with contextlib.redirect_stdout(real_out), contextlib.redirect_stderr(real_err):
            self._proc.start()
        child.close()
        self._conn = parent

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else int(self._proc.pid)

    def solve(self, problem: Problem) -> list[Solution]:
        with self._lock:
            self._cancelled.clear()
            self.start()
            conn = self._conn
            assert conn is not None
            try:
                conn.send(problem)
                while True:
                    # poll in short slices so a cancel (which kills the process) is noticed
                    while not conn.poll(0.05):
                        if self._cancelled.is_set() or not self._proc.is_alive():
                            break
                    if self._cancelled.is_set():
                        raise SolveCancelled("plan cancelled")
                    if not conn.poll(0):
                        raise SolverCrashed(f"solver process exited ({self._proc.exitcode})")
                    kind, payload = conn.recv()
                    if kind == "ready":
                        continue
                    if kind == "error":
                        raise SolverCrashed(str(payload))
                    return list(payload)
            except (EOFError, BrokenPipeError, OSError) as exc:
                if self._cancelled.is_set():
                    raise SolveCancelled("plan cancelled") from exc
                raise SolverCrashed(f"solver process lost: {exc}") from exc
            finally:
                if self._cancelled.is_set():
                    self._reap()

    def cancel(self) -> None:
        """Stop the running solve now; the next solve starts a fresh process."""
        self._cancelled.set()
        proc = self._proc
        if proc is not None and proc.is_alive():
            proc.kill()

    def _reap(self) -> None:
        if self._proc is not None:
            self._proc.join(timeout=1)
        if self._conn is not None:
            self._conn.close()
        self._proc, self._conn = None, None

    def close(self) -> None:
        if self._conn is not None and self._proc is not None and self._proc.is_alive():
            with contextlib.suppress(BrokenPipeError, OSError):
                self._conn.send(None)
            self._proc.join(timeout=2)
            if self._proc.is_alive():
                self._proc.kill()
        self._reap()
