"""Campaign KPIs per rank, channel, reason, rep, week or month (issue 14 section 3).

Counts come from grouped SQL (store.kpi_report); this module turns them into
METHOD section 7's rates. Per group:

- contacted: accounts with an outcome in effect (no answer included);
- contact rate: contacted / target accounts. Targets are all accounts of the
  group where the group is a property of the account (rank today, main
  reason), else every account in the database (channel, rep, week, month);
- reach: reached / contacted (reached: a result other than no_answer);
- response: responded / contacted (interested, next action, appointment, order);
- appointment: appointed / contacted (an appointment or an order);
- reactivation: reactivated / contacted (an order while the account was dormant);
- close: ordered / appointed; average order: revenue / orders;
- cost per reactivation: the costs logged on the outcomes / reactivations;
- the funnel contacted -> reached -> appointed -> ordered, with the share lost
  at each step.

Each account counts under its rank today, ranked from the office (as
services/rates.py does); per-account figures are summed per rank with numpy.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

import numpy as np
from sqlalchemy.engine import Engine
from sqlmodel import Session

from fieldsales.config import Settings
from fieldsales.domain.rates import RANKS
from fieldsales.services.rank import rank_accounts
from fieldsales.services.route_report import period_bounds
from fieldsales.store import kpi_report
from fieldsales.store.kpi_report import GroupFigures

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
    contact_rate: float | None
    reach_rate: float | None
    response_rate: float | None
    appointment_rate: float | None
    reactivation_rate: float | None
    close_rate: float | None
    average_order: int | None
    cost_per_reactivation: int | None

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


def kpi_row(group: str, f: GroupFigures, targets: int) -> KpiRow:
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
        contact_rate=_ratio(f.contacted, targets),
        reach_rate=_ratio(f.reached, f.contacted),
        response_rate=_ratio(f.responded, f.contacted),
        appointment_rate=_ratio(f.appointed, f.contacted),
        reactivation_rate=_ratio(f.reactivated, f.contacted),
        close_rate=_ratio(f.ordered, f.appointed),
        average_order=None if f.orders == 0 else round(f.revenue / f.orders),
        cost_per_reactivation=None if f.reactivated == 0 else round(f.cost / f.reactivated),
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


def local_offset_minutes() -> int:
    """The machine's UTC offset now, in minutes (the app shows local time)."""
    offset = datetime.now().astimezone().utcoffset() or timedelta(0)
    return int(offset.total_seconds() // 60)


def _bounds(period: str | None, offset: int) -> tuple[datetime | None, datetime | None]:
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
    today: date | None = None,
    offset_minutes: int | None = None,
) -> KpiReport:
    """The KPIs of the outcomes in effect in `period` (a month or a day; all when
    None) and of `rep` (all reps when None), one row per group of `by`."""
    if by not in KPI_GROUPS:
        raise ValueError(by)
    offset = local_offset_minutes() if offset_minutes is None else offset_minutes
    start, end = _bounds(period, offset)
    window: dict[str, Any] = {"start": start, "end": end, "rep": rep}
    with Session(engine) as session:
        (total_f,) = kpi_report.group_figures(
            session=session, settings=settings, by="total", **window
        ) or [GroupFigures("total", 0, 0, 0, 0, 0, 0, 0, 0, 0)]
        all_accounts = kpi_report.account_counts(session=session, by="total")["total"]
        if by == "rank":
            per_account = kpi_report.account_figures(session=session, settings=settings, **window)
        else:
            figures = kpi_report.group_figures(
                session=session, settings=settings, by=by, offset_minutes=offset, **window
            )
            targets = (
                kpi_report.account_counts(session=session, by="reason") if by == "reason" else {}
            )
    total = kpi_row("total", total_f, all_accounts)
    if by == "rank":
        rows = _rank_rows(engine, settings, per_account, today)
    else:
        rows = [kpi_row(f.key, f, targets.get(f.key, all_accounts)) for f in figures]
        if by == "reason":  # reasons nobody was contacted for still have targets
            seen = {f.key for f in figures}
            zero = GroupFigures("", 0, 0, 0, 0, 0, 0, 0, 0, 0)
            rows += [kpi_row(k, zero, n) for k, n in targets.items() if k not in seen]
            rows.sort(key=lambda r: r.group)
    return KpiReport(by=by, period=period, rep=rep, rows=rows, total=total)


def _rank_rows(
    engine: Engine,
    settings: Settings,
    per_account: list[tuple[Any, ...]],
    today: date | None,
) -> list[KpiRow]:
    office = (settings.office.lat, settings.office.lon)
    base = rank_accounts(engine, settings, origin=office, today=today).base
    # every account, paused and do-not-contact included
    all_ranks = np.asarray(base.ranks, dtype=str)
    rank_of = dict(zip(base.ids, all_ranks.tolist(), strict=True))
    width = 1 + len(GroupFigures.__dataclass_fields__) - 2  # account id + figures but key, count
    if per_account:
        ids, *cols = zip(*per_account, strict=True)
        ranks = np.array([rank_of.get(a, "") for a in ids], dtype=str)
        values = np.array(cols, dtype=np.int64)
    else:
        ranks = np.array([], dtype=str)
        values = np.zeros((width - 1, 0), dtype=np.int64)
    rows = []
    for r in RANKS:
        m = ranks == r
        sums = [int(v) for v in values[:, m].sum(axis=1)]
        f = GroupFigures(r, int(m.sum()), *sums)
        rows.append(kpi_row(r, f, int((all_ranks == r).sum())))
    return rows
