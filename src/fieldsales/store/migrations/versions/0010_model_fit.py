"""model_fit: the BG/NBD and Gamma-Gamma parameters kept with the order data

A ranking with an order history reads the parameters here instead of fitting
on every call; the key is a fingerprint of the order data and the `clv:`
config (store/orders.fit_fingerprint), so new orders or a config change make
the next ranking fit and keep anew.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from fieldsales.store.models import UTCDateTime

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "model_fit",
        sa.Column(
            "fingerprint", sqlmodel.sql.sqltypes.AutoString(length=64), primary_key=True
        ),
        sa.Column("params", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("model_fit")
