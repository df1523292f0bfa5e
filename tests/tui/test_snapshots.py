"""Layout guards: home, detail, log modal, follow-ups and review at 120x40, English and Japanese.

Update after an intended change with `pytest tests/tui --snapshot-update`.
"""

from __future__ import annotations

import pytest

LANGS = ["en", "ja"]


def _runner(settle, *keys: str):
    async def run_before(pilot) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        await pilot.pause(0.1)

    return run_before


@pytest.mark.parametrize("language", LANGS)
def test_home(snap_compare, book, new_app, settle, language):
    assert snap_compare(new_app(language), terminal_size=(120, 40), run_before=_runner(settle))


@pytest.mark.parametrize("language", LANGS)
def test_detail(snap_compare, book, new_app, settle, language):
    assert snap_compare(
        new_app(language), terminal_size=(120, 40), run_before=_runner(settle, "enter")
    )


@pytest.mark.parametrize("language", LANGS)
def test_log_modal(snap_compare, book, new_app, settle, language):
    assert snap_compare(
        new_app(language), terminal_size=(120, 40), run_before=_runner(settle, "l", "7")
    )


@pytest.mark.parametrize("language", LANGS)
def test_followups(snap_compare, book, new_app, settle, language):
    assert snap_compare(new_app(language), terminal_size=(120, 40), run_before=_runner(settle, "t"))


@pytest.mark.parametrize("language", LANGS)
def test_review(snap_compare, kpi_dataset, new_app, settle, language):
    """The campaign review per rank of the KPI dataset: table, funnel of the highlighted row."""
    assert snap_compare(
        new_app(language), terminal_size=(120, 40), run_before=_runner(settle, "v", "down")
    )


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
    await pilot.pause(0.1)


@pytest.mark.parametrize("language", LANGS)
def test_plan(snap_compare, engine, app_settings, new_app, settle, seed_accounts, language):
    """The day's route of four accounts near the office: stops, totals, call list, map.
    Few enough that every solver finds the one best order, on a loaded machine too."""
    seed_accounts(engine, 4)
    # the iteration count ends the solve, not the clock of a busy machine
    visits = app_settings.visits.model_copy(update={"solver_seconds": 60.0})
    app = new_app(language, visits=visits)

    async def run_before(pilot) -> None:
        await _plan(pilot, settle)

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


@pytest.mark.parametrize("language", LANGS)
def test_locate(snap_compare, book, new_app, settle, language):
    """Locating an account without a position: a typed LAT,LON previewed on the map."""
    from fieldsales.tui.screens.detail import DetailScreen

    account_id = book["nowhere"].id

    async def run_before(pilot) -> None:
        await settle(pilot)
        pilot.app.push_screen(DetailScreen(account_id))
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot)
        await pilot.press(*"35.6581,139.7017", "enter")
        await settle(pilot)
        await pilot.pause(0.1)

    assert snap_compare(new_app(language), terminal_size=(120, 40), run_before=run_before)


@pytest.mark.parametrize("language", LANGS)
def test_filters(snap_compare, book, new_app, settle, language):
    assert snap_compare(new_app(language), terminal_size=(120, 40), run_before=_runner(settle, "f"))


@pytest.mark.parametrize("language", LANGS)
def test_settings(snap_compare, book, new_app, settle, language):
    """Settings in use; the file paths are given relative so the snapshot is the same anywhere."""
    from fieldsales.domain.scripts import load_scripts, scripts_path

    app = new_app(language, source_files=("config.yaml",))
    scripts = load_scripts(scripts_path())
    scripts.source = "data/talk_scripts.yaml"
    app._scripts = scripts
    assert snap_compare(app, terminal_size=(120, 40), run_before=_runner(settle, "f3"))
