"""What a command or the app needs, built lazily: settings, database, console.

Once the database is open, `settings` carry what the team published there (talk
scripts, campaign targets): read them after `engine` to get the ones in effect.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console
    from sqlalchemy.engine import Engine

    from fieldsales.config import Settings
    from fieldsales.store.reads import Source


# The database when no --db is given (before config `database.url`).
DATABASE_URL_ENV = "FIELDSALES_DATABASE_URL"


def _team_published(settings: Settings, engine: Source) -> Settings:
    """The settings with the talk scripts and campaign targets the team published in the
    database in effect (they win over the local files; services/published.py)."""
    from fieldsales.services.published import in_effect

    return in_effect(settings, engine)


@dataclass
class Context:
    config_path: str | None = None
    db: str | Path | None = None
    # False: a --db file that does not exist is an error (a mistyped path), not a new database
    create_db: bool = True
    _settings: Settings | None = field(default=None, repr=False)
    _engine: Engine | None = field(default=None, repr=False)
    _source: Source | None = field(default=None, repr=False)
    _console: Console | None = field(default=None, repr=False)
    _err_console: Console | None = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from fieldsales.config import load_settings

            settings = load_settings(self.config_path)
            opened = self._engine if self._engine is not None else self._source
            if opened is not None:  # opened by --db before the settings were needed
                settings = _team_published(settings, opened)
            self._settings = settings
        return self._settings

    @property
    def database(self) -> str | Path | None:
        """The database in effect: --db (or --demo), then $FIELDSALES_DATABASE_URL, then
        config `database.url`, then None (the local file in the user data directory)."""
        if self.db is not None:
            return self.db
        env = os.environ.get(DATABASE_URL_ENV, "").strip()
        if env:
            return env
        return self.settings.database.url or None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            from fieldsales.store.lite import SqliteFile

            if isinstance(self._source, SqliteFile):  # the same file, through SQLAlchemy
                self._engine = self._source.engine()
                return self._engine
            from fieldsales.store.db import open_engine

            db = self.database
            self._engine = open_engine(db, create=self.create_db or db is None)
            if self._settings is not None:
                self._settings = _team_published(self._settings, self._engine)
        return self._engine

    @property
    def source(self) -> Source:
        """The database to rank from: a SQLite file whose schema is up to date is
        read with the standard library's sqlite3, without loading SQLAlchemy
        (store/lite.py); any other database is the engine (opened, migrated)."""
        if self._source is None:
            if self._engine is not None:
                return self._engine
            from fieldsales.store.lite import open_file

            found = open_file(self.database)
            if found is None:
                engine = self.engine  # opens, migrates or refuses it
                found = open_file(self.database)  # a file just brought up to date
                if found is None:
                    return engine
                found.use_engine(engine)
                self._source = found  # the settings saw the team's publications already
                return found
            self._source = found
            if self._settings is not None:
                self._settings = _team_published(self._settings, found)
        return self._source

    @property
    def db_description(self) -> str:
        from fieldsales.store.db import database_url, describe

        try:
            db = self.database
        except Exception:  # a bad config: name what --db / the environment say
            db = self.db or os.environ.get(DATABASE_URL_ENV) or None
        return describe(database_url(db))

    @property
    def console(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console()
        return self._console

    @property
    def err(self) -> Console:
        if self._err_console is None:
            from rich.console import Console

            self._err_console = Console(stderr=True)
        return self._err_console
