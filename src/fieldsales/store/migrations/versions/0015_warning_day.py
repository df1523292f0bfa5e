"""warning_day: a day's early-warning figures of every account kept (SQLite)

A full listing with order histories computes every account's churn signs,
P(alive) and expected orders and order value from the whole order history
(2,000,000 orders at 100,000 accounts: most of a second). They change with
the day, the config and the data only, so a SQLite file keeps the last
computed ones (store/warning_days.py): one row, whose key names the day, the
config and the accounts it was computed for; a listing on the same day with
the same config reads them back.

Triggers empty the table on every insert, update and delete of account (its
columns but static_scores, which a ranking writes back), outcome and
account_order, whoever writes (an import, a logged outcome or its correction,
import-orders, a sync, a hand-written UPDATE): nothing kept outlives a change
of what it was computed from. (The kept BG/NBD fit, table model_fit, is
itself a function of the orders and the config.) Once the table is empty the
triggers do nothing (a bulk import pays one lookup a row).

PostgreSQL computes at each listing (nothing is created there).

A later migration that rebuilds one of these tables (batch mode) drops the
triggers: it must run `create_triggers()` of this module again; the reader
checks they are there and computes afresh when they are not.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# every account column but static_scores (as migration 0012's triggers)
_ACCOUNT_COLUMNS = (
    "id, external_id, match_key, company, company_kana, site, postal_code, prefecture, "
    "city, address, lat, lon, geo_precision, geo_source, industry, contact_name, "
    "contact_title, phone, email, owner_rep, lifetime_revenue, average_order, gross_margin, "
    "first_order_date, last_order_date, last_product, purchase_cycle_days, order_count, "
    "main_reason, other_reasons, reason_solvable, competitor_status, competitor_name, "
    "digital_responsiveness, do_not_contact, notes, closed_weekdays, opens_at, closes_at, "
    "created_at, updated_at"
)
_KEPT = "WHEN EXISTS (SELECT 1 FROM warning_day)"
_FORGET = f"{_KEPT} BEGIN DELETE FROM warning_day; END"

TRIGGERS = {
    "warning_day_account_insert": f"AFTER INSERT ON account {_FORGET}",
    "warning_day_account_update": f"AFTER UPDATE OF {_ACCOUNT_COLUMNS} ON account {_FORGET}",
    "warning_day_account_delete": f"AFTER DELETE ON account {_FORGET}",
    "warning_day_outcome_insert": f"AFTER INSERT ON outcome {_FORGET}",
    "warning_day_outcome_update": f"AFTER UPDATE ON outcome {_FORGET}",
    "warning_day_outcome_delete": f"AFTER DELETE ON outcome {_FORGET}",
    "warning_day_order_insert": f"AFTER INSERT ON account_order {_FORGET}",
    "warning_day_order_update": f"AFTER UPDATE ON account_order {_FORGET}",
    "warning_day_order_delete": f"AFTER DELETE ON account_order {_FORGET}",
}


def create_triggers() -> None:
    for name, body in TRIGGERS.items():
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(f"CREATE TRIGGER {name} {body}")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "CREATE TABLE warning_day ("
        "key TEXT PRIMARY KEY, "  # day, config, format (store/warning_days.py)
        "n INTEGER NOT NULL, "  # accounts
        "ids TEXT NOT NULL, "  # digest of every account id, in rowid order
        "names TEXT NOT NULL, "  # the signs, each followed by \\x1f
        "fired BLOB NOT NULL, "  # uint8 per account and sign
        "p_alive BLOB NOT NULL, "  # float64 per account (NaN: none)
        "expected_orders BLOB NOT NULL, "
        "expected_order_value BLOB NOT NULL)"
    )
    create_triggers()


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS warning_day")
