"""Pilot tests of the Plan screen: the route shows, edits change it, the DB holds it."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from fieldsales.config import Settings
from fieldsales.domain.solver import solve_default
from fieldsales.store.models import Route, RouteStop
from fieldsales.tui.app import make_app
from fieldsales.tui.screens.plan import PlanScreen
from fieldsales.tui.widgets.route_map import RouteMap, draw

sys.path.insert(0, str(Path(__file__).parent.parent / "routing"))
from conftest import seed_accounts

DAY = date(2026, 12, 1)


async def _open_plan(app, pilot) -> PlanScreen:  # type: ignore[no-untyped-def]
    screen = PlanScreen(solve=solve_default)
    await app.push_screen(screen)
    for _ in range(100):
        await pilot.pause(0.05)
        if screen.planned is not None and not screen.busy:
            break
    assert screen.planned is not None, "no plan appeared"
    return screen


async def test_plan_screen_shows_edits_and_saves(engine: Engine, settings: Settings) -> None:
    seed_accounts(engine, 60)
    app = make_app(settings, engine, today=DAY)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await _open_plan(app, pilot)
        table = screen.query_one("DataTable")
        n = len(screen.planned.plan.stops)
        assert n >= 5 and table.row_count == n
        assert "Planned ROI" in str(screen.query_one("#plan-totals").render())
        first = screen.planned.plan.stops[0].account_id
        await pilot.press("x")  # drop the first stop
        await pilot.pause()
        assert first not in {s.account_id for s in screen.planned.plan.stops}
        assert table.row_count == n - 1
        await pilot.press("r")  # re-optimise: the dropped account stays out
        for _ in range(100):
            await pilot.pause(0.05)
            if not screen.busy:
                break
        assert first not in {s.account_id for s in screen.planned.plan.stops}
        await pilot.press("d")  # mark the first stop done: saves the route first
        await pilot.pause()
        done = screen.planned.plan.stops[0].account_id
    with Session(engine) as s:
        routes = s.exec(select(Route)).all()
        assert len(routes) == 1 and routes[0].day == DAY
        stops = s.exec(select(RouteStop).order_by(RouteStop.seq)).all()
        assert [st.account_id for st in stops] == [x.account_id for x in screen.planned.plan.stops]
        assert {st.account_id: st.status for st in stops}[done] == "done"
        assert first not in {st.account_id for st in stops}


async def test_escape_cancels_a_running_plan(engine: Engine, settings: Settings) -> None:
    seed_accounts(engine, 30)
    app = make_app(settings, engine, today=DAY)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = PlanScreen()  # the warm worker process
        await app.push_screen(screen)
        await pilot.pause(0.05)
        assert screen.busy
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert not screen.busy
        assert "cancelled" in str(screen.query_one("#plan-totals").render())
        await pilot.press("r")  # plans again with a fresh process
        for _ in range(200):
            await pilot.pause(0.05)
            if screen.planned is not None and not screen.busy:
                break
        assert screen.planned is not None and screen.planned.plan.stops


async def test_sunday_plans_monday_and_qr_steps_through_legs(
    engine: Engine, settings: Settings
) -> None:
    seed_accounts(engine, 60)
    sunday = date(2026, 11, 29)
    app = make_app(settings, engine, today=sunday)
    async with app.run_test(size=(140, 60)) as pilot:
        screen = await _open_plan(app, pilot)
        assert screen.planned.plan.day == date(2026, 11, 30)  # the next working day
        assert "2026-11-30" in str(screen.query_one("#plan-day").render())  # the day shown
        stops = len(screen.planned.plan.stops)
        legs = -(-(stops + 1) // 4)  # a phone link holds 3 waypoints between its ends
        assert legs >= 2
        qr = screen.query_one("#plan-qr")
        await pilot.press("g")
        await pilot.pause()
        first = str(qr.render())
        assert f"leg 1 of {legs}" in first
        await pilot.press("n")
        await pilot.pause()
        second = str(qr.render())
        assert f"leg 2 of {legs}" in second and second != first
        for _ in range(legs + 2):  # stepping stops at the last leg
            await pilot.press("n")
        await pilot.pause()
        assert f"leg {legs} of {legs}" in str(qr.render())
        await pilot.press("N")
        await pilot.pause()
        assert f"leg {legs - 1} of {legs}" in str(qr.render())
        await pilot.press("g")  # hides the code
        await pilot.pause()
        assert not qr.display


def test_route_map_draws_office_numbered_stops_and_faint_candidates() -> None:
    route = [(35.68, 139.76), (35.70, 139.70), (35.65, 139.80), (35.68, 139.76)]
    text = draw(route, [(35.66, 139.72)], 40, 12)
    lines = text.plain.split("\n")
    assert len(lines) == 12 and all(len(line) == 40 for line in lines)
    assert "◆" in text.plain and "1" in text.plain and "2" in text.plain
    assert any(0x2800 < ord(ch) <= 0x28FF for ch in text.plain)  # braille route lines
    assert RouteMap  # the widget wraps `draw`
    many = [(35.68, 139.76)] + [(35.6 + i / 50, 139.7 + (i % 3) / 20) for i in range(12)]
    assert "12" in draw([*many, (35.68, 139.76)], [], 60, 20).plain
