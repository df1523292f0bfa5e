"""`fieldsales demo`: build a fresh demo database from the bundled sample and open it."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from fieldsales.context import Context

# The day data/generate_sample.py counted the sample's order dates from; the
# demo moves them forward by the days since, so its stages stay as generated.
SAMPLE_AS_OF = date(2026, 11, 22)

DESCRIPTION = """\
Build a fresh demo database (about 500 dormant accounts in Tokyo, Kanagawa and
Saitama with a few months of logged outcomes) in the user data folder and open
the app on it. Your own database is never touched.

example:
  fieldsales demo
  fieldsales demo --no-tui      build it and print its path
"""


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "demo",
        help="open the app on a fresh demo database",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--no-tui", action="store_true", help="only build the demo database and print its path"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from fieldsales import locations
    from fieldsales.cli import _open_app
    from fieldsales.store.csvio import CsvError

    path = locations.demo_db_file()
    demo = Context(config_path=ctx.config_path, db=path)
    demo._console, demo._err_console = ctx._console, ctx._err_console
    try:
        counts = build_demo(demo, path)
    except CsvError as exc:
        ctx.err.print(f"error: demo data: {exc}", markup=False, highlight=False, soft_wrap=True)
        return 1
    except DemoInUse as exc:
        ctx.err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        return 1
    if args.no_tui:
        ctx.console.print(str(path), markup=False, highlight=False, soft_wrap=True)
        return 0
    ctx.err.print(
        f"demo database: {path} ({counts[0]} accounts, {counts[1]} outcomes)",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    return _open_app(demo)


def _remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def in_use(path: Path) -> bool:
    """Is the SQLite file at `path` open in another program (the app, say)?

    Leaving WAL mode needs the only connection to the file: SQLite says "locked"
    while anyone else has it open, and otherwise leaves a plain file with no
    -wal beside it, which can then be replaced safely.
    """
    import sqlite3

    if not path.exists():
        return False
    try:
        con = sqlite3.connect(path, timeout=0)
        try:
            con.execute("PRAGMA journal_mode = DELETE").fetchall()
        finally:
            con.close()
    except sqlite3.OperationalError as exc:
        return "locked" in str(exc) or "busy" in str(exc)
    except sqlite3.DatabaseError:
        return False  # not a database at all: nobody can be using it as one
    return False


class DemoInUse(Exception):
    """The demo database is open elsewhere; replacing it would pull it from under that app."""


def build_demo(demo: Context, path: Path, today: date | None = None) -> tuple[int, int]:
    """A fresh demo database at `path` from the bundled sample; (accounts, outcomes).

    It is built under another name and renamed over `path` when complete, so
    a failed build leaves the previous demo as it was; a demo database open in
    another program (the app) is never replaced (DemoInUse).
    """
    import os

    from fieldsales.context import Context

    if in_use(path):
        raise DemoInUse(
            f"{path}: the demo database is open in another fieldsales (the app?); "
            "close it, then run `fieldsales demo` again"
        )
    building = path.with_name(f".{path.name}.{os.getpid()}.building")
    _remove_db(building)
    work = Context(config_path=demo.config_path, db=building)
    work._settings, work._console, work._err_console = (
        demo.settings,
        demo._console,
        demo._err_console,
    )
    try:
        counts = _fill(work, today)
    finally:
        if work._engine is not None:
            work._engine.dispose()  # the last connection: SQLite folds the WAL into the file
    try:
        if in_use(path):
            raise DemoInUse(
                f"{path}: the demo database was opened meanwhile; close the app, then run "
                "`fieldsales demo` again"
            )
        for suffix in ("-wal", "-shm", "-journal"):  # a closed database's leftovers only
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        os.replace(building, path)
    finally:
        _remove_db(building)
    if demo._engine is not None:
        demo._engine.dispose()
        demo._engine = None
    return counts


def _fill(demo: Context, today: date | None) -> tuple[int, int]:
    """Import the bundled sample into `demo`'s (new, empty) database."""
    from fieldsales import locations
    from fieldsales.commands.import_ import locate_after_import
    from fieldsales.domain.clock import today_in
    from fieldsales.store.csvio import CsvError
    from fieldsales.store.importer import import_accounts, vocabulary
    from fieldsales.store.outcome_io import import_outcomes

    today = today or today_in(demo.settings.zone())  # the app's today (config `timezone`)
    settings = demo.settings
    engine = demo.engine
    report = import_accounts(
        engine,
        locations.bundled_file("sample_accounts.csv"),
        vocab=vocabulary(settings),
        max_line_bytes=settings.import_.max_line_bytes,
        today=today,
        shift_days=(today - SAMPLE_AS_OF).days,  # backwards too, on a clock set early
        scoring=settings.scoring,
    )
    if not report.written:
        problems = "; ".join(f"row {p.row} {p.column}: {p.reason}" for p in report.problems)
        raise CsvError(f"sample accounts rejected: {problems}")
    outcomes = import_outcomes(
        engine,
        locations.bundled_file("sample_outcomes.csv"),
        max_line_bytes=settings.import_.max_line_bytes,
        default_rep=settings.rep_name(),
        today=today,
    )
    locate_after_import(demo, report.touched_ids, demo.err)
    return report.created, outcomes.created
