"""Read queries shared by the CLI and the app (portable SQL: SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from fieldsales.domain.vocab import UNDO
from fieldsales.store.models import Account, Outcome

# Columns ranking, filtering and the list need for every account (kept small:
# fetching 100,000 rows is dominated by string decoding).
RANK_FIELDS = (
    "id",
    "company",
    "company_kana",
    "site",
    "prefecture",
    "city",
    "lat",
    "lon",
    "geo_precision",
    "owner_rep",
    "lifetime_revenue",
    "last_order_date",
    "purchase_cycle_days",
    "main_reason",
    "reason_solvable",
    "competitor_status",
    "digital_responsiveness",
    "do_not_contact",
)

# Columns only a shown account needs; loaded in batches on first access.
DETAIL_FIELDS = (
    "external_id",
    "address",
    "postal_code",
    "industry",
    "contact_name",
    "phone",
    "average_order",
    "gross_margin",
    "last_product",
)


def _column(name: str) -> sa.Column[Any]:
    return Account.__table__.c[name]  # type: ignore[attr-defined]


_IN_CHUNK = 500  # bound the IN (...) list; PostgreSQL and SQLite both accept it


def _raw_rows(session: Session, stmt: Any) -> list[tuple[Any, ...]]:
    """All rows of a whole-table query as plain tuples, straight from the DB-API
    cursor (SQLAlchemy's Row machinery costs ~40% more at 100,000 rows)."""
    conn = session.connection()
    sql = str(stmt.compile(dialect=conn.dialect))
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def rank_columns(
    session: Session, account_ids: Iterable[str] | None = None, extra: Sequence[str] = ()
) -> list[tuple[Any, ...]]:
    """The RANK_FIELDS (then the `extra` columns) of all or some accounts, as
    column tuples (one per column).

    Dates come as ISO text (portable CAST) so the caller can convert a whole
    column at once instead of row by row.
    """
    cols = [
        sa.cast(_column(n), sa.String).label(n) if n == "last_order_date" else _column(n)
        for n in (*RANK_FIELDS, *extra)
    ]
    stmt = sa.select(*cols)
    if account_ids is None:
        rows = _raw_rows(session, stmt)
    else:
        ids = list(account_ids)
        rows = []
        for k in range(0, len(ids), _IN_CHUNK):
            rows.extend(
                session.execute(stmt.where(col(Account.id).in_(ids[k : k + _IN_CHUNK]))).all()
            )
    if not rows:
        return [() for _ in cols]
    return list(zip(*rows, strict=True))


# What planning needs beyond the ranking: the economics of a visit and the
# account's own closed weekdays and opening hours
PLANNING_FIELDS = ("average_order", "gross_margin", "closed_weekdays", "opens_at", "closes_at")


def planning_columns(session: Session) -> tuple[list[str], list[tuple[Any, ...]]]:
    """(ids, one tuple per PLANNING_FIELDS column) of every account, in one query."""
    stmt = sa.select(col(Account.id), *[_column(n) for n in PLANNING_FIELDS])
    rows = _raw_rows(session, stmt)
    if not rows:
        return [], [() for _ in PLANNING_FIELDS]
    cols = list(zip(*rows, strict=True))
    return list(cols[0]), cols[1:]


def account_details(session: Session, account_ids: Iterable[str]) -> dict[str, tuple[Any, ...]]:
    """DETAIL_FIELDS by account id."""
    ids = list(account_ids)
    out: dict[str, tuple[Any, ...]] = {}
    stmt = sa.select(col(Account.id), *[_column(n) for n in DETAIL_FIELDS])
    for k in range(0, len(ids), _IN_CHUNK):
        for row in session.execute(stmt.where(col(Account.id).in_(ids[k : k + _IN_CHUNK]))):
            out[row[0]] = tuple(row[1:])
    return out


def in_effect() -> sa.ColumnElement[bool]:
    """The outcomes that count: not replaced by a correction, and not an undo.

    Corrections and undos are new events naming the one they replace in
    `supersedes` (both stay in the log); an undo (result `undo`) is itself no
    contact. Every query of stages, follow-ups, KPIs or rates filters on this.
    """
    superseded = sa.select(col(Outcome.supersedes)).where(col(Outcome.supersedes).is_not(None))
    return sa.and_(col(Outcome.id).not_in(superseded), col(Outcome.result) != UNDO)


def outcome_events(
    session: Session, account_ids: Iterable[str] | None = None
) -> list[tuple[str, datetime, str, date | None]]:
    """(account_id, occurred_at, result, next_action_due), oldest first, corrections applied.

    An outcome named in another's `supersedes` is left out: the correction
    replaces it, while both stay in the log. Undo events are left out too.
    """
    stmt = (
        sa.select(
            col(Outcome.account_id),
            col(Outcome.occurred_at),
            col(Outcome.result),
            col(Outcome.next_action_due),
        )
        .where(in_effect())
        .order_by(col(Outcome.occurred_at), col(Outcome.id))
    )
    conn = session.connection()
    if account_ids is None:
        return [tuple(r) for r in conn.execute(stmt)]  # type: ignore[misc]
    ids = list(account_ids)
    out: list[tuple[str, datetime, str, date | None]] = []
    for k in range(0, len(ids), _IN_CHUNK):
        batch = stmt.where(col(Outcome.account_id).in_(ids[k : k + _IN_CHUNK]))
        out.extend(tuple(r) for r in conn.execute(batch))  # type: ignore[misc]
    out.sort(key=lambda e: e[1])
    return out


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
    return int(session.execute(sa.select(sa.func.count()).select_from(Account)).scalar_one())


def contact_funnel(session: Session) -> list[tuple[str, str, int, int]]:
    """(account_id, channel, appointed, closed) for each account and channel with an
    outcome in effect, in one GROUP BY: appointed is 1 when an appointment or an
    order was logged, closed is 1 when an order was (domain/rates.py counts them)."""
    appointed = sa.func.max(
        sa.case((col(Outcome.result).in_(["appointment", "order"]), 1), else_=0)
    )
    closed = sa.func.max(sa.case((col(Outcome.result) == "order", 1), else_=0))
    stmt = (
        sa.select(col(Outcome.account_id), col(Outcome.channel), appointed, closed)
        .where(in_effect())
        .group_by(col(Outcome.account_id), col(Outcome.channel))
    )
    return [tuple(r) for r in session.execute(stmt)]
