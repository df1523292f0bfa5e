"""sync outbox and state: what `fieldsales sync` pushes, and where it left off

`sync_outbox` holds each change to push (an outcome, a saved or updated
route, a rep's edit of an account field), written in the same transaction
as the change. `sync_state` keeps this copy's client id, the remote it syncs
with and the pull checkpoint (a PostgreSQL transaction id, as text).

Revision ID: 0009
Revises: 0006
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from fieldsales.store.models import UTCDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sync_outbox",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("op_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("ref_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("payload", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_sync_outbox_op_id", "sync_outbox", ["op_id"], unique=True)
    op.create_index("ix_sync_outbox_ref_id", "sync_outbox", ["ref_id"])
    op.create_table(
        "sync_state",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=40), primary_key=True),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sync_state")
    op.drop_index("ix_sync_outbox_ref_id", table_name="sync_outbox")
    op.drop_index("ix_sync_outbox_op_id", table_name="sync_outbox")
    op.drop_table("sync_outbox")
