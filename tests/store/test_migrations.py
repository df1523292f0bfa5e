"""Alembic owns the schema: databases upgrade on open and lose nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from fieldsales.store import db as dbmod
from fieldsales.store.db import HEAD_REVISION, StoreError, current_revision, open_engine


def test_head_constant_matches_migration_scripts() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(dbmod.MIGRATIONS_DIR))
    assert script.get_current_head() == HEAD_REVISION


def test_new_database_is_created_at_head_with_pragmas(db_path: Path) -> None:
    engine = open_engine(db_path)
    assert current_revision(engine) == HEAD_REVISION
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert (conn.exec_driver_sql("PRAGMA busy_timeout").scalar() or 0) >= 1000
    names = set(sa.inspect(engine).get_table_names())
    assert {"account", "outcome", "route", "route_stop", "account_change", "geocode_cache"} <= names


def test_upgrade_from_first_revision_keeps_data(db_path: Path) -> None:
    engine = dbmod.create_db_engine(dbmod.database_url(db_path))
    dbmod.upgrade(engine, "0001")
    assert current_revision(engine) == "0001"
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO account (id, match_key, company, geo_precision, lifetime_revenue,"
            " main_reason, reason_solvable, competitor_status, digital_responsiveness,"
            " do_not_contact, created_at, updated_at, last_order_date)"
            " VALUES ('a1', 'k', '株式会社テスト', 'none', 1234567, 'price', 'partly', 'none',"
            " 'low', 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00', '2025-03-04')"
        )
        conn.exec_driver_sql(
            "INSERT INTO outcome (id, account_id, rep, channel, occurred_at, visit_stage, result,"
            " created_at) VALUES ('o1', 'a1', 'sato', 'phone', '2026-02-01 01:00:00', 'none',"
            " 'refused', '2026-02-01 01:00:00')"
        )
    engine.dispose()
    upgraded = open_engine(db_path)  # opening applies the pending migration
    assert current_revision(upgraded) == HEAD_REVISION
    with upgraded.connect() as conn:
        acc = conn.exec_driver_sql(
            "SELECT company, lifetime_revenue, last_order_date FROM account"
        ).one()
        out = conn.exec_driver_sql("SELECT account_id, result FROM outcome").one()
    assert tuple(acc) == ("株式会社テスト", 1234567, "2025-03-04")
    assert tuple(out) == ("a1", "refused")


def test_hours_columns_arrive_empty_and_leave_cleanly(db_path: Path) -> None:
    from alembic import command

    engine = dbmod.create_db_engine(dbmod.database_url(db_path))
    dbmod.upgrade(engine, "0003")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO account (id, match_key, company, geo_precision, lifetime_revenue,"
            " main_reason, reason_solvable, competitor_status, digital_responsiveness,"
            " do_not_contact, created_at, updated_at)"
            " VALUES ('a1', 'k', '山田商店', 'none', 0, 'price', 'partly', 'none',"
            " 'low', 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
        )
    dbmod.upgrade(engine, "0004")
    with engine.begin() as conn:
        row = conn.exec_driver_sql(
            "SELECT company, closed_weekdays, opens_at, closes_at FROM account"
        ).one()
        assert tuple(row) == ("山田商店", None, None, None)
        conn.exec_driver_sql(
            "UPDATE account SET closed_weekdays = '5,6', opens_at = '09:00', closes_at = '17:00'"
        )
    command.downgrade(dbmod.alembic_config(engine), "0003")
    columns = {c["name"] for c in sa.inspect(engine).get_columns("account")}
    assert "opens_at" not in columns and "company" in columns
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT company FROM account").scalar() == "山田商店"


def test_not_a_database_gives_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "notes.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="not a fieldsales database"):
        open_engine(bad)


def test_locked_database_gives_clear_error(db_path: Path) -> None:
    open_engine(db_path).dispose()
    holder = sqlite3.connect(db_path)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        dbmod.BUSY_TIMEOUT_MS, saved = 200, dbmod.BUSY_TIMEOUT_MS
        try:
            with pytest.raises(StoreError, match="locked"):
                eng = open_engine(db_path)
                with eng.begin() as conn:
                    conn.exec_driver_sql("DELETE FROM account")
        finally:
            dbmod.BUSY_TIMEOUT_MS = saved
    finally:
        holder.rollback()
        holder.close()


def test_unwritable_location_gives_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot create the database there"):
        open_engine(blocker / "sub" / "fieldsales.db")


def test_unreachable_server_gives_one_line() -> None:
    with pytest.raises(StoreError) as err:
        open_engine("postgresql://nobody@127.0.0.1:1/fieldsales")
    assert "cannot open database" in str(err.value)
    assert "\n" not in str(err.value)


def test_a_file_name_with_a_percent_sign_is_created_at_head(tmp_path: Path) -> None:
    """A URL-escaped character in a folder or file name (`%2C`) is no interpolation."""
    folder = tmp_path / "sales%2Cteam"
    folder.mkdir()
    engine = open_engine(folder / "fs%20data.db")
    assert current_revision(engine) == HEAD_REVISION
    engine.dispose()
