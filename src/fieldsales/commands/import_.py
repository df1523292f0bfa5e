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

A header may carry a unit (購買サイクル(月), cycle (years)): the number is
converted to the field's unit (days). Common ways of writing the values of
reasons, competitor status, responsiveness, solvability and do-not-contact
are known; a value that is not is named once, with its row count, the codes
allowed and the --map-value that reads it.

By default nothing is written when any row is bad; every bad row is listed.

example:
  fieldsales import accounts.csv
  fieldsales import 顧客一覧.csv --map 取引先名=company --skip-invalid
  fieldsales import crm.csv --map-value main_reason:競合に切替=competitor
  fieldsales import crm.csv --dry-run
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
        "--map-value",
        dest="value_mapping",
        action="append",
        default=[],
        metavar="FIELD:VALUE=CODE",
        help="read VALUE in FIELD as CODE (repeatable), e.g. main_reason:競合に切替=competitor; "
        "config import.values holds the same for every import",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="show how the file would be read and what would be created, updated or "
        "rejected; write nothing",
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


READING_BAR_BYTES = 1_000_000  # a file this large shows the bar while it is read


class BarProgress:
    """A rich progress bar that appears only for files above import.progress_min_rows."""

    def __init__(self, console: Console, min_rows: int) -> None:
        self.console, self.min_rows = console, min_rows
        self.bar: Progress | None = None
        self.tasks: dict[str, TaskID] = {}

    def reading(self, path: Path) -> None:
        """A file big enough to take a while before its first rows are checked:
        a bar from the start (the rows are not counted yet)."""
        try:
            size = path.stat().st_size
        except OSError:
            return  # the import names what is wrong with it
        if size < READING_BAR_BYTES:
            return
        self._start()
        assert self.bar is not None
        self.tasks["reading"] = self.bar.add_task(f"reading {path.name}", total=None)

    def __call__(self, phase: str, done: int, total: int) -> None:
        if total < self.min_rows:
            return
        if "reading" in self.tasks and self.bar is not None:
            self.bar.remove_task(self.tasks.pop("reading"))
        self._start()
        assert self.bar is not None
        if phase not in self.tasks:
            self.tasks[phase] = self.bar.add_task(phase, total=total)
        self.bar.update(self.tasks[phase], completed=done, total=total)

    def _start(self) -> None:
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

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None
            self.tasks.clear()


def run(args: argparse.Namespace, ctx: Context) -> int:
    path = Path(args.file)
    bar = BarProgress(ctx.err, ctx.settings.import_.progress_min_rows)
    bar.reading(path)  # before the modules below load: on screen within the first second
    try:
        return _run(args, ctx, path, bar)
    finally:
        bar.close()


def _run(args: argparse.Namespace, ctx: Context, path: Path, bar: BarProgress) -> int:
    from fieldsales.domain.clock import today_in
    from fieldsales.domain.columns import check_value_maps, parse_overrides, parse_value_items
    from fieldsales.store.csvio import CsvError
    from fieldsales.store.importer import import_accounts, vocabulary

    locator = None
    if not args.no_locate and not args.dry_run:
        from fieldsales.services.locating import ImportLocator

        locator = ImportLocator()  # accounts are located as they are written
    from fieldsales.store.textfile import check_encoding_name

    settings = ctx.settings
    vocab = vocabulary(settings)
    try:
        overrides = parse_overrides(args.mapping)
        if args.encoding is not None:
            check_encoding_name(args.encoding)
        # config first, the command line over it
        vocab = vocab.with_values(check_value_maps(settings.import_.values, vocab, "import.values"))
        cli_maps = parse_value_items(args.value_mapping)
        vocab = vocab.with_values(check_value_maps(cli_maps, vocab, "--map-value"))
    except ValueError as exc:
        ctx.err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        return 2
    try:
        report = import_accounts(
            ctx.engine,
            path,
            vocab=vocab,
            max_line_bytes=settings.import_.max_line_bytes,
            max_file_bytes=settings.import_.max_file_bytes,
            encoding=args.encoding,
            overrides=overrides,
            skip_invalid=args.skip_invalid,
            dry_run=args.dry_run,
            progress=bar,
            scoring=settings.scoring,
            locate=locator,
            today=today_in(settings.zone()),  # dates after today are refused: config `timezone`
        )
    except CsvError as exc:
        ctx.err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        return 1
    finally:
        bar.close()
    print_report(ctx, report)
    if report.dry_run:
        return 1 if report.rejected and not args.skip_invalid else 0
    if not report.written:
        return 1
    if locator is not None and report.touched_ids:
        _say(ctx.console, f"located: {locator.summary}")
    return 0


def _say(console: Console, text: str) -> None:
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def _rows(numbers: list[int], shown: int = 5) -> str:
    more = f", … ({len(numbers) - shown} more)" if len(numbers) > shown else ""
    return ", ".join(map(str, numbers[:shown])) + more


def print_report(ctx: Context, report: ImportReport) -> None:
    """Row problems, a value no vocabulary knows once per value; then the outcome,
    and last the columns not read (what scrolls away is what was fine)."""
    err = ctx.err
    if report.dry_run:
        print_plan(ctx.console, report)
    unknown: dict[tuple[str, str], list[int]] = {}
    allowed: dict[str, tuple[str, ...]] = {}
    for p in report.problems:
        if p.allowed is not None:
            unknown.setdefault((p.column, p.value), []).append(p.row)
            allowed[p.column] = p.allowed
            continue
        _say(err, f"{report.path.name}: row {p.row}, {p.column}: {p.reason} (value {p.value!r})")
    for (column, value), numbers in unknown.items():
        n = len(set(numbers))
        _say(
            err,
            f"{report.path.name}: {column}: unknown value {value!r} in {n} row(s) "
            f"(row {_rows(sorted(set(numbers)))}); allowed: {', '.join(allowed[column])}. "
            f"Map it: --map-value '{column}:{value}=CODE', or in config.yaml "
            f"import.values: {{{column}: {{{value}: CODE}}}}",
        )
    if report.dry_run:
        verb = "would be"
        if report.rejected and not (report.created or report.updated or report.unchanged):
            _say(
                err,
                f"{report.path}: {report.rejected} bad row(s) of {report.rows}; the import "
                "would be refused (or use --skip-invalid to import the good rows).",
            )
        _say(
            ctx.console,
            f"dry run, nothing written: {report.path.name} ({report.encoding}): "
            f"{report.created} {verb} created, {report.updated} {verb} updated, "
            f"{report.unchanged} unchanged, {report.rejected} {verb} rejected",
        )
    elif not report.written:
        _say(
            err,
            f"{report.path}: {report.rejected} bad row(s) of {report.rows}; nothing was imported. "
            "Fix them, or use --skip-invalid to import the good rows.",
        )
    else:
        _say(
            ctx.console,
            f"{report.path.name} ({report.encoding}): {report.created} created, "
            f"{report.updated} updated, {report.unchanged} unchanged, {report.rejected} rejected",
        )
        if report.rejects_file is not None:
            _say(ctx.console, f"rejected rows with reasons: {report.rejects_file}")
    if report.ignored_columns:
        _say(
            err,
            f"note: columns not imported: {', '.join(report.ignored_columns)}; to read one, "
            f"add --map 'COLUMN=FIELD' (--map 'COLUMN=?' lists the fields)",
        )


def print_plan(console: Console, report: ImportReport) -> None:
    """--dry-run: how each header and each translated value is read."""
    _say(console, f"{report.path.name} ({report.encoding}, {report.rows} rows): columns")
    for header, name in report.columns:
        unit = report.units.get(name)
        extra = f" ({unit[0]} × {unit[1]:g} → days, rounded)" if unit else ""
        _say(console, f"  {header} → {name}{extra}")
    for header in report.ignored_columns:
        _say(console, f"  {header} → (not imported)")
    if report.translated:
        _say(console, "values read as")
        for (name, value, code), n in sorted(report.translated.items()):
            _say(console, f"  {name}: {value} → {code} ({n} row(s))")


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
