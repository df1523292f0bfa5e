"""The import writes new accounts a column at a time (store/importer.py:
digests, _new_columns, insert_columns): the same rows, digests and database
as the row by row reference (_target_values, digest, insert_many) on a varied
file; and migration 0012's insert trigger, held for the import, is back
afterwards with the blocks of the new accounts cleared, or untouched when the
import is refused or only a dry run."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fieldsales.config import Settings
from fieldsales.domain import columns as cols
from fieldsales.services.locating import ImportLocator
from fieldsales.store import csvio, importer
from fieldsales.store.db import open_engine
from fieldsales.store.import_rows import Row, RowChecker, integer_limits
from fieldsales.store.models import utcnow
from fieldsales.store.scores import kept_scores
from tests.store.test_csv_import import run_import, write
from tests.store.test_rank_blocks import _blocks, _same

TODAY = date(2026, 11, 22)
HEADER = (
    "顧客コード,会社名,都道府県,市区町村,住所,郵便番号,緯度,経度,位置精度,累計取引額,"
    "平均受注額,粗利率,最終取引日,休眠理由,その他の休眠理由,解決度,競合状況,連絡不可,"
    "定休日,受付時間,備考"
)
ROWS = [
    # a position with its precision, Japanese everywhere, every kind of value
    "C1,株式会社山田工業,東京都,千代田区,丸の内1丁目2番3号,100-0005,35.681,139.767,building,"
    '"￥1,200,000",30000,32%,令和6年4月1日,価格,"competitor,forgotten",mostly,併用,,土日,9:00-17:00,"改行\n入り"',
    # a position without precision: the import's default
    "C2,東和商事株式会社,神奈川県,横浜市西区,高島2-1,,35.466,139.622,,５００００円,,0.2,"
    "2024/01/05,単純な忘却,,,,はい,,,",
    # no position, mostly empty: defaults where NOT NULL
    "C3,大阪精機,大阪府,大阪市北区,梅田1-1-1,530-0001,,,,,,,,,,,,,,,",
    # no external id: found again by company + address
    ",有限会社札幌物産,北海道,札幌市中央区,北一条西2丁目,060-0001,,,,0,,,R5.4.15,,,,,,なし,,'=SUM(A1)",
    # a bad row (a date in the future), skipped
    "C5,未来商事,東京都,港区,芝公園4-2-8,,,,,100,,,2099-01-01,,,,,,,,",
    "C6,ﾊﾝｶｸ商事㈱,東京都,大田区,蒲田5-13-1,144-0052,,,,１２，０００円,,,H30.12.24,,,,,,,,",
]


def _rows(path: Path, settings: Settings) -> tuple[list[Row], frozenset[str]]:
    """The good rows of a file as the importer reads them, and its columns."""
    stream = csvio.stream_csv(path, max_line_bytes=10_000, what="account rows")
    header = cols.map_headers(stream.headers, None)
    checker = RowChecker(
        stream.headers,
        header.fields,
        TODAY,
        importer.vocabulary(settings),
        integer_limits(sa.create_engine("sqlite://").dialect),
        header.units,
    )
    good = [row for chunk in checker.chunks(stream.rows, stream.lines, None) for row in chunk]
    assert [p.row for p in checker.problems] == [6]  # the future date
    return good, frozenset(cols.stored_fields(header.fields.values()))


def _reference(rows: list[Row], present: frozenset[str], now: Any, ids: list[str]) -> list[dict]:
    """The new accounts row by row, as the import built them before columns."""
    out = []
    for row, fresh in zip(rows, ids, strict=True):
        acc = dict(importer._blank_account())
        values = importer._target_values(row, present, None)
        acc.update(values)
        acc["import_digest"] = importer.digest(values)
        acc["id"] = row.values.get("id") or fresh
        acc["created_at"] = acc["updated_at"] = now
        out.append(acc)
    return out


def _as_rows(columns: dict[str, Any], n: int) -> list[dict[str, Any]]:
    return [
        {name: value[k] if isinstance(value, list) else value for name, value in columns.items()}
        for k in range(n)
    ]


@pytest.fixture(params=["utf-8", "cp932"])
def varied(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    return write(tmp_path / "varied.csv", [HEADER, *ROWS], request.param)


def test_digests_are_those_of_each_row(varied: Path, settings: Settings) -> None:
    rows, present = _rows(varied, settings)
    assert len(rows) == 5 and any(r.values.get("lat") is not None for r in rows)
    reference = [importer.digest(importer._target_values(r, present, None)) for r in rows]
    assert importer.digests([r.values for r in rows], present) == reference
    assert len(set(reference)) == len(reference)
    # a file without positions (no lat column) too
    plain = present - set(importer.GEO_FIELDS)
    rows = [
        Row(
            r.number,
            r.raw,
            {k: v for k, v in r.values.items() if k in plain or k == "match_key"},
            r.key,
        )
        for r in rows
    ]
    reference = [importer.digest(importer._target_values(r, plain, None)) for r in rows]
    assert importer.digests([r.values for r in rows], plain) == reference


def test_new_accounts_as_columns_equal_the_rows_they_replace(
    varied: Path, settings: Settings
) -> None:
    rows, present = _rows(varied, settings)
    values = [r.values for r in rows]
    now, ids = utcnow(), importer.ordered_ids(len(rows))
    targets = importer._target_columns(values, present)
    kept = importer.digests(values, present, targets)
    columns = importer._new_columns(targets, now, ids, kept, list(range(len(rows))))
    assert list(columns) == [c.name for c in importer.ACCOUNT.columns]
    reference = _reference(rows, present, now, ids)
    assert _as_rows(columns, len(rows)) == reference
    # some rows of a chunk only (the others update stored accounts)
    for some in ([0, 2, 4], [3]):
        picked = importer._new_columns(targets, now, [ids[i] for i in some], kept, some)
        assert _as_rows(picked, len(some)) == [reference[i] for i in some]
    # located and scored as columns: what the rows got
    ImportLocator()(columns)
    scores = kept_scores(columns, len(rows), settings.scoring)
    assert scores is not None and all(scores)
    assert [p for p in columns["geo_precision"]][:2] == ["building", "street"]  # kept
    assert columns["geo_source"][2:] == ["address", "address", "address"]


def test_insert_columns_writes_what_insert_many_writes(
    varied: Path, settings: Settings, engine: Engine, migrated_template: Path, tmp_path: Path
) -> None:
    rows, present = _rows(varied, settings)
    values = [r.values for r in rows]
    now, ids = utcnow(), importer.ordered_ids(len(rows))
    targets = importer._target_columns(values, present)
    kept = importer.digests(values, present, targets)
    columns = importer._new_columns(targets, now, ids, kept, list(range(len(rows))))
    columns["static_scores"] = kept_scores(columns, len(rows), settings.scoring)
    reference = _as_rows(columns, len(rows))
    other_path = tmp_path / "other.db"
    shutil.copyfile(migrated_template, other_path)
    other = open_engine(other_path)
    try:
        with engine.begin() as conn:
            importer.insert_columns(conn, importer.ACCOUNT, columns, len(rows))
        with other.begin() as conn:
            importer.insert_many(conn, importer.ACCOUNT, reference)
        dumps = []
        for eng in (engine, other):
            with eng.connect() as conn:
                query = sa.text("SELECT rowid, * FROM account ORDER BY rowid")
                dumps.append([tuple(r) for r in conn.execute(query)])
    finally:
        other.dispose()
    assert dumps[0] == dumps[1]
    assert len(dumps[0]) == 5


def _trigger(path: Path) -> str | None:
    with sqlite3.connect(path) as conn:
        row = conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
            ("rank_block_account_insert",),
        ).fetchone()
    return None if row is None else str(row[0])


def _rowids(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        return dict(conn.execute("SELECT id, rowid FROM account").fetchall())


def test_the_insert_trigger_is_held_and_made_again(
    engine: Engine, settings: Settings, seeded: Any, db_path: Path, tmp_path: Path
) -> None:
    seeded(20)
    with sqlite3.connect(db_path) as conn:  # the accounts over several blocks, some free
        conn.execute("UPDATE account SET rowid = rowid * 1000")
    trigger = _trigger(db_path)
    assert trigger is not None
    _same(db_path, engine, settings)  # every block kept
    kept = _blocks(db_path)
    before = _rowids(db_path)
    path = write(tmp_path / "new.csv", [HEADER, *ROWS])
    report = run_import(engine, settings, path, skip_invalid=True, scoring=settings.scoring)
    assert report.written and report.created == 5
    assert _trigger(db_path) == trigger
    new = {rowid >> 12 for acc, rowid in _rowids(db_path).items() if acc not in before}
    assert set(kept) - set(_blocks(db_path)) == new  # what the trigger would have cleared
    _same(db_path, engine, settings)
    # the trigger works as before: a row inserted by hand clears its block
    kept = _blocks(db_path)
    with sqlite3.connect(db_path) as conn:
        names = [r[1] for r in conn.execute("PRAGMA table_info(account)")]
        own = {"id": "'hand'", "external_id": "'HAND'", "match_key": "'hand'"}
        picked = ", ".join(own.get(n, n) for n in names)
        conn.execute(
            f"INSERT INTO account (rowid, {', '.join(names)}) "
            f"SELECT 4097, {picked} FROM account LIMIT 1"
        )
    assert set(kept) - set(_blocks(db_path)) == {4097 >> 12}


@pytest.mark.parametrize("how", ["refused", "dry run"])
def test_a_refused_import_or_a_dry_run_leaves_the_trigger_and_blocks(
    engine: Engine, settings: Settings, seeded: Any, db_path: Path, tmp_path: Path, how: str
) -> None:
    seeded(20)
    trigger = _trigger(db_path)
    _same(db_path, engine, settings)
    kept = _blocks(db_path)
    path = write(tmp_path / "new.csv", [HEADER, *ROWS])
    if how == "refused":  # one bad row: nothing written
        report = run_import(engine, settings, path)
        assert report.rejected == 1
    else:
        report = run_import(engine, settings, path, dry_run=True, skip_invalid=True)
        assert report.created == 5
    assert not report.written
    assert (_trigger(db_path), _blocks(db_path)) == (trigger, kept)
    assert len(_rowids(db_path)) == 20


def _indexes(path: Path) -> dict[str, str]:
    with sqlite3.connect(path) as conn:
        return dict(
            conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                "AND tbl_name = 'account' AND sql IS NOT NULL"
            ).fetchall()
        )


@pytest.mark.parametrize("how", ["written", "refused", "dry run"])
def test_an_import_of_more_rows_than_stored_makes_its_held_indexes_again(
    engine: Engine, settings: Settings, db_path: Path, tmp_path: Path, how: str
) -> None:
    """A file of more rows than the accounts stored goes in without the indexes
    no import reads by; they are there afterwards, as they were, and used."""
    before = _indexes(db_path)
    assert set(importer.HELD_INDEXES) <= set(before)
    path = write(tmp_path / "new.csv", [HEADER, *ROWS])
    if how == "written":
        report = run_import(engine, settings, path, skip_invalid=True)
        assert report.written and report.created == 5
    elif how == "refused":
        report = run_import(engine, settings, path)
        assert report.rejected == 1 and not report.written
    else:
        report = run_import(engine, settings, path, dry_run=True, skip_invalid=True)
        assert report.created == 5 and not report.written
    assert _indexes(db_path) == before
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        plan = conn.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM account WHERE prefecture = '東京都'"
        ).fetchall()
        # every account in the index made again (read through it alone)
        indexed = conn.execute(
            "SELECT count(*) FROM account INDEXED BY ix_account_prefecture "
            "WHERE prefecture IS NOT NULL OR prefecture IS NULL"
        ).fetchone()
        stored = conn.execute("SELECT count(*) FROM account").fetchone()
    assert "ix_account_prefecture" in str(plan)
    assert indexed == stored == ((5,) if how == "written" else (0,))
