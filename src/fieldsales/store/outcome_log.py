"""SQL for the outcome log: append an event, read one account's events, find follow-ups.

Outcomes are append-only; a correction is a new row naming the one it
replaces in `supersedes` (both stay). Reads here leave superseded rows out
unless asked, so stage and follow-ups follow the corrected history.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from fieldsales.store.models import Account, Outcome


def _superseded_ids() -> sa.Select[Any]:
    return sa.select(col(Outcome.supersedes)).where(col(Outcome.supersedes).is_not(None))


def add_outcome(*, session: Session, outcome: Outcome) -> Outcome:
    session.add(outcome)
    session.flush()
    return outcome


def account_outcomes(
    *, session: Session, account_id: str, include_superseded: bool = True
) -> list[Outcome]:
    """Every event of one account, newest first."""
    stmt = select(Outcome).where(col(Outcome.account_id) == account_id)
    if not include_superseded:
        stmt = stmt.where(col(Outcome.id).not_in(_superseded_ids()))
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
    stmt = select(Outcome).where(col(Outcome.id).not_in(_superseded_ids()))
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
