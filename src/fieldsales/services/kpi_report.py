"""Campaign KPIs per rank, channel, reason, rep, week or month (issue 14 section 3).

Counts come from grouped SQL (store.kpi_report); this module turns them into
the rates of docs/method.md#kpis. Per group:

- contacted: accounts with an outcome in effect (no answer included);
- contact rate: contacted / target accounts. Targets are all accounts of the
  group where the group is a property of the account (rank today, main
  reason), else every account in the database (channel, rep, week, month);
- reach: reached / contacted (reached: a result other than no_answer);
- response: responded / contacted (interested, next action, appointment, order);
- appointment: appointed / contacted (an appointment or an order);
- reactivation: reactivated / contacted (an order while the account was dormant);
- close: ordered / appointed; average order: revenue / orders;
- cost: the cost logged on each outcome, else kpi.contact_cost of its channel;
  cost per reactivation: cost / reactivations;
- gross profit: revenue x the account's margin; ROI: (gross profit - cost) /
  cost (the formula of docs/method.md#roi on what was logged);
- retention after revival: of the revivals at least kpi.retention_days old,
  the share that ordered again within those days;
- coverage (when ranks are known: grouping or filtering by rank): the share of
  target accounts (kpi.coverage_ranks, not do-not-contact) touched in the
  kpi.coverage_days before the period's end;
- the funnel contacted -> reached -> appointed -> ordered, with the share lost
  at each step.

Each account counts under its rank today, ranked from the office (as
services/rates.py does); per-account figures are summed per rank with numpy.
Filters: period, rep, channel, the account's main reason and its rank.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING, Any

import numpy as np

from fieldsales.config import Settings
from fieldsales.domain.clock import today_in, utc_offset_minutes
from fieldsales.domain.rates import RANKS
from fieldsales.services.rank import rank_accounts
from fieldsales.services.rank_table import RankBase
from fieldsales.services.route_report import period_bounds
from fieldsales.store import kpi_report, unit
from fieldsales.store.kpi_report import ZERO, GroupFigures, Window

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

KPI_GROUPS = ("rank", *kpi_report.GROUPS)
FUNNEL_STEPS = ("contacted", "reached", "appointed", "ordered")


def _ratio(n: int, d: int) -> float | None:
    return None if d == 0 else n / d


@dataclass(frozen=True)
class KpiRow:
    group: str
    targets: int
    contacted: int
    reached: int
    responded: int
    appointed: int
    ordered: int
    orders: int
    revenue: int
    reactivated: int
    cost: int
    gross_profit: int
    revived_due: int  # revivals at least kpi.retention_days old
    retained: int  # of those, ordered again within the days
    contact_rate: float | None
    reach_rate: float | None
    response_rate: float | None
    appointment_rate: float | None
    reactivation_rate: float | None
    close_rate: float | None
    average_order: int | None
    cost_per_reactivation: int | None
    roi: float | None  # 5.0 is 500%
    retention_rate: float | None
    coverage_targets: int | None = None  # None: ranks not computed for this report
    covered: int | None = None
    coverage: float | None = None

    def funnel(self) -> list[tuple[str, int, float | None]]:
        """(step, accounts, share lost since the step before; None for the first)."""
        counts = [getattr(self, s) for s in FUNNEL_STEPS]
        out: list[tuple[str, int, float | None]] = [(FUNNEL_STEPS[0], counts[0], None)]
        for step, prev, n in zip(FUNNEL_STEPS[1:], counts, counts[1:], strict=False):
            kept = _ratio(n, prev)
            out.append((step, n, None if kept is None else 1 - kept))
        return out

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k, v in d.items():
            if isinstance(v, float):
                d[k] = round(v, 4)
        for step, _, lost in self.funnel()[1:]:
            d[f"lost_before_{step}"] = None if lost is None else round(lost, 4)
        return d


def kpi_row(
    group: str,
    f: GroupFigures,
    targets: int,
    retention: tuple[int, int] = (0, 0),
    coverage: tuple[int, int] | None = None,
) -> KpiRow:
    due, retained = retention
    return KpiRow(
        group=group,
        targets=targets,
        contacted=f.contacted,
        reached=f.reached,
        responded=f.responded,
        appointed=f.appointed,
        ordered=f.ordered,
        orders=f.orders,
        revenue=f.revenue,
        reactivated=f.reactivated,
        cost=f.cost,
        gross_profit=f.gross_profit,
        revived_due=due,
        retained=retained,
        contact_rate=_ratio(f.contacted, targets),
        reach_rate=_ratio(f.reached, f.contacted),
        response_rate=_ratio(f.responded, f.contacted),
        appointment_rate=_ratio(f.appointed, f.contacted),
        reactivation_rate=_ratio(f.reactivated, f.contacted),
        close_rate=_ratio(f.ordered, f.appointed),
        average_order=None if f.orders == 0 else round(f.revenue / f.orders),
        cost_per_reactivation=None if f.reactivated == 0 else round(f.cost / f.reactivated),
        roi=None if f.cost == 0 else (f.gross_profit - f.cost) / f.cost,
        retention_rate=_ratio(retained, due),
        coverage_targets=None if coverage is None else coverage[0],
        covered=None if coverage is None else coverage[1],
        coverage=None if coverage is None else _ratio(coverage[1], coverage[0]),
    )


COLUMNS: tuple[str, ...] = (
    *KpiRow.__dataclass_fields__,
    *(f"lost_before_{s}" for s in FUNNEL_STEPS[1:]),
)


@dataclass(frozen=True)
class KpiReport:
    by: str
    period: str | None
    rep: str | None
    rows: list[KpiRow]
    total: KpiRow
    filters: dict[str, str] = field(default_factory=dict)  # channel, reason, rank


def local_offset_minutes(zone: tzinfo | None) -> int:
    """The working day's UTC offset now, in minutes (config `timezone`: Settings.zone();
    None: the computer's zone): days, weeks, months and periods are counted in it."""
    return utc_offset_minutes(zone)


def period_window(period: str | None, offset: int) -> tuple[datetime | None, datetime | None]:
    """UTC instants bounding the period's local days: [start, end)."""
    if not period:
        return None, None
    first, last = period_bounds(period)
    zone = timezone(timedelta(minutes=offset))
    start = datetime.combine(first, time(), zone).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(), zone).astimezone(UTC)
    return start, end


def kpi_report_for(
    engine: Engine,
    settings: Settings,
    *,
    by: str,
    period: str | None = None,
    rep: str | None = None,
    channel: str | None = None,
    reason: str | None = None,
    rank: str | None = None,
    today: date | None = None,
    offset_minutes: int | None = None,
    base: RankBase | None = None,
) -> KpiReport:
    """The KPIs of the outcomes in effect in `period` (a month or a day; all when
    None), of `rep`, on `channel`, for accounts of main `reason` and of `rank`
    today (all when None), one row per group of `by`. `base`: a ranking already at
    hand (ranked from the office as of `today`), so that nothing is ranked twice."""
    if by not in KPI_GROUPS:
        raise ValueError(by)
    offset = local_offset_minutes(settings.zone()) if offset_minutes is None else offset_minutes
    start, end = period_window(period, offset)
    w = Window(start=start, end=end, rep=rep, channel=channel, reason=reason)
    as_of = today or today_in(settings.zone())
    filters = {k: v for k, v in (("channel", channel), ("reason", reason), ("rank", rank)) if v}
    if by == "rank" or rank is not None:
        rows, total = _ranked_rows(engine, settings, by, w, rank, offset, as_of, base)
        return KpiReport(by, period, rep, rows, total, filters)
    with unit.reading(engine) as session:
        args: dict[str, Any] = {"session": session, "settings": settings, "window": w}
        figures, total_f = kpi_report.group_figures(by=by, offset_minutes=offset, **args)
        kept = kpi_report.revivals(by=by, as_of=as_of, offset_minutes=offset, **args)
        kept_all = kpi_report.revivals(by="total", as_of=as_of, **args)
        counts = kpi_report.account_counts(session=session, by="reason")
    everyone = sum(counts.values())
    all_targets = counts.get(reason, 0) if reason else everyone
    retention = _retention((k, d, r) for k, _, d, r in kept)
    (total_kept,) = _retention((k, d, r) for k, _, d, r in kept_all).values() or [(0, 0)]
    total = kpi_row("total", total_f, all_targets, total_kept)
    rows = [
        kpi_row(f.key, f, counts.get(f.key, 0) if by == "reason" else all_targets,
                retention.get(f.key, (0, 0)))
        for f in figures
    ]  # fmt: skip
    if by == "reason" and reason is None:  # reasons nobody was contacted for still have targets
        seen = {f.key for f in figures}
        rows += [kpi_row(k, ZERO, n) for k, n in counts.items() if k not in seen]
        rows.sort(key=lambda r: r.group)
    return KpiReport(by, period, rep, rows, total, filters)


def _retention(rows: Any) -> dict[str, tuple[int, int]]:
    """(due, retained) per key from (key, due, retained) rows."""
    out: dict[str, tuple[int, int]] = {}
    for key, due, kept in rows:
        d, r = out.get(key, (0, 0))
        out[key] = (d + int(due), r + int(due and kept))
    return out


def _ranked_rows(
    engine: Engine,
    settings: Settings,
    by: str,
    w: Window,
    rank: str | None,
    offset: int,
    as_of: date,
    base: RankBase | None = None,
) -> tuple[list[KpiRow], KpiRow]:
    """Rows when the account's rank today groups or filters: per-(group, account)
    figures from SQL, summed here per rank (or per key, keeping one rank)."""
    if base is None:
        office = (settings.office.lat, settings.office.lon)
        base = rank_accounts(engine, settings, origin=office, today=as_of).base
    rank_of = dict(zip(base.ids, base.ranks.tolist(), strict=True))
    inner_by = "total" if by == "rank" else by
    with unit.reading(engine) as session:
        args: dict[str, Any] = {"session": session, "settings": settings, "window": w}
        per_account = kpi_report.account_figures(by=inner_by, offset_minutes=offset, **args)
        kept = kpi_report.revivals(by=inner_by, as_of=as_of, offset_minutes=offset, **args)
        # the total counts each account once, whatever groups it fell in
        whole = per_account if by == "rank" else kpi_report.account_figures(**args)
        kept_all = kept if by == "rank" else kpi_report.revivals(by="total", as_of=as_of, **args)
        since = datetime.combine(as_of, time(), UTC) if w.end is None else w.end
        touched = kpi_report.touched_since(
            session=session,
            since=since - timedelta(days=settings.kpi.coverage_days),
            until=w.end,
            rep=w.rep,
        )

    def key_of(key: str, account: str) -> str | None:
        r = rank_of.get(account, "")
        if rank is not None and r != rank:
            return None
        return r if by == "rank" else key

    def summed(rows: list[tuple[Any, ...]], one_key: bool) -> dict[str, list[int]]:
        sums: dict[str, list[int]] = {}
        for key, account, *values in rows:
            k = key_of(str(key), str(account))
            if k is None:
                continue
            acc = sums.setdefault("total" if one_key else k, [0] * (len(values) + 1))
            acc[0] += 1
            for i, v in enumerate(values, start=1):
                acc[i] += round(v or 0)
        return sums

    sums = summed(per_account, one_key=False)
    whole_sum = summed(whole, one_key=True).get("total")
    retention = _retention((k, d, r) for key, a, d, r in kept if (k := key_of(key, a)) is not None)
    total_kept = _retention(
        ("total", d, r) for key, a, d, r in kept_all if key_of(key, a) is not None
    ).get("total", (0, 0))
    targets, coverage = _rank_targets(base, settings, w.reason, touched)
    keys: list[str] = list(RANKS) if by == "rank" else sorted(sums)
    if rank is not None and by == "rank":
        keys = [rank]
    rows = []
    for k in keys:
        f = GroupFigures(k, *sums.get(k, [0] * (len(ZERO.__dataclass_fields__) - 1)))
        per_rank = by == "rank"
        rows.append(
            kpi_row(
                k,
                f,
                targets[k if per_rank else rank or "total"],
                retention.get(k, (0, 0)),
                coverage.get(k if per_rank else rank or "total"),
            )
        )
    total_f = ZERO if whole_sum is None else GroupFigures("total", *whole_sum)
    total = kpi_row(
        "total", total_f, targets[rank or "total"], total_kept, coverage.get(rank or "total")
    )
    return rows, total


def _rank_targets(
    base: RankBase, settings: Settings, reason: str | None, touched: set[str]
) -> tuple[dict[str, int], dict[str, tuple[int, int]]]:
    """Accounts per rank (and in all) for the contact rate, and (targets, touched)
    for coverage: the ranks kpi.coverage_ranks, not do-not-contact."""
    ranks = np.asarray(base.ranks, dtype=str)
    keep = np.ones(len(ranks), dtype=bool)
    if reason is not None:
        keep = np.array([(r or "unknown") == reason for r in base.reason], dtype=bool)
    hit = np.array([a in touched for a in base.ids], dtype=bool)
    aim = keep & ~base.dnc & np.isin(ranks, settings.kpi.coverage_ranks)
    targets = {r: int((keep & (ranks == r)).sum()) for r in RANKS}
    targets["total"] = int(keep.sum())
    coverage: dict[str, tuple[int, int]] = {
        r: (int((aim & (ranks == r)).sum()), int((aim & hit & (ranks == r)).sum()))
        for r in RANKS
        if r in settings.kpi.coverage_ranks
    }
    coverage["total"] = (int(aim.sum()), int((aim & hit).sum()))
    return targets, coverage
