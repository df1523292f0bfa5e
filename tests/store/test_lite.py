"""Issue 19: the ranking's reads with the standard library's sqlite3
(store/lite.py, through store/reads.py) give what the SQLAlchemy reads give
(store/queries.py, store/orders.py, store/team/publication.py), value for
value, on a database with outcomes, a correction, an undo, orders logged and
imported, and published talk scripts; and a file the plain path cannot use
(older schema, not ours, missing) is left to store/db.py."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fieldsales.config import Settings
from fieldsales.services.corrections import undo_last
from fieldsales.store import lite, orders, queries, reads, unit
from fieldsales.store.columns import IdIndex, kept_rank_fields
from fieldsales.store.schema import PUBLICATION
from fieldsales.store.team import publication
from tests.conftest import AccountFactory, CliRunner, _log
from tests.speed.test_kept_fit import _orders_file


def _same(a: Any, b: Any) -> None:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
        assert np.asarray(a).dtype == np.asarray(b).dtype
    else:
        assert list(a) == list(b)


@pytest.fixture
def busy_base(
    engine: Engine,
    settings: Settings,
    add_account: AccountFactory,
    cli: CliRunner,
    db_path: Path,
    tmp_path: Path,
) -> tuple[Engine, list[str]]:
    ids = []
    for i in range(12):
        acc = add_account(
            external_id=f"H{i:03d}",
            lat=None if i == 3 else 35.6 + i * 0.01,
            lon=None if i == 3 else 139.7,
            site=None if i % 2 else f"支店{i}",
            last_order_date=None if i == 5 else date(2025, 1 + i % 12, 1 + i),
            purchase_cycle_days=None if i == 7 else 30 + i,
        )
        ids.append(acc.id)
    path = _orders_file(tmp_path, {f"H{i:03d}": i for i in range(0, 12, 2)})
    assert cli("--db", str(db_path), "import-orders", str(path)).returncode == 0
    _log(engine, settings, ids[0], date(2026, 10, 1), result="appointment", channel="visit")
    _log(engine, settings, ids[0], date(2026, 10, 2), result="order", order_amount=50_000)
    _log(engine, settings, ids[1], date(2026, 10, 3), result="contacted")
    _log(engine, settings, ids[2], date(2026, 10, 4), result="order", order_amount=9_000)
    first = _log(engine, settings, ids[4], date(2026, 10, 5), result="contacted")
    _log(
        engine,
        settings,
        ids[4],
        date(2026, 10, 5),
        result="refused",
        supersedes=first,
        next_action_due=date(2026, 12, 24),
    )
    _log(engine, settings, ids[6], date(2026, 10, 6), result="appointment")
    undo_last(engine, settings, ids[6], today=date(2026, 11, 30))
    with engine.begin() as conn:
        conn.execute(
            PUBLICATION.insert().values(
                id="p1",
                kind="talk_scripts",
                version=1,
                body="{}",
                digest="d",
                source="scripts.yaml",
                published_by="tanaka",
                published_at=datetime(2026, 11, 2, 3, 4, 5, 6, tzinfo=UTC),
            )
        )
    return engine, ids


def test_every_read_of_the_plain_path_equals_the_sqlalchemy_read(
    busy_base: tuple[Engine, list[str]], db_path: Path
) -> None:
    engine, ids = busy_base
    f = lite.open_file(db_path)
    assert f is not None
    names = (*kept_rank_fields(), "company", "site", "city", "first_order_date", "gross_margin")
    plain = reads.rank_columns(f, names=names)
    with unit.reading(engine) as s:
        full = queries.rank_columns(s, names=names)
    assert set(plain) == set(full)
    for n in names:
        _same(plain[n], full[n])

    index = IdIndex(plain["id"])
    got = reads.outcome_columns(f, plain["id"], all_accounts=True, index=index)
    with unit.reading(engine) as s:
        want = queries.outcome_columns(s, full["id"], all_accounts=True, index=index)
    assert len(got) == 5  # the corrected event and the undone one (and its undo) left out
    for a, b in zip(
        (got.account, got.occurred, got.result, got.due),
        (want.account, want.occurred, want.result, want.due),
        strict=True,
    ):
        _same(a, b)

    with unit.reading(engine) as s:
        assert reads.account_details(f, ids[:5]) == queries.account_details(s, ids[:5])
        assert sorted(reads.contact_funnel(f)) == sorted(queries.contact_funnel(s))
        assert reads.account_count(f) == queries.account_count(s) == 12
        config = "clv:30:50:0.01"
        assert reads.fit_fingerprint(f, config) == orders.fit_fingerprint(s, config)
        few = reads.order_arrays(f, ids[:6])
        ref = orders.order_arrays(s, ids[:6])
    assert few.ids == ref.ids and len(few.group) > 0 and not few.imported.all()
    for a, b in zip(
        (few.group, few.day, few.amount, few.imported),
        (ref.group, ref.day, ref.amount, ref.imported),
        strict=True,
    ):
        _same(a, b)
    assert reads.latest_publications(f) == publication.latest(engine)
    assert reads.latest_publications(f)["talk_scripts"].published_at == datetime(
        2026, 11, 2, 3, 4, 5, 6, tzinfo=UTC
    )
    assert reads.kept_fit(f, "none") is None


def test_a_file_the_plain_path_cannot_use_is_left_to_the_full_open(
    engine: Engine, db_path: Path, tmp_path: Path
) -> None:
    assert lite.open_file(db_path) is not None
    assert lite.open_file(tmp_path / "missing.db") is None
    assert lite.open_file("postgresql://u@h/db") is None
    assert lite.open_file(tmp_path) is None  # a folder
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    assert lite.open_file(other) is None  # not ours: store/db.py names it
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '0010'"))
    assert lite.open_file(db_path) is None  # a migration is due


def test_a_locked_database_is_one_line(engine: Engine, db_path: Path) -> None:
    f = lite.open_file(db_path)
    assert f is not None
    f.close()
    engine.dispose()
    holder = sqlite3.connect(db_path)
    holder.execute("PRAGMA journal_mode = DELETE")  # a reader must wait for the writer
    holder.execute("BEGIN EXCLUSIVE")
    try:
        fresh = sqlite3.connect(db_path, timeout=0.1)
        broken = lite.SqliteFile(db_path, fresh)
        with pytest.raises(lite.StoreError) as err:
            broken.rows("SELECT count(*) FROM account")
        assert str(err.value).startswith(f"{db_path}: database is locked")
        assert "\n" not in str(err.value)
    finally:
        holder.rollback()
        holder.close()


def test_kept_scores_read_as_one_bytes_array_decode_as_the_texts_do() -> None:
    from fieldsales.domain import score_cache
    from fieldsales.store.columns import text_column

    texts = ["abcdefgh:aj-b", "abcdefgh:bbbb", "zzzzzzzz:aaaa", "abcdefgh:a-zz"]
    blob = "".join(t + "\x1f" for t in texts)
    cells = text_column(blob, 4, False, fixed=True)
    assert isinstance(cells, np.ndarray) and cells.dtype == np.dtype("S13")
    for k, fp in ((4, "abcdefgh"), (3, "abcdefgh")):  # k=3: another width, all stale
        a_scores, a_stale = score_cache.decode(cells, fp, k)
        b_scores, b_stale = score_cache.decode(texts, fp, k)
        np.testing.assert_array_equal(a_scores, b_scores)
        np.testing.assert_array_equal(a_stale, b_stale)
    assert score_cache.decode(cells, "abcdefgh", 4)[1].tolist() == [False, False, True, True]
    # a NULL or another width among them: the list, as before
    assert text_column("abcdefgh:aaaa\x1f\x1e\x1f", 2, False, fixed=True) == [
        "abcdefgh:aaaa",
        None,
    ]
    assert text_column("ab\x1fabc\x1f", 2, False, fixed=True) == ["ab", "abc"]
