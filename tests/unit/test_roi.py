"""METHOD section 6: ROI of a route, planned and actual, on the method's worked example."""

from __future__ import annotations

from fieldsales.config import Roi, default_settings
from fieldsales.domain.roi import VisitEconomics, actual_roi, planned_roi


def _cfg(**update: object) -> Roi:
    return default_settings().roi.model_copy(update=update)


def test_actual_roi_reproduces_the_methods_worked_example() -> None:
    # 20 dormant accounts visited; 15% get an appointment; 1 in 3 closes
    visits = 20
    appointments = visits * 15 // 100
    closes = appointments // 3
    assert (appointments, closes) == (3, 1)
    revenue = closes * 1_000_000
    gross_profit = revenue * 30 // 100
    # day rate 40,000; travel and expenses 10,000 (logged, no per-km or daily extra)
    cfg = _cfg(day_rate=40_000, cost_per_km=0, expenses_per_day=0)
    day = actual_roi(revenue, gross_profit, km=0.0, expenses=10_000, cfg=cfg)
    assert day.expected_revenue == 1_000_000
    assert day.gross_profit == 300_000
    assert day.cost == 50_000
    assert day.roi_pct == 500.0


def test_actual_cost_adds_km_and_daily_expenses() -> None:
    cfg = _cfg(day_rate=40_000, cost_per_km=30, expenses_per_day=2_000)
    day = actual_roi(0, 0, km=100.0, expenses=1_500, cfg=cfg)
    assert day.cost == 40_000 + 3_000 + 2_000 + 1_500
    assert day.roi_pct == -100.0


def test_a_day_that_costs_nothing_has_no_roi() -> None:
    cfg = _cfg(day_rate=0, cost_per_km=0, expenses_per_day=0)
    assert actual_roi(500, 150, km=0.0, expenses=0, cfg=cfg).roi_pct is None


def test_planned_roi_with_the_examples_rates_gives_500_percent() -> None:
    cfg = _cfg(
        day_rate=40_000,
        cost_per_km=0,
        expenses_per_day=10_000,
        appointment_rate={"A": 0.15, "B": 0.15, "C": 0.15, "D": 0.15},
        close_rate={"A": 1 / 3, "B": 1 / 3, "C": 1 / 3, "D": 1 / 3},
    )
    visits = [VisitEconomics("A", 1_000_000, 0.30)] * 20
    day = planned_roi(visits, km=0.0, cfg=cfg)
    assert (day.expected_revenue, day.gross_profit, day.cost) == (1_000_000, 300_000, 50_000)
    assert day.roi_pct == 500.0
