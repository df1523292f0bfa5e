"""Issue 19: the whole order history read with sqlite3 (store/order_scan.py,
what a full listing's early-warning fields read) equals orders.order_arrays
through SQLAlchemy, array for array: same-day orders in the same order (the
amounts_shrinking sign reads the last orders one by one), orders logged as
outcomes and corrected, accounts without a history; and a value it cannot
read whole leaves the read to SQLAlchemy."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fieldsales.config import Settings
from fieldsales.domain.churn import by_group_then_day
from fieldsales.store import lite, orders, reads, unit
from fieldsales.store.columns import OrderArrays
from fieldsales.store.order_scan import whole_order_arrays
from fieldsales.store.schema import ORDER
from tests.conftest import AccountFactory, _log

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _order(account_id: str, day: date, amount: int, key: str) -> dict[str, object]:
    return {
        "account_id": account_id,
        "order_date": day,
        "amount": amount,
        "order_key": key,
        "source": "test",
        "created_at": NOW,
    }


def _assert_equal(got: OrderArrays, want: OrderArrays) -> None:
    assert got.ids == want.ids
    for name in ("group", "day", "amount", "imported"):
        a, b = getattr(got, name), getattr(want, name)
        np.testing.assert_array_equal(a, b, err_msg=name)
        assert a.dtype == b.dtype, name


@pytest.fixture
def histories(engine: Engine, settings: Settings, add_account: AccountFactory) -> list[str]:
    ids = [add_account(external_id=f"S{i:03d}").id for i in range(6)]
    rows = [
        # three orders on one day, their keys in another order than their rows
        # and their amounts: the order key decides their order
        _order(ids[0], date(2026, 3, 1), 500, "k3"),
        _order(ids[0], date(2026, 3, 1), 100, "k1"),
        _order(ids[0], date(2026, 3, 1), 900, "k2"),
        _order(ids[0], date(2026, 1, 5), 300, "k9"),
        _order(ids[0], date(1969, 12, 30), 7, "k0"),  # before 1970: a negative day
        _order(ids[2], date(2026, 2, 1), 2_000_000_000_000, "a"),
        _order(ids[1], date(2025, 12, 31), 40, "z"),
        _order(ids[1], date(2025, 12, 31), 60, "y"),
    ]
    with engine.begin() as conn:
        conn.execute(ORDER.insert(), rows)
    # orders logged as outcomes: on a day with imported orders, corrected, and
    # one for an account without an imported history (not part of the history)
    _log(engine, settings, ids[0], date(2026, 3, 1), result="order", order_amount=250)
    first = _log(engine, settings, ids[1], date(2026, 10, 2), result="order", order_amount=10)
    _log(
        engine,
        settings,
        ids[1],
        date(2026, 10, 2),
        result="order",
        order_amount=11,
        supersedes=first,
    )
    _log(engine, settings, ids[3], date(2026, 10, 3), result="order", order_amount=99)
    return ids


def test_the_whole_history_read_with_sqlite3_equals_the_sqlalchemy_read(
    engine: Engine, db_path: Path, histories: list[str]
) -> None:
    f = lite.open_file(db_path)
    assert f is not None
    got = whole_order_arrays(f)
    assert got is not None
    with unit.reading(engine) as s:
        want = orders.order_arrays(s, None)
    _assert_equal(got, want)
    assert len(got.ids) == 3 and not got.imported.all()
    first = got.ids.index(histories[0])
    mine = got.group == first
    # the same-day orders in their key order, the logged one after them
    assert got.amount[mine].tolist() == [7, 300, 100, 900, 500, 250]
    _assert_equal(reads.order_arrays(f), want)  # what early warning reads


def test_no_orders_and_values_not_read_whole(engine: Engine, db_path: Path) -> None:
    f = lite.open_file(db_path)
    assert f is not None
    empty = whole_order_arrays(f)
    assert empty is not None and empty.ids == [] and len(empty.day) == 0
    with engine.begin() as conn:
        conn.execute(sa.text("PRAGMA foreign_keys = OFF"))
        conn.execute(ORDER.insert(), [_order("gone", date(2026, 1, 1), 5, "k")])
        conn.execute(sa.text("UPDATE account_order SET order_date = 'someday'"))
    assert whole_order_arrays(f) is None  # a date SQLite cannot read: SQLAlchemy's read says so
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE account_order SET order_date = '2026-01-01', amount = 2.5"))
    assert whole_order_arrays(f) is None  # an amount that is not whole


def test_one_stable_sort_orders_as_lexsort() -> None:
    rng = np.random.default_rng(3)
    group = rng.integers(0, 50, 5000).astype(np.intp)
    day = rng.integers(-400, 40_000, 5000).astype(np.int64)
    day[::7] = day[0]  # many ties
    np.testing.assert_array_equal(by_group_then_day(group, day), np.lexsort((day, group)))
    wide = np.array([0, -(2**40), 2**40, 5], dtype=np.int64)  # beyond the key's room
    np.testing.assert_array_equal(
        by_group_then_day(np.zeros(4, dtype=np.intp), wide), np.lexsort((wide, np.zeros(4)))
    )
    assert len(by_group_then_day(np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.int64))) == 0
