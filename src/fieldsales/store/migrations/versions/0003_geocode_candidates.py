"""geocode cache: suspicious candidates

A geocoder answer far from the account's offline town/city position is kept
in the cache as a candidate and flagged instead of being applied.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("geocode_cache", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("suspicious", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("offset_km", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("geocode_cache", schema=None) as batch_op:
        batch_op.drop_column("offset_km")
        batch_op.drop_column("suspicious")
