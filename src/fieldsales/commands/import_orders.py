"""`fieldsales import-orders FILE.csv`: read an order history (受注履歴)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fieldsales.context import Context
from fieldsales.domain.clock import today_in

if TYPE_CHECKING:
    from rich.console import Console

    from fieldsales.store.orders_import import OrderImportReport

DESCRIPTION = """\
Import an order history: one row per order with the account's code (its
external id, as in the account file), the order date and the amount; an order
number and a product are optional. Headers in English or Japanese (顧客コード,
受注日, 受注番号, 金額, 商品名 ...); the encodings, date and number forms of
`fieldsales import`.

Each account's first and last order, order count, lifetime revenue, average
order and usual interval (the median gap between orders, its purchase cycle)
are then derived from its history. Re-importing is idempotent: an order
already stored (same order number, else same account, date and amount) is
skipped. By default nothing is written when any row is bad.

example:
  fieldsales import-orders 受注履歴.csv
  fieldsales import-orders orders.csv --skip-invalid
  fieldsales import-orders orders.csv --map 得意先=account --dry-run
"""
SHOWN_ROWS = 5  # row numbers listed per kind of problem
SHOWN_GROUPS = 20  # kinds of problem listed before "... more"


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "import-orders",
        help="import an order history (one row per order) and derive each account's order fields",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", metavar="FILE.csv", help="the CSV file of orders")
    p.add_argument(
        "--map",
        dest="mapping",
        action="append",
        default=[],
        metavar="COLUMN=FIELD",
        help="read COLUMN as FIELD (account, order_date, amount, order_number, product); "
        "COLUMN=- ignores a column",
    )
    p.add_argument("--dry-run", action="store_true", help="check and count; write nothing")
    p.add_argument("--encoding", metavar="NAME", help="read the file in this encoding")
    p.add_argument(
        "--skip-invalid",
        action="store_true",
        help="import the good rows; write the bad ones with reasons to FILE.rejects.csv",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from fieldsales.commands.import_ import BarProgress
    from fieldsales.domain.order_columns import parse_overrides
    from fieldsales.store.csvio import CsvError
    from fieldsales.store.orders_import import import_orders
    from fieldsales.store.textfile import check_encoding_name

    settings = ctx.settings
    try:
        overrides = parse_overrides(args.mapping)
        if args.encoding is not None:
            check_encoding_name(args.encoding)
    except ValueError as exc:
        ctx.err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        return 2
    bar = BarProgress(ctx.err, settings.import_.progress_min_rows)
    try:
        report = import_orders(
            ctx.engine,
            Path(args.file),
            max_line_bytes=settings.import_.max_line_bytes,
            max_file_bytes=settings.import_.max_file_bytes,
            encoding=args.encoding,
            overrides=overrides,
            skip_invalid=args.skip_invalid,
            dry_run=args.dry_run,
            progress=bar,
            today=today_in(settings.zone()),
        )
    except CsvError as exc:
        ctx.err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        return 1
    finally:
        bar.close()
    print_report(ctx, report)
    if report.dry_run:
        return 1 if report.rejected and not args.skip_invalid else 0
    return 0 if report.written else 1


def _say(console: Console, text: str) -> None:
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def print_report(ctx: Context, report: OrderImportReport) -> None:
    """Problems grouped by column and reason (a bad column of a million rows is
    a few lines, not a million), then the outcome."""
    name = report.path.name
    groups: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for p in report.problems:
        groups.setdefault((p.column, p.reason), []).append((p.row, p.value))
    for k, ((column, reason), hits) in enumerate(groups.items()):
        if k == SHOWN_GROUPS:
            _say(ctx.err, f"{name}: … {len(groups) - SHOWN_GROUPS} more kinds of problem")
            break
        rows = len({r for r, _ in hits})
        shown = ", ".join(f"row {r} {v!r}" for r, v in hits[:SHOWN_ROWS])
        more = f", … ({len(hits) - SHOWN_ROWS} more)" if len(hits) > SHOWN_ROWS else ""
        _say(ctx.err, f"{name}: {column}: {reason} in {rows} row(s): {shown}{more}")
    counts = (
        f"{report.rows} rows: {report.added} new orders, {report.known} already stored, "
        f"{report.rejected} rejected; {report.accounts} accounts' order fields derived"
    )
    if report.dry_run:
        _say(ctx.console, f"dry run, nothing written: {name} ({report.encoding}): {counts}")
        for header, target in report.columns:
            _say(ctx.console, f"  {header} → {target}")
        if report.rejected and not report.added and not report.known:
            _say(ctx.err, f"{report.path}: the import would be refused (or use --skip-invalid)")
    elif not report.written:
        _say(
            ctx.err,
            f"{report.path}: {report.rejected} bad row(s) of {report.rows}; nothing was imported. "
            "Fix them, or use --skip-invalid to import the good rows.",
        )
    else:
        _say(ctx.console, f"{name} ({report.encoding}): {counts}")
        if report.rejects_file is not None:
            _say(ctx.console, f"rejected rows with reasons: {report.rejects_file}")
    if report.ignored_columns:
        _say(
            ctx.err,
            f"note: columns not imported: {', '.join(report.ignored_columns)}; to read one, "
            "add --map 'COLUMN=FIELD' (account, order_date, amount, order_number, product)",
        )
