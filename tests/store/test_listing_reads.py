"""store/listing.py: the fields of a listing's accounts, read in its order a
chunk at a time; the temporary table of a long listing never outlives it."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from fieldsales.store import listing

FIELDS = ("company", "external_id", "average_order")


def _expected(db_path: Path, ids: list[str]) -> list[tuple[object, ...]]:
    with sqlite3.connect(db_path) as conn:
        found = {
            r[0]: r[1:]
            for r in conn.execute("SELECT id, company, external_id, average_order FROM account")
        }
    return [found.get(a, (None, None, None)) for a in ids]


@pytest.mark.parametrize("chunk", [7, 500])  # many chunks (a temporary table), or one
def test_rows_come_in_the_listing_order_a_chunk_at_a_time(
    seeded: Callable[..., list[str]], engine: Engine, db_path: Path, chunk: int
) -> None:
    ids = seeded(40)
    wanted = [*ids[::-1][:25], "no-such-account", *ids[:3]]
    chunks = list(listing.listed_rows(engine, wanted, FIELDS, chunk))
    assert [len(c) for c in chunks] == (
        [7, 7, 7, 7, 1] if chunk == 7 else [len(wanted)]
    )  # the last one shorter
    rows = [r for c in chunks for r in c]
    assert rows == _expected(db_path, wanted)
    assert rows[25] == (None, None, None)  # an account gone since the ranking
    assert rows[0][0].startswith("ルート商事")


def test_a_listing_stopped_early_leaves_no_table_and_no_transaction(
    seeded: Callable[..., list[str]], engine: Engine, db_path: Path
) -> None:
    ids = seeded(30)
    conn = sqlite3.connect(db_path)
    try:
        reading = listing.sqlite_rows(conn, ids, list(FIELDS), 4)
        first = next(reading)
        assert first == _expected(db_path, ids[:4])
        reading.close()  # the reader stops after one chunk (a closed pipe)
        temp = conn.execute("SELECT name FROM sqlite_temp_master").fetchall()
        assert temp == [] and not conn.in_transaction
        # the whole listing, read again on the same connection, is complete
        again = [r for c in listing.sqlite_rows(conn, ids, list(FIELDS), 4) for r in c]
        assert again == _expected(db_path, ids)
        assert conn.execute("SELECT name FROM sqlite_temp_master").fetchall() == []
    finally:
        conn.close()


def test_only_column_names_reach_the_statement(engine: Engine) -> None:
    with pytest.raises(ValueError, match="not a column name"):
        list(listing.listed_rows(engine, ["x"], ["company; DROP TABLE account"], 10))
