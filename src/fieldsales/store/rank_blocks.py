"""The ranking's inputs kept in a SQLite file as packed columns (table rank_block,
migration 0012), read with np.frombuffer: no Python object per value.

Each block holds the accounts with rowid >> BLOCK_SHIFT equal to its number,
in rowid order: their ids (36 bytes each), the number and date columns a
ranking reads, the kept criteria's scores (domain/score_cache.py) and their
outcome events in effect. Triggers on account and outcome (migration 0012)
delete the block a write touches, so every writer keeps the blocks honest; a
ranking rebuilds the missing ones from the tables and keeps them when it can
write (a read-only or busy file still ranks, from the tables).

A block is current when it exists, has this fingerprint (the format, the
columns kept, and the config the kept scores were computed with) and the
blocks together have the table's count of accounts and highest rowid (a
VACUUM that renumbers rowids, which fires no trigger, changes the highest one;
every block is then rebuilt).

Values that do not fit the packed form (ids other than 36-character ASCII,
results or channels too long, a text where a number belongs) give None: the
caller ranks from the tables as before.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, overload

import numpy as np
import numpy.typing as npt

from fieldsales.domain import criteria, score_cache
from fieldsales.store import lite
from fieldsales.store.columns import (
    _ID_WIDTH,
    ACCOUNT_DATES,
    ACCOUNT_NUMBERS,
    OutcomeColumns,
    _IdIndex,
    kept_rank_fields,
)
from fieldsales.store.lite import SqliteFile

if TYPE_CHECKING:
    from fieldsales.config import Scoring

BLOCK_SHIFT = 12  # 4,096 accounts a block; the triggers of migration 0012 say 12 too
FORMAT = "3"  # the packed layout; a new one rebuilds every block
TRIGGERS = (
    "rank_block_account_insert",
    "rank_block_account_update",
    "rank_block_account_delete",
    "rank_block_outcome_insert",
    "rank_block_outcome_update",
    "rank_block_outcome_delete",
)
# sparse rowids (hand-set, far apart) would make many empty blocks: read the tables
_SPARSE = 4
_EVENT = np.dtype(
    [
        ("pos", "<i4"),
        ("occurred", "<i8"),
        ("due", "<i8"),
        ("result", "u1"),  # index into the block's results
        ("channel", "u1"),  # index into the block's channels
        ("id", f"S{_ID_WIDTH}"),
    ]
)
_NO_SCORE = 255  # a kept score that cannot be given (no value to score)
_CODES = 256  # distinct results (or channels) a block's events can name
# an outcome id's 36 bytes as words that sort as the bytes do (big-endian)
_ID_SORT = np.dtype([("a", ">u8"), ("b", ">u8"), ("c", ">u8"), ("d", ">u8"), ("e", ">u4")])
_VOCAB_SEP = "\x1f"
_VOCABS_SEP = "\x1e"
_HEAD = 5  # int64 lengths: ids, numbers, kept, events, vocabularies


class IdColumn(Sequence[str]):
    """Account ids read as one S36 array, seen as a sequence of str (decoded on
    access; the whole list only when iterated)."""

    def __init__(self, raw: npt.NDArray[np.bytes_]) -> None:
        self.raw = raw
        self._list: list[str] | None = None

    def __len__(self) -> int:
        return len(self.raw)

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> list[str]: ...
    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return self.as_list()[i]
        return bytes(self.raw[i]).decode()

    def __iter__(self) -> Iterator[str]:
        return iter(self.as_list())

    def __getstate__(self) -> dict[str, Any]:
        # handed to another process (the app's first ranking): the ids alone; the
        # list of str is made there when it is first needed, not unpickled at once
        return {"raw": self.raw, "_list": None}

    def as_list(self) -> list[str]:
        if self._list is None:
            text = self.raw.tobytes().decode()
            w = _ID_WIDTH
            self._list = [text[k : k + w] for k in range(0, len(text), w)]
        return self._list


@dataclass
class Kept:
    """What the blocks give a ranking: columns (id, the number columns as float
    arrays, the date columns as datetime64[D]), the kept criteria's scores
    (n, k; NaN: not scorable) and the outcome events in effect, oldest first."""

    columns: dict[str, Any]
    scores: npt.NDArray[np.float64]
    outcomes: OutcomeColumns


def kept_fields() -> tuple[list[str], list[str]] | None:
    """(number columns, date columns) the blocks keep: what a ranking reads of
    every account beside the kept scores; None when one is text."""
    names = [n for n in kept_rank_fields() if n not in ("id", "static_scores")]
    numbers = [n for n in names if n in ACCOUNT_NUMBERS]
    dates = [n for n in names if n in ACCOUNT_DATES]
    if len(numbers) + len(dates) != len(names):
        return None
    return numbers, dates


def fingerprint(cfg: Scoring, numbers: Sequence[str], dates: Sequence[str]) -> str:
    chosen = criteria.cached()
    text = "|".join(
        (
            FORMAT,
            str(BLOCK_SHIFT),
            ",".join(numbers),
            ",".join(dates),
            ",".join(c.id for c in chosen),
            score_cache.fingerprint(cfg, chosen),
        )
    )
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def available(f: SqliteFile) -> bool:
    """The file has the table and every trigger of migration 0012."""
    rows = f.rows(
        "SELECT name FROM sqlite_master WHERE (type = 'table' AND name = 'rank_block') "
        "OR (type = 'trigger' AND name LIKE 'rank_block_%')"
    )
    have = {r[0] for r in rows}
    return "rank_block" in have and all(t in have for t in TRIGGERS)


class MustKeep(Exception):
    """Blocks are missing or stale, and this reader must not write them (a
    child process reading only: SqliteFile.reopen_in_child); a reader that
    can write ranks instead."""


def read(f: SqliteFile, cfg: Scoring) -> Kept | None:
    """Every account's ranking inputs from the blocks, the missing or stale ones
    rebuilt from the tables (and kept, when the file can be written); None when
    the file has no blocks or a value does not fit them."""
    fields = kept_fields()
    if fields is None or not available(f):
        return None
    plan = _Plan(f, cfg, *fields)
    conn = f.connection
    try:
        with _reading(conn):
            stale = plan.stale()
            if stale is None:
                return None
            if not stale:
                return plan.assemble(plan.stored_blobs())
            if f.reads_only:
                raise MustKeep(f"{len(stale)} ranking blocks to rebuild and keep")
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
            blobs = {**plan.stored_blobs(skip=set(stale)), **built}
            if not plan.complete(blobs):  # renumbered rowids (VACUUM): every block
                built = plan.rebuild(plan.every_block())
                if built is None:
                    return None
                blobs = built
            if writable:
                _keep(conn, plan, built)
        finally:
            # a read only, kept (committed) already, or given up (None: the write
            # lock must not stay taken for the rest of the process)
            if conn.in_transaction:
                conn.rollback()
        return plan.assemble(blobs)
    except sqlite3.Error as exc:
        raise lite.error_line(
            " ".join(str(exc).split()),
            f.name,
            operational=isinstance(exc, sqlite3.OperationalError),
            timeout_ms=lite.BUSY_TIMEOUT_MS,
        ) from None


def _keep(conn: sqlite3.Connection, plan: _Plan, built: dict[int, bytes]) -> None:
    """Write the rebuilt blocks; a file that turns out not writable (opened
    read-only, a full disk) keeps none, and the ranking goes on."""
    try:
        plan.write(built)
        conn.commit()
    except sqlite3.OperationalError:
        conn.rollback()


class _reading:
    """One read transaction (a consistent view of the blocks and the tables)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> None:
        self.conn.execute("BEGIN")

    def __exit__(self, *exc: object) -> None:
        self.conn.rollback()  # a read: nothing to keep


def _begin_immediate(conn: sqlite3.Connection) -> bool:
    """Take the write lock (waiting at most a moment); False when the file
    cannot be written now (read-only, or another program writing)."""
    conn.execute("PRAGMA busy_timeout = 200")
    try:
        conn.execute("BEGIN IMMEDIATE")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        conn.execute(f"PRAGMA busy_timeout = {lite.BUSY_TIMEOUT_MS}")


class _Plan:
    def __init__(self, f: SqliteFile, cfg: Scoring, numbers: list[str], dates: list[str]) -> None:
        self.f = f
        self.cfg = cfg
        self.numbers = numbers
        self.dates = dates
        self.kept = criteria.cached()
        self.fp = fingerprint(cfg, numbers, dates)
        self.count = 0
        self.top = 0
        self.meta: dict[int, tuple[str, int, int]] = {}

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
            int(b): (fp, int(n), int(mx))
            for b, fp, n, mx in self.f.rows(
                "SELECT block, fingerprint, n, max_rowid FROM rank_block"
            )
        }
        want = self.every_block()
        stale = [b for b in want if b not in self.meta or self.meta[b][0] != self.fp]
        if stale:
            return stale
        extra = set(self.meta) - set(want)
        good = {b: v for b, v in self.meta.items() if b not in extra}
        if extra or not self._totals(good.values()):
            return want
        return []

    def _totals(self, blocks: Any) -> bool:
        blocks = list(blocks)
        n = sum(v[1] for v in blocks)
        top = max((v[2] for v in blocks if v[1]), default=0)
        return n == self.count and top == (self.top if self.count else 0)

    def complete(self, blobs: dict[int, bytes]) -> bool:
        return self._totals(_meta_of(b) for b in blobs.values())

    def stored_blobs(self, skip: set[int] = frozenset()) -> dict[int, bytes]:  # type: ignore[assignment]
        want = set(self.every_block()) - skip
        return {
            int(b): data
            for b, data in self.f.rows(
                "SELECT block, data FROM rank_block WHERE fingerprint = ? ORDER BY block",
                [self.fp],
            )
            if int(b) in want
        }

    def rebuild(self, blocks: list[int]) -> dict[int, bytes] | None:
        """The packed data of these blocks, read from the tables."""
        out: dict[int, bytes] = {}
        for lo_b, hi_b in _runs(blocks):
            got = self._read_range(lo_b << BLOCK_SHIFT, (hi_b + 1) << BLOCK_SHIFT)
            if got is None:
                return None
            for b in range(lo_b, hi_b + 1):
                out[b] = got.get(
                    b, _pack_empty(len(self.numbers) + len(self.dates), len(self.kept))
                )
        return out

    def _read_range(self, lo: int, hi: int) -> dict[int, bytes] | None:
        chosen = self.kept
        names = tuple(
            dict.fromkeys(
                ("rowid", "id", *self.numbers, *self.dates, *score_cache.columns_read(chosen))
            )
        )
        cols = lite.rank_columns(self.f, names, (lo, hi))
        if cols is None:
            return None
        n = len(cols["id"])
        if not n:
            return {}
        index = _IdIndex(cols["id"])
        if not index.fixed:
            return None
        got = lite.outcome_rows(self.f, index, (lo, hi))
        if got is None:
            return None
        ev, ev_ids = got
        keep = ev.account >= 0
        if chosen:
            scores, _ = score_cache.score_columns(cols, self.cfg, chosen)
        else:
            scores = np.zeros((n, 0))
        rowid = np.asarray(cols["rowid"]).astype(np.int64)
        block = rowid >> BLOCK_SHIFT
        starts = np.searchsorted(block, np.unique(block))
        ends = np.append(starts[1:], n)
        ev_acc = ev.account[keep]
        ev_block = block[ev_acc] if len(ev_acc) else ev_acc
        channel = ev.channel if ev.channel is not None else np.zeros(len(ev.account), dtype="<U1")
        events = _events(ev_acc, ev.occurred[keep], ev.due[keep], ev_ids[keep])
        results, channels = ev.result[keep], channel[keep]
        out: dict[int, bytes] = {}
        numbers = np.array([np.asarray(cols[c], dtype=float) for c in self.numbers]).reshape(
            len(self.numbers), n
        )
        dates = np.array(
            [np.asarray(cols[c], dtype="datetime64[D]").astype(np.int64) for c in self.dates]
        ).reshape(len(self.dates), n)
        table = np.concatenate((numbers.view(np.int64), dates)) if len(dates) else numbers
        for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
            b = int(block[s])
            mine = ev_block == b
            ev_b = events[mine]
            ev_b["pos"] -= s
            vocab = _coded(ev_b, results[mine], channels[mine])
            if vocab is None:
                return None
            out[b] = _pack(
                index._bytes[s:e],
                int(rowid[e - 1]),
                np.ascontiguousarray(table[:, s:e]),
                _scores_bytes(scores[s:e]),
                ev_b,
                vocab,
            )
        return out

    def write(self, blobs: dict[int, bytes]) -> None:
        conn = self.f.connection
        last = self.last_block()
        conn.execute("DELETE FROM rank_block WHERE block > ? OR fingerprint != ?", [last, self.fp])
        conn.executemany(
            "INSERT OR REPLACE INTO rank_block (block, fingerprint, n, max_rowid, data) "
            "VALUES (?, ?, ?, ?, ?)",
            [(b, self.fp, *_meta_of(data)[1:], data) for b, data in blobs.items()],
        )

    def assemble(self, blobs: dict[int, bytes]) -> Kept | None:
        """The blocks, in block order, as one set of columns."""
        width = len(self.numbers) + len(self.dates)
        k = len(self.kept)
        ids, tables, kept, events = [], [], [], []
        results: dict[str, int] = {}
        channels: dict[str, int] = {}
        offset = 0
        for b in sorted(blobs):
            raw = memoryview(blobs[b])
            n, lengths = _head(raw)
            at = 8 * (_HEAD + 2)
            parts = []
            for size in lengths:
                parts.append(raw[at : at + size])
                at += size
            ids.append(np.frombuffer(parts[0], dtype=f"S{_ID_WIDTH}"))
            tables.append(np.frombuffer(parts[1], dtype=np.int64).reshape(width, n))
            kept.append(_scores_of(parts[2], n, k))
            ev = np.frombuffer(parts[3], dtype=_EVENT)
            if len(ev):
                ev = ev.copy()
                ev["pos"] += offset
                res_vocab, chan_vocab = bytes(parts[4]).decode().split(_VOCABS_SEP)
                for field, vocab, codes in (
                    ("result", res_vocab, results),
                    ("channel", chan_vocab, channels),
                ):
                    names = vocab.split(_VOCAB_SEP)
                    to = np.array([codes.setdefault(v, len(codes)) for v in names], dtype=np.intp)
                    if len(codes) > _CODES:  # too many kinds for one byte
                        return None
                    ev[field] = to[ev[field]]
                events.append(ev)
            offset += n
        id_raw = np.concatenate(ids) if ids else np.zeros(0, dtype=f"S{_ID_WIDTH}")
        table = np.concatenate(tables, axis=1) if tables else np.zeros((width, 0), dtype=np.int64)
        columns: dict[str, Any] = {"id": IdColumn(id_raw)}
        for j, name in enumerate(self.numbers):
            columns[name] = table[j].view(np.float64)
        for j, name in enumerate(self.dates):
            columns[name] = table[len(self.numbers) + j].view("datetime64[D]")
        scores = np.concatenate(kept) if kept else np.zeros((0, k), dtype=np.float64)
        ev = np.concatenate(events) if events else np.zeros(0, dtype=_EVENT)
        return Kept(columns, scores, _outcomes(ev, list(results), list(channels)))


def _runs(blocks: list[int]) -> Iterator[tuple[int, int]]:
    """Consecutive block numbers as (first, last) runs."""
    if not blocks:
        return
    start = prev = blocks[0]
    for b in blocks[1:]:
        if b != prev + 1:
            yield start, prev
            start = b
        prev = b
    yield start, prev


def _events(acc: Any, occurred: Any, due: Any, ids: Any) -> npt.NDArray[Any]:
    """The events as one structured array (result and channel coded later)."""
    out = np.zeros(len(acc), dtype=_EVENT)
    out["pos"] = acc
    out["occurred"] = occurred.astype("datetime64[us]").astype(np.int64)
    out["due"] = due.astype("datetime64[D]").astype(np.int64)
    out["id"] = ids
    return out


def _coded(ev: npt.NDArray[Any], results: Any, channels: Any) -> bytes | None:
    """Code a block's results and channels into `ev`; their vocabularies as
    text, or None when a block names too many or one holds a separator."""
    parts = []
    for field, values in (("result", results), ("channel", channels)):
        names, codes = np.unique(np.asarray(values, dtype=str), return_inverse=True)
        vocab = [str(v) for v in names.tolist()]
        if len(vocab) > _CODES or any(_VOCAB_SEP in v or _VOCABS_SEP in v for v in vocab):
            return None
        ev[field] = codes.reshape(-1)
        parts.append(_VOCAB_SEP.join(vocab))
    return _VOCABS_SEP.join(parts).encode()


def _outcomes(ev: npt.NDArray[Any], results: list[str], channels: list[str]) -> OutcomeColumns:
    """The events of every block oldest first, ties by outcome id (as
    columns.in_time_order orders them)."""
    words = np.ascontiguousarray(ev["id"]).view(_ID_SORT)
    occurred = ev["occurred"]
    # by time, then the ids' first eight bytes; all of them only where those tie
    order = np.lexsort((words["a"], occurred))
    t, a = occurred[order], words["a"][order]
    if bool(((t[1:] == t[:-1]) & (a[1:] == a[:-1])).any()):
        order = np.lexsort((words["e"], words["d"], words["c"], words["b"], words["a"], occurred))
    ev = ev[order]
    return OutcomeColumns(
        ev["pos"].astype(np.intp),
        ev["occurred"].view("datetime64[us]"),
        np.array(results or [""], dtype=str)[ev["result"]],
        ev["due"].view("datetime64[D]"),
        np.array(channels or [""], dtype=str)[ev["channel"]],
    )


def _scores_bytes(scores: npt.NDArray[np.float64]) -> npt.NDArray[Any]:
    """Scores as one byte each (_NO_SCORE: not scorable) when all are whole
    numbers 0-10 (score_cache's kept form: an eighth of the reading); as
    float64 otherwise. The length of the packed part tells which."""
    missing = np.isnan(scores)
    whole = np.where(missing, 0.0, scores)
    if bool(((whole == np.round(whole)) & (whole >= 0) & (whole < _NO_SCORE)).all()):
        return np.ascontiguousarray(np.where(missing, _NO_SCORE, whole).astype(np.uint8))
    return np.ascontiguousarray(scores, dtype=np.float64)


def _scores_of(part: Any, n: int, k: int) -> npt.NDArray[np.float64]:
    if len(part) == n * k:  # one byte a score
        small = np.frombuffer(part, dtype=np.uint8).reshape(n, k)
        out = small.astype(np.float64)
        out[small == _NO_SCORE] = np.nan
        return out
    return np.frombuffer(part, dtype=np.float64).reshape(n, k)


def _pack(
    ids: npt.NDArray[np.bytes_],
    max_rowid: int,
    table: npt.NDArray[np.int64],
    kept: npt.NDArray[Any],
    events: npt.NDArray[Any],
    vocab: bytes,
) -> bytes:
    parts = [ids.tobytes(), table.tobytes(), kept.tobytes(), events.tobytes(), vocab]
    head = np.array([len(ids), max_rowid, *map(len, parts)], dtype=np.int64)
    return head.tobytes() + b"".join(parts)


def _pack_empty(width: int, k: int) -> bytes:
    return _pack(
        np.zeros(0, dtype=f"S{_ID_WIDTH}"),
        0,
        np.zeros((width, 0), dtype=np.int64),
        np.zeros((0, k), dtype=np.float64),
        np.zeros(0, dtype=_EVENT),
        _VOCABS_SEP.encode(),
    )


def _head(raw: bytes | memoryview) -> tuple[int, list[int]]:
    head = np.frombuffer(raw[: 8 * (_HEAD + 2)], dtype=np.int64)
    return int(head[0]), [int(v) for v in head[2:]]


def _meta_of(raw: bytes) -> tuple[str, int, int]:
    head = np.frombuffer(raw[:16], dtype=np.int64)
    return "", int(head[0]), int(head[1])
