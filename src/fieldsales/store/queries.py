"""Read queries shared by the CLI and the app (portable SQL: SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa

from fieldsales.domain import results
from fieldsales.domain.vocab import UNDO
from fieldsales.store.columns import (  # noqa: F401  (the names callers import from here)
    _DATE_WIDTH,
    _ID_WIDTH,
    _NO_DUE,
    _NULL,
    _SEP,
    _TS_WIDTH,
    DETAIL_FIELDS,
    FIXED_WIDTH_TEXT,
    LIST_FIELDS,
    RANK_FIELDS,
    IdIndex,
    OutcomeColumns,
    _empty_outcomes,
    _fixed_width,
    _IdIndex,
    _keys,
    _named_in,
    _time_then_id,
    in_time_order,
    kept_rank_fields,
    number_columns,
    outcome_arrays,
    rank_fields,
    text_column,
    whole_columns,
)
from fieldsales.store.schema import ACCOUNT, OUTCOME

if TYPE_CHECKING:  # the ranking never builds the SQLModel classes (store/schema.py)
    from sqlmodel import Session

    from fieldsales.store.models import Account


def _column(name: str) -> sa.Column[Any]:
    return ACCOUNT.c[name]


_IN_CHUNK = 500  # bound the IN (...) list; PostgreSQL and SQLite both accept it


def _raw_rows(session: Session, stmt: Any) -> list[tuple[Any, ...]]:
    """All rows of a whole-table query as plain tuples, straight from the DB-API
    cursor (SQLAlchemy's Row machinery costs ~40% more at 100,000 rows)."""
    conn = session.connection()
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params: Any = compiled.params
    if compiled.positional:
        params = tuple(params[name] for name in compiled.positiontup or ())
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(str(compiled), params)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def rank_columns(
    session: Session,
    account_ids: Iterable[str] | None = None,
    extra: Sequence[str] = (),
    *,
    names: Sequence[str] | None = None,
) -> dict[str, tuple[Any, ...]]:
    """The rank_fields(extra) (or `names`, "id" first) of all or some accounts:
    column name -> one tuple of values per column, accounts in the same order
    in every column.

    Dates come as ISO text (portable CAST) so the caller can convert a whole
    column at once instead of row by row.
    """
    names = rank_fields(extra) if names is None else tuple(names)
    dialect = session.connection().dialect.name
    if account_ids is None and not extra and dialect in ("sqlite", "postgresql"):
        fast = _sqlite_columns(session, names)
        if fast is not None:
            return fast
    cols = [
        sa.cast(_column(n), sa.String).label(n)
        if isinstance(_column(n).type, sa.Date)
        else _column(n)
        for n in names
    ]
    stmt = sa.select(*cols)
    if account_ids is None:
        rows = _raw_rows(session, stmt)
    else:
        ids = list(account_ids)
        rows = []
        for k in range(0, len(ids), _IN_CHUNK):
            rows.extend(session.execute(stmt.where(ACCOUNT.c.id.in_(ids[k : k + _IN_CHUNK]))).all())
    if not rows:
        return {n: () for n in names}
    return dict(zip(names, zip(*rows, strict=True), strict=True))


def _sqlite_columns(session: Session, names: Sequence[str]) -> dict[str, Any] | None:
    """Whole columns of every account (SQLite, and PostgreSQL with string_agg)
    without a Python object per cell where it can: numbers as float arrays (NaN
    for NULL), dates as datetime64[D] arrays (NaT), ids and text as lists cut
    from one text per column. Both queries read in one order (rowid on SQLite,
    id on PostgreSQL), so rows line up. None when a value
    does not fit the form (a separator inside a text, text in a number column):
    the caller reads rows instead."""
    numeric = [n for n in names if isinstance(_column(n).type, (sa.Float, sa.Integer, sa.Boolean))]
    texts = [n for n in names if n not in numeric]
    conn = session.connection()
    # SQLite reads in rowid order; PostgreSQL in id order, numbers and text alike
    postgres = conn.dialect.name == "postgresql"
    rowid: Any = _column("id") if postgres else sa.literal_column("rowid")
    numbers: dict[str, Any] = {}
    if numeric:
        stmt = sa.select(*[_column(n) for n in numeric]).order_by(rowid)
        got = number_columns(numeric, _raw_rows(session, stmt))
        if not got:  # a value that is not a number (None), or no accounts ({})
            return None if got is None else {n: () for n in names}
        numbers = got
    if not texts:
        return numbers

    if postgres:
        stmt = sa.select(
            sa.func.count(), *[_pg_concat(_column(n), _column(n).type) for n in texts]
        ).select_from(ACCOUNT)
    else:
        inner = sa.select(*[_column(n) for n in texts]).order_by(rowid).subquery()
        stmt = sa.select(
            sa.func.count(), *[_concat(inner.c[n], _column(n).type) for n in texts]
        ).select_from(inner)
    m, *joined = conn.execute(stmt).one()
    dates = {n for n in texts if isinstance(_column(n).type, sa.Date)}
    return whole_columns(names, numbers, m, dict(zip(texts, joined, strict=True)), dates)


def _pg_concat(column: Any, kind: Any) -> Any:
    """_concat on PostgreSQL: string_agg in id order (one text per column)."""
    from sqlalchemy.dialects.postgresql import aggregate_order_by

    if isinstance(kind, sa.Date):
        value = sa.func.coalesce(sa.cast(column, sa.String), _NO_DUE)
    else:
        value = sa.func.coalesce(sa.cast(column, sa.String), _NULL)
    empty: Any = sa.literal_column("''")
    return sa.func.string_agg(value.op("||")(_SEP), aggregate_order_by(empty, _column("id")))


def _concat(column: Any, kind: Any) -> Any:
    """A column's values as one text, each followed by _SEP (NULL as _NULL, a
    missing date as _NO_DUE)."""
    if isinstance(kind, sa.Date):
        value = sa.func.coalesce(sa.cast(column, sa.String), _NO_DUE)
    else:
        value = sa.func.coalesce(column, _NULL)
    return sa.func.group_concat(value.op("||")(_SEP), "")


# What planning needs beyond the ranking: the economics of a visit and the
# account's own closed weekdays and opening hours
PLANNING_FIELDS = ("average_order", "gross_margin", "closed_weekdays", "opens_at", "closes_at")


def planning_columns(session: Session) -> tuple[list[str], list[tuple[Any, ...]]]:
    """(ids, one tuple per PLANNING_FIELDS column) of every account, in one query."""
    stmt = sa.select(ACCOUNT.c.id, *[_column(n) for n in PLANNING_FIELDS])
    rows = _raw_rows(session, stmt)
    if not rows:
        return [], [() for _ in PLANNING_FIELDS]
    cols = list(zip(*rows, strict=True))
    return list(cols[0]), cols[1:]


def account_details(
    session: Session, account_ids: Iterable[str], fields: Sequence[str] = DETAIL_FIELDS
) -> dict[str, tuple[Any, ...]]:
    """`fields` (DETAIL_FIELDS) by account id, IN (...) batches of 500 ids."""
    ids = list(account_ids)
    out: dict[str, tuple[Any, ...]] = {}
    stmt = sa.select(ACCOUNT.c.id, *[_column(n) for n in fields])
    for k in range(0, len(ids), _IN_CHUNK):
        for row in _raw_rows(session, stmt.where(ACCOUNT.c.id.in_(ids[k : k + _IN_CHUNK]))):
            out[row[0]] = tuple(row[1:])
    return out


def search_details(session: Session) -> dict[str, tuple[str | None, str | None, str | None]]:
    """(external_id, contact_name, phone) of every account, for the search box."""
    stmt = sa.select(ACCOUNT.c.id, ACCOUNT.c.external_id, ACCOUNT.c.contact_name, ACCOUNT.c.phone)
    return {row[0]: (row[1], row[2], row[3]) for row in session.execute(stmt)}


def _superseded_only() -> sa.ColumnElement[bool]:
    return OUTCOME.c.supersedes.is_not(None)


def in_effect(outcome: sa.Table | None = None) -> sa.ColumnElement[bool]:
    """The outcomes that count: not replaced by a correction, and not an undo.

    `outcome` is the table the query names: the Core OUTCOME (store/schema.py)
    or, by default, the SQLModel class's table.

    Corrections and undos are new events naming the one they replace in
    `supersedes` (both stay in the log); an undo (result `undo`) is itself no
    contact. Every query of stages, follow-ups, KPIs or rates filters on this.
    """
    if outcome is None:
        from fieldsales.store.models import Outcome

        outcome = Outcome.__table__  # type: ignore[attr-defined]
    assert outcome is not None
    superseded = sa.select(outcome.c.supersedes).where(outcome.c.supersedes.is_not(None))
    return sa.and_(outcome.c.id.not_in(superseded), outcome.c.result != UNDO)


def outcome_events(
    session: Session, account_ids: Iterable[str] | None = None
) -> list[tuple[str, datetime, str, date | None]]:
    """(account_id, occurred_at, result, next_action_due), oldest first, corrections applied.

    An outcome named in another's `supersedes` is left out: the correction
    replaces it, while both stay in the log. Undo events are left out too.
    """
    stmt = (
        sa.select(
            OUTCOME.c.account_id,
            OUTCOME.c.occurred_at,
            OUTCOME.c.result,
            OUTCOME.c.next_action_due,
        )
        .where(in_effect(OUTCOME))
        .order_by(OUTCOME.c.occurred_at, OUTCOME.c.id)
    )
    conn = session.connection()
    if account_ids is None:
        return [tuple(r) for r in conn.execute(stmt)]
    ids = list(account_ids)
    out: list[tuple[str, datetime, str, date | None]] = []
    for k in range(0, len(ids), _IN_CHUNK):
        batch = stmt.where(OUTCOME.c.account_id.in_(ids[k : k + _IN_CHUNK]))
        out.extend(tuple(r) for r in conn.execute(batch))
    out.sort(key=lambda e: e[1])
    return out


def _in_effect_stmt(*columns: Any) -> Any:
    return sa.select(*columns).where(in_effect(OUTCOME))


def _sqlite_outcome_arrays(
    session: Session, index: _IdIndex
) -> tuple[OutcomeColumns, npt.NDArray[np.bytes_]] | None:
    """The whole outcome log (SQLite) and the outcome ids, unsorted: one
    aggregate row whose columns are each one text that numpy cuts into
    fixed-width values, without a Python object per event. None when a value
    does not have the width or form SQLAlchemy writes (ids other than 36
    characters, say): the caller then reads rows.

    in_effect() is applied with the same rule but in numpy: an undo, or an
    event named in some `supersedes`, gets account -1, which the caller drops
    as it drops unknown accounts (SQLite's NOT IN over a million rows costs
    more than reading them all and masking).
    """

    def joined(column: Any) -> Any:  # every value followed by _SEP
        return sa.cast(
            sa.func.group_concat(sa.cast(column, sa.String).op("||")(_SEP), ""), sa.LargeBinary
        )

    stmt = sa.select(
        sa.func.count(),
        joined(OUTCOME.c.account_id),
        joined(OUTCOME.c.occurred_at),  # "YYYY-MM-DD HH:MM:SS.ffffff", UTC
        joined(OUTCOME.c.result),
        joined(sa.func.coalesce(sa.cast(OUTCOME.c.next_action_due, sa.String), _NO_DUE)),
        joined(OUTCOME.c.id),
        joined(sa.func.coalesce(OUTCOME.c.channel, "")),
    )
    conn = session.connection()
    row = conn.execute(stmt).one()
    if not row[0]:
        return _empty_outcomes(), np.zeros(0, dtype=f"S{_ID_WIDTH}")
    named = conn.execute(sa.select(OUTCOME.c.supersedes).where(_superseded_only()))
    superseded = {name for (name,) in named if name is not None}
    return outcome_arrays(tuple(row), superseded, index)


def _outcome_rows(session: Session, account_ids: Sequence[str] | None) -> list[tuple[Any, ...]]:
    """(account_id, occurred_at as UTC text or naive UTC datetime, result, due, id) rows
    of the outcomes in effect, straight from the DB-API cursor."""
    conn = session.connection()
    occurred: Any = OUTCOME.c.occurred_at
    if conn.dialect.name == "postgresql":
        occurred = sa.func.timezone("UTC", occurred)  # timestamp, no zone: naive UTC
    else:
        occurred = sa.cast(occurred, sa.String)  # SQLite: the stored UTC text
    stmt = _in_effect_stmt(
        OUTCOME.c.account_id,
        occurred,
        OUTCOME.c.result,
        sa.cast(OUTCOME.c.next_action_due, sa.String),
        OUTCOME.c.id,
        sa.func.coalesce(OUTCOME.c.channel, ""),
    )
    if account_ids is None:
        return _raw_rows(session, stmt)
    rows: list[tuple[Any, ...]] = []
    for k in range(0, len(account_ids), _IN_CHUNK):
        rows.extend(
            _raw_rows(session, stmt.where(OUTCOME.c.account_id.in_(account_ids[k : k + _IN_CHUNK])))
        )
    return rows


def outcome_columns(
    session: Session,
    ids: Sequence[str],
    *,
    all_accounts: bool = True,
    index: _IdIndex | None = None,
) -> OutcomeColumns:
    """The outcomes in effect (in_effect(): corrections applied, undos left out)
    of the accounts `ids`, as arrays ordered like outcome_events: oldest first,
    ties by outcome id. `account` is each event's position in `ids`.

    With all_accounts (ids are every account) the whole log is read at once
    and events of accounts not in `ids` are dropped; otherwise the log is read
    for `ids` only. The columnar twin of outcome_events for ranking: no Python
    object per event on SQLite, one tuple per event on PostgreSQL. `index`:
    an IdIndex of `ids` already built.
    """
    if index is None:
        index = _IdIndex(ids)
    fast = None
    if all_accounts and session.connection().dialect.name == "sqlite":
        fast = _sqlite_outcome_arrays(session, index)
    if fast is not None:
        cols, tie_ids = fast
    else:
        rows = _outcome_rows(session, None if all_accounts else list(ids))
        if not rows:
            return _empty_outcomes()
        acc, occ, res, due, oid, channel = zip(*rows, strict=True)
        cols = OutcomeColumns(
            index.positions(acc),
            np.array(occ, dtype="datetime64[us]"),
            np.array(res, dtype=str),
            np.array([d or "NaT" for d in due], dtype="datetime64[D]"),
            np.array(channel, dtype=str),
        )
        tie_ids = np.array(oid, dtype=object)
    return in_time_order(cols, tie_ids)


def outcome_facts(
    session: Session, account_ids: Iterable[str] | None = None
) -> dict[str, list[tuple[datetime, str, date | None]]]:
    """(occurred_at, result, next_action_due) per account, oldest first, corrections applied."""
    out: dict[str, list[tuple[datetime, str, date | None]]] = {}
    for account_id, occurred_at, result, due in outcome_events(session, account_ids):
        out.setdefault(account_id, []).append((occurred_at, result, due))
    return out


def find_account(session: Session, ref: str) -> Account | None:
    """An account by its id, its external id, or a unique id prefix."""
    from sqlmodel import col, select

    from fieldsales.store.models import Account

    acc = session.get(Account, ref)
    if acc is not None:
        return acc
    acc = session.exec(select(Account).where(col(Account.external_id) == ref)).first()
    if acc is not None:
        return acc
    if len(ref) >= 6:
        found = session.exec(select(Account).where(col(Account.id).startswith(ref)).limit(2)).all()
        if len(found) == 1:
            return found[0]
    return None


def account_count(session: Session) -> int:
    return int(session.execute(sa.select(sa.func.count()).select_from(ACCOUNT)).scalar_one())


def contact_funnel(session: Session) -> list[tuple[str, str, int, int]]:
    """(account_id, channel, appointed, closed) for each account and channel with an
    outcome in effect, in one GROUP BY: appointed is 1 when an appointment or an
    order was logged, closed is 1 when an order was (domain/rates.py counts them)."""
    appointed = sa.func.max(sa.case((OUTCOME.c.result.in_(results.APPOINTED), 1), else_=0))
    closed = sa.func.max(sa.case((OUTCOME.c.result.in_(results.ORDERED), 1), else_=0))
    stmt = (
        sa.select(OUTCOME.c.account_id, OUTCOME.c.channel, appointed, closed)
        .where(in_effect(OUTCOME))
        .group_by(OUTCOME.c.account_id, OUTCOME.c.channel)
    )
    return _raw_rows(session, stmt)  # plain tuples, no Row objects
