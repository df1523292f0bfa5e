"""Engine, sessions and automatic migrations.

A database is named by a file path or a SQLAlchemy URL. Opening one applies
any pending Alembic migration first (never `create_all` on a user's file).
SQLite runs with WAL, foreign keys and a busy timeout.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel import Session

from fieldsales import locations
from fieldsales.files import PRIVATE_FILE
from fieldsales.store import urls
from fieldsales.store.lite import (
    HEAD_REVISION,
    MIGRATIONS_DIR,
    NOT_OURS,
    StoreError,
    error_line,
    keep_private,
    known_revisions,
)

BUSY_TIMEOUT_MS = 5000
# Any constant: PostgreSQL serialises migrations of one database on it.
MIGRATION_LOCK_KEY = 0x6669656C64
BUSY = "the database is busy (another fieldsales is writing); try again"


def database_url(db: str | Path | None) -> str:
    if db is None:
        db = locations.default_db_file()
    text = str(db)
    if urls.is_url(text):
        return text
    return f"sqlite:///{Path(text).expanduser().resolve()}"


def describe(url: str) -> str:
    """The database as shown to a user: the file, or the URL without its password."""
    try:
        u = urls.parse(url)
    except urls.UrlError:
        return urls.mask(url)
    if u.drivername.startswith("sqlite"):
        return u.database or ":memory:"
    return urls.mask(u.render_as_string(hide_password=True))


def _sqlite_pragmas(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA synchronous = NORMAL")
    cur.close()


def create_db_engine(url: str, *, create: bool = True) -> Engine:
    """An engine for `url`; a new SQLite file (and its folder) is made private to the user.

    With `create=False` a missing SQLite file is a StoreError: a mistyped path
    is named, not silently created.
    """
    try:
        u = urls.parse(url)
    except urls.UrlError as exc:
        raise StoreError(str(exc)) from None
    if u.drivername.startswith("sqlite"):
        if u.database and u.database != ":memory:" and not u.database.startswith("file:"):
            _sqlite_file(Path(u.database), create=create)
        engine = sa.create_engine(
            u, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000}
        )
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    try:
        return sa.create_engine(u, pool_pre_ping=True)
    except sa.exc.NoSuchModuleError:
        raise StoreError(
            f"{urls.mask(url)}: unknown database kind {u.drivername!r}; {urls.URL_HINT}"
        ) from None
    except sa.exc.ArgumentError as exc:
        raise StoreError(f"{urls.mask(url)}: not a usable database URL ({exc})") from None


def _sqlite_file(path: Path, *, create: bool) -> None:
    """Check the file (and its folder) exists, or create both private to the user."""
    from fieldsales.files import private_folder

    if path.exists():
        if path.is_dir():
            raise StoreError(f"{path}: is a folder, not a database; give a file for --db")
        keep_private(path)
        return
    if not create:
        raise StoreError(
            f"{path}: no such database; check the --db path "
            "(`fieldsales import` or `fieldsales demo` create one)"
        )
    try:
        private_folder(path.parent)
        # made here, empty and 0600: SQLite gives its -wal and -shm files the same mode
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    except FileExistsError:
        pass
    except OSError as exc:
        raise StoreError(
            f"{path}: cannot create the database there ({exc.strerror}); choose another --db path"
        ) from None


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return None
        row = conn.execute(sa.text("SELECT version_num FROM alembic_version")).first()
        return row[0] if row else None


def alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    cfg = Config()
    # alembic keeps options in a configparser: a "%" (a URL-escaped character in a
    # file name or a password) must be doubled or it is read as an interpolation
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    url = engine.url.render_as_string(hide_password=False)
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
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


def _check_schema(engine: Engine, name: str) -> None:
    """Refuse a database this version cannot use, before anything is written into it."""
    from fieldsales.store.schema import missing_parts

    with engine.connect() as conn:
        insp = sa.inspect(conn)
        tables = set(insp.get_table_names())
        revision = None
        if "alembic_version" in tables:
            rows = conn.execute(sa.text("SELECT version_num FROM alembic_version")).all()
            revision = rows[0][0] if len(rows) == 1 else "?"
        missing = missing_parts(insp, tables) if revision == HEAD_REVISION else []
    if revision is None:
        if tables:
            raise StoreError(f"{name}: {NOT_OURS}")
        return  # a new, empty database: the migrations make it
    if revision == "?":  # an emptied or doubled version table
        raise StoreError(f"{name}: {NOT_OURS} (no single schema version)")
    if revision not in known_revisions():
        raise StoreError(
            f"{name}: made by a newer fieldsales (schema {revision}); "
            "upgrade fieldsales to open it (pip install -U fieldsales)"
        )
    if missing:
        raise StoreError(f"{name}: {NOT_OURS} (missing {', '.join(missing[:3])})")


def store_error(exc: DBAPIError, name: str) -> StoreError:
    """One line for a database error a user can act on (locked, read-only, damaged)."""
    text = urls.mask(" ".join((str(exc.orig) if exc.orig else str(exc)).split()))
    return error_line(
        text, name, operational=isinstance(exc, OperationalError), timeout_ms=BUSY_TIMEOUT_MS
    )


def open_engine(
    db: str | Path | None = None, *, migrate: bool = True, create: bool = True
) -> Engine:
    """Open a database (creating it if `create`) and bring its schema up to date.

    A database made by a newer version, or one that is not a fieldsales
    database, is refused before anything is written into it.
    """
    url = database_url(db)
    name = describe(url)
    try:
        engine = create_db_engine(url, create=create)
    except ModuleNotFoundError as exc:
        raise StoreError(
            f"{name}: driver missing ({exc.name}); for PostgreSQL install "
            "'pip install fieldsales[team]'"
        ) from None
    try:
        if migrate:
            _check_schema(engine, name)
            if current_revision(engine) != HEAD_REVISION:
                upgrade(engine)
                _check_schema(engine, name)
    except DBAPIError as exc:
        engine.dispose()
        raise store_error(exc, name) from None
    except BaseException:
        engine.dispose()
        raise
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
