"""`fieldsales import` on PostgreSQL: the write lock, the busy message, column ranges."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from fieldsales.cli import main
from fieldsales.store import db as dbmod
from fieldsales.store.db import open_engine
from tests.geo.test_locate_while_importing import addresses, write

HEADER = "会社名,住所,累計取引額,購買周期(日)"


def dump(url: str) -> dict[str, list[tuple[object, ...]]]:
    engine = open_engine(url)
    with engine.connect() as conn:
        tables = sa.inspect(conn).get_table_names()
        state = {
            t: sorted(map(tuple, conn.execute(sa.text(f'SELECT * FROM "{t}"'))), key=repr)
            for t in tables
        }
    engine.dispose()
    return state


def _csv(tmp_path: Path, *rows: str) -> str:
    path = tmp_path / "a.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return str(path)


def test_import_twice_and_money_beyond_32_bits(pg_url: str, tmp_path: Path) -> None:
    path = _csv(tmp_path, "東和商事,港区芝1-1,3000000000,30", "山田工業,千代田区1-1,100,")
    assert main(["--db", pg_url, "import", "--no-locate", path]) == 0
    assert main(["--db", pg_url, "import", "--no-locate", path]) == 0
    engine = open_engine(pg_url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT company, lifetime_revenue FROM account ORDER BY company")
        ).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("山田工業", 100), ("東和商事", 3_000_000_000)]


def test_integer_column_range_on_postgres(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    open_engine(pg_url).dispose()
    before = dump(pg_url)
    path = _csv(tmp_path, "東和商事,港区芝1-1,100,3000000000")
    capsys.readouterr()
    assert main(["--db", pg_url, "import", "--no-locate", path]) == 1
    err = capsys.readouterr().err
    assert "row 2, purchase_cycle_days: too large for the database (at most 2,147,483,647)" in err
    assert dump(pg_url) == before


def test_busy_database_on_postgres(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    open_engine(pg_url).dispose()
    before = dump(pg_url)
    monkeypatch.setattr(dbmod, "BUSY_TIMEOUT_MS", 300)
    path = _csv(tmp_path, "東和商事,港区芝1-1,100,")
    with psycopg.connect(pg_url) as writer:
        writer.execute("LOCK TABLE account IN ROW EXCLUSIVE MODE")  # another writer's insert
        capsys.readouterr()
        assert main(["--db", pg_url, "import", "--no-locate", path]) == 1
        out, err = capsys.readouterr()
        writer.rollback()
    assert "the database is busy (another fieldsales is writing); try again" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in out + err
    assert dump(pg_url) == before


def test_big_file_all_or_nothing_then_history_on_postgres(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Chunks written in one transaction: a bad last row leaves the server as it
    was; a good file is written whole; a re-import keeps each change."""
    from fieldsales.store.import_rows import CHUNK

    n = 2 * CHUNK + 5
    rows = [f"商事{i},港区芝{i % 9 + 1}-{i % 13 + 1},{1000 + i},30" for i in range(n)]
    open_engine(pg_url).dispose()
    before = dump(pg_url)
    bad = _csv(tmp_path, *rows[:-1], "壊れた商事,港区芝1-1,たくさん,30")
    assert main(["--db", pg_url, "import", "--no-locate", bad]) == 1
    assert f"row {n + 1}, lifetime_revenue: not a number" in capsys.readouterr().err
    assert dump(pg_url) == before

    good = _csv(tmp_path, *rows)
    assert main(["--db", pg_url, "import", "--no-locate", good]) == 0
    changed = _csv(
        tmp_path, *[r[: r.rindex(",")] + ",60" if i % 10 == 0 else r for i, r in enumerate(rows)]
    )
    assert main(["--db", pg_url, "import", "--no-locate", changed]) == 0
    assert (
        f"0 created, {n // 10 + 1} updated, {n - n // 10 - 1} unchanged" in capsys.readouterr().out
    )
    engine = open_engine(pg_url)
    with engine.connect() as conn:
        count = conn.execute(sa.text("SELECT count(*) FROM account")).scalar()
        history = conn.execute(
            sa.text(
                "SELECT field, old_value, new_value FROM account_change "
                "GROUP BY field, old_value, new_value"
            )
        ).all()
    engine.dispose()
    assert count == n
    assert [tuple(r) for r in history] == [("purchase_cycle_days", "30", "60")]


def test_accounts_are_located_as_written_on_postgres(pg_url: str, tmp_path: Path) -> None:
    """The positions found while writing on PostgreSQL are SQLite's, for new
    accounts and for accounts whose address the next file moves."""
    rows = addresses(400, seed=5)
    moved = addresses(400, seed=6)
    changed = [
        [r[0], r[1], *m[2:]] if i % 2 else r
        for i, (r, m) in enumerate(zip(rows, moved, strict=True))
    ]
    lite = f"sqlite:///{tmp_path / 'lite.db'}"
    for name, data in (("first.csv", rows), ("second.csv", changed)):
        path = str(write(tmp_path / name, data))
        assert main(["--db", pg_url, "import", path]) == 0
        assert main(["--db", lite, "import", path]) == 0
        found = []
        for url in (pg_url, lite):
            engine = open_engine(url)
            with engine.connect() as conn:
                query = (
                    "SELECT external_id, lat, lon, geo_precision, geo_source FROM account "
                    "ORDER BY external_id"
                )
                found.append([tuple(r) for r in conn.execute(sa.text(query))])
            engine.dispose()
        assert found[0] == found[1]
        assert sum(1 for r in found[0] if r[3] == "town") > 200


def test_a_change_since_the_import_is_compared_again_on_postgres(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The digest of what an import wrote is cleared by PostgreSQL's trigger
    too when anything else changes the account, and kept when only its kept
    scores are rewritten."""
    path = _csv(tmp_path, "東和商事,港区芝1-1,3000000000,30", "山田工業,千代田区1-1,100,")
    assert main(["--db", pg_url, "import", "--no-locate", path]) == 0
    engine = open_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE account SET static_scores = NULL"))
        conn.execute(sa.text("UPDATE account SET lifetime_revenue = 5 WHERE company = '山田工業'"))
        found = conn.execute(sa.text("SELECT company, import_digest FROM account")).all()
    kept: dict[str, str | None] = {r[0]: r[1] for r in found}
    assert kept["山田工業"] is None
    assert kept["東和商事"] is not None
    capsys.readouterr()
    assert main(["--db", pg_url, "import", "--no-locate", path]) == 0
    assert "0 created, 1 updated, 1 unchanged" in capsys.readouterr().out
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT company, lifetime_revenue FROM account")).all()
    engine.dispose()
    assert sorted(map(tuple, rows)) == [("山田工業", 100), ("東和商事", 3_000_000_000)]
