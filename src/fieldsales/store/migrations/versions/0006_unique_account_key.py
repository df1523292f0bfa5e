"""one account per company + address: merge duplicates, then a unique index

Two imports of the same file (without external ids) running at once could
each create the same accounts. The importer now reads and writes in one
locked transaction; this index makes the database refuse a second account
with the same match key (normalised company + address) when neither has an
external id. Accounts with an external id may share a match key (two sites
of one company recorded separately in the CRM), as before.

Existing duplicates are merged first into the oldest account (the one every
re-import has been updating): their outcomes, route stops and field history
move to it, and each merged row is kept whole, as JSON, in `account_change`
(field `merged_account`), so nothing is lost.

Money on PostgreSQL becomes BIGINT: INTEGER stops at 2,147,483,647 yen,
below a large customer's lifetime revenue. SQLite integers are 64-bit already.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "uq_account_match_key_no_external_id"
NO_EXTERNAL_ID = sa.text("external_id IS NULL")
MONEY = ("lifetime_revenue", "average_order")
SOURCE = "migration:0006"
# Tables pointing at an account; each keeps its rows, repointed to the survivor.
REFERRERS = ("outcome", "route_stop", "account_change")


def upgrade() -> None:
    conn = op.get_bind()
    _merge_duplicates(conn)
    op.create_index(
        INDEX,
        "account",
        ["match_key"],
        unique=True,
        sqlite_where=NO_EXTERNAL_ID,
        postgresql_where=NO_EXTERNAL_ID,
    )
    if conn.dialect.name == "postgresql":
        for name in MONEY:
            op.alter_column("account", name, type_=sa.BigInteger(), existing_type=sa.Integer())


def downgrade() -> None:
    # Merged accounts stay merged: their rows are in account_change if ever needed.
    if op.get_bind().dialect.name == "postgresql":
        for name in MONEY:
            op.alter_column("account", name, type_=sa.Integer(), existing_type=sa.BigInteger())
    op.drop_index(INDEX, table_name="account")


def _merge_duplicates(conn: sa.Connection) -> None:
    account = sa.Table("account", sa.MetaData(), autoload_with=conn)
    change = sa.table(
        "account_change",
        sa.column("id"),
        sa.column("account_id"),
        sa.column("field"),
        sa.column("old_value"),
        sa.column("new_value"),
        sa.column("source"),
        sa.column("changed_at"),
    )
    keys = (
        sa.select(account.c.match_key)
        .where(account.c.external_id.is_(None))
        .group_by(account.c.match_key)
        .having(sa.func.count() > 1)
    )
    now = datetime.now(UTC)
    if conn.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)  # as models.UTCDateTime stores it there
    for (key,) in conn.execute(keys).all():
        rows = conn.execute(
            sa.select(account)
            .where(account.c.match_key == key, account.c.external_id.is_(None))
            .order_by(account.c.created_at, account.c.id)
        ).mappings()
        survivor, *duplicates = [dict(r) for r in rows]
        for dup in duplicates:
            for name in REFERRERS:
                table = sa.table(name, sa.column("account_id"))
                conn.execute(
                    table.update()
                    .where(table.c.account_id == dup["id"])
                    .values(account_id=survivor["id"])
                )
            conn.execute(
                change.insert().values(
                    id=str(uuid.uuid4()),
                    account_id=survivor["id"],
                    field="merged_account",
                    old_value=json.dumps(dup, default=_text, ensure_ascii=False),
                    new_value=survivor["id"],
                    source=SOURCE,
                    changed_at=now,
                )
            )
            conn.execute(account.delete().where(account.c.id == dup["id"]))


def _text(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
