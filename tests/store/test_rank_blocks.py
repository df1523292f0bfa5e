"""The ranking's inputs kept in the SQLite file as packed blocks (migration 0012,
store/rank_blocks.py) rank exactly as the tables do, after every kind of write:
import, outcome logged, outcome undone, account edit, a config change of
weights and of breakpoints, a hand-written UPDATE through sqlite3, a VACUUM;
and a file that cannot be written still ranks (from the tables)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy.engine import Engine

from fieldsales.config import Settings
from fieldsales.services.corrections import undo_last
from fieldsales.services.outcome_form import OutcomeInput
from fieldsales.services.outcomes import log_outcome
from fieldsales.services.rank import RankFilter, RankTable, rank_accounts, rank_top
from fieldsales.store import lite, rank_blocks, reads, unit
from fieldsales.store.account_edit import update_account_fields
from fieldsales.store.importer import import_accounts, vocabulary

TODAY = date(2026, 11, 22)
ORIGIN = (35.681236, 139.767125)
SPREAD = 3000  # rowid steps between accounts: 40 accounts over ~30 blocks of 4,096


@pytest.fixture
def spread_base(engine: Engine, settings: Settings, seeded: Any, db_path: Path) -> list[str]:
    """40 accounts with outcomes, their rowids spread over many blocks."""
    ids: list[str] = seeded(40)
    for k, (result, due) in enumerate(
        [
            ("interested", date(2026, 11, 25)),
            ("refused", None),
            ("order", None),
            ("no_answer", None),
        ]
    ):
        for j in range(k, 40, 7):
            data = OutcomeInput(
                account_id=ids[j], result=result, channel="phone", next_action_due=due
            )
            log_outcome(engine, settings, data, today=TODAY, confirm_pause=True)
    with _plain(db_path) as conn:
        conn.execute(f"UPDATE account SET rowid = rowid * {SPREAD}")
    return ids


class _plain:
    """A sqlite3 connection of a hand-written change, committed on leaving."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path)

    def __enter__(self) -> sqlite3.Connection:
        return self.conn

    def __exit__(self, *exc: object) -> None:
        self.conn.commit()
        self.conn.close()


def _open(path: Path) -> Iterator[lite.SqliteFile]:
    f = lite.open_file(path)
    assert f is not None
    try:
        yield f
    finally:
        f.close()


def _blocks(path: Path) -> dict[int, str]:
    with _plain(path) as conn:
        return dict(conn.execute("SELECT block, fingerprint FROM rank_block").fetchall())


def _rank(source: Any, settings: Settings) -> RankTable:
    return rank_accounts(
        source, settings, origin=ORIGIN, today=TODAY, filters=RankFilter(show_all=True)
    )


def _same(path: Path, engine: Engine, settings: Settings) -> None:
    """The ranking from the blocks (rebuilt where a write cleared them) equals
    the one read from the tables through SQLAlchemy, account for account."""
    for f in _open(path):
        assert reads.kept_inputs(f, settings.scoring) is not None  # the blocks serve it
        kept = _rank(f, settings)
        blocks = _blocks(path)
        # the reference scores every account from its columns (a hand-written
        # UPDATE leaves the kept score texts as they were); the blocks stay
        with _plain(path) as conn:
            conn.execute("UPDATE account SET static_scores = NULL")
        assert _blocks(path) == blocks
        _compare(kept, _rank(engine, settings))


def _compare(kept: RankTable, table: RankTable) -> None:
    a, b = kept.base, table.base
    assert list(a.ids) == list(b.ids)
    assert kept.ids == table.ids  # the same order, ties included
    np.testing.assert_array_equal(a.matrix, b.matrix)
    np.testing.assert_array_equal(a.totals, b.totals)
    np.testing.assert_array_equal(a.distance, b.distance)
    np.testing.assert_array_equal(a.last_order, b.last_order)
    assert list(a.stage) == list(b.stage)
    np.testing.assert_array_equal(a.followup, b.followup)
    np.testing.assert_array_equal(a.paused, b.paused)
    np.testing.assert_array_equal(a.positive, b.positive)
    np.testing.assert_array_equal(a.outcomes.account, b.outcomes.account)
    np.testing.assert_array_equal(a.outcomes.result, b.outcomes.result)
    np.testing.assert_array_equal(a.outcomes.occurred, b.outcomes.occurred)
    for x, y in zip(kept[:10], table[:10], strict=True):
        assert (x.company, x.score.breakdown(), x.last_contact) == (
            y.company,
            y.score.breakdown(),
            y.last_contact,
        )


def test_blocks_rank_as_the_tables_after_every_kind_of_write(
    engine: Engine, settings: Settings, spread_base: list[str], db_path: Path, tmp_path: Path
) -> None:
    ids = spread_base
    assert _blocks(db_path) == {}
    _same(db_path, engine, settings)
    kept = _blocks(db_path)
    last = max(r for (r,) in _plain(db_path).conn.execute("SELECT rowid FROM account"))
    assert set(kept) == set(range((last >> rank_blocks.BLOCK_SHIFT) + 1))

    def cleared() -> set[int]:
        return set(kept) - set(_blocks(db_path))

    # an outcome logged: only its account's block goes
    log_outcome(engine, settings, OutcomeInput(account_id=ids[5], result="order"), today=TODAY)
    assert len(cleared()) == 1
    _same(db_path, engine, settings)
    # the outcome undone
    undo_last(engine, settings, ids[5], today=TODAY)
    assert len(cleared()) == 1
    _same(db_path, engine, settings)
    # an edit in the app
    with unit.writing(engine) as s:
        update_account_fields(s, ids[9], {"competitor_status": "long_contract", "lat": 35.9})
    assert len(cleared()) == 1
    _same(db_path, engine, settings)
    # an import that changes one account and adds one
    csv = tmp_path / "update.csv"
    csv.write_text(
        "external_id,company,lifetime_revenue,reason_solvable\n"
        "R0003,ルート商事3,25000000,solved\nN1,新規商事,4000000,partly\n",
        encoding="utf-8",
    )
    report = import_accounts(
        engine, csv, vocab=vocabulary(settings), max_line_bytes=10_000, today=TODAY,
        scoring=settings.scoring,
    )  # fmt: skip
    assert report.written, report.problems
    assert cleared()
    _same(db_path, engine, settings)
    # a hand-written UPDATE through sqlite3
    with _plain(db_path) as conn:
        conn.execute("UPDATE account SET lifetime_revenue = 12 WHERE id = ?", [ids[20]])
        conn.execute("UPDATE outcome SET result = 'refused' WHERE account_id = ?", [ids[1]])
    assert len(cleared()) == 2
    _same(db_path, engine, settings)


def test_a_config_change_of_weights_or_breakpoints_rebuilds_the_scores(
    engine: Engine, settings: Settings, spread_base: list[str], db_path: Path
) -> None:
    _same(db_path, engine, settings)
    before = _blocks(db_path)
    sc = settings.scoring
    weights = settings.model_copy(
        update={
            "scoring": sc.model_copy(
                update={"weights": sc.weights.model_copy(update={"proximity": 9})}
            )
        }
    )
    _same(db_path, engine, weights)
    assert _blocks(db_path) == before  # weights apply at ranking time: the blocks stay
    steps = sc.past_revenue.model_copy(update={"at_least": [(1.0, 10)]})
    maps = {**sc.reason_solvable, "partly": 1}
    breakpoints = settings.model_copy(
        update={"scoring": sc.model_copy(update={"past_revenue": steps, "reason_solvable": maps})}
    )
    _same(db_path, engine, breakpoints)
    after = _blocks(db_path)
    assert set(after) == set(before) and not set(after.values()) & set(before.values())
    _same(db_path, engine, settings)  # and back


def test_rowids_renumbered_without_a_trigger_rebuild_every_block(
    engine: Engine, settings: Settings, spread_base: list[str], db_path: Path, tmp_path: Path
) -> None:
    """A VACUUM (which may renumber rowids) and a dump restored into a new file
    (which does: the rows come back numbered 1, 2, ... and the blocks as they
    were, the triggers made after them) rank as the tables do."""
    with _plain(db_path) as conn:  # gaps that a VACUUM may close
        gone = [r for (r,) in conn.execute("SELECT id FROM account ORDER BY rowid LIMIT 5")]
        for a in gone:
            conn.execute("DELETE FROM outcome WHERE account_id = ?", [a])
            conn.execute("DELETE FROM account_change WHERE account_id = ?", [a])
            conn.execute("DELETE FROM account WHERE id = ?", [a])
    _same(db_path, engine, settings)
    engine.dispose()
    with _plain(db_path) as conn:
        conn.isolation_level = None
        conn.execute("VACUUM")
    _same(db_path, engine, settings)
    engine.dispose()
    restored = tmp_path / "restored.db"
    with _plain(db_path) as old, _plain(restored) as new:
        new.executescript("\n".join(old.iterdump()))
    with _plain(restored) as conn:
        rowids = [r for (r,) in conn.execute("SELECT rowid FROM account ORDER BY rowid")]
        assert rowids == list(range(1, len(rowids) + 1))
        assert conn.execute("SELECT count(*) FROM rank_block").fetchone()[0] > 1  # stale
    from fieldsales.store.db import open_engine

    other = open_engine(restored)
    try:
        _same(restored, other, settings)
    finally:
        other.dispose()
    assert set(_blocks(restored)) == {0}


def test_a_file_that_cannot_be_written_ranks_from_the_tables(
    engine: Engine, settings: Settings, spread_base: list[str], db_path: Path
) -> None:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, check_same_thread=False)
    f = lite.SqliteFile(db_path, conn)
    kept = _rank(f, settings)
    assert _blocks(db_path) == {}  # nothing kept
    assert kept.ids == _rank(engine, settings).ids
    f.close()
    # a file another program is writing: ranked at once, nothing kept
    writer = sqlite3.connect(db_path)
    writer.execute("BEGIN IMMEDIATE")
    try:
        for g in _open(db_path):
            assert _rank(g, settings).ids == kept.ids
    finally:
        writer.rollback()
        writer.close()
    assert _blocks(db_path) == {}


@pytest.mark.parametrize("top", [1, 3, 7, 40, 100])
def test_the_best_n_are_the_first_n_of_the_whole_ranking(
    engine: Engine, settings: Settings, add_account: Any, db_path: Path, top: int
) -> None:
    """rank_top (a partition) gives rank_accounts' first N and its length, ties
    of total and distance included (they keep the stored order)."""
    for k in range(30):  # many equal totals, several at one place
        add_account(
            lat=35.68 + (k % 3) * 0.01,
            lon=139.76,
            lifetime_revenue=[3_000_000, 12_000_000][k % 2],
            last_order_date=date(2025, 1 + k % 4, 15),
            do_not_contact=k == 4,
        )
    for f in _open(db_path):
        for filt in (RankFilter(), RankFilter(ranks=["B", "C"]), RankFilter(within_km=1.5)):
            whole = rank_accounts(f, settings, origin=ORIGIN, today=TODAY, filters=filt)
            best, matching = rank_top(
                f, settings, origin=ORIGIN, today=TODAY, filters=filt, top=top
            )
            assert matching == len(whole)
            assert best.ids == whole[:top].ids
            assert len({a.total for a in whole}) < len(whole)  # there are ties


def test_blocks_that_cannot_hold_a_file_leave_it_unlocked(
    engine: Engine, settings: Settings, seeded: Any, db_path: Path
) -> None:
    """An id the blocks cannot pack (not the fixed width of the others, e.g. a
    hand-written one): the ranking is read from the tables, and the file is left
    as it was found, with no transaction open: the app's saves, through another
    connection, are not held at 'database is locked'."""
    seeded(12)
    for f in _open(db_path):
        _rank(f, settings)  # the blocks kept
    with _plain(db_path) as conn:
        conn.execute(
            "UPDATE account SET id = 'hand-1' WHERE rowid = (SELECT max(rowid) FROM account)"
        )
    for f in _open(db_path):
        assert rank_blocks.read(f, settings.scoring) is None
        assert not f.connection.in_transaction
        other = sqlite3.connect(db_path, timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")  # the write lock is free
            other.rollback()
        finally:
            other.close()
        ranked = _rank(f, settings)
        assert "hand-1" in ranked.ids
        assert ranked.ids == _rank(engine, settings).ids
