"""A day's early-warning figures of every account kept in a SQLite file (table
warning_day, migration 0015): the churn signs that fired, P(alive), expected
orders and expected order value, computed for a full listing and read back
by the next one on the same day with the same config (services/early_warning.py
decides the key).

One row is kept, under a key the caller builds (the day, the config, the
format) and for the accounts it was computed for (their count and a digest
of their ids in rowid order). Triggers on account, outcome and account_order
(migration 0015) empty the table on every write, whoever writes. Figures are
kept in two steps so that none computed from data that changed meanwhile is
ever kept: before computing, `begin` leaves a mark in the table, and only
when no other connection has committed since the file was opened (PRAGMA
data_version: the ranking's reads are of the data as it is now); `keep`
writes the figures only if the mark is still there (no trigger has fired
since). A file that cannot be written now (read-only, another program
writing) keeps nothing and lists all the same.

Values are packed arrays read with np.frombuffer: no Python object per value.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from fieldsales.store import lite
from fieldsales.store.lite import SqliteFile
from fieldsales.store.rank_blocks import _begin_immediate

TRIGGERS = tuple(
    f"warning_day_{table}_{event}"
    for table in ("account", "outcome", "order")
    for event in ("insert", "update", "delete")
)
_SEP = "\x1f"
_MARK = ("", -1, "", "", b"", b"", b"", b"")  # a row no read matches: figures to come


@dataclass
class Figures:
    """Per account (position k: the k-th account in rowid order): which signs
    fired (n x len(names)), P(alive), expected orders and expected order
    value (NaN: none)."""

    names: tuple[str, ...]
    fired: npt.NDArray[np.bool_]
    p_alive: npt.NDArray[np.float64]
    expected_orders: npt.NDArray[np.float64]
    expected_order_value: npt.NDArray[np.float64]


def ids_digest(ids: Sequence[str]) -> str:
    """A digest of every account id in order (packed ids hashed as they are kept)."""
    raw = getattr(ids, "raw", None)
    if isinstance(raw, np.ndarray) and raw.dtype.kind == "S":
        data = b"S%d:" % raw.dtype.itemsize + raw.tobytes()
    else:
        data = b"L:" + _SEP.join(ids).encode("utf-8", "surrogatepass")
    return hashlib.sha1(data).hexdigest()


def available(f: SqliteFile) -> bool:
    """The file has the table and every trigger of migration 0015."""
    rows = f.rows(
        "SELECT name FROM sqlite_master WHERE (type = 'table' AND name = 'warning_day') "
        "OR (type = 'trigger' AND name LIKE 'warning_day_%')"
    )
    have = {r[0] for r in rows}
    return "warning_day" in have and all(t in have for t in TRIGGERS)


def read(f: SqliteFile, key: str, n: int, digest: str) -> Figures | None:
    """The figures kept under `key` for these n accounts, or None."""
    if not available(f):
        return None
    rows = f.rows(
        "SELECT names, fired, p_alive, expected_orders, expected_order_value "
        "FROM warning_day WHERE key = ? AND n = ? AND ids = ?",
        [key, n, digest],
    )
    if not rows:
        return None
    names_text, fired, alive, orders, value = rows[0]
    names = tuple(names_text.split(_SEP)[:-1])
    floats = [_floats(b, n) for b in (alive, orders, value)]
    if len(fired) != n * len(names) or any(v is None for v in floats):
        return None  # not the form kept: compute afresh
    flags = np.frombuffer(fired, dtype=np.uint8).reshape(n, len(names)).astype(bool)
    return Figures(names, flags, *floats)  # type: ignore[arg-type]


def _floats(raw: Any, n: int) -> npt.NDArray[np.float64] | None:
    if not isinstance(raw, bytes) or len(raw) != 8 * n:
        return None
    return np.frombuffer(raw, dtype="<f8").astype(np.float64)


def begin(f: SqliteFile) -> bool:
    """Mark that figures are about to be computed (replacing any kept), when
    the file can be written now and nothing was committed to it since it was
    opened. False: whatever is computed is not to be kept."""
    if not available(f):
        return False
    return _write(f, lambda conn: not f.changed_since_opened(), [_MARK])


def keep(f: SqliteFile, key: str, digest: str, figures: Figures) -> bool:
    """Keep these figures, computed since `begin`, if no write has come in
    between (the mark is still there). True: kept."""
    if any(_SEP in name for name in figures.names):
        return False
    n = len(figures.p_alive)
    fired = np.ascontiguousarray(figures.fired, dtype=np.uint8)
    row = (
        key,
        n,
        digest,
        "".join(name + _SEP for name in figures.names),
        fired.tobytes(),
        *(
            np.ascontiguousarray(v, dtype="<f8").tobytes()
            for v in (figures.p_alive, figures.expected_orders, figures.expected_order_value)
        ),
    )

    def marked(conn: sqlite3.Connection) -> bool:
        return bool(conn.execute("SELECT 1 FROM warning_day WHERE n = -1").fetchall())

    return _write(f, marked, [row])


def _write(
    f: SqliteFile, when: Callable[[sqlite3.Connection], bool], rows: list[tuple[Any, ...]]
) -> bool:
    """Replace the table's rows by `rows` in one transaction, if `when` holds
    under the write lock. False: not written (busy, read-only, `when` false)."""
    conn = f.connection
    if conn.in_transaction or not _begin_immediate(conn):
        return False
    try:
        if not when(conn):
            conn.rollback()
            return False
        conn.execute("DELETE FROM warning_day")
        conn.executemany("INSERT INTO warning_day VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        conn.commit()
        return True
    except sqlite3.OperationalError:  # read-only after all, a full disk
        conn.rollback()
        return False
    except sqlite3.Error as exc:
        conn.rollback()
        raise lite.error_line(
            " ".join(str(exc).split()), f.name, operational=False, timeout_ms=lite.BUSY_TIMEOUT_MS
        ) from None
