"""A SQLite database read with the standard library's sqlite3: the ranking's
path, which never imports SQLAlchemy (~0.4 s of a `fieldsales rank`).

`open_file` opens a fieldsales SQLite file whose schema is up to date (the
version table says HEAD_REVISION and every table and column is there); any
other (a new file, one needing a migration, one that is not ours, a URL)
gives None and the caller opens it the usual way (store/db.py), which
migrates or names the problem. The reads here return what store/queries.py
returns through SQLAlchemy, value for value (tests/store/test_lite.py);
store/reads.py chooses between them. Writes go through SQLAlchemy
(SqliteFile.engine).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fieldsales import locations
from fieldsales.errors import UserError
from fieldsales.files import PRIVATE_FILE
from fieldsales.store.columns import (
    _NO_DUE,
    _NULL,
    _SEP,
    ACCOUNT_DATES,
    ACCOUNT_NUMBERS,
    SCHEMA_COLUMNS,
    OutcomeColumns,
    _IdIndex,
    in_time_order,
    number_columns,
    outcome_arrays,
    whole_columns,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

# The newest migration; tests check it matches the migrations folder so
# opening an up-to-date database never has to import alembic (~0.2 s).
HEAD_REVISION = "0015"
BUSY_TIMEOUT_MS = 5000
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
NOT_OURS = "not a fieldsales database, or damaged; check the --db path or restore a backup"
_IN_CHUNK = 500  # ids per IN (...), as store/queries.py


class StoreError(UserError):
    """A database problem a user can act on; the message names the database."""

    title = "Database"


def known_revisions() -> set[str]:
    """The revisions this version's migrations know, from the scripts' file names."""
    return {p.name.split("_", 1)[0] for p in (MIGRATIONS_DIR / "versions").glob("[0-9]*_*.py")}


def error_line(text: str, name: str, *, operational: bool, timeout_ms: int) -> StoreError:
    """One line for a database error a user can act on (locked, read-only, damaged);
    `text` is the driver's message (no secrets: the caller masks URLs)."""
    low = text.lower()
    if "locked" in low or "busy" in low:
        return StoreError(
            f"{name}: database is locked by another program (waited "
            f"{timeout_ms // 1000} s); close it and try again"
        )
    if "readonly" in low or "read-only" in low or "unable to open" in low:
        return StoreError(
            f"{name}: cannot write the database or its folder ({text}); check their "
            "permissions, or copy the file somewhere writable"
        )
    if operational:
        return StoreError(f"{name}: cannot open database ({text})")
    return StoreError(f"{name}: {NOT_OURS} ({text})")


def keep_private(path: Path) -> None:
    """The app's own data folder and the databases in it stay private (0700 and 0600),
    also when an older version made them with the umask's modes."""
    from fieldsales.files import PRIVATE_DIR

    folder = locations.data_dir()
    if path.parent != folder:
        return  # a file the user put elsewhere keeps the modes the user chose
    try:
        for p, mode in ((folder, PRIVATE_DIR), (path, PRIVATE_FILE)):
            st = p.stat()
            if st.st_uid == os.getuid() and st.st_mode & 0o777 != mode:
                p.chmod(mode)
    except OSError:
        pass  # not ours to change (a read-only place): the database still opens


# connections a forked child inherited (SqliteFile.reopen_in_child): never collected
_INHERITED: list[tuple[sqlite3.Connection, Engine | None]] = []


class SqliteFile:
    """An up-to-date fieldsales SQLite file (open_file), read with sqlite3."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self.name = str(path)  # as store.db.describe names it
        self._conn = conn
        self._engine: Engine | None = None
        self.reads_only = False  # a child's own connection (reopen_in_child): never writes
        # what other connections had committed when the file was opened (None:
        # not known, a locked file: as if changed since)
        self._opened_version: int | None = None
        with contextlib.suppress(sqlite3.Error):
            self._opened_version = self.data_version()

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """All rows of a query; a database error is a StoreError (one line)."""
        try:
            return self._conn.execute(sql, tuple(params)).fetchall()
        except sqlite3.Error as exc:
            text = " ".join(str(exc).split())
            raise error_line(
                text,
                self.name,
                operational=isinstance(exc, sqlite3.OperationalError),
                timeout_ms=BUSY_TIMEOUT_MS,
            ) from None

    def data_version(self) -> int:
        """SQLite's count of commits by other connections (PRAGMA data_version),
        as this connection sees it."""
        return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def changed_since_opened(self) -> bool:
        """Whether another connection (another program, or this process's
        SQLAlchemy engine) has committed to the file since it was opened."""
        return self._opened_version is None or self.data_version() != self._opened_version

    @property
    def connection(self) -> sqlite3.Connection:
        """The sqlite3 connection itself (for a read that streams with a cursor)."""
        return self._conn

    def engine(self) -> Engine:
        """The same database through SQLAlchemy (writes, and reads not done here)."""
        if self._engine is None:
            from fieldsales.store.db import open_engine

            self._engine = open_engine(self.path, create=False)
        return self._engine

    def use_engine(self, engine: Engine) -> None:
        """Writes and other reads go through this engine (already open on the file)."""
        self._engine = engine

    def reopen_in_child(self) -> None:
        """In a child process just forked: read through a connection of its own
        to the same file, read-only (a SQLite connection must not be used across
        fork). The parent's connection and engine are kept referenced and never
        used nor closed here (closing them could release or checkpoint what the
        parent holds): a child that calls this leaves with os._exit."""
        _INHERITED.append((self._conn, self._engine))
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA query_only = ON")
        self._conn = conn
        self.reads_only = True
        self._engine = None

    def close(self) -> None:
        self._conn.close()
        if self._engine is not None:
            self._engine.dispose()


def open_file(db: str | Path | None) -> SqliteFile | None:
    """The database `db` (a file path; None: the default file) when it is an
    existing fieldsales SQLite file at HEAD_REVISION with every table and column;
    otherwise None (store.db.open_engine then opens, migrates or refuses it)."""
    text = str(locations.default_db_file() if db is None else db)
    if "://" in text or "%" in text or text.startswith("file:") or text == ":memory:":
        return None  # URLs and escaped names: store/db.py reads them
    path = Path(text).expanduser().resolve()
    if not path.is_file():
        return None
    keep_private(path)
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    except sqlite3.Error:
        return None
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
        if not _up_to_date(conn):
            conn.close()
            return None
    except sqlite3.Error:
        conn.close()
        return None
    return SqliteFile(path, conn)


def _up_to_date(conn: sqlite3.Connection) -> bool:
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "alembic_version" not in tables:
        return False
    versions = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    if len(versions) != 1 or versions[0][0] != HEAD_REVISION:
        return False
    for table, columns in SCHEMA_COLUMNS.items():
        if table not in tables:
            return False
        have = {r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')}
        if any(c not in have for c in columns):
            return False
    return True


# --- the ranking's reads (the SQL store/queries.py has SQLAlchemy write) ---

# outcome.id NOT IN (the superseded) AND result != 'undo': queries.in_effect()
_IN_EFFECT = (
    "(outcome.id NOT IN (SELECT outcome.supersedes FROM outcome "
    "WHERE outcome.supersedes IS NOT NULL)) AND outcome.result != ?"
)


def rank_columns(
    f: SqliteFile, names: Sequence[str], rowids: tuple[int, int] | None = None
) -> dict[str, Any] | None:
    """queries._sqlite_columns: whole columns of every account in rowid order,
    numbers as float arrays, dates as datetime64[D], text as lists; None when
    a value does not fit the form (the caller reads through SQLAlchemy).

    `rowids` (lo, hi): only the accounts with lo <= rowid < hi; "rowid" may be
    one of the names (a number)."""
    numeric = [n for n in names if n in ACCOUNT_NUMBERS or n == "rowid"]
    texts = [n for n in names if n not in numeric]
    where, bounds = ("", []) if rowids is None else (" WHERE rowid >= ? AND rowid < ?", rowids)
    numbers: dict[str, Any] = {}
    if numeric:
        got = number_columns(
            numeric,
            f.rows(f"SELECT {', '.join(numeric)} FROM account{where} ORDER BY rowid", bounds),
        )
        if not got:  # a value that is not a number (None), or no accounts ({})
            return None if got is None else {n: () for n in names}
        numbers = got
    if not texts:
        return numbers
    parts = []
    params: list[str] = []
    for n in texts:
        if n in ACCOUNT_DATES:
            parts.append(f"group_concat(coalesce(CAST({n} AS VARCHAR), ?) || ?, ?)")
            params += [_NO_DUE, _SEP, ""]
        else:
            parts.append(f"group_concat(coalesce({n}, ?) || ?, ?)")
            params += [_NULL, _SEP, ""]
    sql = (
        f"SELECT count(*), {', '.join(parts)} FROM "
        f"(SELECT {', '.join(texts)} FROM account{where} ORDER BY rowid)"
    )
    m, *joined = f.rows(sql, [*params, *bounds])[0]
    return whole_columns(names, numbers, m, dict(zip(texts, joined, strict=True)), ACCOUNT_DATES)


def outcome_columns(f: SqliteFile, index: _IdIndex) -> OutcomeColumns | None:
    """queries.outcome_columns of every account (all_accounts): the whole log in
    one row of texts; None when a value does not have the expected form."""
    got = outcome_rows(f, index)
    if got is None:
        return None
    cols, tie_ids = got
    return in_time_order(cols, tie_ids)


def outcome_rows(
    f: SqliteFile, index: _IdIndex, rowids: tuple[int, int] | None = None
) -> tuple[OutcomeColumns, Any] | None:
    """The outcome log (of the accounts with lo <= rowid < hi, `rowids`) as
    columns.outcome_arrays gives it: unsorted, with the outcome ids; events not
    in effect or of accounts not in `index` have account -1."""

    def joined(column: str) -> str:
        return f"CAST(group_concat(CAST({column} AS VARCHAR) || ?, ?) AS BLOB)"

    where, bounds = "", []
    if rowids is not None:
        where = " WHERE account_id IN (SELECT id FROM account WHERE rowid >= ? AND rowid < ?)"
        bounds = list(rowids)
    sql = (
        f"SELECT count(*), {joined('account_id')}, {joined('occurred_at')}, "
        f"{joined('result')}, {joined('coalesce(CAST(next_action_due AS VARCHAR), ?)')}, "
        f"{joined('id')}, {joined('coalesce(channel, ?)')} FROM outcome{where}"
    )
    params = [_SEP, "", _SEP, "", _SEP, "", _NO_DUE, _SEP, "", _SEP, "", "", _SEP, ""]
    row = f.rows(sql, [*params, *bounds])[0]
    if not row[0]:
        return outcome_arrays(row, set(), index)
    named = f.rows("SELECT supersedes FROM outcome WHERE supersedes IS NOT NULL")
    return outcome_arrays(row, {n for (n,) in named if n is not None}, index)


def account_details(
    f: SqliteFile, account_ids: Sequence[str], fields: Sequence[str]
) -> dict[str, tuple[Any, ...]]:
    """queries.account_details: `fields` by account id, IN (...) batches of 500."""
    out: dict[str, tuple[Any, ...]] = {}
    head = f"SELECT id, {', '.join(fields)} FROM account WHERE id IN "
    for k in range(0, len(account_ids), _IN_CHUNK):
        part = account_ids[k : k + _IN_CHUNK]
        for row in f.rows(head + f"({', '.join('?' * len(part))})", part):
            out[row[0]] = tuple(row[1:])
    return out


def contact_funnel(
    f: SqliteFile, appointed: Sequence[str], ordered: Sequence[str]
) -> list[tuple[Any, ...]]:
    """queries.contact_funnel: (account_id, channel, appointed, closed) rows."""
    a_in = ", ".join("?" * len(appointed))
    o_in = ", ".join("?" * len(ordered))
    sql = (
        "SELECT outcome.account_id, outcome.channel, "
        f"max(CASE WHEN (outcome.result IN ({a_in})) THEN ? ELSE ? END), "
        f"max(CASE WHEN (outcome.result IN ({o_in})) THEN ? ELSE ? END) "
        f"FROM outcome WHERE {_IN_EFFECT} GROUP BY outcome.account_id, outcome.channel"
    )
    return f.rows(sql, [*appointed, 1, 0, *ordered, 1, 0, "undo"])


def account_count(f: SqliteFile) -> int:
    return int(f.rows("SELECT count(*) FROM account")[0][0])


def _utc(text: str | None) -> datetime | None:
    """A stored UTC time (SQLAlchemy's SQLite text) as schema.UTCDateTime reads it."""
    if text is None:
        return None
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def latest_publications(f: SqliteFile, fields: Sequence[str]) -> list[dict[str, Any]]:
    """publication.latest's rows: the newest version of each kind, as field -> value."""
    cols = ", ".join(f"t.{n}" for n in fields)
    sql = (
        f"SELECT {cols} FROM team_publication AS t JOIN (SELECT kind, max(version) AS version "
        "FROM team_publication GROUP BY kind) AS newest "
        "ON t.kind = newest.kind AND t.version = newest.version"
    )
    out = []
    for row in f.rows(sql):
        item = dict(zip(fields, row, strict=True))
        if "published_at" in item:
            item["published_at"] = _utc(item["published_at"])
        out.append(item)
    return out


def order_rows(f: SqliteFile, account_ids: Sequence[str]) -> list[tuple[Any, ...]]:
    """(account_id, order_date text, amount) of these accounts' imported orders."""
    out: list[tuple[Any, ...]] = []
    head = (
        "SELECT account_id, CAST(order_date AS VARCHAR), amount FROM account_order "
        "WHERE account_id IN "
    )
    for k in range(0, len(account_ids), _IN_CHUNK):
        part = account_ids[k : k + _IN_CHUNK]
        out.extend(f.rows(head + f"({', '.join('?' * len(part))})", part))
    return out


def logged_orders(f: SqliteFile, account_ids: Sequence[str]) -> list[tuple[Any, ...]]:
    """(account_id, occurred_at as UTCDateTime reads it, order_amount) of the orders
    logged as outcomes (in effect) of these accounts."""
    head = (
        "SELECT account_id, occurred_at, order_amount FROM outcome "
        f"WHERE outcome.result = ? AND {_IN_EFFECT} AND outcome.account_id IN "
    )
    out: list[tuple[Any, ...]] = []
    for k in range(0, len(account_ids), _IN_CHUNK):
        part = account_ids[k : k + _IN_CHUNK]
        rows = f.rows(head + f"({', '.join('?' * len(part))})", ["order", "undo", *part])
        out.extend((a, _utc(t), amount) for a, t, amount in rows)
    return out


def fit_facts(f: SqliteFile) -> tuple[Any, ...]:
    """What orders.fit_fingerprint hashes: last imported order id, their count,
    and count, sum and latest time of the orders logged as outcomes."""
    last_id = f.rows("SELECT max(id) FROM account_order")[0][0]
    count = f.rows("SELECT count(*) FROM account_order")[0][0]
    logged = f.rows(
        "SELECT count(*), sum(order_amount), max(occurred_at) FROM outcome "
        f"WHERE outcome.result = ? AND {_IN_EFFECT}",
        ["order", "undo"],
    )[0]
    return (last_id, count, logged[0], logged[1], _utc(logged[2]))


def kept_fit(f: SqliteFile, fingerprint: str) -> str | None:
    rows = f.rows("SELECT params FROM model_fit WHERE fingerprint = ?", [fingerprint])
    return rows[0][0] if rows else None
