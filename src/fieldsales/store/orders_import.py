"""Import an order history (受注履歴): one row per order, streamed.

The file is checked, decoded and parsed like an account file (csvio,
textfile; dates and numbers as domain/parse.py reads them), but its rows are
read one at a time and written in chunks of CHUNK rows (executemany) inside
one transaction: a file of 2,000,000 orders never holds its parsed rows.
All-or-nothing: a bad row rolls the whole transaction back unless
skip_invalid. Re-importing is idempotent: a row whose order is already stored
(same order number for the account, else same account, date and amount) is
counted and skipped by the database's unique key (ON CONFLICT DO NOTHING).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from fieldsales.domain import order_columns as oc
from fieldsales.store import csvio
from fieldsales.store.db import BUSY, StoreError, describe, is_busy, lock_for_writing
from fieldsales.store.import_rows import CHUNK, Progress, RowProblem, cell, preview
from fieldsales.store.models import AccountOrder, utcnow
from fieldsales.store.orders import account_codes, order_count, refresh_derived

ORDER = AccountOrder.__table__  # type: ignore[attr-defined]
UNKNOWN_ACCOUNT = "no account with this code (import the accounts first)"


@dataclass
class OrderImportReport:
    path: Path
    encoding: str
    rows: int = 0
    added: int = 0  # new orders
    known: int = 0  # rows whose order was stored already (re-import)
    rejected: int = 0
    accounts: int = 0  # accounts whose derived fields were refreshed
    problems: list[RowProblem] = field(default_factory=list)
    columns: list[tuple[str, str]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    rejects_file: Path | None = None
    written: bool = False
    dry_run: bool = False


class _Rollback(Exception):
    pass


COLUMNS = (
    "account_id",
    "order_date",
    "amount",
    "order_number",
    "order_key",
    "product",
    "source",
    "created_at",
)
Parsed = tuple[str, date, int, str | None, str | None]


class _RawInsert:
    """INSERT ... ON CONFLICT DO NOTHING (skips an order already stored, by either
    unique key), compiled once and run on the DB-API cursor: SQLAlchemy's
    per-row parameter processing cost more than SQLite's own insert. Values
    are converted with the column types' own bind processors (dates cached)."""

    def __init__(self, conn: Connection) -> None:
        if conn.dialect.name == "postgresql":
            stmt: Any = postgresql.insert(ORDER).on_conflict_do_nothing()
        else:
            stmt = sqlite.insert(ORDER).on_conflict_do_nothing()
        compiled = stmt.compile(dialect=conn.dialect, column_keys=list(COLUMNS))
        self.sql = str(compiled)
        self.positional = compiled.positional
        order = list(compiled.positiontup or ()) if self.positional else list(COLUMNS)
        self.order = [COLUMNS.index(name) for name in order]
        self.names = order
        procs = compiled._bind_processors
        self._date = procs.get("order_date")
        self._stamp = procs.get("created_at")
        self._dates: dict[date, Any] = {}
        self.conn = conn

    def day(self, value: date) -> Any:
        if self._date is None:
            return value
        out = self._dates.get(value)
        if out is None:
            out = self._dates[value] = self._date(value)
        return out

    def stamp(self, value: Any) -> Any:
        return value if self._stamp is None else self._stamp(value)

    def run(self, rows: list[tuple[Any, ...]]) -> None:
        if self.positional and self.order == list(range(len(COLUMNS))):
            params: list[Any] = rows
        elif self.positional:
            params = [tuple(r[i] for i in self.order) for r in rows]
        else:
            params = [dict(zip(self.names, (r[i] for i in self.order), strict=True)) for r in rows]
        cursor = self.conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(self.sql, params)
        finally:
            cursor.close()


class _FastPath:
    """The common row read without building dicts: plain codes, ASCII digits,
    dates already seen. Anything else (or anything wrong) returns None and the
    row goes through oc.read_order, which says what is wrong."""

    def __init__(self, fields: dict[int, str], width: int, codes: dict[str, str], today: date):
        where = {name: i for i, name in fields.items()}
        self.account = where[oc.ACCOUNT]
        self.date = where[oc.ORDER_DATE]
        self.amount = where[oc.AMOUNT]
        self.number = where.get(oc.ORDER_NUMBER)
        self.product = where.get(oc.PRODUCT)
        self.need = max(where.values()) + 1
        self.width = width
        self.codes = codes
        self.today = today
        self.dates: dict[str, date | None] = {}

    def _day(self, text: str) -> date | None:
        if text not in self.dates:
            try:
                day: date | None = oc.parse_order_date(text)
            except ValueError:
                day = None
            self.dates[text] = day if day is not None and day <= self.today else None
        return self.dates[text]

    def _text(self, raw: list[str], i: int | None, limit: int) -> str | bool | None:
        if i is None:
            return None
        text = raw[i].strip()
        if not text:
            return None
        if text[0] == "'" or len(text) > limit:
            return False  # the slow path removes our CSV-injection guard or says it is too long
        return text

    def read(self, raw: list[str]) -> Parsed | None:
        if len(raw) < self.need or (
            len(raw) > self.width and any(c.strip() for c in raw[self.width :])
        ):
            return None
        account_id = self.codes.get(raw[self.account].strip())
        day = self._day(raw[self.date].strip())
        digits = raw[self.amount].strip().replace(",", "")
        if account_id is None or day is None or not (digits.isascii() and digits.isdigit()):
            return None
        number = self._text(raw, self.number, oc.MAX_LEN[oc.ORDER_NUMBER])
        product = self._text(raw, self.product, oc.MAX_LEN[oc.PRODUCT])
        if number is False or product is False:
            return None
        return account_id, day, int(digits), number, product  # type: ignore[return-value]


def _slow_read(
    number: int,
    raw: list[str],
    broken: tuple[str, str] | None,
    fields: dict[int, str],
    width: int,
    codes: dict[str, str],
    today: date,
) -> Parsed | list[RowProblem]:
    """One row read in full: its values, or every problem it has."""
    cells = {n: cell(n, raw[i]) if i < len(raw) else "" for i, n in fields.items()}
    result = oc.read_order(cells, today)
    problems = [RowProblem(number, e.column, e.value, e.reason) for e in result.errors]
    account_id = None
    code = result.values.get(oc.ACCOUNT)
    if code is not None:
        account_id = codes.get(code)
        if account_id is None:
            problems.append(RowProblem(number, oc.ACCOUNT, code, UNKNOWN_ACCOUNT))
    if broken is not None:
        problems.append(RowProblem(number, "CSV", preview(broken[1]), broken[0]))
    elif len(raw) > width and any(c.strip() for c in raw[width:]):
        problems.append(
            RowProblem(number, f"column {width + 1}", raw[width], "more cells than headers")
        )
    if problems:
        return problems
    assert account_id is not None
    v = result.values
    return (
        account_id,
        v[oc.ORDER_DATE],
        v[oc.AMOUNT],
        v.get(oc.ORDER_NUMBER),
        v.get(oc.PRODUCT),
    )


def import_orders(
    engine: Engine,
    path: Path,
    *,
    max_line_bytes: int,
    max_file_bytes: int = csvio.MAX_FILE_BYTES,
    encoding: str | None = None,
    overrides: dict[str, str] | None = None,
    skip_invalid: bool = False,
    dry_run: bool = False,
    today: date | None = None,
    progress: Progress | None = None,
) -> OrderImportReport:
    """Raises csvio.CsvError for an unusable file, StoreError when the database
    stayed busy for the whole busy timeout."""
    today = today or date.today()
    stream = csvio.stream_csv(
        path,
        max_line_bytes=max_line_bytes,
        encoding=encoding,
        max_file_bytes=max_file_bytes,
        what="order rows",
    )
    header = oc.map_headers(stream.headers, overrides)
    if header.errors:
        raise csvio.CsvError(f"{path}: " + "; ".join(header.errors))
    report = OrderImportReport(path, stream.encoding, dry_run=dry_run)
    report.columns = [(stream.headers[i].strip(), name) for i, name in header.fields.items()]
    report.ignored_columns = header.ignored
    width = len(stream.headers)
    source = f"import:{path.name}"[:200]
    bad_rows: list[tuple[int, list[str]]] = []
    try:
        with engine.begin() as conn:
            lock_for_writing(conn, "account_order")
            codes = account_codes(conn)
            before = order_count(conn)
            insert = _RawInsert(conn)
            stamp = insert.stamp(utcnow())
            touched: set[str] = set()
            batch: list[tuple[Any, ...]] = []
            fast = _FastPath(header.fields, width, codes, today)
            for number, raw, broken in stream.rows:
                report.rows += 1
                row: Parsed | list[RowProblem] | None = fast.read(raw) if broken is None else None
                if row is None:
                    row = _slow_read(number, raw, broken, header.fields, width, codes, today)
                if isinstance(row, list):
                    report.problems.extend(row)
                    report.rejected += 1
                    if skip_invalid:
                        bad_rows.append((number, raw))
                    continue
                account_id, day, amount, order_number, product = row
                key = oc.order_key(order_number, day, amount)
                batch.append(
                    (account_id, insert.day(day), amount, order_number, key, product, source, stamp)
                )
                touched.add(account_id)
                if len(batch) >= CHUNK:
                    insert.run(batch)
                    batch.clear()
                    if progress is not None:
                        progress("importing orders", report.rows, stream.lines)
            if batch:
                insert.run(batch)
            if report.rejected and not skip_invalid:
                raise _Rollback
            report.added = order_count(conn) - before
            report.known = report.rows - report.rejected - report.added
            if progress is not None:
                progress("deriving order fields", 0, len(touched))
            report.accounts = refresh_derived(conn, touched)
            if dry_run:
                raise _Rollback
    except _Rollback:
        if not dry_run:
            report.added = report.known = report.accounts = 0
        return report
    except sa.exc.DBAPIError as exc:
        name = describe(engine.url.render_as_string(hide_password=True))
        if is_busy(exc):
            raise StoreError(f"{name}: {BUSY}") from None
        raise
    if bad_rows:
        report.rejects_file = _write_rejects(path, stream.headers, bad_rows, report.problems)
    report.written = True
    return report


def _write_rejects(
    path: Path, headers: list[str], rows: list[tuple[int, list[str]]], problems: list[RowProblem]
) -> Path:
    by_row: dict[int, list[str]] = {}
    for p in problems:
        by_row.setdefault(p.row, []).append(f"{p.column}: {p.reason} ({p.value!r})")
    target = path.with_suffix(".rejects.csv")
    out = [[str(n), *raw, "; ".join(by_row[n])] for n, raw in rows]
    csvio.write_csv(target, ["row", *headers, "errors"], out)
    return target
