"""SQL for the campaign KPIs (issue 14 section 3, METHOD section 7).

Two levels of GROUP BY, both in the database: first per (group, account),
what happened to the account in that group (contacted, reached, responded,
appointed, ordered, reactivated; summed order amounts and costs); then per
group, sums of those. Only outcomes in effect count (queries.in_effect).

Grouping by rank cannot be done in SQL (the rank is computed in Python from
the scores); `account_figures` returns the first level per account and the
service sums it per rank with numpy, as services/rates.py does.

Local dates: an outcome's local day is its UTC time shifted by a fixed
offset in minutes (the machine's offset, as the rest of the app shows local
time), compiled per dialect below.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlmodel import Session, col

from fieldsales.config import Settings
from fieldsales.store.models import Account, Outcome
from fieldsales.store.queries import in_effect
from fieldsales.store.route_report import dormant_when_logged, order_with_amount

GROUPS = ("channel", "reason", "rep", "week", "month")  # grouped in SQL; rank is not

REACHED = ("contacted", "interested", "next_action", "appointment", "order", "refused")
RESPONDED = ("interested", "next_action", "appointment", "order")
APPOINTED = ("appointment", "order")  # an order implies the meeting happened


class local_period(FunctionElement[str]):  # named like the SQL function it stands for
    """The local week (its Monday, YYYY-MM-DD) or month (YYYY-MM) of a UTC timestamp."""

    type = sa.String()
    inherit_cache = True
    name = "local_period"
    # unit and offset are compiled into the SQL, so they belong in the statement cache key
    _traverse_internals = [  # noqa: RUF012 (SQLAlchemy declares it this way)
        *FunctionElement._traverse_internals,
        ("unit", InternalTraversal.dp_string),
        ("offset_minutes", InternalTraversal.dp_plain_obj),
    ]

    def __init__(self, moment: Any, unit: str, offset_minutes: int) -> None:
        self.unit = unit
        self.offset_minutes = offset_minutes
        super().__init__(moment)


@compiles(local_period)
def _local_period_default(element: local_period, compiler: SQLCompiler, **kw: Any) -> str:
    (moment,) = (compiler.process(c, **kw) for c in element.clauses)
    local = f"(({moment}) AT TIME ZONE 'UTC' + INTERVAL '{int(element.offset_minutes)} minutes')"
    if element.unit == "week":
        return f"to_char(date_trunc('week', {local}), 'YYYY-MM-DD')"
    return f"to_char({local}, 'YYYY-MM')"


@compiles(local_period, "sqlite")
def _local_period_sqlite(element: local_period, compiler: SQLCompiler, **kw: Any) -> str:
    (moment,) = (compiler.process(c, **kw) for c in element.clauses)
    shift = f"'{int(element.offset_minutes):+d} minutes'"
    if element.unit == "week":  # 'weekday 0' moves to the next Sunday (or stays); -6 days: Monday
        return f"date({moment}, {shift}, 'weekday 0', '-6 days')"
    return f"strftime('%Y-%m', {moment}, {shift})"


@dataclass(frozen=True)
class GroupFigures:
    key: str
    contacted: int  # accounts with any outcome in effect
    reached: int  # accounts met or answered (a result other than no_answer)
    responded: int  # interested, next action, appointment or order
    appointed: int  # appointment or order
    ordered: int  # accounts with an order
    orders: int  # order outcomes with an amount
    revenue: int  # yen
    reactivated: int  # accounts whose order came while they were dormant
    cost: int  # yen, the costs logged on the outcomes


def _flag(cond: sa.ColumnElement[bool]) -> sa.ColumnElement[Any]:
    return sa.func.max(sa.case((cond, 1), else_=0))


def _per_account(
    settings: Settings,
    key: sa.ColumnElement[Any],
    *,
    constant: bool = False,
    start: datetime | None,
    end: datetime | None,
    rep: str | None,
) -> sa.Select[Any]:
    """One row per (group key, account): what the account's outcomes in effect reached."""
    result = col(Outcome.result)
    is_order = order_with_amount()
    was_dormant = dormant_when_logged(settings)
    stmt = (
        sa.select(
            key.label("key"),
            col(Outcome.account_id).label("account_id"),
            _flag(result.in_(REACHED)).label("reached"),
            _flag(result.in_(RESPONDED)).label("responded"),
            _flag(result.in_(APPOINTED)).label("appointed"),
            _flag(result == "order").label("ordered"),
            sa.func.sum(sa.case((is_order, 1), else_=0)).label("orders"),
            sa.func.sum(sa.case((is_order, col(Outcome.order_amount)), else_=0)).label("revenue"),
            _flag(sa.and_(is_order, was_dormant)).label("reactivated"),
            sa.func.sum(sa.func.coalesce(col(Outcome.cost), 0)).label("cost"),
        )
        .select_from(Outcome)
        .join(Account, col(Account.id) == col(Outcome.account_id))
        .where(in_effect())
    )
    # a constant key is not grouped by (PostgreSQL refuses a constant in GROUP BY)
    stmt = (
        stmt.group_by(col(Outcome.account_id))
        if constant
        else stmt.group_by(key, col(Outcome.account_id))
    )
    if start is not None:
        stmt = stmt.where(col(Outcome.occurred_at) >= start)
    if end is not None:
        stmt = stmt.where(col(Outcome.occurred_at) < end)
    if rep is not None:
        stmt = stmt.where(col(Outcome.rep) == rep)
    return stmt


def _key(by: str, offset_minutes: int) -> Any:  # a column or an SQL expression
    if by == "channel":
        return col(Outcome.channel)
    if by == "reason":
        return sa.func.coalesce(col(Account.main_reason), "unknown")
    if by == "rep":
        return col(Outcome.rep)
    if by in ("week", "month"):
        return local_period(col(Outcome.occurred_at), by, offset_minutes)
    if by == "total":
        return sa.literal_column("'total'", sa.String)
    raise ValueError(by)


_SUMMED = ("reached", "responded", "appointed", "ordered", "orders", "revenue", "reactivated")


def group_figures(
    *,
    session: Session,
    settings: Settings,
    by: str,
    offset_minutes: int = 0,
    start: datetime | None = None,
    end: datetime | None = None,
    rep: str | None = None,
) -> list[GroupFigures]:
    """Per group of `by` (one of GROUPS, or "total" for one row), in key order."""
    key = _key(by, offset_minutes)
    inner = _per_account(
        settings, key, constant=by == "total", start=start, end=end, rep=rep
    ).subquery("per_account")
    stmt = (
        sa.select(
            inner.c.key,
            sa.func.count(),
            *[sa.func.sum(inner.c[n]) for n in _SUMMED],
            sa.func.sum(inner.c.cost),
        )
        .group_by(inner.c.key)
        .order_by(inner.c.key)
    )
    return [GroupFigures(str(r[0]), *(int(v or 0) for v in r[1:])) for r in session.execute(stmt)]


def account_figures(
    *,
    session: Session,
    settings: Settings,
    start: datetime | None = None,
    end: datetime | None = None,
    rep: str | None = None,
) -> list[tuple[Any, ...]]:
    """Per contacted account: (account_id, reached, responded, appointed, ordered,
    orders, revenue, reactivated, cost), for grouping by a key computed outside SQL."""
    inner = _per_account(
        settings, _key("total", 0), constant=True, start=start, end=end, rep=rep
    ).subquery("per_account")
    stmt = sa.select(inner.c.account_id, *[inner.c[n] for n in _SUMMED], inner.c.cost)
    return [tuple(r) for r in session.execute(stmt)]


def account_counts(*, session: Session, by: str) -> dict[str, int]:
    """Accounts per main reason (by "reason") or in all ("total"): the contact rate's targets."""
    if by == "reason":
        key = sa.func.coalesce(col(Account.main_reason), "unknown")
        rows = session.execute(sa.select(key, sa.func.count()).group_by(key))
        return {str(k): int(n) for k, n in rows}
    total = session.execute(sa.select(sa.func.count()).select_from(Account)).scalar_one()
    return {"total": int(total)}
