"""store/listing.py: the fields of a listing's accounts, read in its order a
chunk at a time, by rowid where their positions are known (checked against
each row's id), else by id; a listing writes nothing, not even a temporary
table."""

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


@pytest.mark.parametrize("chunk", [7, 500])  # many chunks, or one
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


def _every(db_path: Path) -> list[str]:
    """Every account's id in rowid order (as a ranking reads them)."""
    with sqlite3.connect(db_path) as conn:
        return [r[0] for r in conn.execute("SELECT id FROM account ORDER BY rowid")]


def _read(db_path: Path, wanted: list[str], among: listing.Among, chunk: int) -> list[object]:
    conn = sqlite3.connect(db_path)
    try:
        chunks = list(listing.sqlite_rows(conn, wanted, list(FIELDS), chunk, among))
        assert all(len(c) <= chunk for c in chunks)
        assert conn.execute("SELECT name FROM sqlite_temp_master").fetchall() == []
        assert not conn.in_transaction
        return [r for c in chunks for r in c]
    finally:
        conn.close()


def test_rows_by_position_equal_rows_by_id_after_changes(
    seeded: Callable[..., list[str]], engine: Engine, db_path: Path
) -> None:
    """Read by rowid from the accounts' positions: rowids without gaps, with
    gaps, and after the accounts changed since the positions were taken (one
    gone, another in its rowid, one added): each row is still its account's."""
    seeded(40)
    every = _every(db_path)
    order = [7, 3, 39, 0, 12, 25, 1, 38, 20, 5, 6, 30, 2]  # a ranking's order
    wanted = [every[k] for k in order]
    assert _read(db_path, wanted, (every, order), 4) == _expected(db_path, wanted)
    with sqlite3.connect(db_path) as conn:  # gaps in the rowids: positions differ from rowids
        conn.execute("UPDATE account SET rowid = rowid + 1000 WHERE rowid > 20")
    every = _every(db_path)
    assert _read(db_path, wanted, (every, order), 4) == _expected(db_path, wanted)
    with sqlite3.connect(db_path) as conn:
        # the last account replaced by another one in the same rowid, and the count kept
        (last,) = conn.execute("SELECT max(rowid) FROM account").fetchone()
        gone = conn.execute("SELECT id FROM account WHERE rowid = ?", [last]).fetchone()[0]
        columns = [r[1] for r in conn.execute("PRAGMA table_info(account)")]
        copy = {
            "id": "'new-account'",
            "external_id": "NULL",
            "match_key": "'new-account'",
        }  # a copy of account 1, its own
        picked = ", ".join(copy.get(c, c) for c in columns)
        conn.execute("DELETE FROM account WHERE rowid = ?", [last])
        conn.execute(f"INSERT INTO account SELECT {picked} FROM account WHERE rowid = 1")
        assert conn.execute("SELECT max(rowid) FROM account").fetchone()[0] == last
    assert gone in wanted
    rows = _read(db_path, wanted, (every, order), 4)
    assert rows == _expected(db_path, wanted)
    assert rows[wanted.index(gone)] == (None, None, None)
    with sqlite3.connect(db_path) as conn:  # one more account than the positions know
        other = picked.replace("new-account", "another")
        conn.execute(f"INSERT INTO account SELECT {other} FROM account WHERE rowid = 1")
    assert _read(db_path, wanted, (every, order), 4) == _expected(db_path, wanted)
