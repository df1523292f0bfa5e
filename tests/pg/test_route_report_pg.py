"""The route history's SQL on PostgreSQL: same figures as on SQLite."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy.engine import Engine

from fieldsales.config import default_settings
from fieldsales.domain.text import fold
from fieldsales.services.route_report import route_detail, route_rows
from fieldsales.store.db import open_engine, session_scope
from fieldsales.store.models import Account, Outcome, Route, RouteStop

DAY = date(2026, 11, 10)


def _at(day: date) -> datetime:
    return datetime.combine(day, time(3), UTC)


def _dataset(engine: Engine) -> str:
    with session_scope(engine) as s:
        dormant = Account(company="休眠工業", match_key=fold("休眠工業|"), gross_margin=0.25,
                          last_order_date=date(2024, 1, 15), purchase_cycle_days=60)  # fmt: skip
        # 55 days after its last order: no reactivation
        active = Account(company="現役商事", match_key=fold("現役商事|"),
                         last_order_date=date(2026, 10, 1), purchase_cycle_days=60)  # fmt: skip
        never = Account(company="新規", match_key=fold("新規|"), gross_margin=0.5)
        route = Route(rep="Sato", day=DAY, start_label="o", start_lat=35.7, start_lon=139.7,
                      end_label="o", end_lat=35.7, end_lon=139.7, planned_km=42.0)  # fmt: skip
        s.add_all([dormant, active, never, route])
        s.flush()
        stops = [
            RouteStop(
                route_id=route.id,
                account_id=acc.id,
                seq=n,
                status=status,
                planned_arrival=_at(DAY),
                planned_departure=_at(DAY),
            )
            for n, (acc, status) in enumerate(
                [(dormant, "done"), (active, "planned"), (never, "planned")], start=1
            )
        ]
        s.add_all(stops)
        s.flush()
        wrong = Outcome(account_id=active.id, rep="Sato", channel="phone", result="order",
                        occurred_at=_at(date(2026, 11, 25)), order_amount=200_000,
                        route_stop_id=stops[1].id)  # fmt: skip
        s.add(wrong)
        s.flush()
        s.add_all(
            [
                Outcome(account_id=dormant.id, rep="Sato", channel="visit", result="appointment",
                        occurred_at=_at(DAY), cost=1_200, route_stop_id=stops[0].id),
                Outcome(account_id=dormant.id, rep="Sato", channel="phone", result="order",
                        occurred_at=_at(date(2026, 11, 20)), order_amount=600_000,
                        route_stop_id=stops[0].id),
                Outcome(account_id=active.id, rep="Sato", channel="phone", result="order",
                        occurred_at=_at(date(2026, 11, 25)), order_amount=150_000,
                        route_stop_id=stops[1].id, supersedes=wrong.id),
                Outcome(account_id=never.id, rep="Sato", channel="phone", result="order",
                        occurred_at=_at(date(2026, 11, 26)), order_amount=100_000,
                        cost=800, route_stop_id=stops[2].id),
            ]
        )  # fmt: skip
        return route.id


def test_route_history_on_postgres(pg_url: str) -> None:
    engine = open_engine(pg_url)
    settings = default_settings()
    route_id = _dataset(engine)
    [row] = route_rows(engine, settings, period="2026-11", rep="Sato")
    assert row.route_id == route_id
    assert (row.stops_planned, row.stops_visited) == (3, 3)
    assert row.actual_revenue == 600_000 + 150_000 + 100_000
    # 600,000 x 0.25 + 150,000 x 0.30 (default margin) + 100,000 x 0.5
    assert row.actual_gross_profit == 245_000
    assert row.actual_expenses == 2_000
    cfg = settings.roi
    cost = cfg.day_rate + round(cfg.cost_per_km * 42.0) + cfg.expenses_per_day + 2_000
    assert row.actual_cost == cost
    assert row.actual_roi_pct == (245_000 - cost) / cost * 100
    assert (row.orders, row.reactivations) == (3, 2)  # the dormant one and the never-ordered one
    detail = route_detail(engine, settings, route_id)
    assert [(s.seq, s.order_amount) for s in detail.stops if s.result == "order"] == [
        (1, 600_000),
        (2, 150_000),
        (3, 100_000),
    ]
    engine.dispose()
