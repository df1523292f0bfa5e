"""On PostgreSQL too: a database from a newer version, or a damaged one, is refused unchanged."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from fieldsales.cli import main
from fieldsales.store.db import open_engine


def _dump(url: str) -> list[tuple[str, ...]]:
    eng = sa.create_engine(sa.make_url(url).set(drivername="postgresql+psycopg"))
    with eng.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' ORDER BY 1, 2"
        ).all()
        version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    eng.dispose()
    return [tuple(r) for r in rows] + [tuple(v) for v in version]


def _sql(url: str, statement: str) -> None:
    eng = sa.create_engine(sa.make_url(url).set(drivername="postgresql+psycopg"))
    with eng.begin() as conn:
        conn.exec_driver_sql(statement)
    eng.dispose()


@pytest.mark.parametrize(
    ("statement", "words"),
    [
        ("UPDATE alembic_version SET version_num = '0099'", "made by a newer fieldsales"),
        ("DROP TABLE route_stop CASCADE", "not a fieldsales database, or damaged"),
    ],
)
def test_refused_on_postgres(
    statement: str, words: str, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    open_engine(pg_url).dispose()
    _sql(pg_url, statement)
    before = _dump(pg_url)
    for cmd in (["rank"], ["log", "X", "--channel", "phone", "--result", "contacted"], []):
        capsys.readouterr()
        assert main(["--db", pg_url, *cmd]) == 1
        err = capsys.readouterr().err
        assert words in err and len(err.strip().splitlines()) == 1, err
    assert _dump(pg_url) == before
