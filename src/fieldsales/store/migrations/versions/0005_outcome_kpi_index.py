"""covering indexes for the campaign KPIs

The KPI queries group the outcomes in effect per account (store/kpi_report.py).
With every column they read in one index, SQLite reads the index instead of
looking up a million table rows at random: ordered by account for reports
over all time (no sort needed to group), by time for a period's report (a
range of the index); and by result, so that the orders (a few percent of the
log) are found without reading the rest.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["account_id", "channel", "rep", "occurred_at", "result", "order_amount", "cost", "id"]
BY_TIME = ["occurred_at", "account_id", "channel", "rep", "result", "order_amount", "cost", "id"]
BY_RESULT = ["result", "account_id", "occurred_at", "order_amount", "channel", "rep", "id"]


def upgrade() -> None:
    op.create_index("ix_outcome_kpi", "outcome", COLUMNS)
    op.create_index("ix_outcome_kpi_time", "outcome", BY_TIME)
    op.create_index("ix_outcome_kpi_result", "outcome", BY_RESULT)


def downgrade() -> None:
    op.drop_index("ix_outcome_kpi_result", table_name="outcome")
    op.drop_index("ix_outcome_kpi_time", table_name="outcome")
    op.drop_index("ix_outcome_kpi", table_name="outcome")
