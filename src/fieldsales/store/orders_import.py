"""Import an order history (受注履歴): one row per order, streamed.

The file is checked, decoded and parsed like an account file (csvio,
textfile; dates and numbers as domain/parse.py reads them), but its rows are
read one at a time and written in chunks of CHUNK rows (executemany) inside
one transaction: a file of 2,000,000 orders never holds its parsed rows.
All-or-nothing: a bad row rolls the whole transaction back unless
skip_invalid. Re-importing is idempotent: a row whose order is already stored
(same order number for the account, else same account, date and amount) is
counted and skipped by the database's unique indexes (ON CONFLICT DO NOTHING).
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


def _insert(conn: Connection) -> Any:
    """INSERT that skips an order already stored (either unique index)."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(ORDER).on_conflict_do_nothing()
    return sqlite.insert(ORDER).on_conflict_do_nothing()


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
            insert = _insert(conn)
            now = utcnow()
            touched: set[str] = set()
            batch: list[dict[str, Any]] = []
            for number, raw, broken in stream.rows:
                report.rows += 1
                cells = {
                    n: cell(n, raw[i]) if i < len(raw) else "" for i, n in header.fields.items()
                }
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
                        RowProblem(
                            number, f"column {width + 1}", raw[width], "more cells than headers"
                        )
                    )
                if problems:
                    report.problems.extend(problems)
                    report.rejected += 1
                    if skip_invalid:
                        bad_rows.append((number, raw))
                    continue
                assert account_id is not None
                v = result.values
                batch.append(
                    {
                        "account_id": account_id,
                        "order_date": v[oc.ORDER_DATE],
                        "amount": v[oc.AMOUNT],
                        "order_number": v.get(oc.ORDER_NUMBER),
                        "product": v.get(oc.PRODUCT),
                        "source": source,
                        "created_at": now,
                    }
                )
                touched.add(account_id)
                if len(batch) >= CHUNK:
                    conn.execute(insert, batch)
                    batch.clear()
                    if progress is not None:
                        progress("importing orders", report.rows, stream.lines)
            if batch:
                conn.execute(insert, batch)
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
