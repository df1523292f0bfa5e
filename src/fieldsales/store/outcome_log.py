"""SQL for the outcome log: append an event, read one account's events, find follow-ups.

Outcomes are append-only; a correction is a new row naming the one it
replaces in `supersedes` (both stay). Reads here leave superseded rows out
unless asked, so stage and follow-ups follow the corrected history.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from fieldsales.domain.vocab import UNDO, Result
from fieldsales.store import outbox
from fieldsales.store.models import Account, Outcome, Route, RouteStop
from fieldsales.store.orders import refresh_derived
from fieldsales.store.queries import in_effect


def add_outcome(*, session: Session, outcome: Outcome) -> Outcome:
    """Append an event. An order (or a correction or undo, which may replace
    one) moves the account's derived order fields when it has a history."""
    session.add(outcome)
    session.flush()
    if outcome.result == Result.order or outcome.supersedes is not None:
        refresh_derived(session, [outcome.account_id])
    outbox.outcome_added(session, outcome)  # same transaction: pushed by the next sync
    return outcome


def account_outcomes(
    *, session: Session, account_id: str, include_superseded: bool = True
) -> list[Outcome]:
    """Every event of one account (undos included), newest first; or only those in effect."""
    stmt = select(Outcome).where(col(Outcome.account_id) == account_id)
    if not include_superseded:
        stmt = stmt.where(in_effect())
    stmt = stmt.order_by(col(Outcome.occurred_at).desc(), col(Outcome.created_at).desc())
    return list(session.exec(stmt).all())


def superseded_ids(*, session: Session, account_id: str) -> set[str]:
    stmt = sa.select(col(Outcome.supersedes)).where(
        col(Outcome.account_id) == account_id, col(Outcome.supersedes).is_not(None)
    )
    return {row[0] for row in session.execute(stmt)}


def latest_outcome_per_account(
    *, session: Session, account_ids: Sequence[str] | None = None
) -> dict[str, Outcome]:
    """The newest non-superseded event of each account that has one."""
    stmt = select(Outcome).where(in_effect())
    if account_ids is not None:
        stmt = stmt.where(col(Outcome.account_id).in_(list(account_ids)))
    stmt = stmt.order_by(col(Outcome.occurred_at), col(Outcome.created_at))
    latest: dict[str, Outcome] = {}
    for o in session.exec(stmt):
        latest[o.account_id] = o  # ascending order: the last one wins
    return latest


def accounts_by_id(*, session: Session, account_ids: Sequence[str]) -> dict[str, Account]:
    if not account_ids:
        return {}
    stmt = select(Account).where(col(Account.id).in_(list(account_ids)))
    return {a.id: a for a in session.exec(stmt)}


def get_outcome(*, session: Session, outcome_id: str) -> Outcome | None:
    return session.get(Outcome, outcome_id)


def is_superseded(*, session: Session, outcome_id: str) -> bool:
    stmt = sa.select(sa.func.count()).where(col(Outcome.supersedes) == outcome_id)
    return int(session.execute(stmt).scalar_one()) > 0


def last_logged(*, session: Session, account_id: str) -> Outcome | None:
    """The account's outcome in effect that was logged last (by when it was written)."""
    stmt = (
        select(Outcome)
        .where(col(Outcome.account_id) == account_id, in_effect())
        .order_by(col(Outcome.created_at).desc(), col(Outcome.id).desc())
        .limit(1)
    )
    return session.exec(stmt).first()


def attributable_stop(
    *, session: Session, account_id: str, day: date, attribution_days: int
) -> str | None:
    """The route stop an order of `day` counts for, if any.

    The latest stop at the account, on a saved route of the last
    `attribution_days` days (not cancelled), that was visited: marked done,
    or an outcome in effect was logged against it.
    """
    logged = sa.select(col(Outcome.route_stop_id)).where(
        col(Outcome.route_stop_id).is_not(None), col(Outcome.result) != UNDO, in_effect()
    )
    stmt = (
        sa.select(col(RouteStop.id))
        .join(Route, col(Route.id) == col(RouteStop.route_id))
        .where(
            col(RouteStop.account_id) == account_id,
            col(Route.status) != "cancelled",
            col(Route.day) <= day,
            col(Route.day) >= day - timedelta(days=attribution_days),
            sa.or_(col(RouteStop.status) == "done", col(RouteStop.id).in_(logged)),
        )
        .order_by(col(Route.day).desc(), col(RouteStop.seq).desc())
        .limit(1)
    )
    return session.execute(stmt).scalar_one_or_none()
