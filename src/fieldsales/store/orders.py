"""Order history (account_order): what each account's order fields are derived
from, and the columns the churn signs and the BG/NBD model read.

`refresh_derived` is the ONE place that writes the derived fields; everything
that adds orders (import-orders, an outcome logged with result `order`, an
import of the outcome log, an account import that typed over them) calls it
for the accounts it touched. For an account with a history it sets:

- first_order_date: the first order, imported or logged;
- last_order_date: the last order of the imported history. An order logged as
  an outcome is not written here: the stage already moves on it, and an order
  logged after dormancy must stay visible as `revived` (domain/dormancy.py);
- order_count, lifetime_revenue, average_order: over imported and logged orders;
- purchase_cycle_days: the usual interval, the median gap in days between
  distinct order days (left as typed when there is no gap yet).

Accounts without a history keep the values typed in the account file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from fieldsales.domain.vocab import Result
from fieldsales.store.columns import (
    OrderArrays,
    _day_numbers,
    fit_hash,
    logged_days,
    order_arrays_empty,
    with_logged,
)
from fieldsales.store.queries import in_effect
from fieldsales.store.schema import ACCOUNT, FIT, ORDER, OUTCOME, utcnow
from fieldsales.store.scores import refresh_scores

if TYPE_CHECKING:
    from sqlmodel import Session

_IN_CHUNK = 500
# Above this many accounts one scan of the whole table beats IN (...) lookups.
_SCAN_ABOVE = 5000
_EPOCH = np.datetime64("1970-01-01", "D")
_EPOCH_DATE = date(1970, 1, 1)


def _conn(bind: Connection | Session) -> Connection:
    return bind if isinstance(bind, Connection) else bind.connection()


_FETCH = 200_000  # rows per fetch of a whole-table scan, converted to arrays at once


def _day_number(dialect: str) -> Any:
    """The order date as days since 1970-01-01, computed by the database (no
    date text parsed per row in Python)."""
    if dialect == "sqlite":
        return sa.cast(sa.func.julianday(ORDER.c.order_date) - 2440587.5, sa.Integer)
    return sa.literal_column("(account_order.order_date - DATE '1970-01-01')", sa.Integer)


def _cursor_rows(conn: Connection, stmt: Any) -> Iterator[Sequence[Any]]:
    """A query's rows in chunks, straight from the DB-API cursor."""
    compiled = stmt.compile(dialect=conn.dialect)
    params: Any = compiled.params
    if compiled.positional:
        params = tuple(params[name] for name in compiled.positiontup or ())
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(str(compiled), params)
        while rows := cursor.fetchmany(_FETCH):
            yield rows
    finally:
        cursor.close()


def _scan(
    conn: Connection, keep: set[str] | None, index: dict[str, int]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Every order as arrays: the accounts and their order counts in one query,
    (day number, amount) of every order in account order in another, so that
    2,000,000 orders come as pairs of integers, not account ids and dates."""
    per_account = (
        sa.select(ORDER.c.account_id, sa.func.count())
        .group_by(ORDER.c.account_id)
        .order_by(ORDER.c.account_id)
    )
    ids: list[str] = []
    counts: list[int] = []
    for rows in _cursor_rows(conn, per_account):
        for account_id, n in rows:
            ids.append(account_id)
            counts.append(n)
    stmt = sa.select(_day_number(conn.dialect.name), ORDER.c.amount).order_by(ORDER.c.account_id)
    parts = [np.array(rows, dtype=np.int64).reshape(-1, 2) for rows in _cursor_rows(conn, stmt)]
    pairs = np.concatenate(parts) if parts else np.zeros((0, 2), dtype=np.int64)
    count = np.array(counts, dtype=np.int64)
    if keep is not None:
        wanted = np.array([a in keep for a in ids], dtype=bool)
        pairs = pairs[np.repeat(wanted, count)]
        ids = [a for a, w in zip(ids, wanted, strict=True) if w]
        count = count[wanted]
    for a in ids:
        index.setdefault(a, len(index))
    group = np.repeat(np.arange(len(ids), dtype=np.intp), count)
    return group, pairs[:, 0].copy(), pairs[:, 1].copy()


def order_arrays(
    bind: Connection | Session, account_ids: Iterable[str] | None = None
) -> OrderArrays:
    """The order history (imported, plus orders logged as outcomes) of the given
    accounts, or of every account with an imported history (None)."""
    conn = _conn(bind)
    wanted = None if account_ids is None else sorted(set(account_ids))
    stmt = sa.select(ORDER.c.account_id, sa.cast(ORDER.c.order_date, sa.String), ORDER.c.amount)
    index: dict[str, int] = {}
    groups: list[Any] = []
    days: list[Any] = []
    amounts: list[Any] = []
    if wanted is None or len(wanted) > _SCAN_ABOVE:
        keep = None if wanted is None else set(wanted)
        g, d, a = _scan(conn, keep, index)
        groups, days, amounts = [g], [d], [a]
    else:
        for k in range(0, len(wanted), _IN_CHUNK):
            chunk = wanted[k : k + _IN_CHUNK]
            rows = conn.execute(stmt.where(ORDER.c.account_id.in_(chunk))).all()
            if rows:
                acc, day_col, amt_col = zip(*rows, strict=True)
                groups.append(np.array([index.setdefault(a, len(index)) for a in acc], np.intp))
                days.append(_day_numbers(day_col))
                amounts.append(np.array(amt_col, dtype=np.int64))
    if not groups or not sum(len(g) for g in groups):
        return order_arrays_empty()
    group = np.concatenate(groups)
    day = np.concatenate(days)
    amount = np.concatenate(amounts)
    del groups, days, amounts
    # Orders logged as outcomes, of these accounts only (corrections applied).
    return with_logged(index, group, day, amount, _logged_orders(conn, list(index)))


def _logged_orders(conn: Connection, ids: list[str]) -> list[tuple[str, int, int]]:
    """(account id, day number, amount) of the orders logged as outcomes."""
    stmt = sa.select(OUTCOME.c.account_id, OUTCOME.c.occurred_at, OUTCOME.c.order_amount).where(
        OUTCOME.c.result == Result.order.value, in_effect(OUTCOME)
    )
    if len(ids) > _SCAN_ABOVE:
        keep = set(ids)
        found = [r for r in conn.execute(stmt) if r[0] in keep]
    else:
        found = []
        for k in range(0, len(ids), _IN_CHUNK):
            found.extend(conn.execute(stmt.where(OUTCOME.c.account_id.in_(ids[k : k + _IN_CHUNK]))))
    return logged_days(found)


@dataclass
class Derived:
    """Per account of OrderArrays.ids: the derived fields (NaN/-1: none)."""

    ids: list[str]
    first: npt.NDArray[np.int64]
    last: npt.NDArray[np.int64]  # last imported order; -1 when only logged ones
    count: npt.NDArray[np.int64]
    revenue: npt.NDArray[np.int64]
    interval: npt.NDArray[np.float64]  # median gap between distinct days; NaN: no gap


def derive(orders: OrderArrays) -> Derived:
    """The derived fields of every account in `orders`, vectorised."""
    n = len(orders.ids)
    starts = orders.starts()
    if not n:
        z = np.zeros(0, dtype=np.int64)
        return Derived([], z, z, z, z, np.zeros(0))
    first = np.minimum.reduceat(orders.day, starts)
    count = np.diff(np.append(starts, len(orders.day)))
    revenue = np.add.reduceat(orders.amount, starts)
    imported_day = np.where(orders.imported, orders.day, -1)
    last = np.maximum.reduceat(imported_day, starts)
    return Derived(
        orders.ids, first, last, count, revenue, median_gaps(orders.group, orders.day, n)
    )


def median_gaps(
    group: npt.NDArray[np.intp], day: npt.NDArray[np.int64], n: int
) -> npt.NDArray[np.float64]:
    """Median gap (days) between distinct order days per group; NaN with one day.
    `group` and `day` sorted by group, then day."""
    out = np.full(n, np.nan)
    if len(day) < 2:
        return out
    distinct = np.ones(len(day), dtype=bool)
    distinct[1:] = (group[1:] != group[:-1]) | (day[1:] != day[:-1])
    g, d = group[distinct], day[distinct]
    same = g[1:] == g[:-1]
    gg, gap = g[1:][same], np.diff(d)[same]
    if not len(gap):
        return out
    order = np.lexsort((gap, gg))
    gg, gap = gg[order], gap[order]
    starts = np.concatenate(([0], np.flatnonzero(gg[1:] != gg[:-1]) + 1))
    sizes = np.diff(np.append(starts, len(gg)))
    low = gap[starts + (sizes - 1) // 2]
    high = gap[starts + sizes // 2]
    out[gg[starts]] = (low + high) / 2.0
    return out


def _date(day: int) -> date:
    return _EPOCH_DATE + timedelta(days=day)


def refresh_derived(bind: Connection | Session, account_ids: Iterable[str] | None = None) -> int:
    """Recompute the derived order fields of these accounts (None: every account
    with an imported history) from their orders; returns how many were written.

    Call it after any write that adds or changes orders, in the same
    transaction. Accounts without an imported history are left as typed.
    """
    conn = _conn(bind)
    orders = order_arrays(conn, account_ids)
    if not orders.ids:
        return 0
    has_history = np.zeros(len(orders.ids), dtype=bool)
    has_history[orders.group[orders.imported]] = True
    d = derive(orders)
    with_cycle: list[dict[str, Any]] = []
    without: list[dict[str, Any]] = []
    for i in np.flatnonzero(has_history):
        count = int(d.count[i])
        params: dict[str, Any] = {
            "p_id": d.ids[i],
            "p_first": _date(int(d.first[i])),
            "p_last": _date(int(d.last[i])),
            "p_count": count,
            "p_revenue": int(d.revenue[i]),
            "p_average": round(int(d.revenue[i]) / count),
        }
        if np.isnan(d.interval[i]):
            without.append(params)
        else:
            params["p_cycle"] = max(1, round(float(d.interval[i])))
            with_cycle.append(params)
    values: dict[str, Any] = {
        "first_order_date": sa.bindparam("p_first"),
        "last_order_date": sa.bindparam("p_last"),
        "order_count": sa.bindparam("p_count"),
        "lifetime_revenue": sa.bindparam("p_revenue"),
        "average_order": sa.bindparam("p_average"),
    }
    where = ACCOUNT.c.id == sa.bindparam("p_id")
    if with_cycle:
        stmt = (
            ACCOUNT.update()
            .where(where)
            .values(**values, purchase_cycle_days=sa.bindparam("p_cycle"))
        )
        conn.execute(stmt, with_cycle)
    if without:
        conn.execute(ACCOUNT.update().where(where).values(**values), without)
    # the kept scores read these fields: the next ranking scores these accounts anew
    refresh_scores(conn, [p["p_id"] for p in (*with_cycle, *without)])
    return len(with_cycle) + len(without)


def has_history(bind: Connection | Session, account_id: str) -> bool:
    conn = _conn(bind)
    stmt = sa.select(ORDER.c.id).where(ORDER.c.account_id == account_id).limit(1)
    return conn.execute(stmt).first() is not None


def account_orders(bind: Connection | Session, account_id: str) -> list[tuple[date, int]]:
    """(day, amount) of one account's orders, imported and logged, oldest first."""
    orders = order_arrays(bind, [account_id])
    return [(_date(int(d)), int(a)) for d, a in zip(orders.day, orders.amount, strict=True)]


def account_codes(bind: Connection | Session) -> dict[str, str]:
    """external id -> account id, of every account that has one."""
    conn = _conn(bind)
    stmt = sa.select(ACCOUNT.c.external_id, ACCOUNT.c.id).where(ACCOUNT.c.external_id.is_not(None))
    return {code: aid for code, aid in conn.execute(stmt)}


def order_count(bind: Connection | Session) -> int:
    conn = _conn(bind)
    return int(conn.execute(sa.select(sa.func.count()).select_from(ORDER)).scalar_one())


# The kept model fit (table model_fit, migration 0010): the BG/NBD and
# Gamma-Gamma parameters, keyed by a fingerprint of the orders they were
# fitted on and of the config that shaped the fit. Every writer of orders is
# covered without calling anything: new, changed or removed orders (imported,
# logged as outcomes, corrected, pulled by a sync) change the fingerprint, and
# the next ranking fits again and keeps the new parameters.


def fit_fingerprint(bind: Connection | Session, config: str) -> str:
    """A fingerprint of every order the fit reads and of `config` (the `clv:`
    settings as text). Imported orders are only ever added (import-orders
    inserts, nothing updates or deletes them): their count and last id say
    which are there, both read without scanning the rows (~1 ms and ~50 ms at
    2,000,000 orders). Orders logged as outcomes can be corrected or undone:
    their count, sum and last time."""
    conn = _conn(bind)
    last_id = conn.execute(sa.select(sa.func.max(ORDER.c.id))).scalar()
    count = conn.execute(sa.select(sa.func.count()).select_from(ORDER)).scalar()
    logged = conn.execute(
        sa.select(
            sa.func.count(), sa.func.sum(OUTCOME.c.order_amount), sa.func.max(OUTCOME.c.occurred_at)
        ).where(OUTCOME.c.result == Result.order.value, in_effect(OUTCOME))
    ).one()
    return fit_hash((last_id, count, *logged), config)


def kept_fit(bind: Connection | Session, fingerprint: str) -> str | None:
    """The parameters kept for this fingerprint (JSON text), or None."""
    conn = _conn(bind)
    stmt = sa.select(FIT.c.params).where(FIT.c.fingerprint == fingerprint)
    return conn.execute(stmt).scalar_one_or_none()


def keep_fit(engine: Engine, fingerprint: str, params: str) -> bool:
    """Keep freshly fitted parameters, in their own transaction; on SQLite the
    rows of older fingerprints go. A database that cannot be written
    (read-only, busy, a role without the grant) keeps nothing: False."""
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "sqlite":
                conn.execute(FIT.delete())
            elif kept_fit(conn, fingerprint) is not None:  # another client kept it first
                return True
            conn.execute(
                FIT.insert().values(fingerprint=fingerprint, params=params, created_at=utcnow())
            )
        return True
    except sa.exc.DBAPIError:
        return False
