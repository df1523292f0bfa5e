"""`fieldsales import FILE.csv`: create or update accounts from a CSV file."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fieldsales.context import Context

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID

    from fieldsales.store.importer import ImportReport

DESCRIPTION = """\
Import accounts from a CSV file (UTF-8, UTF-8 with BOM, UTF-16 "Unicode
text" or Shift_JIS/cp932, detected automatically; any other with --encoding). Headers may be English field names or Japanese
(会社名, 住所, 最終取引日, 累計取引額 ...). Re-importing updates accounts by
external id, else by company + address, instead of duplicating them.

By default nothing is written when any row is bad; every bad row is listed.

example:
  fieldsales import accounts.csv
  fieldsales import 顧客一覧.csv --map 取引先名=company --skip-invalid
  fieldsales import clients.csv --encoding latin-1
"""


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "import",
        help="import or update accounts from a CSV file",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", metavar="FILE.csv", help="the CSV file to import")
    p.add_argument(
        "--map",
        dest="mapping",
        action="append",
        default=[],
        metavar="COLUMN=FIELD",
        help="read COLUMN as account FIELD (repeatable); COLUMN=- ignores a column",
    )
    p.add_argument(
        "--encoding",
        metavar="NAME",
        help="read the file in this encoding (e.g. latin-1, cp1252, utf-16) when it "
        "cannot be told from the file",
    )
    p.add_argument(
        "--skip-invalid",
        action="store_true",
        help="import the good rows; write the bad ones with reasons to FILE.rejects.csv",
    )
    p.add_argument(
        "--no-locate",
        action="store_true",
        help="do not fill missing coordinates from postal codes/addresses after the import",
    )
    p.set_defaults(func=run)


class BarProgress:
    """A rich progress bar that appears only for files above import.progress_min_rows."""

    def __init__(self, console: Console, min_rows: int) -> None:
        self.console, self.min_rows = console, min_rows
        self.bar: Progress | None = None
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, phase: str, done: int, total: int) -> None:
        if total < self.min_rows:
            return
        if self.bar is None:
            # imported here: rich.progress costs start-up time every command would pay
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self.bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=self.console,
                transient=True,
            )
            self.bar.start()
        if phase not in self.tasks:
            self.tasks[phase] = self.bar.add_task(phase, total=total)
        self.bar.update(self.tasks[phase], completed=done, total=total)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def run(args: argparse.Namespace, ctx: Context) -> int:
    from fieldsales.domain.columns import parse_overrides
    from fieldsales.store.csvio import CsvError
    from fieldsales.store.importer import import_accounts, vocabulary
    from fieldsales.store.textfile import check_encoding_name

    path = Path(args.file)
    try:
        overrides = parse_overrides(args.mapping)
        if args.encoding is not None:
            check_encoding_name(args.encoding)
    except ValueError as exc:
        ctx.err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        return 2
    settings = ctx.settings
    bar = BarProgress(ctx.err, settings.import_.progress_min_rows)
    try:
        report = import_accounts(
            ctx.engine,
            path,
            vocab=vocabulary(settings),
            max_line_bytes=settings.import_.max_line_bytes,
            max_file_bytes=settings.import_.max_file_bytes,
            encoding=args.encoding,
            overrides=overrides,
            skip_invalid=args.skip_invalid,
            progress=bar,
        )
    except CsvError as exc:
        ctx.err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        return 1
    finally:
        bar.close()
    print_report(ctx, report)
    if not report.written:
        return 1
    if not args.no_locate and report.touched_ids:
        locate_after_import(ctx, report.touched_ids, ctx.console)
    return 0


def print_report(ctx: Context, report: ImportReport) -> None:
    err = ctx.err
    if report.ignored_columns:
        err.print(
            f"note: ignored columns (use --map COLUMN=FIELD to read them): "
            f"{', '.join(report.ignored_columns)}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    for p in report.problems:
        err.print(
            f"{report.path.name}: row {p.row}, {p.column}: {p.reason} (value {p.value!r})",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    if not report.written:
        err.print(
            f"{report.path}: {report.rejected} bad row(s) of {report.rows}; nothing was imported. "
            "Fix them, or use --skip-invalid to import the good rows.",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        return
    ctx.console.print(
        f"{report.path.name} ({report.encoding}): {report.created} created, "
        f"{report.updated} updated, {report.unchanged} unchanged, {report.rejected} rejected",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    if report.rejects_file is not None:
        ctx.console.print(
            f"rejected rows with reasons: {report.rejects_file}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )


def locate_after_import(ctx: Context, account_ids: list[str], console: Console) -> None:
    """Fill missing coordinates offline (postal code / address), when that service exists."""
    try:
        from fieldsales.services.locating import locate_missing
    except ModuleNotFoundError:
        return
    bar = BarProgress(ctx.err, ctx.settings.import_.progress_min_rows)
    try:
        summary = locate_missing(
            ctx.engine, account_ids=account_ids, progress=lambda d, t: bar("locating", d, t)
        )
    finally:
        bar.close()
    console.print(f"located: {summary}", markup=False, highlight=False, soft_wrap=True)
