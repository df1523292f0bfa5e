"""Read queries shared by the CLI and the app (portable SQL: SQLite and PostgreSQL)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from fieldsales.store.models import Account, Outcome

RANK_COLUMNS = (
    Account.id,
    Account.external_id,
    Account.company,
    Account.company_kana,
    Account.site,
    Account.prefecture,
    Account.city,
    Account.address,
    Account.postal_code,
    Account.lat,
    Account.lon,
    Account.geo_precision,
    Account.industry,
    Account.contact_name,
    Account.phone,
    Account.owner_rep,
    Account.lifetime_revenue,
    Account.average_order,
    Account.gross_margin,
    Account.last_order_date,
    Account.last_product,
    Account.purchase_cycle_days,
    Account.main_reason,
    Account.reason_solvable,
    Account.competitor_status,
    Account.digital_responsiveness,
    Account.do_not_contact,
)


def account_rows(session: Session, account_ids: Iterable[str] | None = None) -> list[Any]:
    """Rows (named tuples) of the columns ranking needs, for all or some accounts."""
    stmt = sa.select(*[col(c) for c in RANK_COLUMNS])
    if account_ids is not None:
        stmt = stmt.where(col(Account.id).in_(list(account_ids)))
    return list(session.execute(stmt).all())


def outcome_facts(
    session: Session, account_ids: Iterable[str] | None = None
) -> dict[str, list[tuple[datetime, str, date | None]]]:
    """(occurred_at, result, next_action_due) per account, corrections applied.

    An outcome named in another's `supersedes` is left out: the correction
    replaces it, while both stay in the log.
    """
    superseded = sa.select(col(Outcome.supersedes)).where(col(Outcome.supersedes).is_not(None))
    stmt = sa.select(
        col(Outcome.account_id),
        col(Outcome.occurred_at),
        col(Outcome.result),
        col(Outcome.next_action_due),
    ).where(col(Outcome.id).not_in(superseded))
    if account_ids is not None:
        stmt = stmt.where(col(Outcome.account_id).in_(list(account_ids)))
    out: dict[str, list[tuple[datetime, str, date | None]]] = defaultdict(list)
    for account_id, occurred_at, result, due in session.execute(stmt):
        out[account_id].append((occurred_at, result, due))
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
