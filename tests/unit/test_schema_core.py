"""The Core tables the ranking reads (store/schema.py) are the SQLModel tables
column for column, and the opening check's column list is the models'."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import SQLModel

import fieldsales.store.models  # noqa: F401  (registers the tables)
from fieldsales.store.schema import CORE_TABLES, SCHEMA_COLUMNS

DIALECTS = (sqlite.dialect(), postgresql.dialect())


def _shape(table: sa.Table) -> list[tuple[object, ...]]:
    return [
        (
            c.name,
            *(c.type.compile(dialect=d) for d in DIALECTS),
            c.nullable,
            c.primary_key,
            type(c.type).__name__ == "UTCDateTime",
        )
        for c in table.columns
    ]


@pytest.mark.parametrize("core", CORE_TABLES, ids=lambda t: t.name)
def test_core_table_is_the_models_table(core: sa.Table) -> None:
    model = SQLModel.metadata.tables[core.name]
    assert _shape(core) == _shape(model)


def test_the_opening_check_knows_every_table_and_column_of_the_models() -> None:
    models = {t.name: tuple(c.name for c in t.columns) for t in SQLModel.metadata.sorted_tables}
    assert models == SCHEMA_COLUMNS, "update SCHEMA_COLUMNS in store/schema.py"


def test_the_plain_read_knows_which_account_columns_are_numbers_and_dates() -> None:
    """store/lite.py reads these whole as numbers and dates, without SQLAlchemy."""
    import sqlalchemy as sa

    from fieldsales.store.columns import ACCOUNT_DATES, ACCOUNT_NUMBERS
    from fieldsales.store.schema import ACCOUNT

    numbers = {c.name for c in ACCOUNT.c if isinstance(c.type, (sa.Float, sa.Integer, sa.Boolean))}
    dates = {c.name for c in ACCOUNT.c if isinstance(c.type, sa.Date)}
    assert numbers == ACCOUNT_NUMBERS
    assert dates == ACCOUNT_DATES
