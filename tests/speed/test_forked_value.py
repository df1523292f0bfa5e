"""A value computed by a forked child and handed back through shared memory
(forking.ForkedValue, the app's first ranking): what arrives equals what the
child computed, arrays of every kind the ranking holds included, and usable
as any array; a child that computes nothing, fails or is killed gives None
(the caller computes it then), never an error; no process is left behind."""

from __future__ import annotations

import os
import signal
import threading
from datetime import date
from typing import Any

import numpy as np
import pytest

from fieldsales.forking import ForkedValue, can_fork_values
from tests.speed.test_listing_apart import no_child_left  # noqa: F401  (autouse here)

pytestmark = pytest.mark.skipif(not can_fork_values(), reason="fork and memfd: Linux")


def _value(n: int) -> dict[str, Any]:
    rng = np.random.default_rng(7)
    totals = rng.uniform(0, 200, n)
    totals[::11] = np.nan
    days = np.datetime64("2026-11-30") - rng.integers(0, 900, n).astype("timedelta64[D]")
    days[::13] = np.datetime64("NaT")
    return {
        "totals": totals,
        "order": np.argsort(totals),
        "last_order": days,
        "stage": np.array(["active", "at_risk", "dormant_early"] * (n // 3 + 1))[:n],
        "raw_ids": np.array([f"C{k:06d}".encode() for k in range(n)]),
        "matrix": rng.uniform(0, 10, (n, 6)),
        "every_other": rng.uniform(0, 1, 2 * n)[::2],  # not contiguous: sent in the pickle
        "ids": [f"C{k:06d}" for k in range(n)],
        "names": ["丸の内精機", "ｶﾌﾞｼｷｶﾞｲｼｬ", None],
        "today": date(2026, 11, 30),
        "empty": np.zeros(0),
    }


def _equal(got: Any, want: Any) -> None:
    assert got.keys() == want.keys()
    for name, value in want.items():
        if isinstance(value, np.ndarray):
            assert got[name].dtype == value.dtype, name
            assert got[name].shape == value.shape, name
            assert np.array_equal(got[name], value, equal_nan=value.dtype.kind == "f") or (
                value.dtype.kind == "M" and np.array_equal(got[name].view("i8"), value.view("i8"))
            ), name
        else:
            assert got[name] == value, name


@pytest.mark.parametrize("n", [0, 5, 200_000])
def test_the_value_arrives_whole(n: int) -> None:
    want = _value(n)
    got = ForkedValue(lambda: _value(n)).result()
    _equal(got, want)
    # the arrays are arrays as any other: written, grown, kept after the child is gone
    got["totals"][:] = 1.5
    assert np.all(got["totals"] == 1.5)
    assert np.concatenate([got["order"], [n]])[-1] == n


def test_the_result_is_taken_once_and_kept() -> None:
    child = ForkedValue(lambda: {"x": np.arange(10)})
    first = child.result()
    assert child.result() is first


@pytest.mark.parametrize("how", ["nothing", "raise", "kill"])
def test_a_child_that_gives_nothing_gives_none(how: str) -> None:
    parent = os.getpid()

    def compute() -> Any:
        assert os.getpid() != parent
        if how == "raise":
            raise RuntimeError("the child's own error")
        if how == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        return None

    child = ForkedValue(compute)
    assert child.result() is None
    with pytest.raises(ChildProcessError):  # reaped already
        os.waitpid(child.pid, os.WNOHANG)


def test_results_taken_from_two_threads_at_once_are_one() -> None:
    child = ForkedValue(lambda: {"x": np.arange(1_000_000)})
    got: list[Any] = []
    threads = [threading.Thread(target=lambda: got.append(child.result())) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got[0] is got[1]
    assert int(got[0]["x"].sum()) == 999_999 * 1_000_000 // 2


def test_no_fork_while_another_thread_runs() -> None:
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not can_fork_values()
    finally:
        stop.set()
        other.join()
    assert can_fork_values()
