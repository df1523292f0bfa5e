"""The ranking's reads from either kind of source: an up-to-date SQLite file
read with sqlite3 (store/lite.py, no SQLAlchemy imported) or an engine
(store/queries.py and store/orders.py through SQLAlchemy: PostgreSQL, and
any SQLite file the plain path did not open). Both give the same values.

A read the plain path does not do, or whose values do not have the form it
reads whole (ids other than uuid text, say), goes through SQLAlchemy on the
same file (SqliteFile.engine).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

from fieldsales.store import lite
from fieldsales.store.columns import (
    DETAIL_FIELDS,
    OrderArrays,
    OutcomeColumns,
    _day_numbers,
    _IdIndex,
    fit_hash,
    logged_days,
    order_arrays_empty,
    rank_fields,
    with_logged,
)
from fieldsales.store.lite import SqliteFile
from fieldsales.store.team.publication_row import Publication

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from fieldsales.config import Scoring
    from fieldsales.store import rank_blocks

# What the ranking reads from: an engine, or a SQLite file read with sqlite3.
Source: TypeAlias = "Engine | SqliteFile"

_SCAN_ABOVE = 5000  # as store/orders.py: more accounts than this scan the whole table


def as_engine(source: Source) -> Engine:
    """The SQLAlchemy engine of a source (for writes and the other reads)."""
    return source.engine() if isinstance(source, SqliteFile) else source


def rank_columns(
    source: Source,
    account_ids: Iterable[str] | None = None,
    extra: Sequence[str] = (),
    *,
    names: Sequence[str] | None = None,
) -> dict[str, Any]:
    """queries.rank_columns: columns of all (or some) accounts, name -> values."""
    if isinstance(source, SqliteFile) and account_ids is None and not extra:
        got = lite.rank_columns(source, rank_fields(extra) if names is None else tuple(names))
        if got is not None:
            return got
    from fieldsales.store import queries, unit

    with unit.reading(as_engine(source)) as session:
        return queries.rank_columns(session, account_ids, extra, names=names)


def kept_inputs(source: Source, scoring: Scoring) -> rank_blocks.Kept | None:
    """Every account's ranking inputs as kept in a SQLite file's blocks
    (store/rank_blocks.py); None for any other source, or when they cannot be
    kept (the caller reads the tables)."""
    if not isinstance(source, SqliteFile):
        return None
    from fieldsales.store import rank_blocks

    return rank_blocks.read(source, scoring)


def outcome_columns(
    source: Source, ids: Sequence[str], *, all_accounts: bool, index: _IdIndex
) -> OutcomeColumns:
    """queries.outcome_columns: the outcomes in effect as arrays, oldest first."""
    if isinstance(source, SqliteFile) and all_accounts:
        got = lite.outcome_columns(source, index)
        if got is not None:
            return got
    from fieldsales.store import queries, unit

    with unit.reading(as_engine(source)) as session:
        return queries.outcome_columns(session, ids, all_accounts=all_accounts, index=index)


def account_details(
    source: Source, account_ids: Sequence[str], fields: Sequence[str] = DETAIL_FIELDS
) -> dict[str, tuple[Any, ...]]:
    """queries.account_details: `fields` by account id."""
    if isinstance(source, SqliteFile):
        return lite.account_details(source, list(account_ids), fields)
    from fieldsales.store import queries, unit

    with unit.reading(source) as session:
        return queries.account_details(session, account_ids, fields)


def contact_funnel(source: Source) -> list[tuple[Any, ...]]:
    """queries.contact_funnel: (account_id, channel, appointed, closed) rows."""
    if isinstance(source, SqliteFile):
        from fieldsales.domain import results

        return lite.contact_funnel(source, results.APPOINTED, results.ORDERED)
    from fieldsales.store import queries, unit

    with unit.reading(source) as session:
        return queries.contact_funnel(session)


def account_count(source: Source) -> int:
    if isinstance(source, SqliteFile):
        return lite.account_count(source)
    from fieldsales.store import queries, unit

    with unit.reading(source) as session:
        return queries.account_count(session)


def latest_publications(source: Source) -> dict[str, Publication]:
    """publication.latest: the newest published version of each kind."""
    if isinstance(source, SqliteFile):
        fields = tuple(Publication.__dataclass_fields__)
        return {r["kind"]: Publication(**r) for r in lite.latest_publications(source, fields)}
    from fieldsales.store.team import publication

    return publication.latest(source)


def order_arrays(
    source: Source, account_ids: Sequence[str] | None = None, by_id: bool = True
) -> OrderArrays:
    """orders.order_arrays: the order history of these accounts (None: of every
    account with an imported history). `by_id` False: every account's in any
    order of the accounts (a SQLite file's kept blocks: in rowid order)."""
    if isinstance(source, SqliteFile) and account_ids is not None:
        wanted = sorted(set(account_ids))
        if len(wanted) <= _SCAN_ABOVE:
            return _few_orders(source, wanted)
    if isinstance(source, SqliteFile) and account_ids is None:
        from fieldsales.store.order_scan import whole_order_arrays

        got = whole_order_arrays(source, by_id)
        if got is not None:
            return got
    from fieldsales.store import orders, unit

    with unit.reading(as_engine(source)) as session:
        return orders.order_arrays(session, account_ids)


def _few_orders(f: SqliteFile, wanted: list[str]) -> OrderArrays:
    """orders.order_arrays by IN (...) lookups, read with sqlite3."""
    import numpy as np

    rows = lite.order_rows(f, wanted)
    if not rows:
        return order_arrays_empty()
    index: dict[str, int] = {}
    acc, day_col, amt_col = zip(*rows, strict=True)
    group = np.array([index.setdefault(a, len(index)) for a in acc], np.intp)
    day = _day_numbers(day_col)
    amount = np.array(amt_col, dtype=np.int64)
    return with_logged(index, group, day, amount, logged_days(lite.logged_orders(f, list(index))))


def fit_fingerprint(source: Source, config: str) -> str:
    """orders.fit_fingerprint: what the kept BG/NBD fit was fitted on."""
    if isinstance(source, SqliteFile):
        return fit_hash(lite.fit_facts(source), config)
    from fieldsales.store import orders, unit

    with unit.reading(source) as session:
        return orders.fit_fingerprint(session, config)


def kept_fit(source: Source, fingerprint: str) -> str | None:
    """orders.kept_fit: the parameters kept for this fingerprint, or None."""
    if isinstance(source, SqliteFile):
        return lite.kept_fit(source, fingerprint)
    from fieldsales.store import orders, unit

    with unit.reading(source) as session:
        return orders.kept_fit(session, fingerprint)
