"""The imported order history kept in a SQLite file as packed arrays (table
order_block, migration 0014), read with np.frombuffer: what
order_scan.whole_order_arrays gives, without reading 2,000,000 rows as text.

Each block holds the accounts with rowid >> BLOCK_SHIFT equal to its number
that have an imported history, in rowid order: their ids, order counts, and
each order's day number and amount, sorted by day (orders of one day in
order-key order, as the table's index has them). Nothing kept depends on the
day or on config. Triggers on account_order and account (migration 0014)
delete the block a write touches, whoever writes; a full read rebuilds the
missing blocks from the tables and keeps them when it can write (a read-only
or busy file still reads, from the tables).

A block is current when it exists in this FORMAT and the blocks together have
the table's count of accounts and highest rowid (a VACUUM that renumbers
rowids, which fires no trigger, changes the highest one: every block is then
rebuilt). Orders whose account is not there (written with foreign keys off)
are in no block: the row of block -1 marks that the blocks were counted
against the table and hold every order; the triggers delete it when such an
order may have come, and the next read counts again (the table is read when
the counts differ).

A value that does not fit (an order date SQLite cannot read as a day, an
amount that is not whole, a day beyond int32) gives None: the caller reads
the table as before.
"""

from __future__ import annotations

import sqlite3
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from fieldsales.store import lite
from fieldsales.store.columns import _SEP
from fieldsales.store.lite import SqliteFile
from fieldsales.store.rank_blocks import _begin_immediate, _reading, _runs

BLOCK_SHIFT = 12  # 4,096 accounts a block; the triggers of migration 0014 say 12 too
FORMAT = "1"  # the packed layout; a new one rebuilds every block
TRIGGERS = (
    "order_block_order_insert",
    "order_block_order_update",
    "order_block_order_delete",
    "order_block_account_insert",
    "order_block_account_update",
    "order_block_account_delete",
)
# sparse rowids (hand-set, far apart) would make many empty blocks: read the table
_SPARSE = 4
_INT32 = np.iinfo(np.int32)
_DAY_BYTES = 4  # a day number: int32
# the row that marks that every order belongs to an account (migration 0014)
_MARK = -1

# The orders of the accounts of a rowid range: each order's account rowid, day
# number (as order_scan reads it) and amount, by account rowid then order key;
# `bad` counts values that are not whole numbers. (One pass: the accounts and
# their counts come from the rowids, not from a second join.)
_ORDERS = (
    "SELECT count(*), sum(typeof(d) != 'integer' OR typeof(amount) != 'integer'), "
    "group_concat(r, ','), group_concat(d, ','), group_concat(amount, ',') FROM "
    "(SELECT a.rowid AS r, CAST(julianday(o.order_date) - 2440587.5 AS INTEGER) AS d, "
    "o.amount FROM account AS a JOIN account_order AS o ON o.account_id = a.id "
    "WHERE a.rowid >= ? AND a.rowid < ? ORDER BY a.rowid, o.order_key)"
)


@dataclass
class Packed:
    """The imported orders of every account with a history, accounts in rowid
    order, each account's orders by day (ties in order-key order)."""

    ids: list[str]
    counts: npt.NDArray[np.int64]
    day: npt.NDArray[np.int64]
    amount: npt.NDArray[np.int64]


@dataclass
class _Block:
    n: int  # accounts in the block's rowid range
    max_rowid: int
    ids: str  # each id followed by _SEP
    counts: bytes  # int32
    days: bytes  # int32
    amounts: bytes  # int64


def available(f: SqliteFile) -> bool:
    """The file has the table and every trigger of migration 0014."""
    rows = f.rows(
        "SELECT name FROM sqlite_master WHERE (type = 'table' AND name = 'order_block') "
        "OR (type = 'trigger' AND name LIKE 'order_block_%')"
    )
    have = {r[0] for r in rows}
    return "order_block" in have and all(t in have for t in TRIGGERS)


def read(f: SqliteFile) -> Packed | None:
    """Every imported order from the blocks, the missing ones rebuilt from the
    tables (and kept, when the file can be written); None when the file has
    no blocks or a value does not fit them."""
    if not available(f):
        return None
    plan = _Plan(f)
    conn = f.connection
    try:
        with _reading(conn):
            stale = plan.stale()
            if stale is None:
                return None
            if not stale and plan.checked:
                return _assemble(plan.stored())
        writable = _begin_immediate(conn)
        try:
            if not writable:
                conn.execute("BEGIN")
            stale = plan.stale()
            if stale is None:
                return None
            built = plan.rebuild(stale)
            if built is None:
                return None
            blocks = {**plan.stored(skip=set(stale)), **built}
            if not plan.complete(blocks):  # renumbered rowids (VACUUM): every block
                built = plan.rebuild(plan.every_block())
                if built is None:
                    return None
                blocks = built
            if not plan.checked and not plan.every_order_in(blocks):
                return None  # orders without their account (foreign keys off): the scan has them
            if writable:
                _keep(conn, plan, built)
        finally:
            if conn.in_transaction:
                conn.rollback()  # a read only, nothing kept, or given up
        return _assemble(blocks)
    except sqlite3.Error as exc:
        raise lite.error_line(
            " ".join(str(exc).split()),
            f.name,
            operational=isinstance(exc, sqlite3.OperationalError),
            timeout_ms=lite.BUSY_TIMEOUT_MS,
        ) from None


def _keep(conn: sqlite3.Connection, plan: _Plan, built: dict[int, _Block]) -> None:
    """Write the rebuilt blocks; a file that turns out not writable (opened
    read-only, a full disk) keeps none, and the read goes on."""
    try:
        plan.write(built)
        conn.commit()
    except sqlite3.OperationalError:
        conn.rollback()


class _Plan:
    def __init__(self, f: SqliteFile) -> None:
        self.f = f
        self.count = 0
        self.top = 0
        self.meta: dict[int, tuple[str, int, int]] = {}
        self.checked = False  # the mark is there: every order has its account

    def last_block(self) -> int:
        return (self.top >> BLOCK_SHIFT) if self.count else -1

    def every_block(self) -> list[int]:
        return list(range(self.last_block() + 1))

    def stale(self) -> list[int] | None:
        """The blocks to rebuild (in order); None when the rowids are too sparse."""
        count, top = self.f.rows("SELECT count(*), coalesce(max(rowid), 0) FROM account")[0]
        self.count, self.top = int(count), int(top)
        if self.count and (self.top < 0 or self.last_block() > _SPARSE * self.count + 16):
            return None
        self.meta = {
            int(b): (fmt, int(n), int(mx))
            for b, fmt, n, mx in self.f.rows("SELECT block, format, n, max_rowid FROM order_block")
        }
        mark = self.meta.pop(_MARK, None)
        self.checked = mark is not None and mark[0] == FORMAT
        want = self.every_block()
        stale = [b for b in want if b not in self.meta or self.meta[b][0] != FORMAT]
        if stale:
            return stale
        extra = set(self.meta) - set(want)
        if extra or not self._totals((n, mx) for _, n, mx in self.meta.values()):
            return want
        return []

    def _totals(self, blocks: Any) -> bool:
        blocks = list(blocks)
        n = sum(v[0] for v in blocks)
        top = max((v[1] for v in blocks if v[0]), default=0)
        return n == self.count and top == (self.top if self.count else 0)

    def complete(self, blocks: dict[int, _Block]) -> bool:
        return self._totals((b.n, b.max_rowid) for b in blocks.values())

    def every_order_in(self, blocks: dict[int, _Block]) -> bool:
        """Whether the blocks hold every order of the table (none without its
        account); the mark is kept with the blocks then."""
        (count,) = self.f.rows("SELECT count(*) FROM account_order")[0]
        held = sum(len(k.days) for k in blocks.values()) // _DAY_BYTES
        self.checked = int(count) == held
        return self.checked

    def stored(self, skip: set[int] = frozenset()) -> dict[int, _Block]:  # type: ignore[assignment]
        want = set(self.every_block()) - skip
        rows = self.f.rows(
            "SELECT block, n, max_rowid, ids, counts, days, amounts FROM order_block "
            "WHERE format = ? AND block >= 0 ORDER BY block",
            [FORMAT],
        )
        return {int(r[0]): _Block(*r[1:]) for r in rows if int(r[0]) in want}

    def rebuild(self, blocks: list[int]) -> dict[int, _Block] | None:
        """These blocks, read from the tables."""
        out: dict[int, _Block] = {}
        for lo_b, hi_b in _runs(blocks):
            got = self._read_range(lo_b, hi_b)
            if got is None:
                return None
            out.update(got)
        return out

    def _read_range(self, lo_b: int, hi_b: int) -> dict[int, _Block] | None:
        lo, hi = lo_b << BLOCK_SHIFT, (hi_b + 1) << BLOCK_SHIFT
        id_of = dict(
            self.f.rows("SELECT rowid, id FROM account WHERE rowid >= ? AND rowid < ?", [lo, hi])
        )
        total, bad, joined_rowids, joined_days, joined_amounts = self.f.rows(_ORDERS, [lo, hi])[0]
        if bad:
            return None
        order_rowid = _integers(joined_rowids, total)
        day = _integers(joined_days, total)
        amount = _integers(joined_amounts, total)
        if order_rowid is None or day is None or amount is None:
            return None
        if len(day) and (int(day.min()) < _INT32.min or int(day.max()) > _INT32.max):
            return None
        # the accounts with orders (their rowids ascending) and how many each
        starts = np.flatnonzero(np.diff(order_rowid, prepend=np.int64(-1)))
        rowid = order_rowid[starts]
        counts = np.diff(np.append(starts, total)).astype(np.int64)
        group = np.repeat(np.arange(len(rowid), dtype=np.intp), counts)
        from fieldsales.domain.churn import by_group_then_day  # not for every read

        order = by_group_then_day(group, day)  # each account's orders by day, ties kept
        day, amount = day[order], amount[order]
        ends = np.cumsum(counts)
        ids = [id_of[r] for r in rowid.tolist()]
        block_of = rowid >> BLOCK_SHIFT
        every = np.array(sorted(id_of), dtype=np.int64)
        every_block = every >> BLOCK_SHIFT
        out: dict[int, _Block] = {}
        for b in range(lo_b, hi_b + 1):
            first, last = (int(k) for k in np.searchsorted(block_of, [b, b + 1]))
            o_lo = int(ends[first - 1]) if first else 0
            o_hi = int(ends[last - 1]) if last else 0
            a_lo, a_hi = (int(k) for k in np.searchsorted(every_block, [b, b + 1]))
            out[b] = _Block(
                a_hi - a_lo,
                int(every[a_hi - 1]) if a_hi > a_lo else 0,
                "".join(a + _SEP for a in ids[first:last]),
                counts[first:last].astype(np.int32).tobytes(),
                day[o_lo:o_hi].astype(np.int32).tobytes(),
                amount[o_lo:o_hi].astype(np.int64).tobytes(),
            )
        return out

    def write(self, blocks: dict[int, _Block]) -> None:
        conn = self.f.connection
        last = self.last_block()
        conn.execute("DELETE FROM order_block WHERE block > ? OR format != ?", [last, FORMAT])
        conn.executemany(
            "INSERT OR REPLACE INTO order_block "
            "(block, format, n, max_rowid, ids, counts, days, amounts) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (b, FORMAT, k.n, k.max_rowid, k.ids, k.counts, k.days, k.amounts)
                for b, k in blocks.items()
            ],
        )
        if self.checked:
            conn.execute(
                "INSERT OR REPLACE INTO order_block "
                "(block, format, n, max_rowid, ids, counts, days, amounts) "
                "VALUES (?, ?, 0, 0, '', x'', x'', x'')",
                [_MARK, FORMAT],
            )


def _integers(text: str | None, count: int) -> npt.NDArray[np.int64] | None:
    """`count` whole numbers written with commas, as an array; None when the
    text does not hold exactly that many."""
    if not count:
        return np.zeros(0, dtype=np.int64)
    if text is None:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a number numpy cannot read: not the form
        try:
            values = np.fromstring(text, dtype=np.int64, sep=",")
        except (ValueError, DeprecationWarning):
            return None
    return values if len(values) == count else None


def _assemble(blocks: dict[int, _Block]) -> Packed:
    """The blocks as one history, in block (rowid) order."""
    ordered = [blocks[b] for b in sorted(blocks)]
    ids = "".join(k.ids for k in ordered).split(_SEP)[:-1]
    counts = np.frombuffer(b"".join(k.counts for k in ordered), dtype=np.int32).astype(np.int64)
    day = np.frombuffer(b"".join(k.days for k in ordered), dtype=np.int32).astype(np.int64)
    amount = np.frombuffer(b"".join(k.amounts for k in ordered), dtype=np.int64).copy()
    return Packed(ids, counts, day, amount)
