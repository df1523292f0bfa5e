"""`fieldsales` with no command: the app, started so that its ranked list is on the
screen as early as possible.

The first useful screen waits for the ranking (about 0.1-0.3 s at 100,000
accounts read from the packed blocks, more on a busy machine); Textual's own
import and start take about 0.2-0.4 s. So the ranking starts (tui/early.py: in
a child process on Linux, else in a thread) as soon as the settings are read and
the database file is open, before Textual is imported, and the two overlap. This
module imports nothing of Textual before that, and starts no thread before the
child is forked. When the ranking is done by the time the app mounts, or a
child's by the home screen's mount (which waits a moment for it:
FieldSalesApp.take_early_ranking), the list is in the screen's first frame, and
the first-run dialog comes after that frame.

SQLAlchemy's engine (writes, and the reads the plain sqlite3 path does not do) is
opened in a thread only once the list is painted (EngineOpening.start): its
imports hold the interpreter lock, and opened with the app they delayed the
first paint by 0.2-0.3 s.

The garbage collector stays off until the list is painted (cli.main turns it
off before the settings are read; FieldSalesApp.keep_objects turns it back on
and freezes what the start made).
The start makes hundreds of thousands of objects that live for the whole
session (modules, the ranking); each full collection during the start walked
them all again: 130-170 ms each, 0.3-0.5 s in all on a busy machine.
"""

from __future__ import annotations

import gc
import importlib.util
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from fieldsales.context import Context

if importlib.util.find_spec("textual") is None:  # a build without the app (cli._open_app)
    raise ModuleNotFoundError("No module named 'textual'", name="textual")


def run_app(ctx: Context) -> int:
    gc.disable()
    try:
        return _run(ctx)
    finally:
        gc.enable()


def _run(ctx: Context) -> int:
    from fieldsales.domain.clock import today_in
    from fieldsales.store.lite import SqliteFile
    from fieldsales.tui.early import EarlyRanking, EngineOpening

    if ctx.settings.keymap:  # a mistyped binding id or key name: one line, before the
        from fieldsales.tui.keymap import check_keymap  # database is opened (or made)

        check_keymap(ctx.settings)
    # an up-to-date SQLite file is read with sqlite3 (no SQLAlchemy to import first)
    source = ctx.source
    settings = ctx.settings  # with what the team published in this database
    today = today_in(settings.zone())
    early = EarlyRanking(source, settings, (settings.office.lat, settings.office.lon), today)
    # Textual and the engine while the ranking runs
    from fieldsales.tui.app import first_run_target, make_app

    # the same database for writes and the reads the ranking does not do; a file read
    # with sqlite3 gets its SQLAlchemy engine in a thread once the list is painted
    # (the first screen needs none)
    engine: Engine | EngineOpening
    if isinstance(source, SqliteFile):
        engine, label = EngineOpening(source), source.name
    else:
        engine, label = ctx.engine, ctx.db_description
    early.serves(engine)
    app = make_app(
        settings,
        engine,
        today=today,
        db_label=label,
        ask_rep=first_run_target(settings, ctx.config_path),
        early=early,
    )
    app.run()
    return int(app.return_code or 0)
