"""rank_block: the ranking's inputs of every account kept as packed columns (SQLite)

A SQLite file keeps, per block of 4,096 accounts (by rowid), what a ranking
reads of each account as packed arrays (store/rank_blocks.py), so that a
ranking of a million accounts reads a few hundred blobs instead of a Python
object per value. Triggers on account and outcome delete the block(s) a write
touches, whoever writes (the app, an import, a sync pull, a hand-written
UPDATE); the next ranking rebuilds those blocks from the tables.

PostgreSQL keeps reading the tables (nothing is created there).

The block of an account is `rowid >> 12`: store/rank_blocks.BLOCK_SHIFT must
stay 12 while these triggers do. A later migration that rebuilds the account
or outcome table (batch mode) drops the triggers: it must run
`create_triggers()` of this module again; the reader checks they are there
and reads the tables when they are not.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# every account column a ranking may read: all but static_scores, which the
# ranking's SQLAlchemy path writes back (its own output, not an input)
_ACCOUNT_COLUMNS = (
    "id, external_id, match_key, company, company_kana, site, postal_code, prefecture, "
    "city, address, lat, lon, geo_precision, geo_source, industry, contact_name, "
    "contact_title, phone, email, owner_rep, lifetime_revenue, average_order, gross_margin, "
    "first_order_date, last_order_date, last_product, purchase_cycle_days, order_count, "
    "main_reason, other_reasons, reason_solvable, competitor_status, competitor_name, "
    "digital_responsiveness, do_not_contact, notes, closed_weekdays, opens_at, closes_at, "
    "created_at, updated_at"
)


def _of_outcome(row: str) -> str:
    """The blocks of an outcome row's account and of the account of the event it
    supersedes (an undo changes what is in effect for that one)."""
    return (
        f"SELECT rowid >> 12 FROM account WHERE id = {row}.account_id "
        "UNION ALL SELECT account.rowid >> 12 FROM outcome AS o JOIN account "
        f"ON account.id = o.account_id WHERE o.id = {row}.supersedes"
    )


TRIGGERS = {
    "rank_block_account_insert": "AFTER INSERT ON account BEGIN "
    "DELETE FROM rank_block WHERE block = NEW.rowid >> 12; END",
    "rank_block_account_update": f"AFTER UPDATE OF {_ACCOUNT_COLUMNS} ON account BEGIN "
    "DELETE FROM rank_block WHERE block IN (OLD.rowid >> 12, NEW.rowid >> 12); END",
    "rank_block_account_delete": "AFTER DELETE ON account BEGIN "
    "DELETE FROM rank_block WHERE block = OLD.rowid >> 12; END",
    "rank_block_outcome_insert": "AFTER INSERT ON outcome BEGIN "
    f"DELETE FROM rank_block WHERE block IN ({_of_outcome('NEW')}); END",
    "rank_block_outcome_update": "AFTER UPDATE ON outcome BEGIN "
    f"DELETE FROM rank_block WHERE block IN ({_of_outcome('OLD')} UNION ALL "
    f"{_of_outcome('NEW')}); END",
    "rank_block_outcome_delete": "AFTER DELETE ON outcome BEGIN "
    f"DELETE FROM rank_block WHERE block IN ({_of_outcome('OLD')}); END",
}


def create_triggers() -> None:
    for name, body in TRIGGERS.items():
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(f"CREATE TRIGGER {name} {body}")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "CREATE TABLE rank_block ("
        "block INTEGER PRIMARY KEY, "
        "fingerprint TEXT NOT NULL, "
        "n INTEGER NOT NULL, "
        "max_rowid INTEGER NOT NULL, "
        "data BLOB NOT NULL)"
    )
    create_triggers()


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS rank_block")
