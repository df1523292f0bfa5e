"""The app's first ranking made by a child process (tui/early.py, issue 19): on
Linux the ranking runs on the other core while the app imports and draws, and
arrives as arrays in shared memory. What the app gets is the ranking it would
have made itself, account for account; a file whose ranking blocks must be
written first, or a child that fails or is killed, is ranked here instead
(and the blocks are kept); no process is left behind."""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from datetime import date
from typing import Any

import numpy as np
import pytest

from fieldsales.forking import can_fork_values
from fieldsales.services.published import in_effect
from fieldsales.services.rank import RankFilter, rank_accounts
from fieldsales.store import rank_blocks
from fieldsales.store.lite import SqliteFile, open_file
from fieldsales.tui.early import EarlyRanking
from tests.speed.test_listing_apart import no_child_left  # noqa: F401  (autouse here)

pytestmark = pytest.mark.skipif(not can_fork_values(), reason="fork and memfd: Linux")

N = 900
TODAY = date(2026, 11, 20)
ARRAYS = ("totals", "points", "matrix", "ranks", "distance", "months", "stage", "dnc", "revenue")


def _start(engine: Any, app_settings: Any, seeded: Any, keep_blocks: bool = True) -> Any:
    seeded(N, spread=0.3)
    source = open_file(engine.url.database)
    assert isinstance(source, SqliteFile)
    settings = in_effect(app_settings, engine)
    if keep_blocks:
        _fresh(source, settings)  # the first ranking keeps the blocks; the child reads them
    assert _needs_keeping(source, settings) is not keep_blocks
    return source, settings


def _needs_keeping(source: Any, settings: Any) -> bool:
    """Whether the file's ranking blocks must be rebuilt and kept: a reader that
    must not write is told so (rank_blocks.MustKeep)."""
    probe = open_file(source.path)
    assert probe is not None
    probe.reads_only = True
    try:
        rank_blocks.read(probe, settings.scoring)
    except rank_blocks.MustKeep:
        return True
    finally:
        probe.close()
    return False


def _fresh(source: Any, settings: Any) -> Any:
    office = (settings.office.lat, settings.office.lon)
    return rank_accounts(
        source, settings, origin=office, filters=RankFilter(show_all=True), today=TODAY
    )


def _same_ranking(got: Any, want: Any) -> None:
    assert np.array_equal(got.indices, want.indices)
    for name in ARRAYS:
        a, b = getattr(got.base, name), getattr(want.base, name)
        assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), name
    assert np.array_equal(got.base.max_points, want.base.max_points)
    for name in ("followup", "paused", "last_order"):
        a, b = getattr(got.base, name), getattr(want.base, name)
        assert np.array_equal(a.view("i8"), b.view("i8")), name

    def shown(items: Any) -> list[tuple[Any, ...]]:
        return [
            (a.id, a.company, a.city, a.score.total, a.score.rank, a.stage, a.distance_km)
            for a in items
        ]

    assert shown(got) == shown(want)
    assert [c.score for c in got[0].score.criteria] == [c.score for c in want[0].score.criteria]


def _early(source: Any, settings: Any) -> EarlyRanking:
    return EarlyRanking(source, settings, (settings.office.lat, settings.office.lon), TODAY)


def test_the_child_ranks_as_this_process_would(engine: Any, app_settings: Any, seeded: Any) -> None:
    source, settings = _start(engine, app_settings, seeded)
    early = _early(source, settings)
    assert early.apart
    got = early.result()
    assert early.ranked_by_child
    assert got.base.settings is settings and got.base.engine is source
    _same_ranking(got, _fresh(source, settings))
    # what is read later (the list's text columns, a filter) reads this process's file
    assert len(got.filter(RankFilter(stages=["active"]), TODAY)) == len(
        _fresh(source, settings).filter(RankFilter(stages=["active"]), TODAY)
    )


def test_blocks_to_write_are_ranked_and_kept_here(
    engine: Any, app_settings: Any, seeded: Any
) -> None:
    source, settings = _start(engine, app_settings, seeded, keep_blocks=False)
    early = _early(source, settings)
    assert early.apart
    got = early.result()
    assert not early.ranked_by_child  # the child only reads: it left the ranking here
    assert not _needs_keeping(source, settings)  # kept by this process
    _same_ranking(got, _fresh(source, settings))


@pytest.mark.parametrize("how", ["raise", "kill"])
def test_a_child_that_fails_is_ranked_here(
    engine: Any, app_settings: Any, seeded: Any, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    source, settings = _start(engine, app_settings, seeded)

    def broken(self: EarlyRanking) -> Any:
        if how == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(EarlyRanking, "_rank_in_child", broken)
    early = _early(source, settings)
    got = early.result()
    assert early.apart and not early.ranked_by_child
    _same_ranking(got, _fresh(source, settings))


def test_the_wait_is_bounded(
    engine: Any, app_settings: Any, seeded: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app's mount waits a moment for the child (EARLY_WAIT_SECONDS), never
    longer: a slow ranking shows "Loading" and comes through the worker."""
    source, settings = _start(engine, app_settings, seeded)
    slow = EarlyRanking._rank_in_child

    def slower(self: EarlyRanking) -> Any:
        time.sleep(1.0)
        return slow(self)

    monkeypatch.setattr(EarlyRanking, "_rank_in_child", slower)
    early = _early(source, settings)
    started = time.monotonic()
    assert early.wait(0.05) is False
    assert time.monotonic() - started < 0.5
    assert early.wait(30) is True
    assert early.ranked_by_child
    _same_ranking(early.result(), _fresh(source, settings))


def test_a_ranking_whose_rows_were_built_is_handed_over_whole(
    engine: Any, app_settings: Any, seeded: Any
) -> None:
    """Rows already built (as when the child's ranking is read before it is sent)
    belong to that process's base: the other one builds its own."""
    import pickle

    from fieldsales.services.rank_table import RankBase, RankTable

    source, settings = _start(engine, app_settings, seeded)
    made = _fresh(source, settings)
    assert made[0].company and made[5].company  # rows built in this "process"
    state = pickle.loads(pickle.dumps((made.base.portable(), made.indices), protocol=5))
    adopted = RankTable(RankBase.adopt(state[0], settings, source), state[1])
    _same_ranking(adopted, _fresh(source, settings))
