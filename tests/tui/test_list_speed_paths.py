"""The app's quick paths show what a slow path would: the ranking started before the
app, the save that closes its dialog onto the re-scored list, the scrollbar after a
search, the footer kept across a dialog, and the ranking kept out of the garbage
collector without keeping a replaced one alive."""

from __future__ import annotations

import gc
import weakref
from datetime import date, timedelta
from typing import Any

import pytest
from textual.widgets import Input, Select
from textual.widgets._footer import FooterKey

from fieldsales.services.published import in_effect
from fieldsales.services.rank import RankFilter, rank_accounts
from fieldsales.tui.app import make_app
from fieldsales.tui.early import EarlyRanking
from fieldsales.tui.screens.account_edit import AccountEditScreen
from fieldsales.tui.screens.detail import DetailScreen
from fieldsales.tui.screens.home import HomeScreen
from fieldsales.tui.widgets.account_table import AccountTable
from fieldsales.tui.widgets.fit_footer import FitFooter

N = 600
TODAY = date(2026, 11, 20)


def fresh(engine: Any, settings: Any, origin: tuple[float, float], today: date) -> list[Any]:
    """(id, total, stage) of every account, ranked anew from the database."""
    ranked = rank_accounts(
        engine, settings, origin=origin, filters=RankFilter(show_all=True), today=today
    )
    return [(a.id, a.total, a.stage) for a in ranked]


def shown(table: AccountTable) -> list[str]:
    return [a.id for a in table.rows]


async def test_the_ranking_started_before_the_app_is_the_one_it_shows(
    engine: Any, app_settings: Any, seeded: Any, settle: Any
) -> None:
    seeded(N, spread=0.3)
    settings = in_effect(app_settings, engine)  # as run_app has them: decided
    office = (settings.office.lat, settings.office.lon)
    early = EarlyRanking(engine, settings, office, TODAY)
    expected = fresh(engine, settings, office, TODAY)
    assert [(a.id, a.total, a.stage) for a in early.result()] == expected

    app: Any = make_app(settings, engine, today=TODAY, db_label="test.db", early=early)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.ranked.base is early.result().base  # taken, not ranked again
        table = app.screen.query_one(AccountTable)
        # the list (do-not-contact and paused left out) in the fresh ranking's order
        visible = {a.id for a in rank_accounts(engine, settings, origin=office, today=TODAY)}
        assert shown(table) == [i for i, _, _ in expected if i in visible]


async def test_a_ranking_started_for_another_day_or_point_is_not_shown(
    engine: Any, app_settings: Any, seeded: Any, settle: Any
) -> None:
    seeded(N, spread=0.3)
    settings = in_effect(app_settings, engine)
    office = (settings.office.lat, settings.office.lon)
    osaka = (34.70, 135.50)
    for origin, day in ((osaka, TODAY), (office, TODAY - timedelta(days=400))):
        early = EarlyRanking(engine, settings, origin, day)
        stale = [(a.id, a.total) for a in early.result()]
        app: Any = make_app(settings, engine, today=TODAY, db_label="test.db", early=early)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert app.ranked.base is not early.result().base
            now = fresh(engine, settings, office, TODAY)
            assert [(a.id, a.total, a.stage) for a in app.ranked] == now
            assert [(i, t) for i, t, _ in now] != stale


async def test_the_log_dialog_closes_onto_the_list_with_the_saved_account_rescored(
    engine: Any, app_settings: Any, seeded: Any, new_app: Any, settle: Any
) -> None:
    seeded(N, spread=0.3)
    app = new_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        home = app.screen
        table = home.query_one(AccountTable)
        for _ in range(3):
            await pilot.press("pagedown")
        await pilot.pause()
        chosen = table.current
        before = table.cursor
        assert chosen is not None and before > 60

        await pilot.press("l")
        await pilot.pause()
        await pilot.press("2", "6", "ctrl+s")  # phone, an order: revived
        while not isinstance(app.screen, HomeScreen):
            await pilot.pause()
        # the first look at the list after the dialog: no re-score still to come
        assert not [w for w in app.workers if w.group in ("rescore", "rank")]
        office = (app_settings.office.lat, app_settings.office.lon)
        visible = [a.id for a in rank_accounts(engine, app_settings, origin=office, today=TODAY)]
        assert shown(table) == visible
        assert table.current is not None and table.current.id == chosen.id
        assert table.cursor == visible.index(chosen.id)
        assert table.current.stage == "revived"
        top = int(table.scroll_offset.y)
        row = "".join(s.text for s in table.render_line(table.cursor - top))
        assert chosen.company in row and "revived" in row


async def test_an_edit_closes_onto_the_account_in_its_new_place(
    engine: Any, app_settings: Any, seeded: Any, new_app: Any, settle: Any
) -> None:
    seeded(N, spread=0.3)
    app = new_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        home = app.screen
        table = home.query_one(AccountTable)
        await pilot.press("down", "down")
        await pilot.pause()
        chosen, before = table.current, table.cursor
        assert chosen is not None

        await pilot.press("enter")  # the account
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, AccountEditScreen)
        app.screen.query_one("#e-solvable", Select).value = "unsolvable"
        app.screen.query_one("#e-competitor", Select).value = "long_contract"
        await pilot.press("ctrl+s")
        while not isinstance(app.screen, DetailScreen):
            await pilot.pause()
        assert not [w for w in app.workers if w.group in ("rescore", "rank")]
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is home
        office = (app_settings.office.lat, app_settings.office.lon)
        visible = [a.id for a in rank_accounts(engine, app_settings, origin=office, today=TODAY)]
        assert shown(table) == visible
        # scored lower: further down the list, the cursor still on it
        assert table.current is not None and table.current.id == chosen.id
        assert table.cursor == visible.index(chosen.id) > before
        assert table.current.total < chosen.total


async def test_the_scrollbar_follows_a_search_and_the_footer_outlives_a_dialog(
    engine: Any, seeded: Any, new_app: Any, settle: Any
) -> None:
    seeded(N, spread=0.3)
    app = new_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        home = app.screen
        table = home.query_one(AccountTable)
        assert table.vertical_scrollbar.window_virtual_size == len(table.rows) > 500
        await pilot.press("slash", *"ルート商事1")
        await pilot.pause()
        assert 0 < len(table.rows) < 200
        assert home.query_one("#search", Input).value == "ルート商事1"
        # the scrollbar measures the rows found, as the row count changed without a layout
        assert table.virtual_size.height == len(table.rows)
        assert table.vertical_scrollbar.window_virtual_size == len(table.rows)
        await pilot.press("escape")
        await pilot.pause()
        assert table.vertical_scrollbar.window_virtual_size == len(table.rows) > 500

        footer = home.query_one(FitFooter)
        keys = list(footer.query(FooterKey))
        await pilot.press("l")
        await pilot.pause()
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert list(footer.query(FooterKey)) == keys  # the same keys, not built again
        await pilot.press("f2")  # other words: built again, in Japanese
        await settle(pilot)
        assert list(footer.query(FooterKey)) != keys
        assert any("検索" in str(k.render()) for k in footer.query(FooterKey))


async def test_the_ranking_is_kept_from_the_collector_and_a_replaced_one_is_freed(
    engine: Any, seeded: Any, new_app: Any, settle: Any
) -> None:
    seeded(N, spread=0.3)
    app = new_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert gc.get_freeze_count() > 0
        old = weakref.ref(app.ranked.base)
        await pilot.press("ctrl+r")  # rank again
        await settle(pilot)
        await settle(pilot)
        assert app.ranked.base is not old()
        assert old() is None  # collected, not frozen for good
    assert gc.get_freeze_count() == 0  # the app gave its objects back on leaving


@pytest.mark.parametrize("blocks_kept", [False, True])
async def test_the_ranking_read_with_sqlite3_is_shown_and_an_outcome_saves_onto_it(
    engine: Any, app_settings: Any, seeded: Any, settle: Any, blocks_kept: bool
) -> None:
    """As `fieldsales` opens the app: the first ranking read from the file with the
    standard library's sqlite3 while the engine opens, then an outcome logged.
    With the ranking blocks kept (every start but the first after an import), a
    child process makes that ranking on Linux (tui/early.py), and the save
    re-scores the account in the arrays it handed over."""
    from fieldsales.forking import can_fork_values
    from fieldsales.store.lite import SqliteFile, open_file

    seeded(N, spread=0.3)
    source = open_file(engine.url.database)
    assert isinstance(source, SqliteFile)
    settings = in_effect(app_settings, engine)
    office = (settings.office.lat, settings.office.lon)
    if blocks_kept:
        rank_accounts(source, settings, origin=office, today=TODAY)  # keeps them
    forks = can_fork_values()
    early = EarlyRanking(source, settings, office, TODAY)
    assert early.apart is forks
    early.result()
    assert early.ranked_by_child is (forks and blocks_kept)
    early.serves(engine)
    app: Any = make_app(settings, engine, today=TODAY, db_label="test.db", early=early)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert app.ranked.base is early.result().base
            assert app.ranked.base.engine is source  # read without SQLAlchemy
            table = app.screen.query_one(AccountTable)
            visible = [a.id for a in rank_accounts(engine, settings, origin=office, today=TODAY)]
            assert shown(table) == visible
            await pilot.press("pagedown")
            await pilot.pause()
            chosen = table.current
            assert chosen is not None
            await pilot.press("l")
            await pilot.pause()
            await pilot.press("2", "6", "ctrl+s")  # phone, an order: revived
            while not isinstance(app.screen, HomeScreen):
                await pilot.pause()
            await settle(pilot)
            visible = [a.id for a in rank_accounts(engine, settings, origin=office, today=TODAY)]
            assert shown(table) == visible
            assert table.current is not None and table.current.id == chosen.id
            assert table.current.stage == "revived"
    finally:
        source.close()
