"""docs/method.md#stages: the lifecycle stage of an account, derived from data and events.

Stage is never stored: it is recomputed from the last order date, the purchase
cycle and the outcomes logged since, so logs merged from several laptops give
the same stage in any order of replay.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

from fieldsales.config import Dormancy
from fieldsales.domain.vocab import Result, Stage

DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class OutcomeFact:
    """The part of a logged outcome the stage depends on."""

    occurred: date
    result: str


def months_between(start: date, end: date) -> float:
    return (end - start).days / DAYS_PER_MONTH


def dormancy_start(last_order: date, cycle_days: int, cfg: Dormancy) -> date:
    """The day the account passed from at-risk into dormant."""
    return last_order + timedelta(days=cfg.at_risk_max_cycles * cycle_days)


def stage_by_date(
    last_order: date | None, cycle_days: int | None, today: date, cfg: Dormancy
) -> Stage:
    if last_order is None:
        return Stage.dormant_long
    cycle = cycle_days if cycle_days and cycle_days > 0 else cfg.default_cycle_days
    cycles = (today - last_order).days / cycle
    if cycles <= cfg.active_max_cycles:
        return Stage.active
    if cycles <= cfg.at_risk_max_cycles:
        return Stage.at_risk
    if cycles <= cfg.dormant_early_max_cycles:
        return Stage.dormant_early
    if cycles <= cfg.dormant_mid_max_cycles:
        return Stage.dormant_mid
    return Stage.dormant_long


def compute_stage(
    last_order: date | None,
    cycle_days: int | None,
    today: date,
    outcomes: Iterable[OutcomeFact],
    cfg: Dormancy,
) -> Stage:
    """The stage per docs/method.md#stages, outcomes taken into account.

    - an order logged after the account became dormant: revived
    - a positive outcome (config `dormancy.positive_results`) since then: reactivating
    - an order logged before dormancy simply moves the last order date forward
    """
    cycle = cycle_days if cycle_days and cycle_days > 0 else cfg.default_cycle_days
    facts = list(outcomes)
    positive = set(cfg.positive_results)
    # An account with no known last order counts as dormant since forever.
    start = dormancy_start(last_order, cycle, cfg) if last_order is not None else date.min
    order_dates = [f.occurred for f in facts if f.result == Result.order]
    if any(d > start for d in order_dates):
        return Stage.revived
    if start <= today and any(f.occurred > start and f.result in positive for f in facts):
        return Stage.reactivating
    effective_last = max([d for d in [last_order, *order_dates] if d is not None], default=None)
    return stage_by_date(effective_last, cycle, today, cfg)


def months_dormant(last_order: date | None, today: date) -> float | None:
    if last_order is None:
        return None
    return max(0.0, months_between(last_order, today))


def _days(d: npt.NDArray[np.datetime64]) -> npt.NDArray[np.float64]:
    """datetime64[D] -> float day numbers, NaT -> NaN."""
    out = d.astype("datetime64[D]").astype(np.int64).astype(float)
    out[np.isnat(d)] = np.nan
    return out


def stages_many(
    last_order: npt.NDArray[np.datetime64],
    cycle_days: npt.NDArray[np.float64],
    today: date,
    ev_account: npt.NDArray[np.intp],
    ev_day: npt.NDArray[np.datetime64],
    ev_result: npt.NDArray[np.str_],
    cfg: Dormancy,
) -> npt.NDArray[np.str_]:
    """compute_stage() for n accounts at once (events given as parallel arrays).

    Same rules as compute_stage, which stays the reference; a property test
    checks that both agree.
    """
    n = len(last_order)
    cyc = np.where(np.isnan(cycle_days) | (cycle_days <= 0), cfg.default_cycle_days, cycle_days)
    lo = _days(last_order)
    t = float(np.datetime64(today, "D").astype(np.int64))
    start = np.where(np.isnan(lo), -np.inf, lo + np.floor(cfg.at_risk_max_cycles * cyc))
    day = _days(ev_day)
    is_order = ev_result == Result.order
    is_pos = np.isin(ev_result, list(cfg.positive_results))
    after = day > start[ev_account]
    revived = np.bincount(ev_account[is_order & after], minlength=n) > 0
    pos_after = np.bincount(ev_account[is_pos & after], minlength=n) > 0
    reactivating = pos_after & (start <= t)
    eff = lo.copy()
    if is_order.any():
        last_ord = np.full(n, -np.inf)
        np.maximum.at(last_ord, ev_account[is_order], day[is_order])
        eff = np.where(np.isnan(eff), last_ord, np.fmax(eff, last_ord))
        eff[np.isinf(eff)] = np.nan
    ratio = (t - eff) / cyc
    bounds = [
        cfg.active_max_cycles,
        cfg.at_risk_max_cycles,
        cfg.dormant_early_max_cycles,
        cfg.dormant_mid_max_cycles,
    ]
    names = np.array(
        [
            Stage.active,
            Stage.at_risk,
            Stage.dormant_early,
            Stage.dormant_mid,
            Stage.dormant_long,
            Stage.revived,
            Stage.reactivating,
        ],
        dtype=str,
    )
    if bounds == sorted(bounds):
        # the first bound the ratio is within: how many bounds lie below it
        # (NaN sorts after every bound: dormant_long, as for a ratio past all)
        code = np.searchsorted(np.array(bounds, dtype=float), ratio, side="left")
    else:  # bounds out of order: the first that holds wins, as compute_stage reads them
        code = np.select([np.isnan(ratio), *(ratio <= b for b in bounds)], [4, 0, 1, 2, 3], 4)
    code = np.where(revived, 5, np.where(reactivating, 6, code))
    return names[code]  # no Python object per account (a million of them cost 0.3 s)
