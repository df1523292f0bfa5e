"""SQL for the campaign KPIs (issue 14 section 3, docs/method.md#kpis).

Two levels of GROUP BY, both in the database: first per (group, account),
what happened to the account in that group (contacted, reached, responded,
appointed, ordered; summed order amounts and costs; the time of its last
order), read from the outcome table alone through its covering index
(migration 0005); then, joined to the account, per group: sums of those,
reactivations (the last order came while the account was dormant: the rule
is monotone in time, so the last order decides) and gross profit (revenue x
the account's margin). Grouping by the account's reason happens at the
second level. Only outcomes in effect count (queries.in_effect).

Grouping by rank cannot be done in SQL (the rank is computed in Python from
the scores); `account_figures` returns the per-(group, account) rows and the
service sums them per rank with numpy, as services/rates.py does.

Local dates: an outcome's local day is its UTC time shifted by a fixed
offset in minutes (the machine's offset, as the rest of the app shows local
time), compiled per dialect below.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlmodel import Session, col

from fieldsales.config import Settings
from fieldsales.domain.results import APPOINTED, ORDERED, REACHED, RESPONDED
from fieldsales.store.models import Account, Outcome
from fieldsales.store.queries import in_effect
from fieldsales.store.route_report import days_between, dormant_when_logged, order_with_amount

GROUPS = ("channel", "reason", "rep", "week", "month")  # grouped in SQL; rank is not

# the funnel's sets of results come from the one table of what each result
# means (domain/results.py): REACHED, RESPONDED, APPOINTED, ORDERED


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
    cost: int  # yen: the cost logged on each outcome, else kpi.contact_cost of its channel
    gross_profit: int  # yen: revenue x the account's gross margin (else roi.gross_margin)


ZERO = GroupFigures("", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)


@dataclass(frozen=True)
class Window:
    """Which outcomes count: logged in [start, end), by `rep`, on `channel`, for
    accounts whose main reason is `reason` (None: all)."""

    start: datetime | None = None
    end: datetime | None = None
    rep: str | None = None
    channel: str | None = None
    reason: str | None = None


def _flag(cond: sa.ColumnElement[bool]) -> sa.ColumnElement[Any]:
    return sa.func.max(sa.case((cond, 1), else_=0))


def _reason() -> sa.ColumnElement[Any]:
    return sa.func.coalesce(col(Account.main_reason), "unknown")


def _contact_cost(settings: Settings) -> sa.ColumnElement[Any]:
    """The outcome's logged cost, else the configured cost of a contact on its channel."""
    per_channel = sa.case(
        {ch: v for ch, v in settings.kpi.contact_cost.items()},
        value=col(Outcome.channel),
        else_=0,
    )
    return sa.func.coalesce(col(Outcome.cost), per_channel)


def _where(stmt: sa.Select[Any], w: Window) -> sa.Select[Any]:
    if w.start is not None:
        stmt = stmt.where(col(Outcome.occurred_at) >= w.start)
    if w.end is not None:
        stmt = stmt.where(col(Outcome.occurred_at) < w.end)
    if w.rep is not None:
        stmt = stmt.where(col(Outcome.rep) == w.rep)
    if w.channel is not None:
        stmt = stmt.where(col(Outcome.channel) == w.channel)
    return stmt


def _per_account(
    settings: Settings, key: sa.ColumnElement[Any], *, constant: bool, w: Window
) -> sa.Select[Any]:
    """One row per (group key, account), from the outcome table alone."""
    result = col(Outcome.result)
    is_order = order_with_amount()
    stmt = sa.select(
        key.label("key"),
        col(Outcome.account_id).label("account_id"),
        _flag(result.in_(REACHED)).label("reached"),
        _flag(result.in_(RESPONDED)).label("responded"),
        _flag(result.in_(APPOINTED)).label("appointed"),
        _flag(result.in_(ORDERED)).label("ordered"),
        sa.func.sum(sa.case((is_order, 1), else_=0)).label("orders"),
        sa.func.sum(sa.case((is_order, col(Outcome.order_amount)), else_=0)).label("revenue"),
        sa.func.max(sa.case((is_order, col(Outcome.occurred_at)))).label("last_order_at"),
        sa.func.sum(_contact_cost(settings)).label("cost"),
    ).where(in_effect())
    # a constant key is not grouped by (PostgreSQL refuses a constant in GROUP BY);
    # account first: the covering index is ordered by account
    group = (col(Outcome.account_id),) if constant else (col(Outcome.account_id), key)
    return _where(stmt.group_by(*group), w)


def _joined(settings: Settings, inner: Any, *, by_reason: bool, w: Window) -> sa.Subquery:
    """Per-(group, account) rows (`inner`) joined to the account: its reactivation
    and gross profit, and the group key (the account's reason when `by_reason`)."""
    cycle = sa.case(
        (col(Account.purchase_cycle_days) > 0, col(Account.purchase_cycle_days)),
        else_=settings.dormancy.default_cycle_days,
    )
    dormant = sa.or_(
        col(Account.last_order_date).is_(None),
        days_between(inner.c.last_order_at, col(Account.last_order_date))
        > cycle * settings.dormancy.at_risk_max_cycles,
    )
    margin = sa.func.coalesce(col(Account.gross_margin), settings.roi.gross_margin)
    stmt = sa.select(
        (_reason() if by_reason else inner.c.key).label("key"),
        inner.c.account_id,
        *[inner.c[n] for n in _PER_ACCOUNT],
        sa.case((sa.and_(inner.c.last_order_at.is_not(None), dormant), 1), else_=0).label(
            "reactivated"
        ),
        inner.c.cost,
        (inner.c.revenue * margin).label("gross_profit"),
    ).join(Account, col(Account.id) == inner.c.account_id)
    if w.reason is not None:
        stmt = stmt.where(_reason() == w.reason)
    return stmt.subquery()


def _per_group(settings: Settings, by: str, offset_minutes: int, w: Window) -> Any:
    """The per-(group, account) rows from the outcome table (a CTE when used twice)."""
    key = _key("total" if by == "reason" else by, offset_minutes)
    return _per_account(settings, key, constant=by in ("total", "reason"), w=w)


def _key(by: str, offset_minutes: int) -> Any:  # a column or an SQL expression
    if by == "channel":
        return col(Outcome.channel)
    if by == "rep":
        return col(Outcome.rep)
    if by in ("week", "month"):
        return local_period(col(Outcome.occurred_at), by, offset_minutes)
    if by == "total":
        return sa.literal_column("'total'", sa.String)
    raise ValueError(by)


def group_key(by: str, offset_minutes: int) -> Any:
    """The SQL key of a grouping (GROUPS or "total") on outcomes joined to their account."""
    return _reason() if by == "reason" else _key(by, offset_minutes)


_PER_ACCOUNT = ("reached", "responded", "appointed", "ordered", "orders", "revenue")
FIGURES = (*_PER_ACCOUNT, "reactivated", "cost", "gross_profit")  # summed per group


def group_figures(
    *,
    session: Session,
    settings: Settings,
    by: str,
    offset_minutes: int = 0,
    window: Window = Window(),
) -> tuple[list[GroupFigures], GroupFigures]:
    """Per group of `by` (one of GROUPS), in key order, and the total (each account
    once). Two statements: SQLite reads the outcomes faster twice than through a
    CTE shared by both (measured: 0.57 s against 0.73 s for a month of a
    million-outcome log)."""
    out = []
    for group in (by, "total"):
        per = _per_group(settings, group, offset_minutes, window).subquery("per_group")
        joined = _joined(settings, per, by_reason=group == "reason", w=window)
        stmt = (
            sa.select(
                joined.c.key,
                sa.func.count().label("contacted"),
                *[sa.func.sum(joined.c[n]).label(n) for n in FIGURES],
            )
            .group_by(joined.c.key)
            .order_by(joined.c.key)
        )
        out.append(
            [
                GroupFigures(str(r[0]), *(round(v or 0) for v in r[1:]))
                for r in session.execute(stmt)
            ]
        )
    rows, total = out
    return rows, (total[0] if total else ZERO)


def account_figures(
    *,
    session: Session,
    settings: Settings,
    by: str = "total",
    offset_minutes: int = 0,
    window: Window = Window(),
) -> list[tuple[Any, ...]]:
    """Per (group of `by`, contacted account): (key, account_id, *FIGURES), for
    grouping or filtering by a key computed outside SQL (the rank)."""
    per = _per_group(settings, by, offset_minutes, window).subquery("per_group")
    joined = _joined(settings, per, by_reason=by == "reason", w=window)
    stmt = sa.select(joined.c.key, joined.c.account_id, *[joined.c[n] for n in FIGURES])
    return [tuple(r) for r in session.execute(stmt)]


def revivals(
    *,
    session: Session,
    settings: Settings,
    by: str,
    as_of: date,
    offset_minutes: int = 0,
    window: Window = Window(),
) -> list[tuple[str, str, bool, bool]]:
    """Per (group, reactivated account): (key, account_id, due, retained).

    The revival is the account's first order of the window logged while it was
    dormant. It is due when kpi.retention_days have passed since (as of
    `as_of`), and retained when the account ordered again within those days:
    still ordering after its revival (docs/method.md#campaign-review, 定着化).
    """
    days = settings.kpi.retention_days
    key = _reason() if by == "reason" else _key(by, offset_minutes)
    first = (
        sa.select(
            key.label("key"),
            col(Outcome.account_id).label("account_id"),
            sa.func.min(col(Outcome.occurred_at)).label("revived_at"),
        )
        .join(Account, col(Account.id) == col(Outcome.account_id))
        .where(in_effect(), order_with_amount(), dormant_when_logged(settings))
    )
    if window.reason is not None:
        first = first.where(_reason() == window.reason)
    group = (col(Outcome.account_id),) if by == "total" else (col(Outcome.account_id), key)
    r = _where(first.group_by(*group), window).subquery("revival")
    later = aliased(Outcome, name="later")
    replaced = sa.select(col(Outcome.supersedes)).where(col(Outcome.supersedes).is_not(None))
    again = (
        sa.select(sa.literal(1))
        .where(
            col(later.account_id) == r.c.account_id,
            col(later.result) == "order",
            col(later.order_amount).is_not(None),
            col(later.id).not_in(replaced),
            col(later.occurred_at) > r.c.revived_at,
            days_between(col(later.occurred_at), r.c.revived_at) <= days,
        )
        .exists()
    )
    due = days_between(sa.literal(as_of, sa.Date), r.c.revived_at) >= days
    stmt = sa.select(r.c.key, r.c.account_id, due, again)
    return [(str(k), str(a), bool(d), bool(g)) for k, a, d, g in session.execute(stmt)]


def touched_since(
    *, session: Session, since: datetime, until: datetime | None, rep: str | None = None
) -> set[str]:
    """Accounts with an outcome in effect logged in [since, until): coverage."""
    stmt = (
        sa.select(col(Outcome.account_id))
        .where(in_effect(), col(Outcome.occurred_at) >= since)
        .distinct()
    )
    if until is not None:
        stmt = stmt.where(col(Outcome.occurred_at) < until)
    if rep is not None:
        stmt = stmt.where(col(Outcome.rep) == rep)
    return {str(a) for (a,) in session.execute(stmt)}


def account_counts(*, session: Session, by: str) -> dict[str, int]:
    """Accounts per main reason (by "reason") or in all ("total"): the contact rate's targets."""
    if by == "reason":
        key = _reason()
        rows = session.execute(sa.select(key, sa.func.count()).group_by(key))
        return {str(k): int(n) for k, n in rows}
    total = session.execute(sa.select(sa.func.count()).select_from(Account)).scalar_one()
    return {"total": int(total)}
