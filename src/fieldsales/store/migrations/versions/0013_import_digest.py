"""account import_digest: a digest of the values an import wrote, to skip unchanged rows

`fieldsales import` keeps on each account it writes a digest of the values it
wrote there (the file's columns, as read). Re-importing the same row gives the
same digest, and the account is left as it is without reading its fields back.
A trigger clears the digest whenever any other write changes one of the
account's own fields (the app, a sync, locating, the order history), so such
an account is compared field by field at the next import again.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every field of an account a write may change, but the digest itself, the
# kept scores (refreshed after each import) and the timestamps.
WATCHED = (
    "external_id", "match_key", "company", "company_kana", "site", "postal_code",
    "prefecture", "city", "address", "lat", "lon", "geo_precision", "geo_source",
    "industry", "contact_name", "contact_title", "phone", "email", "owner_rep",
    "lifetime_revenue", "average_order", "gross_margin", "first_order_date",
    "last_order_date", "last_product", "purchase_cycle_days", "order_count",
    "main_reason", "other_reasons", "reason_solvable", "competitor_status",
    "competitor_name", "digital_responsiveness", "do_not_contact", "notes",
    "closed_weekdays", "opens_at", "closes_at",
)  # fmt: skip
TRIGGER = "account_import_digest_stale"


def upgrade() -> None:
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("import_digest", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True)
        )
    watched = ", ".join(WATCHED)
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            f"CREATE TRIGGER {TRIGGER} AFTER UPDATE OF {watched} ON account FOR EACH ROW "
            "WHEN OLD.import_digest IS NOT NULL AND NEW.import_digest IS OLD.import_digest "
            "BEGIN UPDATE account SET import_digest = NULL WHERE id = NEW.id; END"
        )
    else:
        op.execute(
            f"CREATE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF NEW.import_digest IS NOT DISTINCT FROM OLD.import_digest THEN "
            "NEW.import_digest := NULL; END IF; RETURN NEW; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {TRIGGER} BEFORE UPDATE OF {watched} ON account "
            f"FOR EACH ROW EXECUTE FUNCTION {TRIGGER}()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}")
        # in place (SQLite >= 3.35): a batch rebuild of account would trip over
        # 0012's triggers on outcome, which name the account table
        op.execute("ALTER TABLE account DROP COLUMN import_digest")
        return
    op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON account")
    op.execute(f"DROP FUNCTION IF EXISTS {TRIGGER}()")
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_column("import_digest")
