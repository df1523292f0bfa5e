"""Migration 0006 on PostgreSQL: duplicates merged, key unique, money BIGINT."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import sqlalchemy as sa

from fieldsales.store import db as dbmod


def _scenario() -> object:
    # The seed and the checks are shared with the SQLite test (no test packages here).
    path = Path(__file__).parents[1] / "store" / "test_migration_0006.py"
    spec = importlib.util.spec_from_file_location("migration_0006_scenario", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_duplicates_merged_and_money_widened_on_postgres(pg_url: str) -> None:
    scenario = _scenario()
    engine = dbmod.create_db_engine(dbmod.database_url(pg_url))
    scenario.seed_duplicates(engine)  # type: ignore[attr-defined]
    dbmod.upgrade(engine)
    scenario.check_merged(engine)  # type: ignore[attr-defined]
    columns = {c["name"]: c["type"] for c in sa.inspect(engine).get_columns("account")}
    assert isinstance(columns["lifetime_revenue"], sa.BigInteger)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE account SET lifetime_revenue = 9000000000000000000"))
    engine.dispose()
