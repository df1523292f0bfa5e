"""METHOD section 1: the lifecycle stage of an account, derived from data and events.

Stage is never stored: it is recomputed from the last order date, the purchase
cycle and the outcomes logged since, so logs merged from several laptops give
the same stage in any order of replay.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

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
    """The stage per METHOD section 1, outcomes taken into account.

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
