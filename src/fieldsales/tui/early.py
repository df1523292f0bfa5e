"""The ranking the app opens on, started before the app itself.

At 100,000 accounts ranking is a good part of the start (reading the packed
blocks, numpy). `fieldsales` starts the ranking as soon as the database is
open, then imports Textual, builds and runs the app; the app takes this result
instead of ranking again: when it is done by the app's mount (`done`), or by the
home screen's for a child's (`wait`, a moment), the list is in the first frame;
else its ranking worker takes it. The result is used only for the
very ranking it was asked for: the same database, settings, reference point and
day (`matches`); anything else ranks anew.

Where it can (Linux, a SQLite file), a forked child process ranks
(forking.ForkedValue): on the other core, it does not compete with Textual's
imports and first frames for the interpreter lock. In a thread, the ranking
took ~0.3 s at 100,000 accounts instead of its ~0.1 s alone, and the list came
a frame after "Loading". The child's arrays come back through shared memory
(RankBase.portable / adopt, ~8 ms here). The child only reads: when the file's
ranking blocks must be written first (after an import or edit), or the child
fails, this process ranks in a thread, as it always did elsewhere.
"""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from fieldsales.config import Settings
    from fieldsales.forking import ForkedValue
    from fieldsales.services.rank import RankTable
    from fieldsales.store.lite import SqliteFile
    from fieldsales.store.reads import Source


class EarlyRanking:
    """Every account ranked from `origin` (do-not-contact and paused included, as
    the app keeps them), computed in a thread started at construction."""

    def __init__(
        self, source: Source, settings: Settings, origin: tuple[float, float], today: date
    ) -> None:
        self.source, self.settings, self.origin, self.today = source, settings, origin, today
        # the engine of the app it is for: the source itself, or (serves) the
        # engine of the same database when the source is the plain sqlite3 file
        self.engine: object = source
        self._future: Future[RankTable] = Future()
        child = self._child()
        self.apart = child is not None  # a child process was started to rank
        self.ranked_by_child = False  # and its ranking is the one taken
        threading.Thread(target=self._run, args=(child,), name="early ranking", daemon=True).start()

    def _child(self) -> ForkedValue | None:
        """A child process ranking a SQLite file on the other core, when one can
        be started here (Linux, nothing but this thread running yet)."""
        from fieldsales.forking import ForkedValue, can_fork_values
        from fieldsales.store.lite import SqliteFile

        if not isinstance(self.source, SqliteFile) or not can_fork_values():
            return None
        # the ranking's modules, imported once before the fork: this process needs
        # them for the ranking it takes back, and the child then starts ranking at once
        import fieldsales.services.rank  # noqa: F401

        try:
            return ForkedValue(self._rank_in_child)
        except OSError:
            return None

    def _rank_in_child(self) -> tuple[dict[str, Any], Any] | None:  # pragma: no cover - child
        """In the child: the ranking as arrays to hand over (RankBase.portable),
        or None when the file's ranking blocks must be written first (the
        child reads only; this process then ranks and keeps them)."""
        from fieldsales.store.lite import SqliteFile
        from fieldsales.store.rank_blocks import MustKeep

        source = self.source
        assert isinstance(source, SqliteFile)
        source.reopen_in_child()
        try:
            items = self._ranked()
        except MustKeep:
            return None
        return items.base.portable(), items.indices

    def _ranked(self) -> RankTable:
        from fieldsales.services.rank import RankFilter, rank_accounts

        return rank_accounts(
            self.source,
            self.settings,
            origin=self.origin,
            filters=RankFilter(show_all=True),
            today=self.today,
        )

    def _run(self, child: ForkedValue | None) -> None:
        try:
            items = self._adopted(child.result()) if child is not None else None
            self.ranked_by_child = items is not None
            if items is None:  # no child, or it ranked nothing: rank here
                items = self._ranked()
        except BaseException as exc:  # handed to the app's worker, which reports it
            self._future.set_exception(exc)
        else:
            self._future.set_result(items)

    def _adopted(self, got: tuple[dict[str, Any], Any] | None) -> RankTable | None:
        if got is None:
            return None
        from fieldsales.services.rank_table import RankBase, RankTable

        state, indices = got
        return RankTable(RankBase.adopt(state, self.settings, self.source), indices)

    def wait(self, seconds: float) -> bool:
        """Wait at most `seconds` for the ranking to end: whether it is done (see done)."""
        with contextlib.suppress(FutureTimeout):
            self._future.exception(timeout=seconds)
        return self.done()

    def serves(self, engine: Engine | EngineOpening) -> None:
        """Say that `engine` (the app's engine, or its opening) is the same database
        as the source."""
        self.engine = engine

    def matches(
        self,
        engine: Engine | EngineOpening,
        settings: Settings,
        origin: tuple[float, float],
        today: date,
    ) -> bool:
        """Whether this is the ranking the app asks for now."""
        return (
            engine is self.engine
            and settings is self.settings
            and tuple(origin) == tuple(self.origin)
            and today == self.today
        )

    def done(self) -> bool:
        """Whether the ranking has ended without a failure (`result` will not wait)."""
        return self._future.done() and self._future.exception() is None

    def result(self) -> RankTable:
        """The ranking (waits for it); a failure is raised here, in the caller."""
        return self._future.result()


class EngineOpening:
    """The SQLAlchemy engine of a SQLite file, opened in a thread: importing
    SQLAlchemy and opening the engine took 0.2-0.6 s, and the first screen needs
    neither (the ranking reads the file with sqlite3). The thread starts once the
    list is painted (`start`, from the app): started with the app, its imports held
    the interpreter lock while Textual drew the first frames, and the first paint
    came 0.2-0.3 s later. Whatever asks for the engine (`result`, in a worker)
    before that opens it at once."""

    def __init__(self, source: SqliteFile) -> None:
        self._future: Future[Engine] = Future()
        self.source = source
        self._started = False
        self._lock = threading.Lock()

    def start(self) -> None:
        """Open the engine in a thread (once; nothing if already under way)."""
        with self._lock:
            if self._started:
                return
            self._started = True
        threading.Thread(target=self._run, name="engine opening", daemon=True).start()

    def _run(self) -> None:
        try:
            engine = self.source.engine()
        except BaseException as exc:  # raised where the engine is asked for
            self._future.set_exception(exc)
        else:
            self._future.set_result(engine)

    def result(self) -> Engine:
        """The engine (waits for it; opens it here when nothing has started it)."""
        with self._lock:
            mine = not self._started
            self._started = True
        if mine:
            self._run()
        return self._future.result()
