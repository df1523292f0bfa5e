"""order history: the account_order table, and each account's order count

`fieldsales import-orders` fills account_order; store/orders.py derives each
account's first and last order, order count, lifetime revenue, average order
and usual interval (purchase_cycle_days) from it. One unique index on
(account_id, order_key) makes a re-import idempotent: the key is the order
number ("n:A-123") when there is one, else date and amount ("d:2024-05-12:90000"),
so an order is the same when its order number is (per account), else when
account, date and amount are. One index instead of two partial unique ones and
an account index: importing 2,000,000 orders writes a third of the index pages,
and the same index serves each account's orders.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import fieldsales.store.models

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "account_order",
        # BIGINT on PostgreSQL (millions of orders); SQLite's rowid alias needs INTEGER
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("account_id", sa.String(length=36), sa.ForeignKey("account.id"), nullable=False),
        sa.Column("order_date", sa.Date(), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("order_number", sa.String(length=100), nullable=True),
        sa.Column("order_key", sa.String(length=120), nullable=False),
        sa.Column("product", sa.String(length=200), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("created_at", fieldsales.store.models.UTCDateTime(), nullable=False),
    )
    op.create_index(
        "uq_account_order_key", "account_order", ["account_id", "order_key"], unique=True
    )
    with op.batch_alter_table("account") as batch:
        batch.add_column(sa.Column("order_count", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("account") as batch:
        batch.drop_column("order_count")
    op.drop_index("uq_account_order_key", table_name="account_order")
    op.drop_table("account_order")
