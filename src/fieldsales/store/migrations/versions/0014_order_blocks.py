"""order_block: every account's imported order history kept packed (SQLite)

A full listing with order histories reads every order (2,000,000 at 100,000
accounts) for the churn signs and the BG/NBD figures. A SQLite file keeps
them, per block of 4,096 accounts (by account rowid, as rank_block), as packed
arrays (store/order_blocks.py): the accounts of the block with an imported
history, their order counts, and each order's day number and amount, sorted
by day. Nothing kept depends on the day or on config: the signs and figures
are computed from the arrays at each listing, as from the table.

Triggers on account_order delete the block of the account an order belongs to
on every insert, update and delete, whoever writes (import-orders, a sync,
a hand-written UPDATE); triggers on account do so when an account comes,
goes, or changes its id or rowid. The next full read rebuilds the missing
blocks from the tables. A row with block -1 marks that every order belongs
to an account (checked by count): the triggers delete it when an order
without its account may have come (foreign keys off); the reader then counts
again.

PostgreSQL keeps reading the table (nothing is created there).

The block of an account is `rowid >> 12`: store/order_blocks.BLOCK_SHIFT must
stay 12 while these triggers do. A later migration that rebuilds account or
account_order (batch mode) drops the triggers: it must run
`create_triggers()` of this module again; the reader checks they are there
and reads the table when they are not.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Each trigger does nothing once nothing is kept (a bulk import empties the
# table with its first orders, and its other rows cost one lookup each).
_KEPT = "WHEN EXISTS (SELECT 1 FROM order_block)"


def _of_order(row: str) -> str:
    """Delete the block of the account an order row belongs to, and the mark
    (block -1: every order has its account) when there is no such account."""
    return (
        "DELETE FROM order_block WHERE block = "
        f"(SELECT rowid >> 12 FROM account WHERE id = {row}.account_id); "
        "DELETE FROM order_block WHERE block = -1 AND NOT EXISTS "
        f"(SELECT 1 FROM account WHERE id = {row}.account_id);"
    )


def _left(row: str, when: str = "") -> str:
    """Delete the mark when orders of an account that goes (or changes its id) remain."""
    return (
        f"DELETE FROM order_block WHERE block = -1 AND {when}EXISTS "
        f"(SELECT 1 FROM account_order WHERE account_id = {row}.id);"
    )


TRIGGERS = {
    "order_block_order_insert": f"AFTER INSERT ON account_order {_KEPT} BEGIN "
    f"{_of_order('NEW')} END",
    "order_block_order_update": f"AFTER UPDATE ON account_order {_KEPT} BEGIN "
    f"{_of_order('OLD')} {_of_order('NEW')} END",
    "order_block_order_delete": f"AFTER DELETE ON account_order {_KEPT} BEGIN "
    f"{_of_order('OLD')} END",
    "order_block_account_insert": f"AFTER INSERT ON account {_KEPT} BEGIN "
    "DELETE FROM order_block WHERE block = NEW.rowid >> 12; END",
    "order_block_account_update": f"AFTER UPDATE OF rowid, id ON account {_KEPT} BEGIN "
    "DELETE FROM order_block WHERE block IN (OLD.rowid >> 12, NEW.rowid >> 12); "
    f"{_left('OLD', 'OLD.id != NEW.id AND ')} END",
    "order_block_account_delete": f"AFTER DELETE ON account {_KEPT} BEGIN "
    f"DELETE FROM order_block WHERE block = OLD.rowid >> 12; {_left('OLD')} END",
}


def create_triggers() -> None:
    for name, body in TRIGGERS.items():
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(f"CREATE TRIGGER {name} {body}")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "CREATE TABLE order_block ("
        "block INTEGER PRIMARY KEY, "
        "format TEXT NOT NULL, "
        "n INTEGER NOT NULL, "  # accounts of the block (with orders or not)
        "max_rowid INTEGER NOT NULL, "
        "ids TEXT NOT NULL, "  # the accounts with orders, each id followed by \\x1f
        "counts BLOB NOT NULL, "  # int32 per account with orders
        "days BLOB NOT NULL, "  # int32 per order: days since 1970-01-01
        "amounts BLOB NOT NULL)"  # int64 per order, yen
    )
    create_triggers()


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS order_block")
