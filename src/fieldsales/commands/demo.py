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


def build_demo(demo: Context, path: Path, today: date | None = None) -> tuple[int, int]:
    """A fresh demo database at `path` from the bundled sample; (accounts, outcomes)."""
    from fieldsales import locations
    from fieldsales.commands.import_ import locate_after_import
    from fieldsales.store.csvio import CsvError
    from fieldsales.store.importer import import_accounts, vocabulary
    from fieldsales.store.outcome_io import import_outcomes

    today = today or date.today()
    settings = demo.settings
    _remove_db(path)
    try:
        engine = demo.engine
        report = import_accounts(
            engine,
            locations.bundled_file("sample_accounts.csv"),
            vocab=vocabulary(settings),
            max_line_bytes=settings.import_.max_line_bytes,
            today=today,
            shift_days=(today - SAMPLE_AS_OF).days,  # backwards too, on a clock set early
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
    except BaseException:
        if demo._engine is not None:
            demo._engine.dispose()
        _remove_db(path)
        raise
    return report.created, outcomes.created
