"""The outcomes behind one figure of the campaign review (issue 14 section 3).

A cell of the KPI table is (group, column): the drill-down lists the outcomes
in effect of that group, under the review's filters, that the column is
counted from (store/kpi_drill.py says which for each). The total row's
cells list every group's. Ranks are today's ranks from the office, as the
KPI report counts them, so the rank filter and rank groups are applied here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from fieldsales.config import Settings
from fieldsales.services.kpi_report import period_window
from fieldsales.services.rank import rank_accounts
from fieldsales.services.review import ReviewFilter, period_spec
from fieldsales.store import kpi_drill, unit
from fieldsales.store.kpi_drill import DrillRow

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

# KPI column (a KpiRow field) -> the outcomes it is counted from (store.kpi_drill.WHATS)
METRIC_WHAT: dict[str, str] = {
    "group": "contacted",
    "targets": "contacted",
    "contacted": "contacted",
    "contact_rate": "contacted",
    "reached": "reached",
    "reach_rate": "reached",
    "responded": "responded",
    "response_rate": "responded",
    "appointed": "appointed",
    "appointment_rate": "appointed",
    "ordered": "ordered",
    "close_rate": "ordered",
    "orders": "revenue",
    "revenue": "revenue",
    "average_order": "revenue",
    "reactivated": "reactivated",
    "reactivation_rate": "reactivated",
    "cost": "cost",
    "cost_per_reactivation": "cost",
    "gross_profit": "money",
    "roi": "money",
    "retained": "reactivated",
    "retention_rate": "reactivated",
    "coverage": "contacted",
}


@dataclass(frozen=True)
class Drill:
    metric: str
    by: str
    key: str | None  # None: the total row
    rows: list[DrillRow]
    total: int  # rows found; `rows` holds at most the limit asked for


def drill_for(
    engine: Engine,
    settings: Settings,
    *,
    metric: str,
    by: str,
    key: str | None,
    filters: ReviewFilter,
    today: date,
    offset_minutes: int,
    limit: int = 1000,
) -> Drill:
    """The outcomes behind `metric` (a KPI column) of group `key` of `by`, newest first."""
    what = METRIC_WHAT.get(metric, "contacted")
    start, end = period_window(period_spec(filters.period, today), offset_minutes)
    sql_by = None if by == "rank" or key is None else by
    with unit.reading(engine) as session:
        rows = kpi_drill.drill_outcomes(
            session=session,
            settings=settings,
            what=what,
            by=sql_by,
            key=key,
            offset_minutes=offset_minutes,
            start=start,
            end=end,
            rep=filters.rep,
            channel=filters.channel,
            reason=filters.reason,
        )
    ranks = {r for r in (filters.rank, key if by == "rank" else None) if r is not None}
    if ranks and rows:
        office = (settings.office.lat, settings.office.lon)
        base = rank_accounts(engine, settings, origin=office, today=today).base
        # every account, paused and do-not-contact included (as the KPI report counts)
        rank_of = dict(zip(base.ids, base.ranks.tolist(), strict=True))
        rows = [r for r in rows if all(rank_of.get(r.account_id) == k for k in ranks)]
    return Drill(metric=metric, by=by, key=key, rows=rows[:limit], total=len(rows))
