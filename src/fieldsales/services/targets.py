"""Campaign targets against the actual, week by week (docs/method.md#campaign-review).

The campaign (config.yaml `campaign:`) sets reactivations and revenue per rank
for its whole span. Each week gets its share of the targets pro rata by days,
so the weekly check compares the cumulative target at the week's end with the
cumulative actual: reactivations (orders from accounts that had gone dormant)
and revenue of the orders in effect, per rank today (as the KPIs count them).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from fieldsales.config import Settings, Target
from fieldsales.domain.clock import today_in
from fieldsales.domain.rates import RANKS
from fieldsales.services.kpi_report import local_offset_minutes, period_window
from fieldsales.services.published import in_effect
from fieldsales.services.rank import rank_accounts
from fieldsales.services.route_report import ReportError
from fieldsales.store import kpi_report, unit
from fieldsales.store.kpi_report import FIGURES, Window

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from fieldsales.services.rank_table import RankBase

_REACTIVATED = 2 + FIGURES.index("reactivated")  # positions in account_figures' rows
_REVENUE = 2 + FIGURES.index("revenue")


@dataclass(frozen=True)
class TargetWeek:
    week: date  # its Monday
    rank: str  # A-D, or "total"
    reactivations: int  # this week
    revenue: int
    cum_reactivations: int  # since the campaign started
    cum_revenue: int
    target_reactivations: float  # the cumulative target at the week's end, pro rata
    target_revenue: int
    started: bool  # False for weeks after today: no actual yet

    @property
    def reactivation_progress(self) -> float | None:
        """Cumulative actual / cumulative target (1.0: on target)."""
        t = self.target_reactivations
        return None if t == 0 or not self.started else self.cum_reactivations / t

    @property
    def revenue_progress(self) -> float | None:
        t = self.target_revenue
        return None if t == 0 or not self.started else self.cum_revenue / t

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["week"] = self.week.isoformat()
        d["target_reactivations"] = round(self.target_reactivations, 2)
        for k in ("reactivation_progress", "revenue_progress"):
            v = getattr(self, k)
            d[k] = None if v is None else round(v, 4)
        return d


@dataclass(frozen=True)
class CampaignReport:
    name: str
    start: date
    end: date
    today: date
    targets: dict[str, Target]  # per rank, and "total"
    weeks: list[TargetWeek]  # week by week, each rank with a target, then the total

    @property
    def elapsed(self) -> float:
        """Share of the campaign's days gone by today (0 to 1)."""
        days = (self.end - self.start).days + 1
        gone = (min(self.today, self.end) - self.start).days + 1
        return min(max(gone / days, 0.0), 1.0)

    def latest(self) -> list[TargetWeek]:
        """Each rank's row of the last week begun (the campaign to date)."""
        begun = [w for w in self.weeks if w.started]
        if not begun:
            return []
        last = max(w.week for w in begun)
        return [w for w in begun if w.week == last]


def _monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def campaign_report(
    engine: Engine,
    settings: Settings,
    *,
    today: date | None = None,
    offset_minutes: int | None = None,
    base: RankBase | None = None,
) -> CampaignReport:
    """Target against actual per rank and week of the configured campaign (`base`: a
    ranking from the office already at hand)."""
    settings = in_effect(settings, engine)  # the team's published targets win (README)
    c = settings.campaign
    if c.start is None or c.end is None or not c.targets:
        raise ReportError(
            "no campaign targets set: add campaign: with start, end and targets per rank to"
            " your config.yaml (see `fieldsales config path`; the bundled file has an example),"
            " or a lead publishes the team's (`fieldsales team publish`)"
        )
    as_of = today or today_in(settings.zone())
    offset = local_offset_minutes(settings.zone()) if offset_minutes is None else offset_minutes
    start, end = period_window(f"{c.start.isoformat()}..{c.end.isoformat()}", offset)
    if base is None:
        office = (settings.office.lat, settings.office.lon)
        base = rank_accounts(engine, settings, origin=office, today=as_of).base
    rank_of = dict(zip(base.ids, base.ranks.tolist(), strict=True))
    with unit.reading(engine) as session:
        rows = kpi_report.account_figures(
            session=session,
            settings=settings,
            by="week",
            offset_minutes=offset,
            window=Window(start=start, end=end),
        )
    actual: dict[tuple[str, str], list[int]] = {}
    for row in rows:
        rank = rank_of.get(str(row[1]), "")
        for key in ((str(row[0]), rank), (str(row[0]), "total")):
            acc = actual.setdefault(key, [0, 0])
            acc[0] += int(row[_REACTIVATED] or 0)
            acc[1] += int(row[_REVENUE] or 0)
    targets: dict[str, Target] = {r: c.targets[r] for r in RANKS if r in c.targets}
    targets["total"] = Target(
        reactivations=sum(t.reactivations for t in targets.values()),
        revenue=sum(t.revenue for t in targets.values()),
    )
    days = (c.end - c.start).days + 1
    weeks: list[TargetWeek] = []
    cum: dict[str, list[int]] = {r: [0, 0] for r in targets}
    monday = _monday(c.start)
    while monday <= c.end:
        share = ((min(monday + timedelta(days=6), c.end) - c.start).days + 1) / days
        started = monday <= as_of
        for r, t in targets.items():
            react, revenue = actual.get((monday.isoformat(), r), [0, 0])
            cum[r][0] += react
            cum[r][1] += revenue
            weeks.append(
                TargetWeek(
                    week=monday,
                    rank=r,
                    reactivations=react,
                    revenue=revenue,
                    cum_reactivations=cum[r][0],
                    cum_revenue=cum[r][1],
                    target_reactivations=t.reactivations * share,
                    target_revenue=round(t.revenue * share),
                    started=started,
                )
            )
        monday += timedelta(days=7)
    return CampaignReport(c.name, c.start, c.end, as_of, targets, weeks)
