"""SQL for the drill-down of the campaign review: the outcomes behind one KPI figure.

A KPI figure (store/kpi_report.py) is counted from the outcomes in effect of a
group, a period and a rep; the drill-down lists those same outcomes, one row
each, narrowed to the ones the figure is made of (`what`):

- contacted: every outcome in effect (no answer included);
- reached / responded / appointed: the results kpi_report counts as such;
- ordered: orders; revenue: orders with an amount (order_with_amount);
- reactivated: orders with an amount logged while the account was dormant
  (dormant_when_logged), the reactivations;
- cost: outcomes with a cost, and the reactivations they are divided by;
- money: orders with an amount and outcomes with a cost (gross profit, ROI).

Group keys are kpi_report's own (`group_key`), so a row of the table and its
drill-down can never disagree on what a group holds. Ranks are computed in
Python: the service narrows by rank after this query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from fieldsales.config import Settings
from fieldsales.domain.results import APPOINTED, ORDERED, REACHED, RESPONDED
from fieldsales.store.kpi_report import group_key
from fieldsales.store.models import Account, Outcome
from fieldsales.store.queries import in_effect
from fieldsales.store.route_report import dormant_when_logged, order_with_amount

WHATS = ("contacted", "reached", "responded", "appointed", "ordered", "revenue", "reactivated",
         "cost", "money")  # fmt: skip


@dataclass(frozen=True)
class DrillRow:
    outcome_id: str
    occurred_at: datetime
    rep: str
    account_id: str
    company: str
    site: str | None
    channel: str
    result: str
    order_amount: int | None
    cost: int | None
    reactivation: bool  # an order with an amount while the account was dormant


def _condition(what: str, settings: Settings) -> sa.ColumnElement[bool] | None:
    result = col(Outcome.result)
    reactivation = sa.and_(order_with_amount(), dormant_when_logged(settings))
    has_cost = sa.func.coalesce(col(Outcome.cost), 0) > 0
    conditions: dict[str, sa.ColumnElement[bool] | None] = {
        "contacted": None,
        "reached": result.in_(REACHED),
        "responded": result.in_(RESPONDED),
        "appointed": result.in_(APPOINTED),
        "ordered": result.in_(ORDERED),
        "revenue": order_with_amount(),
        "reactivated": reactivation,
        "cost": sa.or_(has_cost, reactivation),
        "money": sa.or_(has_cost, order_with_amount()),
    }
    if what not in conditions:
        raise ValueError(what)
    return conditions[what]


def drill_outcomes(
    *,
    session: Session,
    settings: Settings,
    what: str,
    by: str | None = None,
    key: str | None = None,
    offset_minutes: int = 0,
    start: datetime | None = None,
    end: datetime | None = None,
    rep: str | None = None,
    channel: str | None = None,
    reason: str | None = None,
) -> list[DrillRow]:
    """The outcomes in effect behind the figure `what` of group `key` of `by` (one of
    store.kpi_report.GROUPS; all groups when `by` is None), newest first."""
    is_reactivation = sa.and_(order_with_amount(), dormant_when_logged(settings))
    stmt = (
        sa.select(
            col(Outcome.id),
            col(Outcome.occurred_at),
            col(Outcome.rep),
            col(Outcome.account_id),
            col(Account.company),
            col(Account.site),
            col(Outcome.channel),
            col(Outcome.result),
            col(Outcome.order_amount),
            col(Outcome.cost),
            sa.case((is_reactivation, 1), else_=0),
        )
        .select_from(Outcome)
        .join(Account, col(Account.id) == col(Outcome.account_id))
        .where(in_effect())
        .order_by(col(Outcome.occurred_at).desc(), col(Outcome.id))
    )
    condition = _condition(what, settings)
    if condition is not None:
        stmt = stmt.where(condition)
    if by is not None and key is not None:
        stmt = stmt.where(group_key(by, offset_minutes) == key)
    filters: list[tuple[str, Any]] = [("rep", rep), ("channel", channel), ("reason", reason)]
    for name, value in filters:
        if value is not None:
            stmt = stmt.where(group_key(name, offset_minutes) == value)
    if start is not None:
        stmt = stmt.where(col(Outcome.occurred_at) >= start)
    if end is not None:
        stmt = stmt.where(col(Outcome.occurred_at) < end)
    return [
        DrillRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], bool(r[10]))
        for r in session.execute(stmt)
    ]


def outcome_reps(*, session: Session) -> list[str]:
    """The reps who logged an outcome in effect, by name: the review's rep filter."""
    stmt = sa.select(col(Outcome.rep)).distinct().where(in_effect()).order_by(col(Outcome.rep))
    return [str(r) for (r,) in session.execute(stmt)]
