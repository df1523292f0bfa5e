"""Layout guards: every screen and dialog at 80x24 and 200x60 (the Plan screen at
120x40 too), the screens that had them also at 120x40 in English and Japanese,
home and the log dialog at 80x24 in Japanese (wide characters).

Small fixed data, fixed dates and a deterministic solver pass: the same pictures
on a loaded machine. tests/tui/test_layout.py asserts the key facts (buttons in
view, the company column's width) so that a failure there says what broke.

Update after an intended change with `pytest tests/tui --snapshot-update`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from fieldsales.tui.app import make_app

SMALL, MEDIUM, LARGE = (80, 24), (120, 40), (200, 60)
# (language, terminal size)
VIEWS = [("en", SMALL), ("en", MEDIUM), ("en", LARGE), ("ja", MEDIUM)]
NEW_VIEWS = [("en", SMALL), ("en", LARGE)]  # screens first guarded at 80x24 and 200x60
KPI_TODAY = date(2026, 11, 30)  # the KPI dataset's today


def _id(view: tuple[str, tuple[int, int]]) -> str:
    language, (w, h) = view
    return f"{language}-{w}x{h}"


def views(*extra: tuple[str, tuple[int, int]], new: bool = False) -> Any:
    return pytest.mark.parametrize("view", [*(NEW_VIEWS if new else VIEWS), *extra], ids=_id)


async def _steady(pilot) -> None:
    """No blinking cursor: a focused Input looks the same at any moment of the picture."""
    from textual.widgets import Input

    for screen in pilot.app.screen_stack:
        for field in screen.query(Input):
            field.cursor_blink = False
    await pilot.pause(0.1)


def _runner(settle, *keys: str):
    async def run_before(pilot) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        await _steady(pilot)

    return run_before


def _pushing(settle, make_screen, *keys: str):
    """Push the screen `make_screen(app)` returns over the list, then press `keys`."""

    async def run_before(pilot) -> None:
        await settle(pilot)
        pilot.app.push_screen(make_screen(pilot.app))
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        await _steady(pilot)

    return run_before


# -- the account list and what opens from it -------------------------------------------


@views(("ja", SMALL))
def test_home(snap_compare, book, new_app, settle, view):
    language, size = view
    assert snap_compare(new_app(language), terminal_size=size, run_before=_runner(settle))


@views()
def test_detail(snap_compare, book, new_app, settle, view):
    language, size = view
    assert snap_compare(new_app(language), terminal_size=size, run_before=_runner(settle, "enter"))


@views(("ja", SMALL))
def test_log_modal(snap_compare, book, new_app, settle, view):
    language, size = view
    assert snap_compare(new_app(language), terminal_size=size, run_before=_runner(settle, "l", "7"))


@views()
def test_followups(snap_compare, book, new_app, settle, view):
    language, size = view
    assert snap_compare(new_app(language), terminal_size=size, run_before=_runner(settle, "t"))


@views()
def test_filters(snap_compare, book, new_app, settle, view):
    language, size = view
    assert snap_compare(new_app(language), terminal_size=size, run_before=_runner(settle, "f"))


@views(new=True)
def test_origin(snap_compare, book, new_app, settle, view):
    """The reference point dialog with the highlighted account's button."""
    language, size = view
    assert snap_compare(new_app(language), terminal_size=size, run_before=_runner(settle, "o"))


@views()
def test_settings(snap_compare, book, new_app, settle, view):
    """Settings in use; the file paths are given relative so the snapshot is the same anywhere."""
    from fieldsales.domain.scripts import load_scripts, scripts_path

    language, size = view
    app = new_app(language, source_files=("config.yaml",))
    scripts = load_scripts(scripts_path())
    scripts.source = "data/talk_scripts.yaml"
    app._scripts = scripts
    assert snap_compare(app, terminal_size=size, run_before=_runner(settle, "f3"))


@views(new=True)
def test_about(snap_compare, book, new_app, settle, view):
    language, size = view
    assert snap_compare(new_app(language), terminal_size=size, run_before=_runner(settle, "f4"))


@views(new=True)
def test_help(snap_compare, book, new_app, settle, view):
    """The keys of the account list."""
    language, size = view
    assert snap_compare(
        new_app(language), terminal_size=size, run_before=_runner(settle, "question_mark")
    )


@views(new=True)
def test_empty_database(snap_compare, engine, new_app, settle, view):
    """No accounts yet: the first-run screen says how to import or open the demo."""
    language, size = view
    assert snap_compare(new_app(language), terminal_size=size, run_before=_runner(settle))


@views(new=True)
def test_first_run_dialog(snap_compare, book, engine, app_settings, settle, view):
    """The first start asks the rep's name and office (the file named relative)."""
    language, size = view
    settings = app_settings.model_copy(update={"language": language})
    from .conftest import TODAY

    app = make_app(settings, engine, today=TODAY, db_label="test.db", ask_rep=Path("config.yaml"))
    assert snap_compare(app, terminal_size=size, run_before=_runner(settle))


# -- one account's dialogs ---------------------------------------------------------------


@views()
def test_locate(snap_compare, book, new_app, settle, view):
    """Locating an account without a position: a typed LAT,LON previewed on the map."""
    from fieldsales.tui.screens.detail import DetailScreen

    language, size = view
    account_id = book["nowhere"].id
    keys = ("g", *"35.6581,139.7017", "enter")
    assert snap_compare(
        new_app(language),
        terminal_size=size,
        run_before=_pushing(settle, lambda app: DetailScreen(account_id), *keys),
    )


@views(new=True)
def test_hours(snap_compare, book, new_app, settle, view):
    """The closed days and opening hours editor of an account."""
    from fieldsales.tui.screens.detail import DetailScreen

    language, size = view
    account_id = book["big"].id
    assert snap_compare(
        new_app(language),
        terminal_size=size,
        run_before=_pushing(settle, lambda app: DetailScreen(account_id), "h"),
    )


@views(new=True)
def test_correct_picker(snap_compare, book, new_app, settle, view):
    """`c` on an account with a logged outcome: which entry to correct."""
    from fieldsales.tui.screens.detail import DetailScreen

    language, size = view
    account_id = book["town"].id
    assert snap_compare(
        new_app(language),
        terminal_size=size,
        run_before=_pushing(settle, lambda app: DetailScreen(account_id), "c"),
    )


@views(new=True)
def test_confirm_pause(snap_compare, book, new_app, settle, view):
    """The yes / no question before a second refusal pauses an account."""
    from fieldsales.tui.screens.log_outcome import ConfirmPauseScreen

    language, size = view

    def confirm(app: Any) -> Any:
        return ConfirmPauseScreen(
            app.screen.t(
                "Refusal {n}: the account will not be proposed until {date}. Log it?",
                n=2,
                date="2027-05-20",
            )
        )

    assert snap_compare(new_app(language), terminal_size=size, run_before=_pushing(settle, confirm))


# -- the Plan screen ----------------------------------------------------------------------


def _layout_solve(problem):
    """VROOM's quick pass alone: the same answer on any machine. The snapshot guards
    the screen's layout; the solvers' quality is tested and benchmarked elsewhere, and
    their full search, under a wall-clock cap, may order a loaded CI machine's plan
    differently."""
    from dataclasses import replace

    from fieldsales.planning.engines import solve_vroom

    return [solve_vroom(replace(problem, exploration=0))]


async def _plan(pilot, settle) -> None:
    """The Plan screen on the day's plan, solved in process by a deterministic solve."""
    from fieldsales.tui.screens.plan import PlanScreen

    await settle(pilot)
    screen = PlanScreen(solve=_layout_solve)
    await pilot.app.push_screen(screen)
    for _ in range(600):
        if screen.planned is not None and not screen.busy:
            break
        await pilot.pause(0.05)
    assert screen.planned is not None, "no plan appeared"
    await settle(pilot)
    await _steady(pilot)


def _plan_app(engine, app_settings, new_app, seed_accounts, language):
    """The day's route of four accounts near the office: few enough that every
    solver finds the one best order, on a loaded machine too."""
    seed_accounts(engine, 4)
    # the iteration count ends the solve, not the clock of a busy machine
    visits = app_settings.visits.model_copy(update={"solver_seconds": 60.0})
    return new_app(language, visits=visits)


@views()
def test_plan(snap_compare, engine, app_settings, new_app, settle, seed_accounts, view):
    """Stops (with score and status), totals, call list, map (from 100 columns)."""
    language, size = view
    app = _plan_app(engine, app_settings, new_app, seed_accounts, language)

    async def run_before(pilot) -> None:
        await _plan(pilot, settle)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@views(new=True)
def test_plan_locked_stop(snap_compare, engine, app_settings, new_app, settle, seed_accounts, view):
    """A locked first stop: the lock shows in the status column at every width."""
    language, size = view
    app = _plan_app(engine, app_settings, new_app, seed_accounts, language)

    async def run_before(pilot) -> None:
        await _plan(pilot, settle)
        await pilot.press("k")
        await settle(pilot)
        await _steady(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@views(new=True)
def test_plan_day_picker(snap_compare, engine, app_settings, new_app, settle, seed_accounts, view):
    language, size = view
    app = _plan_app(engine, app_settings, new_app, seed_accounts, language)

    async def run_before(pilot) -> None:
        await _plan(pilot, settle)
        await pilot.press("c")
        await settle(pilot)
        await _steady(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


# -- editing an account, its history, assignment, early warning -------------------------


def _on_account(settle, account_id: str, *keys: str):
    from fieldsales.tui.screens.detail import DetailScreen

    return _pushing(settle, lambda app: DetailScreen(account_id), *keys)


@views(("ja", SMALL), new=True)
def test_account_edit(snap_compare, book, new_app, settle, view):
    """`e` on an account: every field a rep may edit, Save and Cancel in view."""
    language, size = view
    assert snap_compare(
        new_app(language), terminal_size=size, run_before=_on_account(settle, book["big"].id, "e")
    )


@views(new=True)
def test_account_changes(snap_compare, engine, book, new_app, settle, view):
    """`i` on an account after an edit: the change, newest first, with where it came from."""
    from datetime import UTC, datetime

    import sqlalchemy as sa

    from fieldsales.store.account_edit import update_account_fields
    from fieldsales.store.models import AccountChange
    from fieldsales.store.unit import writing

    language, size = view
    with writing(engine) as session:
        update_account_fields(session, book["big"].id, {"contact_name": "佐藤 花子"}, "app")
        session.execute(  # a fixed time: the same picture on any day
            sa.update(AccountChange).values(changed_at=datetime(2026, 11, 19, 6, 30, tzinfo=UTC))
        )
    assert snap_compare(
        new_app(language), terminal_size=size, run_before=_on_account(settle, book["big"].id, "i")
    )


@views(new=True)
def test_assign(snap_compare, book, new_app, settle, view):
    """`A` on an account: whom to give it to."""
    language, size = view
    assert snap_compare(
        new_app(language), terminal_size=size, run_before=_on_account(settle, book["big"].id, "A")
    )


@views(("ja", SMALL), new=True)
def test_early_warning(snap_compare, book, new_app, settle, view):
    """`w` on the list: accounts slipping before they go dormant."""
    language, size = view
    assert snap_compare(new_app(language), terminal_size=size, run_before=_runner(settle, "w"))


# -- the team lead's review ----------------------------------------------------------------


@views()
def test_review(snap_compare, kpi_dataset, new_app, settle, view):
    """The campaign review per rank of the KPI dataset: table, funnel of the highlighted row."""
    language, size = view
    assert snap_compare(
        new_app(language), terminal_size=size, run_before=_runner(settle, "v", "down")
    )


@views(new=True)
def test_review_download(snap_compare, kpi_dataset, new_app, settle, view):
    """`d` in the review: the table as Excel or CSV."""
    language, size = view
    assert snap_compare(new_app(language), terminal_size=size, run_before=_runner(settle, "v", "d"))


def _review_app(engine, app_settings, kpi_dataset, language: str, route: bool = False) -> Any:
    if route:
        from .test_review import _route

        _route(engine, app_settings, kpi_dataset["c2"])
        settings = app_settings.model_copy(update={"language": language})
    else:
        settings = app_settings.model_copy(update={"language": language})
    return make_app(settings, engine, today=KPI_TODAY, db_label="test.db")


@pytest.mark.parametrize("tab", ["2", "3", "4"])
@views(new=True)
def test_review_tabs(snap_compare, engine, app_settings, kpi_dataset, settle, view, tab):
    """The chart, the learned rates and the campaign's targets."""
    language, size = view
    app = _review_app(engine, app_settings, kpi_dataset, language)
    assert snap_compare(app, terminal_size=size, run_before=_runner(settle, "v", tab))


@views(new=True)
def test_review_month(snap_compare, engine, app_settings, kpi_dataset, settle, view):
    """`y`: the month typed as YYYY-MM."""
    language, size = view
    app = _review_app(engine, app_settings, kpi_dataset, language)
    assert snap_compare(app, terminal_size=size, run_before=_runner(settle, "v", "y"))


@views(new=True)
def test_drill(snap_compare, engine, app_settings, kpi_dataset, settle, view):
    """Enter on the total's "contacted": the outcomes behind the figure."""
    language, size = view
    app = _review_app(engine, app_settings, kpi_dataset, language)

    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        table = pilot.app.screen.query_one("#kpi-table")
        table.move_cursor(row=table.row_count - 1, column=1)
        await pilot.press("enter")
        await settle(pilot)
        await _steady(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@views(new=True)
def test_routes(snap_compare, engine, app_settings, kpi_dataset, settle, view):
    """The route history of the month, one saved route."""
    language, size = view
    app = _review_app(engine, app_settings, kpi_dataset, language, route=True)
    assert snap_compare(app, terminal_size=size, run_before=_runner(settle, "v", "h"))


@views(new=True)
def test_route_stops(snap_compare, engine, app_settings, kpi_dataset, settle, view):
    """One route's stops and their outcomes."""
    language, size = view
    app = _review_app(engine, app_settings, kpi_dataset, language, route=True)
    assert snap_compare(app, terminal_size=size, run_before=_runner(settle, "v", "h", "enter"))
