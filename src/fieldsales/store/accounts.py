"""Accounts' positions: the reads and writes of locating and geocoding."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from fieldsales.store.account_edit import update_account_fields
from fieldsales.store.models import Account, utcnow

CHUNK = 500  # stay under SQLite's variable limit


def get(session: Session, account_id: str) -> Account | None:
    return session.get(Account, account_id)


def addresses_at(session: Session, precisions: Sequence[str]) -> list[tuple[Any, ...]]:
    """(id, postal code, prefecture, city, address) of accounts with an address
    whose position has one of `precisions`, oldest first."""
    return list(
        session.execute(
            sa.select(
                col(Account.id),
                col(Account.postal_code),
                col(Account.prefecture),
                col(Account.city),
                col(Account.address),
            )
            .where(
                col(Account.geo_precision).in_(list(precisions)), col(Account.address).is_not(None)
            )
            .order_by(col(Account.created_at), col(Account.id))
        ).all()
    )


def count_at(session: Session, precisions: Sequence[str]) -> int:
    """How many located accounts have a position of one of `precisions`."""
    stmt = sa.select(sa.func.count()).where(
        col(Account.lat).is_not(None), col(Account.geo_precision).in_(list(precisions))
    )
    return int(session.execute(stmt).scalar_one())


def count_with_address_at(session: Session, precisions: Sequence[str]) -> int:
    """How many accounts with an address have a position of one of `precisions`."""
    stmt = sa.select(sa.func.count()).where(
        col(Account.geo_precision).in_(list(precisions)), col(Account.address).is_not(None)
    )
    return int(session.execute(stmt).scalar_one())


def addresses(session: Session) -> list[tuple[Any, ...]]:
    """(id, prefecture, city, address) of every account with an address."""
    return list(
        session.exec(
            select(Account.id, Account.prefecture, Account.city, Account.address).where(
                col(Account.address).is_not(None)
            )
        ).all()
    )


_POSITION_COLUMNS = (
    Account.id,
    Account.postal_code,
    Account.prefecture,
    Account.city,
    Account.address,
    Account.lat,
    Account.geo_precision,
    Account.geo_source,
)


def positions(
    session: Session, *, account_ids: Sequence[str] | None = None, unlocated: Sequence[str] = ()
) -> list[tuple[Any, ...]]:
    """(id, postal, prefecture, city, address, lat, precision, source) of the
    accounts `account_ids`, or else of those without a position or with one of
    the precisions `unlocated`."""
    stmt = sa.select(*[col(c) for c in _POSITION_COLUMNS])
    if account_ids is not None:
        ids = list(account_ids)
        rows: list[Any] = []
        for i in range(0, len(ids), CHUNK):
            rows += session.execute(stmt.where(col(Account.id).in_(ids[i : i + CHUNK]))).all()
        return rows
    stmt = stmt.where(sa.or_(col(Account.lat).is_(None), col(Account.geo_precision).in_(unlocated)))
    return list(session.execute(stmt).all())


def update_positions(session: Session, updates: list[dict[str, Any]]) -> None:
    """Bulk-set lat, lon, geo_precision, geo_source, updated_at by id."""
    session.execute(sa.update(Account), updates)


def set_position(
    session: Session,
    account: Account,
    *,
    lat: float | None,
    lon: float | None,
    precision: str,
    source: str,
    when: datetime | None = None,
) -> None:
    """Give a loaded account a new position (no history: a geocoder's answer)."""
    account.lat, account.lon = lat, lon
    account.geo_precision, account.geo_source = precision, source
    account.updated_at = when or utcnow()
    session.add(account)


def save_position(
    session: Session, account_id: str, *, lat: float, lon: float, precision: str, source: str
) -> None:
    """Store a position the rep confirmed, with one history row per changed field
    (through update_account_fields, the one path of the app's edits)."""
    new = {"lat": lat, "lon": lon, "geo_precision": precision, "geo_source": source}
    update_account_fields(session, account_id, new, source="app")
