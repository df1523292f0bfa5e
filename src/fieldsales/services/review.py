"""The team lead's campaign review (issue 14 sections 2 and 3): filters, periods and
everything the Review screen shows, loaded in one call from a worker.

Periods are named relative to today (this week, last week, this month, last
month, all) or typed as a month (YYYY-MM); each becomes the period string
services/kpi_report and services/route_report take: a month, or a range of
days for a week (Monday to Sunday).

Every filter narrows the KPI table and the drill-down alike. The campaign's
targets against the actual (services/targets.py) come along when config.yaml
sets a campaign.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from fieldsales.config import Settings
from fieldsales.domain.rates import LearnedRate
from fieldsales.services.kpi_report import KpiReport, kpi_report_for
from fieldsales.services.published import in_effect
from fieldsales.services.rank import rank_accounts
from fieldsales.services.rates import rate_table
from fieldsales.services.route_report import ReportError, period_bounds
from fieldsales.services.targets import CampaignReport, campaign_report
from fieldsales.store import kpi_drill, unit

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

PERIODS = ("this_week", "last_week", "this_month", "last_month", "all")
GROUPINGS = ("rank", "channel", "reason", "rep", "week", "month")
KPI_FILTERS = ("rank", "channel", "reason")  # the filters beyond period and rep


@dataclass(frozen=True)
class ReviewFilter:
    period: str = "this_month"  # one of PERIODS, or a month typed as YYYY-MM
    rep: str | None = None
    rank: str | None = None
    channel: str | None = None
    reason: str | None = None

    def active(self) -> dict[str, str]:
        """The filters that narrow anything, by name (the period always does unless 'all')."""
        values = {"period": None if self.period == "all" else self.period, "rep": self.rep}
        values |= {name: getattr(self, name) for name in KPI_FILTERS}
        return {k: v for k, v in values.items() if v is not None}


def period_spec(period: str, today: date) -> str | None:
    """The period string of services.kpi_report for a named or typed period; None: all."""
    monday = today - timedelta(days=today.weekday())
    if period == "all":
        return None
    if period == "this_week":
        return f"{monday.isoformat()}..{(monday + timedelta(days=6)).isoformat()}"
    if period == "last_week":
        start = monday - timedelta(days=7)
        return f"{start.isoformat()}..{(start + timedelta(days=6)).isoformat()}"
    if period == "this_month":
        return today.strftime("%Y-%m")
    if period == "last_month":
        return (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    period_bounds(period)  # a typed month: raises ReportError when it is not one
    if len(period.strip()) != len("2026-11"):
        raise ReportError(f"period {period!r}: give a month as YYYY-MM (2026-11)")
    return period.strip()


@dataclass(frozen=True)
class ReviewData:
    filters: ReviewFilter
    by: str
    report: KpiReport
    rates: list[LearnedRate]
    reps: list[str]
    first_day: date | None
    last_day: date | None
    campaign: CampaignReport | None = None  # None: no campaign targets in config.yaml


def review_data(
    engine: Engine,
    settings: Settings,
    *,
    by: str,
    filters: ReviewFilter,
    today: date,
    offset_minutes: int,
) -> ReviewData:
    """The KPI report, the learned rates and the reps to choose from, for the Review screen.

    One ranking from the office serves the report (per rank), the learned rates and
    the campaign: ranking is the costly part at a hundred thousand accounts."""
    office = (settings.office.lat, settings.office.lon)
    base = rank_accounts(engine, settings, origin=office, today=today).base
    spec = period_spec(filters.period, today)
    first, last = period_bounds(spec) if spec else (None, None)
    extra: dict[str, Any] = {name: getattr(filters, name) for name in KPI_FILTERS}
    report = kpi_report_for(
        engine,
        settings,
        by=by,
        period=spec,
        rep=filters.rep,
        today=today,
        offset_minutes=offset_minutes,
        base=base,
        **extra,
    )
    with unit.reading(engine) as session:
        reps = kpi_drill.outcome_reps(session=session)
    rates = rate_table(engine, settings, today=today, base=base)
    settings = in_effect(settings, engine)  # the team's published campaign, if any
    c = settings.campaign
    campaign = (
        campaign_report(engine, settings, today=today, offset_minutes=offset_minutes, base=base)
        if c.start and c.end and c.targets
        else None
    )
    return ReviewData(filters, by, report, rates, reps, first, last, campaign)


def cycle(values: Sequence[str | None], current: str | None) -> str | None:
    """The value after `current` in `values`, wrapping (a value not in them: the first)."""
    if current not in values:
        return values[0]
    return values[(values.index(current) + 1) % len(values)]


def with_period(filters: ReviewFilter, period: str, today: date) -> ReviewFilter:
    """`filters` with a named or typed period, checked (ReportError when unreadable)."""
    period_spec(period, today)
    return replace(filters, period=period)
