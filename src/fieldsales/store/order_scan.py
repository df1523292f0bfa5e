"""The whole order history read with the standard library's sqlite3: what
store/orders.order_arrays gives for every account (None), without SQLAlchemy
and without a Python object per order.

A full listing with order histories computes the early-warning fields of
every account from it (services/early_warning.warnings_for): 2,000,000 orders
at 100,000 accounts. SQLite joins each column of the orders, in the order the
SQLAlchemy read has them (account, then the account's unique order key: its
index), into one text, which numpy cuts up; the accounts and their order
counts come the same way. Equal to the SQLAlchemy read array for array
(tests/store/test_order_scan.py).

A file with the packed blocks of migration 0014 (store/order_blocks.py) gives
the imported orders from them instead, without that scan; the orders logged
as outcomes are read and merged in the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from fieldsales.store import order_blocks
from fieldsales.store.columns import (
    _SEP,
    OrderArrays,
    logged_days,
    order_arrays_empty,
    with_logged,
)
from fieldsales.store.order_blocks import _integers

if TYPE_CHECKING:
    from fieldsales.store.lite import SqliteFile

# The accounts with an imported history, and how many orders each, by account id.
_PER_ACCOUNT = (
    "SELECT count(*), group_concat(account_id || ?, ?), group_concat(n, ',') FROM "
    "(SELECT account_id, count(*) AS n FROM account_order GROUP BY account_id ORDER BY account_id)"
)
# Every order's day number (as orders._day_number) and amount, in that order;
# `bad` counts values that are not whole numbers (the caller then reads rows).
_ORDERS = (
    "SELECT count(*), sum(typeof(d) != 'integer' OR typeof(amount) != 'integer'), "
    "group_concat(d, ','), group_concat(amount, ',') FROM "
    "(SELECT CAST(julianday(order_date) - 2440587.5 AS INTEGER) AS d, amount "
    "FROM account_order ORDER BY account_id, order_key)"
)


def whole_order_arrays(f: SqliteFile, by_id: bool = True) -> OrderArrays | None:
    """orders.order_arrays(session, None) read with sqlite3: every account with
    an imported history, its orders imported and logged as outcomes, sorted by
    account then day. None when a value does not have the form read here (an
    order date SQLite cannot read, an amount that is not whole): the caller
    reads through SQLAlchemy, which says what is wrong.

    `by_id` False: the accounts may come in any order (a caller that finds
    each by its id); from the kept blocks they then come in rowid order, as a
    ranking has them, and nothing is sorted but the logged orders in."""
    packed = order_blocks.read(f)  # kept packed: no scan of the table
    if packed is not None:
        return _from_blocks(f, packed, by_id)
    m, joined_ids, joined_counts = f.rows(_PER_ACCOUNT, [_SEP, ""])[0]
    if not m:
        return order_arrays_empty()
    ids: list[str] = joined_ids.split(_SEP)[:-1]
    counts = _integers(joined_counts, m)
    if len(ids) != m or counts is None:
        return None
    total, bad, joined_days, joined_amounts = f.rows(_ORDERS)[0]
    if bad or total != int(counts.sum()):
        return None
    day = _integers(joined_days, total)
    amount = _integers(joined_amounts, total)
    if day is None or amount is None:
        return None
    del joined_days, joined_amounts
    index = {a: k for k, a in enumerate(ids)}
    group = np.repeat(np.arange(m, dtype=np.intp), counts)
    return with_logged(index, group, day, amount, _logged(f, index))


def _from_blocks(f: SqliteFile, packed: order_blocks.Packed, by_id: bool) -> OrderArrays:
    """The kept history (accounts in rowid order) with the logged orders."""
    if not packed.ids:
        return order_arrays_empty()
    if by_id:
        # the accounts by id, as the table's scan has them: each order takes its
        # account's place in that order, and one stable sort by account then
        # day (with the logged orders) puts the orders where the scan has them
        order = np.argsort(np.array(packed.ids), kind="stable")
        place = np.empty(len(order), dtype=np.intp)
        place[order] = np.arange(len(order), dtype=np.intp)
        ids = [packed.ids[k] for k in order.tolist()]
    else:
        place = np.arange(len(packed.ids), dtype=np.intp)
        ids = packed.ids
    index = {a: k for k, a in enumerate(ids)}
    group = np.repeat(place, packed.counts)
    return with_logged(index, group, packed.day, packed.amount, _logged(f, index))


def _logged(f: SqliteFile, index: dict[str, int]) -> list[tuple[str, int, int]]:
    """orders._logged_orders of the accounts in `index`: (account id, day number,
    amount) of the orders logged as outcomes, corrections applied."""
    from fieldsales.store.lite import _IN_EFFECT, _utc

    rows: list[tuple[Any, ...]] = f.rows(
        "SELECT account_id, occurred_at, order_amount FROM outcome "
        f"WHERE outcome.result = ? AND {_IN_EFFECT}",
        ["order", "undo"],
    )
    return logged_days([(a, _utc(t), amount) for a, t, amount in rows if a in index])
