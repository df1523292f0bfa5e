"""team publication: the team's talk scripts and campaign targets, as a lead published them

`team_publication` holds each published version (kind talk_scripts or
campaign, version 1, 2, ... per kind, the content as JSON). On the team
database a lead's `fieldsales team publish` adds rows; a rep's
`fieldsales sync` copies them to the laptop, where the newest version of each
kind replaces the local file (talk_scripts.yaml, config.yaml `campaign:`).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from fieldsales.store.models import UTCDateTime

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "team_publication",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), primary_key=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("digest", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("published_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("published_at", UTCDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("kind", "version", name="uq_team_publication_version"),
    )


def downgrade() -> None:
    op.drop_table("team_publication")
