"""Units of work: how services and planning touch the database.

Services never import SQLAlchemy or SQLModel at runtime; they open a unit on
the engine and hand it, unopened, to store functions:

    with unit.reading(engine) as u:
        rows = queries.something(u, ...)

`reading` is a plain session (nothing committed); `writing` commits on
success and rolls back on any error. Both turn a locked or busy database
into a StoreError (one line naming the database), so a second program
holding the file never ends the app with a traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeAlias

from fieldsales.store.lite import SqliteFile, StoreError

if TYPE_CHECKING:  # imported on first use: the ranking's plain-sqlite3 path never loads them
    from sqlalchemy.engine import Engine
    from sqlalchemy.exc import OperationalError
    from sqlmodel import Session

# What a unit is to the store functions; opaque to their callers.
Unit: TypeAlias = "Session"

_BUSY = ("locked", "busy", "could not obtain lock", "lock timeout")


def busy_error(engine: Engine, exc: OperationalError) -> StoreError | None:
    """The StoreError for a locked database, None for any other failure."""
    text = " ".join((str(exc.orig) if exc.orig else str(exc)).split()).lower()
    if not any(word in text for word in _BUSY):
        return None
    from fieldsales.store.db import describe

    name = describe(engine.url.render_as_string(hide_password=True))
    return StoreError(f"{name}: database is locked by another program; close it and try again")


@contextmanager
def _busy_as_store_error(engine: Engine) -> Iterator[None]:
    from sqlalchemy.exc import OperationalError

    try:
        yield
    except OperationalError as exc:
        err = busy_error(engine, exc)
        if err is None:
            raise
        raise err from exc


@contextmanager
def reading(engine: Engine | SqliteFile) -> Iterator[Unit]:
    """A session for reads; whatever it loaded stays usable until it closes."""
    from sqlmodel import Session

    if isinstance(engine, SqliteFile):  # the ranking's source: the same file through SQLAlchemy
        engine = engine.engine()
    with _busy_as_store_error(engine), Session(engine) as session:
        yield session


@contextmanager
def writing(engine: Engine | SqliteFile) -> Iterator[Unit]:
    """One unit of work: commit on success, roll back on any error."""
    from fieldsales.store.db import session_scope

    if isinstance(engine, SqliteFile):
        engine = engine.engine()
    with _busy_as_store_error(engine), session_scope(engine) as session:
        yield session
