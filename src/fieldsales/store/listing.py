"""Reads of a listing: fields of ranked accounts in the listing's order, a
chunk at a time, so that a listing of every account never holds them all.

Each chunk is one `IN (...)` query by id, its rows put back in the chunk's
order. On SQLite the statement is sent straight to the DB-API cursor, built
once for a full chunk (SQLAlchemy's compiling and Row objects cost more than
the rows). Measured at 100,000 accounts in random order, this is as fast as
joining a temporary table of the listing's order to the accounts, without
writing anything (a read-only file lists all the same).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import closing
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

Rows = list[tuple[Any, ...]]


def _names(fields: Sequence[str]) -> list[str]:
    """The fields as column names, each a plain lower-case identifier: they are
    written into the statement (the caller's constants, never a user's text)."""
    for name in fields:
        if not (name.replace("_", "").isalpha() and name.isascii() and name.islower()):
            raise ValueError(f"not a column name: {name!r}")
    return list(fields)


def listed_rows(
    engine: Engine | None, ids: Sequence[str], fields: Sequence[str], chunk: int
) -> Iterator[Rows]:
    """`fields` of the accounts `ids`, in that order, `chunk` rows at a time
    (the last chunk shorter): one tuple per id, all None for an id no longer
    in the database. Lazy: a chunk is read when the next one is asked for."""
    if not ids:
        return
    columns = _names(fields)
    empty = (None,) * len(columns)
    if engine is None:
        for start in range(0, len(ids), chunk):
            yield [empty] * len(ids[start : start + chunk])
        return
    from fieldsales.store import unit

    with unit.reading(engine) as session:
        conn = session.connection()
        if conn.dialect.name == "sqlite":
            yield from sqlite_rows(conn.connection.dbapi_connection, ids, columns, chunk)
        else:
            yield from _by_chunk(session, ids, columns, chunk)


def sqlite_rows(dbapi: Any, ids: Sequence[str], columns: list[str], chunk: int) -> Iterator[Rows]:
    """listed_rows on a sqlite3 connection (`columns` checked by _names)."""
    empty = (None,) * len(columns)
    picked = ", ".join(("id", *columns))

    def statement(n: int) -> str:
        return f"SELECT {picked} FROM account WHERE id IN ({', '.join('?' * n)})"

    full = statement(chunk)
    with closing(dbapi.cursor()) as cur:
        for start in range(0, len(ids), chunk):
            wanted = ids[start : start + chunk]
            cur.execute(full if len(wanted) == chunk else statement(len(wanted)), wanted)
            found = {row[0]: row[1:] for row in cur.fetchall()}
            yield [found.get(a, empty) for a in wanted]


def _by_chunk(session: Any, ids: Sequence[str], columns: list[str], chunk: int) -> Iterator[Rows]:
    """One IN (...) query a chunk through SQLAlchemy (PostgreSQL)."""
    import sqlalchemy as sa

    from fieldsales.store.schema import ACCOUNT

    stmt = sa.select(ACCOUNT.c.id, *[ACCOUNT.c[c] for c in columns])
    empty = (None,) * len(columns)
    for start in range(0, len(ids), chunk):
        wanted = list(ids[start : start + chunk])
        result = session.execute(stmt.where(ACCOUNT.c.id.in_(wanted)))
        found = {row[0]: tuple(row[1:]) for row in result}
        yield [found.get(a, empty) for a in wanted]
