"""METHOD section 6: the planned ROI of a visit day, in integer yen.

    ROI % = (expected revenue x gross margin - total cost) / total cost x 100

Expected revenue of a visit = appointment rate x close rate (per rank, from
config) x the account's average order (or roi.default_deal). Cost = the rep's
day rate + cost per km x planned km + other expenses of the day.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from fieldsales.config import Roi


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
