"""Engine, sessions and automatic migrations.

A database is named by a file path or a SQLAlchemy URL. Opening one applies
any pending Alembic migration first (never `create_all` on a user's file).
SQLite runs with WAL, foreign keys and a busy timeout.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlmodel import Session

from fieldsales import locations
from fieldsales.errors import UserError

# The newest migration; tests check it matches the migrations folder so
# opening an up-to-date database never has to import alembic (~0.2 s).
HEAD_REVISION = "0006"
BUSY_TIMEOUT_MS = 5000
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Any constant: PostgreSQL serialises migrations of one database on it.
MIGRATION_LOCK_KEY = 0x6669656C64
BUSY = "the database is busy (another fieldsales is writing); try again"


class StoreError(UserError):
    """A database problem a user can act on; the message names the database."""

    title = "Database"


def database_url(db: str | Path | None) -> str:
    if db is None:
        db = locations.default_db_file()
    text = str(db)
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).expanduser().resolve()}"


def describe(url: str) -> str:
    u = sa.make_url(url)
    if u.drivername.startswith("sqlite"):
        return u.database or ":memory:"
    return u.render_as_string(hide_password=True)


def _sqlite_pragmas(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA synchronous = NORMAL")
    cur.close()


def create_db_engine(url: str) -> Engine:
    u = sa.make_url(url)
    if u.drivername.startswith("sqlite"):
        if u.database and u.database != ":memory:":
            Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(
            url, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000}
        )
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if u.drivername in ("postgresql", "postgres"):
        url = u.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return sa.create_engine(url, pool_pre_ping=True)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return None
        row = conn.execute(sa.text("SELECT version_num FROM alembic_version")).first()
        return row[0] if row else None


def alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


def lock_for_writing(conn: Connection, table: str = "account") -> None:
    """Take the write lock before reading what is to be written, so that two
    writers of the same rows run one after the other instead of interleaving.

    SQLite: BEGIN IMMEDIATE (call it first in the transaction); PostgreSQL: a
    lock on `table` that other writers of it wait for and readers do not. Both
    wait up to the busy timeout, then fail (`is_busy` tells that error).
    """
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SET LOCAL lock_timeout = {int(BUSY_TIMEOUT_MS)}")
        conn.exec_driver_sql(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")


def is_busy(exc: BaseException) -> bool:
    """A write that waited the busy timeout for another writer and gave up."""
    orig = getattr(exc, "orig", None) or exc
    if getattr(orig, "sqlstate", None) == "55P03":  # PostgreSQL lock_not_available
        return True
    text = str(orig).lower()
    return isinstance(exc, OperationalError) and ("locked" in text or "busy" in text)


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    cfg = alembic_config(engine)
    with engine.begin() as conn:
        # Two programs opening a new database at once: the second waits, then
        # finds the schema up to date (alembic reads the version under the lock).
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        elif conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def open_engine(db: str | Path | None = None, *, migrate: bool = True) -> Engine:
    """Open (creating if needed) a database and bring its schema up to date."""
    url = database_url(db)
    name = describe(url)
    try:
        try:
            engine = create_db_engine(url)
        except OSError as exc:
            raise StoreError(
                f"{name}: cannot create the database there ({exc.strerror}); "
                "choose another --db path"
            ) from exc
        if migrate and current_revision(engine) != HEAD_REVISION:
            upgrade(engine)
    except OperationalError as exc:
        text = " ".join((str(exc.orig) if exc.orig else str(exc)).split())
        if "locked" in text:
            raise StoreError(
                f"{name}: database is locked by another program; close it and try again"
            ) from exc
        raise StoreError(f"{name}: cannot open database ({text})") from exc
    except DatabaseError as exc:
        text = " ".join((str(exc.orig) if exc.orig else str(exc)).split())
        raise StoreError(f"{name}: not a fieldsales database ({text})") from exc
    except ModuleNotFoundError as exc:
        raise StoreError(
            f"{name}: driver missing ({exc.name}); for PostgreSQL install "
            "'pip install fieldsales[team]'"
        ) from exc
    return engine


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
