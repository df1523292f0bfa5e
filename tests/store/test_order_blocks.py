"""The imported order history kept packed in the SQLite file (migration 0014,
store/order_blocks.py) reads exactly as the table does (orders.order_arrays
through SQLAlchemy, array for array) after every kind of write: import-orders
(new and again), a logged order and its correction, a hand-written INSERT,
UPDATE and DELETE through sqlite3, an order moved to another account, an
order without its account (foreign keys off), an account's rowid changed, a
VACUUM that renumbers rowids; and a file that cannot be written now still
reads (from the tables), keeping nothing."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fieldsales.config import Settings
from fieldsales.services.corrections import undo_last
from fieldsales.store import lite, order_blocks, orders, unit
from fieldsales.store.columns import OrderArrays
from fieldsales.store.order_scan import whole_order_arrays
from fieldsales.store.schema import ORDER
from tests.conftest import AccountFactory, CliRunner, _log

NOW = datetime(2026, 11, 1, tzinfo=UTC)
SPREAD = 3000  # rowid steps between accounts: a few accounts over several blocks


def _order(account_id: str, day: date, amount: int, key: str) -> dict[str, object]:
    return {
        "account_id": account_id,
        "order_date": day,
        "amount": amount,
        "order_key": key,
        "source": "test",
        "created_at": NOW,
    }


class _plain:
    """A sqlite3 connection of a hand-written change, committed on leaving."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path)

    def __enter__(self) -> sqlite3.Connection:
        return self.conn

    def __exit__(self, *exc: object) -> None:
        self.conn.commit()
        self.conn.close()


@pytest.fixture
def f(db_path: Path, engine: Engine) -> Iterator[lite.SqliteFile]:
    got = lite.open_file(db_path)
    assert got is not None
    try:
        yield got
    finally:
        got.close()


@pytest.fixture
def accounts(engine: Engine, add_account: AccountFactory, db_path: Path) -> list[str]:
    """Eight accounts with histories (ties on a day, a day before 1970), two
    without, their rowids spread over several blocks."""
    ids = [add_account(external_id=f"B{i:03d}").id for i in range(10)]
    rows = []
    for i, a in enumerate(ids[:8]):
        for k in range(3 + i):
            day = date(2024 + k % 3, 1 + (k * 5 + i) % 12, 1 + k % 3)
            rows.append(_order(a, day, 1000 * (k + 1) + i, f"k{(7 * k) % 11:02d}"))
    rows.append(_order(ids[0], date(1969, 12, 30), 7, "early"))
    with engine.begin() as conn:
        conn.execute(ORDER.insert(), rows)
    with _plain(db_path) as conn:
        conn.execute(f"UPDATE account SET rowid = rowid * {SPREAD}")
    return ids


def _blocks(path: Path) -> set[int]:
    with _plain(path) as conn:
        return {r[0] for r in conn.execute("SELECT block FROM order_block")}


def _assert_equal(got: OrderArrays, want: OrderArrays) -> None:
    assert got.ids == want.ids
    for name in ("group", "day", "amount", "imported"):
        a, b = getattr(got, name), getattr(want, name)
        np.testing.assert_array_equal(a, b, err_msg=name)
        assert a.dtype == b.dtype, name


def _histories(arrays: OrderArrays) -> dict[str, list[tuple[int, int, bool]]]:
    """Each account's orders in their order, whatever the order of accounts."""
    out: dict[str, list[tuple[int, int, bool]]] = {}
    for g, d, a, i in zip(arrays.group, arrays.day, arrays.amount, arrays.imported, strict=True):
        out.setdefault(arrays.ids[int(g)], []).append((int(d), int(a), bool(i)))
    return out


def _same(f: lite.SqliteFile, engine: Engine, kept: bool = True) -> OrderArrays:
    """The read with sqlite3 (from the blocks when `kept`) equals the table's."""
    with unit.reading(engine) as s:
        want = orders.order_arrays(s, None)
    got = whole_order_arrays(f)
    assert got is not None
    _assert_equal(got, want)
    # in any order of the accounts (as early warning reads): the same histories
    anyhow = whole_order_arrays(f, by_id=False)
    assert anyhow is not None
    assert _histories(anyhow) == _histories(want)
    assert (order_blocks.read(f) is not None) == kept
    return got


def test_every_kind_of_write(
    engine: Engine,
    settings: Settings,
    f: lite.SqliteFile,
    db_path: Path,
    accounts: list[str],
    cli: CliRunner,
    tmp_path: Path,
) -> None:
    assert _blocks(db_path) == set()  # nothing kept before the first read
    first = _same(f, engine)
    assert len(first.ids) == 8
    kept = _blocks(db_path)
    with _plain(db_path) as conn:
        (top,) = conn.execute("SELECT max(rowid) FROM account").fetchone()
    assert kept == set(range(-1, (top >> order_blocks.BLOCK_SHIFT) + 1))  # each, and the mark
    # a hand-written INSERT deletes its account's block only
    with _plain(db_path) as conn:
        conn.execute(
            "INSERT INTO account_order (account_id, order_date, amount, order_key, source, "
            "created_at) VALUES (?, '2026-05-05', 4242, 'hand', 'sqlite3', '2026-11-01')",
            [accounts[3]],
        )
        block = conn.execute(
            "SELECT rowid >> 12 FROM account WHERE id = ?", [accounts[3]]
        ).fetchone()[0]
    assert _blocks(db_path) == kept - {block}
    assert 4242 in _same(f, engine).amount
    assert _blocks(db_path) == kept
    # a hand-written UPDATE of a date and an amount, and of the account an order belongs to
    with _plain(db_path) as conn:
        conn.execute(
            "UPDATE account_order SET order_date = '2023-02-02', amount = 5 WHERE order_key = 'hand'"
        )
    _same(f, engine)
    with _plain(db_path) as conn:
        conn.execute(
            "UPDATE account_order SET account_id = ? WHERE order_key = 'hand'", [accounts[9]]
        )
    assert len(_same(f, engine).ids) == 9
    # a hand-written DELETE
    with _plain(db_path) as conn:
        conn.execute("DELETE FROM account_order WHERE account_id = ?", [accounts[1]])
    assert accounts[1] not in _same(f, engine).ids
    # import-orders: new orders, then the same file again (nothing changes)
    codes = ["B000", "B002", "B008"]
    lines = ["顧客コード,受注日,金額"] + [
        f"{c},2026-0{m}-1{m},{m * 1000 + k}" for k, c in enumerate(codes) for m in range(1, 6)
    ]
    path = tmp_path / "orders.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for _ in range(2):
        res = cli("--db", str(db_path), "import-orders", str(path))
        assert res.returncode == 0, res.stderr
        _same(f, engine)
    # an order logged as an outcome, corrected, then undone: merged in on reading
    _log(engine, settings, accounts[0], date(2026, 1, 2), result="order", order_amount=31)
    _log(engine, settings, accounts[0], date(2026, 1, 2), result="order", order_amount=32)
    got = _same(f, engine)
    assert not got.imported.all()
    undo_last(engine, settings, accounts[0], today=date(2026, 11, 2))
    _same(f, engine)


def test_accounts_renumbered_or_gone(
    engine: Engine, f: lite.SqliteFile, db_path: Path, accounts: list[str], tmp_path: Path
) -> None:
    _same(f, engine)
    # rowids changed by hand: the blocks of the old and the new rowid
    with _plain(db_path) as conn:
        conn.execute("UPDATE account SET rowid = rowid + 7 * 4096 WHERE id = ?", [accounts[2]])
    _same(f, engine)
    # an account and its orders gone, then a VACUUM that renumbers the rowids
    # (no trigger fires: the blocks' totals say so)
    with _plain(db_path) as conn:
        conn.execute("DELETE FROM account_order WHERE account_id = ?", [accounts[4]])
        conn.execute("DELETE FROM account WHERE id = ?", [accounts[4]])
    _same(f, engine)
    engine.dispose()
    with _plain(db_path) as conn:
        conn.isolation_level = None
        conn.execute("VACUUM")  # may renumber the rowids
    _same(f, engine)
    # a dump restored into a new file renumbers them (1, 2, ...), the blocks
    # come back as they were and the triggers are made after them
    engine.dispose()
    restored = tmp_path / "restored.db"
    with _plain(db_path) as old, _plain(restored) as new:
        new.executescript("\n".join(old.iterdump()))
    with _plain(restored) as conn:
        rowids = [r for (r,) in conn.execute("SELECT rowid FROM account ORDER BY rowid")]
        assert rowids == list(range(1, len(rowids) + 1))
        assert conn.execute("SELECT count(*) FROM order_block").fetchone()[0] > 1
        # and one block stale besides: the others, as stored, no longer add up
        conn.execute("DELETE FROM account_order WHERE account_id = ?", [accounts[0]])
    g = lite.open_file(restored)
    assert g is not None
    try:
        again = whole_order_arrays(g)
        assert again is not None and order_blocks.read(g) is not None
        want = whole_order_arrays(f)
        assert want is not None and accounts[0] not in again.ids
        assert _histories(again) == {a: h for a, h in _histories(want).items() if a != accounts[0]}
    finally:
        g.close()


def test_an_order_without_its_account(
    engine: Engine, f: lite.SqliteFile, db_path: Path, accounts: list[str]
) -> None:
    _same(f, engine)
    with engine.begin() as conn:
        conn.execute(sa.text("PRAGMA foreign_keys = OFF"))
        conn.execute(ORDER.insert(), [_order("gone", date(2026, 1, 1), 5, "k")])
    assert -1 not in _blocks(db_path)  # the mark is gone
    got = _same(f, engine, kept=False)  # the scan reads it, the blocks cannot
    assert "gone" in got.ids
    # orders left behind by an account deleted with foreign keys off
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM account_order WHERE account_id = 'gone'"))
    _same(f, engine)
    assert -1 in _blocks(db_path)  # counted again, and marked
    with _plain(db_path) as conn:
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("DELETE FROM account WHERE id = ?", [accounts[5]])
    assert -1 not in _blocks(db_path)
    assert accounts[5] in _same(f, engine, kept=False).ids


def test_a_file_that_cannot_be_written_now_still_reads(
    engine: Engine, f: lite.SqliteFile, db_path: Path, accounts: list[str]
) -> None:
    busy = sqlite3.connect(db_path, timeout=0)
    try:
        busy.execute("BEGIN IMMEDIATE")  # another program writing
        got = whole_order_arrays(f)
        assert got is not None and len(got.ids) == 8
    finally:
        busy.rollback()
        busy.close()
    assert _blocks(db_path) == set()  # nothing kept
    _same(f, engine)


def test_the_triggers_gone_read_the_table(
    engine: Engine, f: lite.SqliteFile, db_path: Path, accounts: list[str]
) -> None:
    """A later batch rebuild of a table drops its triggers: the blocks are not
    trusted then (the table is read)."""
    _same(f, engine)
    with _plain(db_path) as conn:
        conn.execute("DROP TRIGGER order_block_order_insert")
    assert order_blocks.read(f) is None
    with unit.reading(engine) as s:
        want = orders.order_arrays(s, None)
    got = whole_order_arrays(f)
    assert got is not None
    _assert_equal(got, want)


def test_an_account_import_clears_only_the_blocks_its_new_accounts_went_to(
    engine: Engine,
    f: lite.SqliteFile,
    db_path: Path,
    accounts: list[str],
    cli: CliRunner,
    tmp_path: Path,
) -> None:
    """The import holds the insert trigger (a statement per row) and clears the
    new accounts' blocks once at its end; the trigger is made again as it was."""
    _same(f, engine)
    kept = _blocks(db_path)
    with _plain(db_path) as conn:
        (top,) = conn.execute("SELECT max(rowid) FROM account").fetchone()
        trigger = conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'order_block_account_insert'"
        ).fetchone()
    assert trigger is not None
    path = tmp_path / "accounts.csv"
    path.write_text(
        "顧客コード,会社名,都道府県,市区町村,住所\n"
        + "".join(f"N{i},新規商事{i},東京都,千代田区,丸の内1-{i}\n" for i in range(3)),
        encoding="utf-8",
    )
    res = cli("--db", str(db_path), "import", "--no-locate", str(path))
    assert res.returncode == 0, res.stderr
    assert _blocks(db_path) == kept - {(top + 1) >> order_blocks.BLOCK_SHIFT}
    with _plain(db_path) as conn:
        again = conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'order_block_account_insert'"
        ).fetchone()
    assert again == trigger
    _same(f, engine)
    # and it works as before: an account inserted by hand clears its block
    kept = _blocks(db_path)
    with _plain(db_path) as conn:
        names = [r[1] for r in conn.execute("PRAGMA table_info(account)")]
        own = {"id": "'hand'", "external_id": "'HAND'", "match_key": "'hand'"}
        picked = ", ".join(own.get(n, n) for n in names)
        conn.execute(
            f"INSERT INTO account (rowid, {', '.join(names)}) SELECT 5, {picked} FROM account "
            "LIMIT 1"
        )
    assert _blocks(db_path) == kept - {0}
