"""Planning use cases on a real SQLite file: exclusions, week, re-plan, save, edits."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from fieldsales.config import Settings
from fieldsales.planning import edit, planned_day, planner, saved
from fieldsales.planning.check import violations
from fieldsales.planning.day_model import PlanError
from fieldsales.store.db import session_scope
from fieldsales.store.models import Account, Outcome, Route, RouteStop

DAY = date(2026, 12, 1)  # Tuesday


def test_excluded_accounts_are_never_planned(
    engine: Engine, settings: Settings, seeded, add_account
) -> None:
    seeded(20)
    near = dict(
        lat=35.6815,
        lon=139.7675,
        geo_precision="street",
        lifetime_revenue=20_000_000,
        last_order_date=date(2025, 6, 1),
        reason_solvable="solved",
        competitor_status="none",
        digital_responsiveness="very_high",
    )
    dnc = add_account(company="連絡不可", do_not_contact=True, **near)
    noloc = add_account(
        company="位置不明", **{**near, "lat": None, "lon": None, "geo_precision": "none"}
    )
    recent = add_account(company="最近連絡", **near)
    with session_scope(engine) as s:
        s.add(
            Outcome(
                account_id=recent.id,
                rep="t",
                channel="phone",
                result="contacted",
                occurred_at=datetime.combine(DAY - timedelta(days=3), time(10), UTC),
            )
        )
    pd = planner.plan_day(engine, settings, day=DAY)
    planned = {s.account_id for s in pd.plan.stops}
    assert pd.plan.stops
    assert not planned & {dnc.id, noloc.id, recent.id}
    assert pd.excluded[dnc.id] == "do not contact"
    assert pd.excluded[noloc.id] == "no location"
    assert "contacted" in pd.excluded[recent.id]
    assert violations(pd.model, pd.plan) == []


def test_pinned_appointment_is_kept_and_max_stops(
    engine: Engine, settings: Settings, seeded
) -> None:
    seeded(40)
    req = planned_day.PinRequest("R0003", time(14, 0))
    pd = planner.plan_day(engine, settings, day=DAY, pins=[req], max_stops=4)
    ids = [s.account_id for s in pd.plan.stops]
    assert len(ids) <= 4
    pin = next(s for s in pd.plan.stops if s.pinned)
    assert pd.accounts[pin.account_id].external_id == "R0003"
    assert (pin.start_s // 3600, pin.start_s % 3600 // 60) == (14, 0)


def test_week_visits_each_account_once_and_fills_best_days_first(
    engine: Engine, settings: Settings, seeded
) -> None:
    seeded(45)
    days = planner.plan_week(engine, settings, first_day=date(2026, 11, 30), days=5)
    assert [d.plan.day.weekday() for d in days] == [0, 1, 2, 3, 4]
    ids = [s.account_id for d in days for s in d.plan.stops]
    assert len(ids) == len(set(ids))
    scores = {d.plan.day.weekday(): sum(s.base_value for s in d.plan.stops) for d in days}
    # Tuesday (best weekday, planned first) gets at least as much as Monday
    assert scores[1] >= scores[0]


def test_replan_from_here_only_fits_the_rest_of_the_day(
    engine: Engine, settings: Settings, seeded
) -> None:
    seeded(60)
    here = (35.69, 139.70)
    pd = planner.replan_from_here(
        engine, settings, here=here, now=datetime.combine(DAY, time(16, 0)), within_km=8
    )
    assert pd.plan.depart_s >= 16 * 3600
    assert pd.plan.return_s <= 18 * 3600
    assert pd.plan.lunch is None  # lunch window is over
    distances = [pd.accounts[s.account_id].distance_km for s in pd.plan.stops]
    assert distances and all(d is not None and d <= 8 for d in distances)
    assert violations(pd.model, pd.plan) == []
    with pytest.raises(PlanError, match="over"):
        planner.replan_from_here(
            engine, settings, here=here, now=datetime.combine(DAY, time(18, 30))
        )


def test_save_mark_and_edit(engine: Engine, settings: Settings, seeded) -> None:
    seeded(40)
    # a day with room to spare: a packed day may rightly refuse a reordering
    pd = planner.plan_day(engine, settings, day=DAY, max_stops=6)
    first, second = pd.plan.stops[0].account_id, pd.plan.stops[1].account_id
    moved = edit.move_stop(pd, first, 1, settings)
    assert [s.account_id for s in moved.plan.stops][:2] == [second, first]
    dropped = edit.drop_stop(moved, second, settings)
    assert second not in {s.account_id for s in dropped.plan.stops}
    locked = edit.toggle_lock(dropped, first)
    lock_time = next(s.start_s for s in locked.plan.stops if s.account_id == first)
    again = edit.reoptimise(locked, settings, dropped={second})
    kept = next(s for s in again.plan.stops if s.account_id == first)
    assert kept.start_s == lock_time and second not in {s.account_id for s in again.plan.stops}
    route_id = saved.save_plan(engine, settings, again)
    saved.mark_stop(engine, route_id, first, "done")
    with Session(engine) as s:
        route = s.get(Route, route_id)
        stops = s.exec(select(RouteStop).where(RouteStop.route_id == route_id)).all()
        assert route is not None and route.status == "in_progress"
        assert route.planned_cost == again.roi.cost
        assert len(stops) == len(again.plan.stops)
        assert {x.account_id: x.status for x in stops}[first] == "done"
        assert all(x.planned_arrival.tzinfo is not None for x in stops)
        assert s.get(Account, first) is not None
