"""The ranking's tables as SQLAlchemy Core, and the check that a database holds
the tables and columns this version's models expect.

ACCOUNT, OUTCOME, ORDER and FIT mirror the SQLModel classes in store/models.py
column for column (tests/unit/test_schema_core.py compares them): the ranking
and the order reads use them, so `fieldsales rank` does not build the 37
pydantic/SQLModel classes (~0.1 s) nor load the PostgreSQL dialect the models'
partial index names. UTCDateTime, Money and utcnow live here; models.py uses them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from fieldsales.store.columns import SCHEMA_COLUMNS


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite forgets the zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: use an aware UTC datetime")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# SQLite integers are 64-bit whatever the declared type; PostgreSQL needs BIGINT (0006).
Money = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

_core = sa.MetaData()


def _text(name: str, length: int | None = None, *, null: bool = True, **kw: Any) -> sa.Column[Any]:
    return sa.Column(name, sa.String(length), nullable=null, **kw)


def _when(name: str) -> sa.Column[Any]:
    return sa.Column(name, UTCDateTime(), nullable=False)


ACCOUNT = sa.Table(
    "account",
    _core,
    _text("id", 36, null=False, primary_key=True),
    _text("external_id", 100),
    _text("match_key", 400, null=False),
    _text("company", 200, null=False),
    _text("company_kana", 200),
    _text("site", 200),
    _text("postal_code", 10),
    _text("prefecture", 20),
    _text("city", 100),
    _text("address", 400),
    sa.Column("lat", sa.Float()),
    sa.Column("lon", sa.Float()),
    _text("geo_precision", 10, null=False),
    _text("geo_source", 40),
    _text("industry", 100),
    _text("contact_name", 100),
    _text("contact_title", 100),
    _text("phone", 40),
    _text("email", 200),
    _text("owner_rep", 100),
    sa.Column("lifetime_revenue", Money, nullable=False),
    sa.Column("average_order", Money),
    sa.Column("gross_margin", sa.Float()),
    sa.Column("first_order_date", sa.Date()),
    sa.Column("last_order_date", sa.Date()),
    _text("last_product", 200),
    sa.Column("purchase_cycle_days", sa.Integer()),
    sa.Column("order_count", sa.Integer()),
    _text("main_reason", 30, null=False),
    _text("other_reasons", 200),
    _text("reason_solvable", 20, null=False),
    _text("competitor_status", 20, null=False),
    _text("competitor_name", 200),
    _text("digital_responsiveness", 20, null=False),
    sa.Column("do_not_contact", sa.Boolean(), nullable=False),
    _text("notes"),
    _text("closed_weekdays", 20),
    _text("opens_at", 5),
    _text("closes_at", 5),
    _text("static_scores", 40),
    _text("import_digest", 32),
    _when("created_at"),
    _when("updated_at"),
)

OUTCOME = sa.Table(
    "outcome",
    _core,
    _text("id", 36, null=False, primary_key=True),
    _text("account_id", 36, null=False),
    _text("rep", 100, null=False),
    _text("channel", 20, null=False),
    _when("occurred_at"),
    _text("visit_stage", 20, null=False),
    _text("result", 20, null=False),
    _text("next_action", 400),
    sa.Column("next_action_due", sa.Date()),
    sa.Column("order_amount", sa.Integer()),
    sa.Column("cost", sa.Integer()),
    sa.Column("duration_minutes", sa.Integer()),
    _text("notes"),
    _text("route_stop_id", 36),
    _text("supersedes", 36),
    _when("created_at"),
)

ORDER = sa.Table(
    "account_order",
    _core,
    sa.Column("id", Money, primary_key=True),
    _text("account_id", 36, null=False),
    sa.Column("order_date", sa.Date(), nullable=False),
    sa.Column("amount", Money, nullable=False),
    _text("order_number", 100),
    _text("order_key", 120, null=False),
    _text("product", 200),
    _text("source", 200, null=False),
    _when("created_at"),
)

FIT = sa.Table(
    "model_fit",
    _core,
    _text("fingerprint", 64, null=False, primary_key=True),
    _text("params", null=False),
    _when("created_at"),
)

PUBLICATION = sa.Table(
    "team_publication",
    _core,
    _text("id", 36, null=False, primary_key=True),
    _text("kind", 20, null=False),
    sa.Column("version", sa.Integer(), nullable=False),
    _text("body", null=False),
    _text("digest", 64, null=False),
    _text("source", 300, null=False),
    _text("published_by", 100, null=False),
    _when("published_at"),
    sa.UniqueConstraint("kind", "version", name="uq_team_publication_version"),
)

CORE_TABLES = (ACCOUNT, OUTCOME, ORDER, FIT, PUBLICATION)


def missing_parts(inspector: Any, tables: set[str]) -> list[str]:
    """`table` or `table.column` names the models have and the database lacks."""
    missing: list[str] = []
    for table, columns in SCHEMA_COLUMNS.items():
        if table not in tables:
            missing.append(table)
            continue
        have = {c["name"] for c in inspector.get_columns(table)}
        missing += [f"{table}.{c}" for c in columns if c not in have]
    return missing
