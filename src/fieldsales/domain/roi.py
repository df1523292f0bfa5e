"""docs/method.md#roi: the planned ROI of a visit day, in integer yen.

    ROI % = (expected revenue x gross margin - total cost) / total cost x 100

Expected revenue of a visit = appointment rate x close rate (per rank, from
config) x the account's average order (or roi.default_deal). Cost = the rep's
day rate + cost per km x planned km + other expenses of the day.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fieldsales.config import Roi, Settings

# (rank, channel) -> (P(appointment), P(close)), as domain.rates.learned_rates returns
LearnedRates = Mapping[tuple[str, str], tuple[float, float]]


@dataclass(frozen=True)
class VisitEconomics:
    rank: str
    average_order: int | None
    gross_margin: float | None


@dataclass(frozen=True)
class DayRoi:
    expected_revenue: int  # yen
    gross_profit: int  # yen
    cost: int  # yen
    roi_pct: float | None  # None when the day costs nothing


def rates(
    rank: str, channel: str, settings: Settings, learned: LearnedRates | None = None
) -> tuple[float, float]:
    """P(appointment) and P(close) of a contact by `channel` with an account of `rank`.

    The one place the planner and the ROI read rates from: the config.yaml
    rates per rank (roi.appointment_rate, roi.close_rate), the appointment
    rate scaled by the channel's success against a visit
    (channels.success_factor, docs/method.md#kpis). With `learned` (from
    domain.rates.learned_rates) the rates learned from logged outcomes for
    (rank, channel) are used instead, where it has them.
    """
    cfg = settings.roi
    r = rank if rank in cfg.appointment_rate else "D"
    if learned is not None and (r, channel) in learned:
        return learned[(r, channel)]
    factor = settings.channels.success_factor.get(channel, 1.0)  # type: ignore[call-overload]
    return cfg.appointment_rate[r] * factor, cfg.close_rate[r]


def expected_value(
    rank: str,
    average_order: int | None,
    gross_margin: float | None,
    settings: Settings,
    channel: str = "visit",
    learned: LearnedRates | None = None,
) -> float:
    """Expected gross profit of one contact, in yen (docs/method.md#channel-fit):
    P(appointment) x P(close) x expected deal x gross margin."""
    p_appt, p_close = rates(rank, channel, settings, learned)
    deal = average_order if average_order else settings.roi.default_deal
    margin = gross_margin if gross_margin is not None else settings.roi.gross_margin
    return p_appt * p_close * deal * margin


def expected_values(
    ranks: npt.NDArray[np.str_],
    average_orders: npt.NDArray[np.float64],
    gross_margins: npt.NDArray[np.float64],
    settings: Settings,
    channel: str = "visit",
    learned: LearnedRates | None = None,
) -> npt.NDArray[np.float64]:
    """expected_value() for arrays of accounts (nan = missing, as in the table)."""
    deal = np.where(
        np.isnan(average_orders) | (average_orders <= 0), settings.roi.default_deal, average_orders
    )
    margin = np.where(np.isnan(gross_margins), settings.roi.gross_margin, gross_margins)
    p = np.zeros(len(ranks))
    for rank in ("A", "B", "C", "D"):
        a, c = rates(rank, channel, settings, learned)
        p[ranks == rank] = a * c
    return p * deal * margin


def visit_revenue(v: VisitEconomics, cfg: Roi) -> float:
    rank = v.rank if v.rank in cfg.appointment_rate else "D"
    deal = v.average_order if v.average_order else cfg.default_deal
    return cfg.appointment_rate[rank] * cfg.close_rate[rank] * deal


def planned_roi(visits: Iterable[VisitEconomics], km: float, cfg: Roi) -> DayRoi:
    """The method's formula with expected rates; money rounded to whole yen."""
    revenue = 0.0
    profit = 0.0
    for v in visits:
        r = visit_revenue(v, cfg)
        margin = v.gross_margin if v.gross_margin is not None else cfg.gross_margin
        revenue += r
        profit += r * margin
    cost = cfg.day_rate + round(cfg.cost_per_km * km) + cfg.expenses_per_day
    gp = round(profit)
    roi = None if cost == 0 else (gp - cost) / cost * 100
    return DayRoi(round(revenue), gp, cost, roi)


def roi_from(profit: float, revenue: float, km: float, cfg: Roi) -> DayRoi:
    """The method's formula on a day's expected gross profit and revenue (yen)."""
    cost = cfg.day_rate + round(cfg.cost_per_km * km) + cfg.expenses_per_day
    gp = round(profit)
    roi = None if cost == 0 else (gp - cost) / cost * 100
    return DayRoi(round(revenue), gp, cost, roi)


def actual_roi(revenue: int, gross_profit: int, km: float, expenses: int, cfg: Roi) -> DayRoi:
    """The method's formula on what was logged for a route (docs/method.md#roi).

    `revenue` and `gross_profit` come from the orders attributed to the
    route's visits; `expenses` are the costs logged on its outcomes. Cost =
    the day rate + cost per km x `km` + roi.expenses_per_day + `expenses`.
    """
    cost = cfg.day_rate + round(cfg.cost_per_km * km) + cfg.expenses_per_day + expenses
    roi = None if cost == 0 else (gross_profit - cost) / cost * 100
    return DayRoi(revenue, gross_profit, cost, roi)
