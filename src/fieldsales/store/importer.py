"""Import accounts from a CSV file: validate every row, then create or update in
one transaction (all-or-nothing unless skipping invalid rows).

An account is found again by its id, else its external id, else its match key
(normalised company + address), so re-importing a corrected file updates
instead of duplicating; each changed field is kept in `account_change`.
Writes use SQLAlchemy Core executemany: 100,000 rows in seconds, not minutes.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import operator
import os
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import date, timedelta
from hashlib import blake2b
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from fieldsales.domain import columns as cols
from fieldsales.domain import criteria
from fieldsales.store import csvio
from fieldsales.store.db import BUSY, StoreError, describe, is_busy, lock_for_writing
from fieldsales.store.import_rows import (
    Checked,
    ImportReport,
    Progress,
    Row,
    RowChecker,
    RowProblem,
    can_check_apart,
    check_apart,
    integer_limits,
    locked,
    read_ahead,
    shift_dates,
    write_rejects,
)
from fieldsales.store.models import Account, AccountChange, new_id, utcnow
from fieldsales.store.orders import refresh_derived
from fieldsales.store.scores import kept_scores, refresh_scores

if TYPE_CHECKING:
    from fieldsales.config import Scoring

ACCOUNT = Account.__table__  # type: ignore[attr-defined]
CHANGE = AccountChange.__table__  # type: ignore[attr-defined]
BULK_CACHE_KIB = 32_768  # SQLite page cache while importing (KiB): 100,000 accounts' indexes
SQLITE_DEFAULT_CACHE = -2000  # SQLite's own default (2 MB)
# indexes on account that no import reads by: made once at the end of a big import
HELD_INDEXES = ("ix_account_owner_rep", "ix_account_prefecture")
# The triggers on account inserts, and what each does for all the rows inserted
# from rowid :first on: rank blocks (migration 0012), order blocks (0014), a
# day's early-warning figures (0015); {rank} and {order}: each module's BLOCK_SHIFT.
INSERT_TRIGGERS = {
    "rank_block_account_insert": "DELETE FROM rank_block WHERE block >= :first >> {rank}",
    "order_block_account_insert": "DELETE FROM order_block WHERE block >= :first >> {order}",
    "warning_day_account_insert": "DELETE FROM warning_day",
}
SQLITE_MAX_ROWID = 2**63 - 1
LOOKUP_CHUNK = 2000  # keys per IN (...): a chunk in one query, under every backend's limit
# Without a value in the file, these columns are stored as their default.
NOT_NULL_DEFAULTS: dict[str, Any] = {
    "main_reason": "unknown",
    "do_not_contact": False,
    **{
        c.column: c.csv.default
        for c in criteria.active()
        if c.csv is not None and c.csv.default is not None
    },
}
GEO_FIELDS = ("lat", "lon", "geo_precision", "geo_source")
KEY_FIELDS = ("id", "external_id", "match_key", "import_digest")  # what finds an account
ADDRESS_FIELDS = ("postal_code", "prefecture", "city", "address")
PLACE_FIELDS = GEO_FIELDS + ADDRESS_FIELDS  # what locating reads and writes


class Locate(Protocol):
    """Locates accounts given as columns (PLACE_FIELDS -> one value per account),
    the GEO_FIELDS changed in place: services.locating.ImportLocator."""

    def find(self, columns: dict[str, list[Any]]) -> list[Any]:
        """Each address's position (ADDRESS_FIELDS), nothing changed."""

    def __call__(self, columns: dict[str, list[Any]], found: list[Any] | None = None) -> None:
        """Locate the accounts; `found`: find(columns), when done ahead."""


RANDOM_62 = (1 << 62) - 1  # the random bits of an ordered id
_last_ms = 0  # the millisecond of the last ordered id given
IMPORT_PRECISION = "street"  # imported coordinates, unless a precision column says otherwise


def import_accounts(
    engine: Engine,
    path: Path,
    *,
    vocab: cols.Vocabulary,
    max_line_bytes: int,
    encoding: str | None = None,
    max_file_bytes: int = csvio.MAX_FILE_BYTES,
    overrides: dict[str, str] | None = None,
    skip_invalid: bool = False,
    dry_run: bool = False,
    today: date | None = None,
    shift_days: int = 0,
    progress: Progress | None = None,
    scoring: Scoring | None = None,
    locate: Locate | None = None,
) -> ImportReport:
    """Raises csvio.CsvError when the file as a whole is unusable, StoreError
    when another program kept the database busy for the whole busy timeout.

    `shift_days` moves every date forward (the demo keeps its sample current).
    `dry_run` does everything but keep it: the counts are what an import would
    do, the transaction is rolled back (nothing written, `written` stays False).
    `scoring` (the config's): the accounts written get their kept scores
    (store/scores.py) in the same transaction; without it the first ranking
    computes them. `locate` (services.locating.ImportLocator): every account
    written gets its offline position in the same statement (not in a dry run).
    """
    today = today or date.today()
    stream = csvio.stream_csv(
        path,
        max_line_bytes=max_line_bytes,
        encoding=encoding,
        max_file_bytes=max_file_bytes,
        what="account rows",
    )
    header = cols.map_headers(stream.headers, overrides)
    if header.errors:
        raise csvio.CsvError(f"{path}: " + "; ".join(header.errors))
    report = ImportReport(path, stream.encoding)
    report.ignored_columns = header.ignored
    report.columns = [(stream.headers[i].strip(), name) for i, name in header.fields.items()]
    report.units = header.units
    report.dry_run = dry_run
    checker = RowChecker(
        stream.headers,
        header.fields,
        today - timedelta(days=shift_days),
        vocab,
        integer_limits(engine.dialect),
        header.units,
    )
    present = frozenset(cols.stored_fields(header.fields.values()))
    writer = _Writer(present, f"import:{path.name}", report, scoring, None if dry_run else locate)
    try:
        with engine.begin() as conn:
            # Read and write under one lock: two imports of one file run one after
            # the other, and the second finds what the first created. Rows are
            # checked and written CHUNK at a time in this one transaction; a bad
            # row (unless skipped) stops the writing and rolls all of it back.
            lock_for_writing(conn)
            # a file of more rows than the accounts stored mostly creates accounts
            creates = _stored_count(conn) < stream.lines
            with _bulk_cache(conn), _insert_trigger_held(conn), _indexes_held(conn, creates):
                written = 0
                shown = (0, 0)  # the last writing progress given
                progress = locked(progress)  # called from the thread checking ahead too
                counts = Checked()
                if can_check_apart(stream.lines):  # in a process of its own: another core
                    # positions found there only for a file that mostly creates
                    # accounts (in a re-import most rows are unchanged: they need none)
                    finder = locate if creates and not dry_run else None
                    prepare = functools.partial(_prepare, present, shift_days, finder)
                    checked = check_apart(
                        checker, stream.rows, stream.lines, progress, prepare, counts
                    )
                else:  # in a thread (the next chunk while this one is written)
                    checked = read_ahead(
                        (_shifted(good, shift_days), None)
                        for good in checker.chunks(stream.rows, stream.lines, progress)
                    )
                for good, ahead in checked:
                    if checker.problems and not skip_invalid:
                        continue  # refused: the rest is only checked, to report every bad row
                    writer.write(conn, good, ahead)
                    written += len(good)
                    del good, ahead  # one chunk alive at a time
                    if progress is not None:
                        # rows still to come: the file's remaining lines, until all are read
                        shown = (written, written + max(0, stream.lines - checker.rows - 1))
                        progress("writing", *shown)
                report.rows = checker.rows
                report.translated = counts.translated or checker.reader.translated
                report.problems = checker.problems + writer.problems
                report.rejected = len(checker.bad) + len(writer.problems)
                if checker.problems and not skip_invalid:
                    raise _Abort
                if writer.problems and not skip_invalid:
                    raise _Abort  # rows that only clash with stored accounts: roll back too
                if progress is not None and written and shown != (written, written):
                    progress("writing", written, written)
                # An account with an order history keeps the fields derived from it.
                refresh_derived(conn, report.touched_ids)
                if dry_run:
                    raise _DryRun
                if report.rejected:  # before the commit: a file that cannot be written
                    bad = {**checker.bad, **writer.bad}  # leaves the database as it was
                    report.rejects_file = write_rejects(path, stream.headers, bad, report.problems)
    except _DryRun:
        return report
    except _Abort:
        report.created = report.updated = report.unchanged = 0
        report.touched_ids.clear()
        return report
    except sa.exc.DBAPIError as exc:
        name = describe(engine.url.render_as_string(hide_password=True))
        if is_busy(exc):
            raise StoreError(f"{name}: {BUSY}") from None
        if isinstance(exc, sa.exc.IntegrityError):  # the unique key, should a check miss it
            raise StoreError(
                f"{name}: {path.name} would give two accounts the same company and address "
                "(or external id); nothing was imported. Give them distinct external ids"
            ) from None
        raise
    report.written = True
    return report


@contextlib.contextmanager
def _bulk_cache(conn: Connection) -> Iterator[None]:
    """SQLite: a page cache that holds the indexes of a big base while rows go
    in (this connection's, for this import only)."""
    if conn.dialect.name != "sqlite":
        yield
        return
    conn.exec_driver_sql(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    try:
        yield
    finally:
        with contextlib.suppress(sa.exc.DBAPIError):
            conn.exec_driver_sql(f"PRAGMA cache_size = {SQLITE_DEFAULT_CACHE}")


@contextlib.contextmanager
def _insert_trigger_held(conn: Connection) -> Iterator[None]:
    """SQLite: the triggers on account inserts (INSERT_TRIGGERS: rank blocks,
    order blocks, kept early-warning figures), each a statement per row
    (about a third of inserting 100,000 accounts), are dropped for the import
    and made again from their own stored text at the end, in the same
    transaction, after doing once what they would have done for the new rows
    (rowids above the highest before the import): their blocks deleted, the
    kept figures forgotten.

    A failed import rolls the drop back with everything else. A file without
    the triggers, or whose rowids are at SQLite's maximum (new rowids are then
    chosen at random), keeps them as they are.
    """
    if conn.dialect.name != "sqlite":
        yield
        return
    marks = ", ".join("?" * len(INSERT_TRIGGERS))
    stored: dict[str, str] = dict(
        conn.exec_driver_sql(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN ({marks})",
            tuple(INSERT_TRIGGERS),
        ).all()
    )
    highest = conn.exec_driver_sql("SELECT max(rowid) FROM account").scalar()
    if not stored or (highest is not None and highest >= SQLITE_MAX_ROWID):
        yield
        return
    from fieldsales.store.order_blocks import BLOCK_SHIFT as ORDER_SHIFT
    from fieldsales.store.rank_blocks import BLOCK_SHIFT as RANK_SHIFT

    for name in stored:
        conn.exec_driver_sql(f"DROP TRIGGER {name}")
    yield  # an exception: the transaction is rolled back, the triggers with it
    first = (highest or 0) + 1
    added = conn.exec_driver_sql("SELECT 1 FROM account WHERE rowid >= ?", (first,)).first()
    for name, sql in stored.items():
        if added is not None:
            done = INSERT_TRIGGERS[name].format(rank=RANK_SHIFT, order=ORDER_SHIFT)
            conn.exec_driver_sql(done, {"first": first})
        conn.exec_driver_sql(sql)


Ahead = tuple[list[str], list[Any] | None]  # a chunk's digests, and positions found


def _stored_count(conn: Connection) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(ACCOUNT)).scalar() or 0)


def _shifted(chunk: list[Row], shift_days: int) -> list[Row]:
    if shift_days:
        shift_dates(chunk, shift_days)
    return chunk


def _prepare(
    present: frozenset[str], shift_days: int, locate: Locate | None, chunk: list[Row]
) -> Ahead:
    """What writing a chunk needs of its rows alone, done in the checking
    process: the dates moved by `shift_days`, each row's digest as a new
    account, and the offline position of each row's own address when `locate`."""
    values = [row.values for row in _shifted(chunk, shift_days)]
    kept = digests(values, present)
    if locate is None:
        return kept, None
    return kept, locate.find({name: [v.get(name) for v in values] for name in ADDRESS_FIELDS})


@contextlib.contextmanager
def _indexes_held(conn: Connection, creates: bool) -> Iterator[None]:
    """SQLite: a file that `creates` mostly (more rows than the accounts stored:
    a first import, a new territory) goes in without the indexes the import never reads by
    (HELD_INDEXES), which are made again from their stored text at the end,
    in the same transaction: one sort of the whole table instead of a step
    into each index for every row (a fifth of inserting 100,000 accounts).
    A failed import rolls the drop back with everything else."""
    if conn.dialect.name != "sqlite" or not creates:
        yield
        return
    marks = ", ".join("?" * len(HELD_INDEXES))
    stored = conn.exec_driver_sql(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'account' "
        f"AND name IN ({marks})",
        HELD_INDEXES,
    ).all()
    for name, _ in stored:
        conn.exec_driver_sql(f"DROP INDEX {name}")
    yield  # an exception: the transaction is rolled back, the indexes with it
    for _, sql in stored:
        conn.exec_driver_sql(sql)


class _Abort(Exception):
    pass


class _DryRun(Exception):
    pass


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _existing(
    conn: Connection, rows: Sequence[Row], present: frozenset[str], holders: dict[str, str]
) -> dict[tuple[str, str], dict[str, Any]]:
    """Accounts already stored, indexed by every key these rows may use; and the
    account holding each of their match keys without an external id (unique).

    Only their keys and import digest are read (KEY_FIELDS): a row whose digest
    is the stored one is unchanged, and only the other accounts' fields are
    read (_fields).
    """
    selected = [ACCOUNT.c[n] for n in KEY_FIELDS]
    found: dict[tuple[str, str], dict[str, Any]] = {}
    wanted = {
        "id": {r.values["id"] for r in rows if r.values.get("id")},
        "external_id": {r.values["external_id"] for r in rows if r.values.get("external_id")},
    }
    for column, keys in wanted.items():
        _look_up(conn, selected, column, keys, found, holders)
    # A row with an external id whose account was found by it needs no match key
    # (neither to find it nor to check for a clash): re-imports skip most of these.
    keys = {
        r.values["match_key"]
        for r in rows
        if not (r.values.get("external_id") and _find(r, found) is not None)
    }
    _look_up(conn, selected, "match_key", keys, found, holders)
    return found


def _look_up(
    conn: Connection,
    selected: list[Any],
    column: str,
    keys: set[str],
    found: dict[tuple[str, str], dict[str, Any]],
    holders: dict[str, str],
) -> None:
    if not keys:
        return
    for chunk in _chunks(sorted(keys), LOOKUP_CHUNK):
        for acc in _stored(conn, selected, column, chunk):
            found.setdefault(("id", acc["id"]), acc)
            if acc["external_id"]:
                found.setdefault(("external_id", acc["external_id"]), acc)
            found.setdefault(("match_key", acc["match_key"]), acc)
            if acc["external_id"] is None:
                holders[acc["match_key"]] = acc["id"]


def _stored(
    conn: Connection, selected: list[Any], column: str, keys: Sequence[str]
) -> list[dict[str, Any]]:
    """The stored accounts whose `column` is one of `keys`, oldest first, as
    dicts of the `selected` columns' values.

    On SQLite the rows are read as plain tuples from the driver and each
    column's stored form (dates as text, flags as 0/1) is converted once per
    distinct value, as insert_many does the other way: a re-import of 100,000
    rows reads them in a fraction of what a Row object per account costs.
    """
    if conn.dialect.name != "sqlite":
        stmt = sa.select(*selected).where(ACCOUNT.c[column].in_(keys))
        stmt = stmt.order_by(ACCOUNT.c.created_at, ACCOUNT.c.id)
        return [dict(rec) for rec in conn.execute(stmt).mappings()]
    names = [c.name for c in selected]
    quote = conn.dialect.identifier_preparer.quote
    sql = (
        f"SELECT {', '.join(quote(n) for n in names)} FROM {quote(ACCOUNT.name)} "
        f"WHERE {quote(column)} IN ({', '.join('?' * len(keys))}) "
        f"ORDER BY {quote('created_at')}, {quote('id')}"
    )
    rows = conn.connection.driver_connection.execute(sql, tuple(keys)).fetchall()  # type: ignore[union-attr]
    if not rows:
        return []
    procs = _result_processors(conn.dialect, tuple(names))
    if procs:
        columns = list(zip(*rows, strict=True))
        for k, proc in procs:
            done = {v: proc(v) for v in set(columns[k]) if v is not None}
            columns[k] = tuple(None if v is None else done[v] for v in columns[k])
        rows = list(zip(*columns, strict=True))
    return [dict(zip(names, row, strict=True)) for row in rows]


@functools.cache
def _result_processors(dialect: sa.Dialect, names: tuple[str, ...]) -> list[tuple[int, Any]]:
    """(position, the column type's result processor) of the columns that have one."""
    procs = [
        (k, ACCOUNT.c[n].type.dialect_impl(dialect).result_processor(dialect, None))
        for k, n in enumerate(names)
    ]
    return [(k, proc) for k, proc in procs if proc is not None]


def _fields(conn: Connection, ids: list[str], present: frozenset[str]) -> dict[str, dict[str, Any]]:
    """The stored fields a file with these columns may change, of these accounts."""
    names = present | set(GEO_FIELDS) | set(ADDRESS_FIELDS) | set(KEY_FIELDS)
    selected = [ACCOUNT.c[n] for n in sorted(names)]
    out: dict[str, dict[str, Any]] = {}
    for chunk in _chunks(sorted(ids), LOOKUP_CHUNK):
        out.update((acc["id"], acc) for acc in _stored(conn, selected, "id", chunk))
    return out


def digest(values: dict[str, Any]) -> str:
    """The digest kept on an account of the values an import wrote there
    (_target_values without a stored account): the same row, read the same
    way, gives the same digest."""
    text = f"{'|'.join(values)}\x00{tuple(values.values())!r}"
    return blake2b(text.encode(), digest_size=16).hexdigest()


Targets = tuple[tuple[str, ...], list[list[Any]], list[tuple[Any, ...] | None] | None]


def digests(
    values: Sequence[dict[str, Any]], present: frozenset[str], targets: Targets | None = None
) -> list[str]:
    """digest(_target_values(row, present, None)) of each row's values, built
    a column at a time (the same texts hashed: tests/store/test_import_columns.py).
    `targets`: _target_columns(values, present), when the caller has them."""
    names, columns, geo = targets or _target_columns(values, present)
    # the names hashed once: each row's hash goes on from a copy (the same digest)
    head = blake2b(f"{'|'.join(names)}\x00".encode(), digest_size=16)

    def digest(t: tuple[Any, ...], start: Any = head) -> str:
        h = start.copy()
        h.update(repr(t).encode())
        return h.hexdigest()

    if geo is None:
        return [digest(t) for t in zip(*columns, strict=True)]
    head_geo = blake2b(f"{'|'.join((*names, *GEO_FIELDS))}\x00".encode(), digest_size=16)
    return [
        digest((*t, *g), head_geo) if g is not None else digest(t)
        for t, g in zip(zip(*columns, strict=True), geo, strict=True)
    ]


def _target_columns(values: Sequence[dict[str, Any]], present: frozenset[str]) -> Targets:
    """_target_values of rows without a stored account, a column at a time:
    the names every row has (match_key, then the file's own columns), their
    values (defaults where NOT NULL and empty), and for each row the position
    it gives (lat, lon, precision, source; None without one), or None when
    the file has no positions."""
    plain, defaults, _ = _plain(present)
    names = ("match_key", *plain)
    columns: list[list[Any]] = []
    for name in names:
        try:
            columns.append(list(map(operator.itemgetter(name), values)))
        except KeyError:  # a value missing: one by one
            columns.append([v.get(name) for v in values])
    for name, default in defaults:
        j = names.index(name)
        if None in columns[j]:
            columns[j] = [default if x is None else x for x in columns[j]]
    if "lat" not in present:  # the rows hold the file's fields: no position at all
        return names, columns, None
    geo = [
        None
        if v.get("lat") is None
        else (
            v["lat"],
            v["lon"],
            v.get("geo_precision") or IMPORT_PRECISION,
            v.get("geo_source") or "import",
        )
        for v in values
    ]
    return names, columns, geo


def _new_columns(
    targets: Targets, now: Any, ids: list[str], kept_all: list[str], rows: list[int]
) -> dict[str, Any]:
    """The new accounts of rows `rows` of a chunk as columns, every column of
    the table in its order: a list (one value per account) or one value for
    all. `targets`: _target_columns of the chunk; `ids`: the new accounts'
    ids; `kept_all`: the chunk's digests."""
    out: dict[str, Any] = dict(_blank_account())
    names, columns, geo = targets
    if len(rows) != len(columns[0]):  # not every row of the chunk: those rows
        pick = operator.itemgetter(*rows)
        columns = [[c[rows[0]]] if len(rows) == 1 else list(pick(c)) for c in columns]
        geo = None if geo is None else [geo[i] for i in rows]
    out.update(zip(names, columns, strict=True))
    if geo is not None and any(g is not None for g in geo):
        for j, name in enumerate(GEO_FIELDS):
            blank = out[name]
            out[name] = [blank if g is None else g[j] for g in geo]
    out["import_digest"] = [kept_all[i] for i in rows]
    out["id"] = ids
    out["created_at"] = out["updated_at"] = now
    return out


def insert_columns(conn: Connection, table: sa.Table, columns: dict[str, Any], n: int) -> None:
    """INSERT n rows given as columns (name -> a list of n values, or one value
    for every row) in one executemany, without a dict per row.

    On SQLite the statement is written once, each column's distinct values go
    through the column type's bind processor once (what SQLAlchemy does per
    row and cell), and the rows are zipped from the columns. Other databases
    get Core's executemany of dicts.
    """
    if not n:
        return
    names = list(columns)

    def full(value: Any) -> Any:
        return value if isinstance(value, list) else itertools.repeat(value, n)

    if conn.dialect.name != "sqlite":
        rows = zip(*(full(columns[name]) for name in names), strict=False)
        conn.execute(table.insert(), [dict(zip(names, r, strict=True)) for r in rows])
        return
    quote = conn.dialect.identifier_preparer.quote
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(name) for name in names)}) "
        f"VALUES ({', '.join('?' for _ in names)})"
    )
    stored = dict(columns)
    for k, proc in _bind_processors(conn.dialect, table, tuple(names)):
        value = stored[names[k]]
        if not isinstance(value, list):
            stored[names[k]] = None if value is None else proc(value)
            continue
        done = {v: proc(v) for v in set(value) if v is not None}
        done[None] = None
        stored[names[k]] = list(map(done.__getitem__, value))
    conn.exec_driver_sql(sql, list(zip(*(full(stored[name]) for name in names), strict=False)))


def _find(row: Row, existing: dict[tuple[str, str], dict[str, Any]]) -> dict[str, Any] | None:
    v = row.values
    if v.get("id") and ("id", v["id"]) in existing:
        return existing[("id", v["id"])]
    if v.get("external_id") and ("external_id", v["external_id"]) in existing:
        return existing[("external_id", v["external_id"])]
    acc = existing.get(("match_key", v["match_key"]))
    # Same company and address but another external id: a different record.
    if acc is not None and (not v.get("external_id") or not acc["external_id"]):
        return acc
    return None


def _target_values(row: Row, present: frozenset[str], old: dict[str, Any] | None) -> dict[str, Any]:
    """The stored values this row asks for: only the columns the file has."""
    v = row.values
    plain, defaults, get = _plain(present)
    out: dict[str, Any] = {"match_key": v["match_key"]}
    try:
        if len(plain) < 2:  # itemgetter of one name gives the value, not a tuple
            raise KeyError(plain)
        out.update(zip(plain, get(v), strict=True))
    except KeyError:  # a value missing: one by one
        out.update((name, v.get(name)) for name in plain)
    for name, default in defaults:
        if out[name] is None:
            out[name] = default
    if (
        v.get("lat") is not None
        and old is not None
        and (old["lat"], old["lon"])
        == (
            v["lat"],
            v["lon"],
        )
    ):
        # Same position as stored: keep how it was found unless the file says otherwise.
        for name in ("geo_precision", "geo_source"):
            if v.get(name):
                out[name] = v[name]
    elif v.get("lat") is not None:
        out["lat"], out["lon"] = v["lat"], v["lon"]
        out["geo_precision"] = v.get("geo_precision") or IMPORT_PRECISION
        out["geo_source"] = v.get("geo_source") or "import"
    elif old is not None and any(name in out and out[name] != old[name] for name in ADDRESS_FIELDS):
        # The address moved and the file gives no position: the old one is wrong now.
        out.update(lat=None, lon=None, geo_precision="none", geo_source=None)
    return out


@functools.cache
def _blank_account() -> dict[str, Any]:
    """A new account before its row's values: every column, defaults where NOT NULL."""
    acc: dict[str, Any] = {c.name: None for c in ACCOUNT.columns}
    acc.update(NOT_NULL_DEFAULTS)
    acc.update(geo_precision="none")
    return acc


@functools.cache
def _plain(
    present: frozenset[str],
) -> tuple[tuple[str, ...], tuple[tuple[str, Any], ...], Callable[[dict[str, Any]], Any]]:
    """The columns a row's own value is written to as is, those of them that
    take a default when the row has none, and a getter of their values."""
    names = tuple(sorted(present - set(GEO_FIELDS) - {"id"}))
    defaults = tuple((n, NOT_NULL_DEFAULTS[n]) for n in names if n in NOT_NULL_DEFAULTS)
    return names, defaults, operator.itemgetter(*names)


def insert_many(conn: Connection, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT rows (dicts with the same keys) in one executemany.

    On SQLite the statement is written once and each row becomes a tuple,
    passed through the columns' own bind processors where a column has one
    (what SQLAlchemy does per row, at a fraction of its cost); the rows' values
    of those columns are replaced by what is stored. Other databases get
    Core's executemany.
    """
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        conn.execute(table.insert(), list(rows))
        return
    names = list(rows[0])
    quote = conn.dialect.identifier_preparer.quote
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
        f"VALUES ({', '.join('?' for _ in names)})"
    )
    get = operator.itemgetter(*names)
    for k, proc in _bind_processors(conn.dialect, table, tuple(names)):
        # in the rows themselves, each distinct value once: dates, flags and
        # the import's timestamp repeat down a column
        name = names[k]
        done = {v: proc(v) for v in {r[name] for r in rows} if v is not None}
        done[None] = None
        for r in rows:
            r[name] = done[r[name]]
    if len(names) == 1:
        params: list[Any] = [(get(r),) for r in rows]
    else:
        params = list(map(get, rows))
    conn.exec_driver_sql(sql, params)


@functools.cache
def _bind_processors(
    dialect: sa.Dialect, table: sa.Table, names: tuple[str, ...]
) -> list[tuple[int, Any]]:
    """(position, bind processor) of the columns whose type has one on this
    database: dates and timestamps become the text SQLAlchemy stores on SQLite
    (once per distinct value, not through sqlite3's adapters per cell)."""
    procs = [
        (k, table.c[n].type.dialect_impl(dialect).bind_processor(dialect))
        for k, n in enumerate(names)
    ]
    return [(k, proc) for k, proc in procs if proc is not None]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class _Writer:
    """Writes the good rows of one file, CHUNK at a time: looks up the stored
    accounts they may update, compares, and writes with executemany. Remembers
    only which account each row wrote (two rows of the file updating one
    account is a problem)."""

    def __init__(
        self,
        present: frozenset[str],
        source: str,
        report: ImportReport,
        scoring: Scoring | None,
        locate: Locate | None = None,
    ) -> None:
        self.present, self.source, self.report, self.scoring = present, source, report, scoring
        self.locate = locate
        self.now = utcnow()
        self.claimed: dict[str, int] = {}  # account id -> the file row that wrote it
        self.problems: list[RowProblem] = []
        self.bad: dict[int, list[str]] = {}

    def _locate(
        self,
        inserts: dict[str, Any] | None,
        moved: list[tuple[dict[str, Any], dict[str, Any]]],
        found: list[Any] | None = None,
    ) -> None:
        """Positions for the accounts of this chunk, written with them: the new
        ones as they are inserted (their columns); the updated ones as they
        will be stored (a position found goes with the update, without a
        history row, as the locating after an import always did)."""
        assert self.locate is not None
        n = len(inserts["id"]) if inserts is not None else 0
        places: dict[str, list[Any]] = {}
        for name in PLACE_FIELDS:
            column = inserts[name] if inserts is not None else []
            column = list(column) if isinstance(column, list) else [column] * n
            column.extend(diff[name] if name in diff else old[name] for old, diff in moved)
            places[name] = column
        if found is not None and moved:  # found for the new accounts: the moved ones here
            found = found + self.locate.find({k: places[k][n:] for k in ADDRESS_FIELDS})
        self.locate(places, found)
        if inserts is not None:
            for name in GEO_FIELDS:
                inserts[name] = places[name][:n]
        for k, (old, diff) in enumerate(moved, n):
            for name in GEO_FIELDS:
                if places[name][k] != (diff[name] if name in diff else old[name]):
                    diff[name] = places[name][k]

    def _reject(self, row: Row, column: str, value: str, reason: str) -> None:
        self.problems.append(RowProblem(row.number, column, value, reason))
        self.bad[row.number] = row.cells()

    def write(self, conn: Connection, chunk: list[Row], ahead: Ahead | None = None) -> None:
        """`ahead`: _prepare(chunk), when done as the chunk was checked."""
        if not chunk:
            return
        report, present, now, claimed = self.report, self.present, self.now, self.claimed
        holders: dict[str, str] = {}  # match key -> account id or "row N", this chunk
        existing = _existing(conn, chunk, present, holders)
        fresh = ordered_ids(len(chunk))  # for the rows that create an account
        values = [row.values for row in chunk]
        targets = _target_columns(values, present)
        kept_all = ahead[0] if ahead is not None else digests(values, present, targets)
        found_all = ahead[1] if ahead is not None else None
        new: list[int] = []  # the rows (of the chunk) that create an account
        new_ids: list[str] = []
        moved: list[tuple[dict[str, Any], dict[str, Any]]] = []  # (stored, changed fields)
        updates: dict[frozenset[str], list[dict[str, Any]]] = {}
        changes: list[dict[str, Any]] = []
        compare: list[tuple[Row, str, str]] = []  # (row, its account, digest) to compare
        for i, row in enumerate(chunk):
            old = _find(row, existing)
            if old is not None and old["id"] in claimed:
                self._reject(
                    row,
                    row.key[0],
                    row.key[1],
                    f"same account as row {claimed[old['id']]}; skipped",
                )
                continue
            clash = _key_clash(row, old, present, holders)
            if clash is not None:
                self._reject(
                    row,
                    "company + address",
                    row.values["company"],
                    f"same company and address as {clash} (give one an external id)",
                )
                continue
            if old is None:
                acc_id = row.values.get("id") or fresh[len(new)]
                new.append(i)
                new_ids.append(acc_id)
                claimed[acc_id] = row.number
                report.touched_ids.append(acc_id)
                continue
            claimed[old["id"]] = row.number
            kept = kept_all[i]
            if old["import_digest"] == kept:
                report.unchanged += 1  # as the last import wrote it, and nothing since
                continue
            compare.append((row, old["id"], kept))
        stored = _fields(conn, [acc_id for _, acc_id, _ in compare], present) if compare else {}
        for row, acc_id, kept in compare:
            old = stored[acc_id]
            diff = {k: v for k, v in _target_values(row, present, old).items() if old[k] != v}
            if set(diff) <= {"match_key"}:
                # A key spelled by other code (app, older version) is no change a user made.
                report.unchanged += 1
                continue
            report.updated += 1
            report.touched_ids.append(old["id"])
            moved.append((old, diff))
            changes.extend(
                {
                    "id": new_id(),
                    "account_id": old["id"],
                    "field": name,
                    "old_value": _text(old[name]),
                    "new_value": _text(val),
                    "source": self.source,
                    "changed_at": now,
                }
                for name, val in diff.items()
                if name != "match_key"
            )
            diff["import_digest"] = kept
        inserts = _new_columns(targets, now, new_ids, kept_all, new) if new else None
        del targets
        if self.locate is not None and (inserts is not None or moved):
            found = None if found_all is None else [found_all[i] for i in new]
            self._locate(inserts, moved, found)
        for old, diff in moved:
            diff["updated_at"] = now
            params = {f"p_{k}": val for k, val in diff.items()}
            params["p_id"] = old["id"]
            updates.setdefault(frozenset(diff), []).append(params)
        if inserts is not None:
            if self.scoring is not None:  # scored from the values at hand: no read back
                inserts["static_scores"] = kept_scores(inserts, len(new), self.scoring)
            insert_columns(conn, ACCOUNT, inserts, len(new))
        for names, batch in updates.items():
            stmt = (
                ACCOUNT.update()
                .where(ACCOUNT.c.id == sa.bindparam("p_id"))
                .values({n: sa.bindparam(f"p_{n}") for n in names})
            )
            conn.execute(stmt, batch)
        if changes:
            insert_many(conn, CHANGE, changes)
        # new accounts got their kept scores above (or none: the first ranking
        # computes them); changed ones are rescored from what is stored now
        refresh_scores(
            conn, [p["p_id"] for batch in updates.values() for p in batch], scoring=self.scoring
        )
        report.created += len(new)


def _key_clash(
    row: Row, old: dict[str, Any] | None, present: frozenset[str], holders: dict[str, str]
) -> str | None:
    """The account (or row) that already holds the match key this row's account
    would take without an external id; None when the key is free (then taken)."""
    v = row.values
    if old is None:
        external_id = v.get("external_id")
    else:
        external_id = v.get("external_id") if "external_id" in present else old["external_id"]
    if external_id:
        return None
    me = old["id"] if old is not None else f"row {row.number}"
    holder = holders.get(v["match_key"], me)
    if holder != me:
        return f"row {holder[4:]}" if holder.startswith("row ") else f"account {holder}"
    holders[v["match_key"]] = me
    if old is not None and old["external_id"] is None and old["match_key"] != v["match_key"]:
        holders.pop(old["match_key"], None)  # moved away: the old key is free
    return None


def ordered_ids(n: int) -> list[str]:
    """n new account ids in the UUID version 7 layout (RFC 9562): the time in
    milliseconds, a counter (these n ids sort in order, after those of earlier
    calls) and 62 random bits. Inserted in order, they go to the end of the
    primary key's index instead of a random page of it."""
    global _last_ms
    # a later millisecond than the last call's (the counter restarts with each)
    ms = _last_ms = max(time.time_ns() // 1_000_000, _last_ms + 1 + n // 0x1000)
    i = np.arange(n, dtype=np.uint64)
    at = np.uint64(ms - n // 0x1000) + i // np.uint64(0x1000)  # 4,096 ids a millisecond
    halves = np.empty((n, 2), dtype=">u8")  # each id's 16 bytes, most significant first
    halves[:, 0] = (at << np.uint64(16)) | np.uint64(0x7000) | (i & np.uint64(0xFFF))
    random = np.frombuffer(os.urandom(8 * n), dtype=np.uint64) & np.uint64(RANDOM_62)
    halves[:, 1] = random | np.uint64(0b10 << 62)
    h = halves.tobytes().hex()
    return [
        f"{h[k : k + 8]}-{h[k + 8 : k + 12]}-{h[k + 12 : k + 16]}-{h[k + 16 : k + 20]}-{h[k + 20 : k + 32]}"
        for k in range(0, 32 * n, 32)
    ]


def vocabulary(settings: Any) -> cols.Vocabulary:
    """The categorical keys the config's scoring accepts (a user may rename them)."""
    scoring = settings.scoring
    return cols.Vocabulary(
        **{
            c.config_key: c.vocabulary(scoring)
            for c in criteria.active()
            if c.csv is not None and c.csv.kind == "category"
        }
    )
