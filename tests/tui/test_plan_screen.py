"""Pilot tests of the Plan screen: the route shows, edits change it, the DB holds it."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from textual.app import App, ComposeResult
from textual.widgets import DataTable, Input

from fieldsales.config import Settings
from fieldsales.planning import edit, planner, saved
from fieldsales.planning.engines import solve_default
from fieldsales.planning.planned_day import PlannedDay
from fieldsales.store import db
from fieldsales.store.models import Account, Route, RouteStop
from fieldsales.tui.app import make_app
from fieldsales.tui.screens.plan import PlanScreen
from fieldsales.tui.widgets.route_map import STOP_STYLES, RouteMap, draw

DAY = date(2026, 12, 1)


async def _open_plan(app: Any, pilot: Any) -> PlanScreen:
    screen = PlanScreen(solve=solve_default)
    await app.push_screen(screen)
    await _until(pilot, lambda: screen.planned is not None and not screen.busy)
    assert screen.planned is not None, "no plan appeared"
    return screen


async def _until(pilot: Any, cond: Callable[[], object], tries: int = 200) -> None:
    for _ in range(tries):
        if cond():
            return
        await pilot.pause(0.05)
    raise AssertionError("the screen never got there")


def _day(screen: PlanScreen) -> PlannedDay:
    assert screen.planned is not None, "no plan on the screen"
    return screen.planned


def _text(screen: PlanScreen, selector: str) -> str:
    return str(screen.query_one(selector).render())


def _column(screen: PlanScreen, key: str) -> list[str]:
    return [str(cell) for cell in screen.query_one(DataTable).get_column(key)]


async def test_plan_screen_shows_edits_and_saves(
    engine: Engine, settings: Settings, seed_accounts: Callable[..., list[str]]
) -> None:
    seed_accounts(engine, 60)
    app = make_app(settings, engine, today=DAY)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await _open_plan(app, pilot)
        table = screen.query_one(DataTable)
        n = len(_day(screen).plan.stops)
        assert n >= 5 and table.row_count == n
        assert "Planned ROI" in str(screen.query_one("#plan-totals").render())
        first = _day(screen).plan.stops[0].account_id
        await pilot.press("x")  # drop the first stop
        await pilot.pause()
        assert first not in {s.account_id for s in _day(screen).plan.stops}
        assert table.row_count == n - 1
        await pilot.press("r")  # re-optimise: the dropped account stays out
        for _ in range(100):
            await pilot.pause(0.05)
            if not screen.busy:
                break
        assert first not in {s.account_id for s in _day(screen).plan.stops}
        await pilot.press("d")  # mark the first stop done: saves the route first
        await pilot.pause()
        done = _day(screen).plan.stops[0].account_id
    with Session(engine) as s:
        routes = s.exec(select(Route)).all()
        assert len(routes) == 1 and routes[0].day == DAY
        stops = s.exec(select(RouteStop).order_by(col(RouteStop.seq))).all()
        assert [st.account_id for st in stops] == [x.account_id for x in _day(screen).plan.stops]
        assert {st.account_id: st.status for st in stops}[done] == "done"
        assert first not in {st.account_id for st in stops}


async def test_escape_cancels_a_running_plan(
    engine: Engine,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    seed_accounts: Callable[..., list[str]],
) -> None:
    from fieldsales.planning.worker import WarmSolver

    gate = threading.Event()  # the first solve is held until the test has cancelled it
    real = WarmSolver.solve

    def held(self: WarmSolver, problem: Any) -> Any:
        gate.wait(10)
        return real(self, problem)

    monkeypatch.setattr(WarmSolver, "solve", held)
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
        gate.set()
        await pilot.press("r")  # plans again with a fresh process
        for _ in range(200):
            await pilot.pause(0.05)
            if screen.planned is not None and not screen.busy:
                break
        assert screen.planned is not None and _day(screen).plan.stops


async def test_sunday_plans_monday_and_qr_steps_through_legs(
    engine: Engine, settings: Settings, seed_accounts: Callable[..., list[str]]
) -> None:
    seed_accounts(engine, 60)
    sunday = date(2026, 11, 29)
    app = make_app(settings, engine, today=sunday)
    async with app.run_test(size=(140, 60)) as pilot:
        screen = await _open_plan(app, pilot)
        assert _day(screen).plan.day == date(2026, 11, 30)  # the next working day
        assert "2026-11-30" in str(screen.query_one("#plan-day").render())  # the day shown
        stops = len(_day(screen).plan.stops)
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
    many = [(35.68, 139.76)] + [(35.6 + i / 50, 139.7 + (i % 3) / 20) for i in range(12)]
    assert "12" in draw([*many, (35.68, 139.76)], [], 60, 20).plain


async def test_route_map_widget_draws_its_route_at_its_own_size() -> None:
    route = [(35.68, 139.76), (35.70, 139.70), (35.65, 139.80), (35.68, 139.76)]
    others = [(35.66, 139.72)]

    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield RouteMap()

    app = Host()
    async with app.run_test(size=(50, 16)) as pilot:
        widget = app.query_one(RouteMap)
        widget.set_route(route, others, ["done", "planned"])
        await pilot.pause()
        size = widget.content_size
        assert size.width > 4 and size.height > 2
        shown = widget.render().plain
        assert shown == draw(route, others, size.width, size.height, ["done", "planned"]).plain
        assert "◆" in shown and "1" in shown and "2" in shown


async def test_p_reopens_the_saved_plan_with_locks_and_marks(
    engine: Engine, settings: Settings, seed_accounts: Callable[..., list[str]]
) -> None:
    seed_accounts(engine, 60)
    app = make_app(settings, engine, today=DAY)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await _open_plan(app, pilot)
        order = [s.account_id for s in _day(screen).plan.stops]
        await pilot.press("down", "k")  # lock the second stop
        await pilot.press("up", "d")  # the first done: this saves the route
        await _until(pilot, lambda: not screen.busy and screen.status)
        await pilot.press("down", "down", "s")  # the third skipped
        await _until(pilot, lambda: not screen.busy and len(screen.status) == 2)
        assert "saved" in _text(screen, "#plan-totals")
        await pilot.press("escape")  # back to the account list
        await pilot.pause()
        await pilot.press("p")  # reopens the saved plan, nothing solved
        reopened = app.screen
        assert isinstance(reopened, PlanScreen) and reopened is not screen
        await _until(pilot, lambda: reopened.planned is not None and not reopened.busy)
        assert [s.account_id for s in _day(reopened).plan.stops] == order
        assert _day(reopened).locked == {order[1]}
        status = _column(reopened, "status")
        assert status[:3] == ["✓ done", "🔒", "– skipped"] and not any(status[3:])
        assert "saved" in _text(reopened, "#plan-totals")
        # the map draws the done stop in its own colour, the open ones in theirs
        spans = reopened.query_one(RouteMap).render().spans
        assert {str(sp.style) for sp in spans} >= {STOP_STYLES["done"], STOP_STYLES["planned"]}


async def test_saved_disappears_after_an_edit(
    engine: Engine, settings: Settings, seed_accounts: Callable[..., list[str]]
) -> None:
    seed_accounts(engine, 60)
    app = make_app(settings, engine, today=DAY)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await _open_plan(app, pilot)
        assert "saved" not in _text(screen, "#plan-totals")  # a new plan
        # each drop makes room: for the move, then for the addition
        for key in ("x", "minus", "x", "a", "k", "r"):
            await pilot.press("w")
            await _until(pilot, lambda: not screen.busy)
            assert "saved" in _text(screen, "#plan-totals")
            before = [s.account_id for s in _day(screen).plan.stops]
            await pilot.press("down", key)
            await _until(pilot, lambda: not screen.busy)
            if key in ("minus", "a"):  # these did change the plan
                assert [s.account_id for s in _day(screen).plan.stops] != before
            assert "saved" not in _text(screen, "#plan-totals"), key
    with Session(engine) as s:
        assert len(s.exec(select(Route)).all()) == 6  # `w` writes a version each time


async def test_choosing_the_day_to_plan(
    engine: Engine, settings: Settings, seed_accounts: Callable[..., list[str]]
) -> None:
    seed_accounts(engine, 60)
    app = make_app(settings, engine, today=DAY)  # Tuesday
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await _open_plan(app, pilot)
        assert "2026-12-01" in _text(screen, "#plan-day")
        assert "today" in _text(screen, "#plan-day")
        await pilot.press("c")
        assert app.screen.query_one(Input).value == "2026-12-01"
        await pilot.press(*"2026-12-03", "enter")  # replaces the selected date
        await _until(pilot, lambda: screen.planned is not None and not screen.busy)
        assert _day(screen).plan.day == date(2026, 12, 3)
        assert "2026-12-03 (Thu)" in _text(screen, "#plan-day")
        await pilot.press("c", *"someday", "enter")  # not a date: the picker says so
        assert "not a date" in str(app.screen.query_one("#pick-error").render())
        await pilot.click("#pick-tomorrow")
        await _until(pilot, lambda: screen.planned is not None and not screen.busy)
        assert _day(screen).plan.day == date(2026, 12, 2)
        assert "tomorrow" in _text(screen, "#plan-day")
        for day in (date(2026, 12, 3), date(2026, 12, 4), date(2026, 12, 7)):  # over a weekend
            await pilot.press("right_square_bracket")
            await _until(pilot, lambda: screen.planned is not None and not screen.busy)
            assert screen.day == day and _day(screen).plan.day == day


@pytest.fixture
def slow_add(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """`add_best` waits until the test lets it go: the work is in flight meanwhile."""
    go = threading.Event()
    real = edit.add_best

    def add_best(*args: Any, **kw: Any) -> Any:
        assert threading.current_thread() is not threading.main_thread()
        go.wait(10)
        return real(*args, **kw)

    monkeypatch.setattr(edit, "add_best", add_best)
    return go


async def test_add_best_runs_in_a_worker_and_escape_cancels_it(
    engine: Engine,
    settings: Settings,
    slow_add: threading.Event,
    seed_accounts: Callable[..., list[str]],
) -> None:
    seed_accounts(engine, 60)
    app = make_app(settings, engine, today=DAY)
    async with app.run_test(size=(140, 60)) as pilot:
        screen = await _open_plan(app, pilot)
        await pilot.press("x")  # a full day: make room for one more
        n = len(_day(screen).plan.stops)
        await pilot.press("a")
        assert "Adding…" in _text(screen, "#plan-totals")
        await pilot.press("g")  # the screen answers keys meanwhile
        assert screen.query_one("#plan-qr").display
        await pilot.press("escape")  # cancels the addition, keeps the screen
        assert app.screen is screen and not screen.busy
        slow_add.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(_day(screen).plan.stops) == n  # the cancelled result was not applied
        slow_add.clear()
        await pilot.press("a")
        assert "Adding…" in _text(screen, "#plan-totals")
        slow_add.set()
        await _until(pilot, lambda: not screen.busy)
        assert len(_day(screen).plan.stops) == n + 1
        assert screen.query_one(DataTable).row_count == n + 1


async def test_saving_on_a_locked_database_says_so_in_one_line(
    tmp_path: Path,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    seed_accounts: Callable[..., list[str]],
    notifications: list[str],
) -> None:
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 200)
    path = tmp_path / "locked.db"
    engine = db.open_engine(path)
    seed_accounts(engine, 40)
    app = make_app(settings, engine, today=DAY)
    messages: list[str] = []
    shown = app.notify

    def notify(message: str, **kw: Any) -> None:
        messages.append(message)
        shown(message, **kw)

    app.notify = notify  # type: ignore[method-assign]
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await _open_plan(app, pilot)
        other = sqlite3.connect(path)
        other.execute("BEGIN EXCLUSIVE")  # another program holds the write lock
        try:
            await pilot.press("w")
            await _until(pilot, lambda: not screen.busy)
            await pilot.pause()
            messages = list(notifications)
        finally:
            other.rollback()
            other.close()
        assert app.is_running and app.screen is screen
        assert any("locked" in m for m in messages), messages
        assert "saved" not in _text(screen, "#plan-totals")
    with Session(engine) as s:
        assert s.exec(select(Route)).all() == []
    engine.dispose()


async def test_w_on_a_busy_database_notifies_then_saves_once_released(
    tmp_path: Path,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    seed_accounts: Callable[..., list[str]],
    notifications: list[str],
) -> None:
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 200)
    path = tmp_path / "busy.db"
    engine = db.open_engine(path)
    seed_accounts(engine, 40)
    app = make_app(settings, engine, today=DAY)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await _open_plan(app, pilot)
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
        try:
            await pilot.press("w")
            await _until(pilot, lambda: not screen.busy)
            await pilot.pause()
            messages = list(notifications)
            assert app.is_running and app.screen is screen  # no traceback, no exit
            locked = [m for m in messages if "locked" in m]
            assert locked, messages
            assert all("\n" not in m for m in locked)  # one line
        finally:
            other.rollback()
            other.close()
        await pilot.press("w")  # the lock is gone: the same key saves
        await _until(pilot, lambda: not screen.busy and _day(screen).route_id is not None)
        assert app.is_running and app.screen is screen
    with Session(engine) as s:
        assert len(s.exec(select(Route)).all()) == 1
    engine.dispose()


async def test_plan_screen_in_japanese(
    engine: Engine, settings: Settings, seed_accounts: Callable[..., list[str]]
) -> None:
    seed_accounts(engine, 60)
    app = make_app(settings.model_copy(update={"language": "ja"}), engine, today=DAY)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await _open_plan(app, pilot)
        titles = [str(c.label) for c in screen.query_one(DataTable).columns.values()]
        assert titles == [
            "#",
            "状況",
            "時刻",
            "会社",
            "スコア",
            "km",
            "分",
            "時間帯",
            "期待値",
            "理由",
        ]
        totals = _text(screen, "#plan-totals")
        assert "訪問" in totals and "計画ROI" in totals and "期待売上" in totals
        assert "visits" not in totals and "expected revenue" not in totals
        assert "の計画" in _text(screen, "#plan-day") and "（火）" in _text(screen, "#plan-day")
        assert set(_column(screen, "window")) <= {"アポ", "最適", "時間外"}
        await pilot.press("d")
        await _until(pilot, lambda: not screen.busy and screen.status)
        assert _column(screen, "status")[0] == "✓ 完了"
        assert "保存済み" in _text(screen, "#plan-totals")
        await pilot.press("f2")  # English again, at once
        await pilot.pause()
        titles = [str(c.label) for c in screen.query_one(DataTable).columns.values()]
        assert titles[1:4] == ["Status", "Time", "Company"]
        assert "Planned ROI" in _text(screen, "#plan-totals")
        assert _column(screen, "status")[0] == "✓ done"


async def test_reopen_says_which_saved_stop_no_longer_fits(
    engine: Engine, settings: Settings, seed_accounts: Callable[..., list[str]]
) -> None:
    seed_accounts(engine, 60)
    pd = planner.plan_day(engine, settings, day=DAY, solve=solve_default)
    saved.save_plan(engine, settings, pd)
    gone = pd.plan.stops[1].account_id
    with db.session_scope(engine) as s:
        acc = s.get(Account, gone)
        assert acc is not None
        acc.do_not_contact = True  # excluded since the plan was saved
        company = acc.company
    app = make_app(settings, engine, today=DAY)
    messages: list[str] = []
    shown = app.notify

    def notify(message: str, **kw: Any) -> None:
        messages.append(message)
        shown(message, **kw)

    app.notify = notify  # type: ignore[method-assign]
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await _open_plan(app, pilot)
        assert [s.account_id for s in _day(screen).plan.stops] == [
            s.account_id for s in pd.plan.stops if s.account_id != gone
        ]
        notes = [m for m in messages if company in m]
        assert len(notes) == 1 and "\n" not in notes[0] and "longer fits" in notes[0]
        assert "saved" not in _text(screen, "#plan-totals")  # what shows is not what was saved


async def test_call_list_shows_the_script_and_logs_a_call(
    engine: Engine, settings: Settings, seed_accounts: Callable[..., list[str]]
) -> None:
    from fieldsales.tui.screens.log_outcome import LogOutcomeScreen

    seed_accounts(engine, 60)
    app = make_app(settings, engine, today=DAY)
    async with app.run_test(size=(140, 50)) as pilot:
        screen = await _open_plan(app, pilot)
        assert screen.planned is not None and _day(screen).calls
        assert not screen.query_one("#plan-script").display  # the stops have the focus
        screen.query_one("#plan-calls", DataTable).focus()
        await pilot.pause()
        first = _day(screen).accounts[_day(screen).calls[0].account_id]
        script = _text(screen, "#plan-script")
        assert screen.query_one("#plan-script").display
        assert first.company in script and (first.phone or "-") in script
        await pilot.press("down")
        second = _day(screen).accounts[_day(screen).calls[1].account_id]
        assert second.company in _text(screen, "#plan-script")
        await pilot.press("l")  # a call is logged like a visit
        await pilot.pause()
        assert isinstance(app.screen, LogOutcomeScreen)
        assert app.screen.account_id == second.id
