"""One account as the app shows it: a plain copy, no database row.

The app's screens read an `AccountCard` (loaded in a worker) and never hold
an ORM row or open a session; edits go back through functions here.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from typing import TYPE_CHECKING, Any

from fieldsales.store import accounts, unit
from fieldsales.store.account_edit import update_account_fields

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


@dataclass(frozen=True)
class AccountCard:
    id: str
    company: str
    external_id: str | None = None
    company_kana: str | None = None
    site: str | None = None
    postal_code: str | None = None
    prefecture: str | None = None
    city: str | None = None
    address: str | None = None
    lat: float | None = None
    lon: float | None = None
    geo_precision: str = "none"
    geo_source: str | None = None
    industry: str | None = None
    contact_name: str | None = None
    contact_title: str | None = None
    phone: str | None = None
    email: str | None = None
    owner_rep: str | None = None
    lifetime_revenue: int = 0
    average_order: int | None = None
    gross_margin: float | None = None
    first_order_date: date | None = None
    last_order_date: date | None = None
    last_product: str | None = None
    purchase_cycle_days: int | None = None
    main_reason: str = "unknown"
    other_reasons: str | None = None
    reason_solvable: str = "unknown"
    competitor_status: str = "unknown"
    competitor_name: str | None = None
    digital_responsiveness: str = "unknown"
    do_not_contact: bool = False
    notes: str | None = None
    closed_weekdays: str | None = None
    opens_at: str | None = None
    closes_at: str | None = None

    @classmethod
    def of(cls, row: Any) -> AccountCard:
        return cls(**{f.name: getattr(row, f.name) for f in fields(cls)})


def account_card(engine: Engine, account_id: str) -> AccountCard | None:
    """The account as it is now; None when it is gone."""
    with unit.reading(engine) as u:
        row = accounts.get(u, account_id)
        return None if row is None else AccountCard.of(row)


def save_account_fields(
    engine: Engine, account_id: str, changes: dict[str, str | None]
) -> list[str]:
    """Save edited fields with their history (source "app"); the names that changed."""
    with unit.writing(engine) as u:
        return update_account_fields(u, account_id, changes, source="app")
