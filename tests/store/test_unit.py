"""Units of work: a locked database is a StoreError with one line, not a traceback."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from fieldsales.errors import UserError
from fieldsales.store import accounts, db, unit
from fieldsales.store.models import Account


def test_writing_on_a_locked_database_is_one_store_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 100)
    path = tmp_path / "busy.db"
    engine = db.open_engine(path)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(db.StoreError) as info, unit.writing(engine) as u:
            u.add(Account(match_key="k", company="Busy Co"))
        err = info.value
        assert isinstance(err, UserError)
        assert (
            str(err)
            == f"{path.resolve()}: database is locked by another program; close it and try again"
        )
        assert err.title == "Database" and "\n" not in err.line
    finally:
        other.rollback()
        other.close()
    with unit.writing(engine) as u:  # released: the same write goes through
        u.add(Account(id="a1", match_key="k", company="Busy Co"))
    with unit.reading(engine) as u:
        acc = accounts.get(u, "a1")
        assert acc is not None and acc.company == "Busy Co"
    engine.dispose()


def test_other_database_errors_are_not_disguised(tmp_path: Path) -> None:
    import sqlalchemy as sa

    engine = db.open_engine(tmp_path / "x.db")
    with pytest.raises(sa.exc.OperationalError), unit.reading(engine) as u:
        u.execute(sa.text("SELECT * FROM no_such_table"))
    engine.dispose()
