"""Pilot tests: what the rep sees after each key, and what the database holds afterwards."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select
from textual.widgets import Input, OptionList, RadioButton

from fieldsales.store.models import Outcome
from fieldsales.tui.screens.detail import DetailScreen
from fieldsales.tui.screens.followups import FollowupsScreen
from fieldsales.tui.screens.home import HomeScreen
from fieldsales.tui.screens.info import FirstRunScreen, HelpScreen, SettingsScreen
from fieldsales.tui.screens.log_outcome import ConfirmPauseScreen, LogOutcomeScreen
from fieldsales.tui.screens.pickers import OriginScreen
from fieldsales.tui.widgets.account_table import AccountTable

from .conftest import TODAY


def shown(app) -> list[str]:
    table = app.screen.query_one(AccountTable)
    return [a.company for a in table.rows]


def static_text(screen, selector: str) -> str:
    """The plain text a Static shows, whatever renderable it holds."""
    from rich.console import Console

    content = screen.query_one(selector).content
    if isinstance(content, str):
        return content
    console = Console(width=200, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(content)
    return console.export_text()


async def test_home_lists_ranked_accounts_best_first_without_do_not_contact(book, new_app, settle):
    app = new_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        names = shown(app)
        assert names[0] == "丸の内精機"  # the big, near, solvable account leads
        assert "連絡不可工業" not in names
        assert set(names) == {"丸の内精機", "Osaka Trading", "カブシキ物産", "Nowhere Ltd"}
        totals = [a.score.total for a in app.screen.query_one(AccountTable).rows]
        assert totals == sorted(totals, reverse=True)
        title = static_text(app.screen, "#home-title")
        assert "Office" in title and "4 of 5 accounts" in title
        # "show all" brings the do-not-contact account back, clearly marked
        await pilot.press("a")
        rows = app.screen.query_one(AccountTable).rows
        dnc = next(a for a in rows if a.company == "連絡不可工業")
        assert dnc.do_not_contact
        from fieldsales.tui.widgets.account_table import cell_texts

        assert cell_texts(dnc, "en", TODAY)[2].startswith("[do not contact]")


async def test_precision_marks_in_the_list(book, new_app, settle):
    from fieldsales.tui.widgets.account_table import cell_texts

    app = new_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        rows = {a.company: a for a in app.screen.query_one(AccountTable).rows}
        assert "≈ town" in cell_texts(rows["カブシキ物産"], "en", TODAY)[4]
        assert cell_texts(rows["Nowhere Ltd"], "en", TODAY)[4] == "no location"
        assert "≈" not in cell_texts(rows["丸の内精機"], "en", TODAY)[4]


async def test_incremental_search_kana_and_latin(book, new_app, settle):
    app = new_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await pilot.press(*"かぶしき")  # hiragana finds the katakana name
        assert shown(app) == ["カブシキ物産"]
        await pilot.press("escape")
        assert len(shown(app)) == 4
        await pilot.press("slash", *"OSAKA")
        assert shown(app) == ["Osaka Trading"]


async def test_filters_modal_limits_by_distance_and_due(book, new_app, settle):
    app = new_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await pilot.pause()
        app.screen.query_one("#f-km").value = "50"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert "Osaka Trading" not in shown(app)
        assert "Nowhere Ltd" not in shown(app)  # no position: not within any distance
        assert "≤ 50 km" in static_text(app.screen, "#filter-line")
        await pilot.press("f")
        await pilot.pause()
        await pilot.click("#clear")
        await pilot.pause()
        await pilot.press("d")  # due follow-ups only
        assert set(shown(app)) == {"カブシキ物産", "Osaka Trading"}


async def test_sort_by_column_and_reverse(book, new_app, settle):
    app = new_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        home = app.screen
        home.sort_column = "distance"
        home._sorted()
        dist = [a.distance_km for a in home.query_one(AccountTable).rows]
        assert dist[-1] is None  # no position sorts last
        assert dist[:-1] == sorted(dist[:-1])
        await pilot.press("r")
        assert shown(app)[0] == "Nowhere Ltd"


async def test_open_detail_shows_breakdown_contact_and_filled_script(book, new_app, settle):
    app = new_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DetailScreen)
        assert "丸の内精機" in static_text(screen, "#detail-header")
        bars = static_text(screen, "#score-bars")
        assert "past revenue" in bars and "50/50" in bars  # ¥12M: full points
        assert "山本 健" in static_text(screen, "#contact")
        script = static_text(screen, "#phone-script")
        assert "Sato" in script and "山本 健" in script and "精密ポンプ" in script
        assert "8 months" in script  # 2026-03-01 -> 2026-11-20
        assert "{" not in script
        assert "Phone → Email → Visit" in static_text(screen, "#approach")
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


async def test_detail_of_account_without_position_says_so(book, new_app, settle):
    app = new_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.push_screen(DetailScreen(book["nowhere"].id))
        await settle(pilot)
        assert "no location" in static_text(app.screen, "#contact")
        assert "—/—" in static_text(app.screen, "#score-bars")


async def test_change_reference_point_by_typed_coordinates(book, new_app, settle, notifications):
    app = new_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await pilot.pause()
        await pilot.press(*"34.70,135.50", "enter")
        await settle(pilot)
        assert app.origin[1:] == (34.70, 135.50)
        assert "34.7000" in static_text(app.screen, "#home-title")
        osaka = next(
            a for a in app.screen.query_one(AccountTable).rows if a.company == "Osaka Trading"
        )
        assert osaka.distance_km is not None and osaka.distance_km < 1
        # a bad reference point keeps the dialog open with the reason, not a crash
        await pilot.press("o")
        await pilot.pause()
        await pilot.press(*"nosuchaccount", "enter")
        await settle(pilot)
        assert isinstance(app.screen, OriginScreen)
        assert "nosuchaccount: not an account" in static_text(app.screen, "#origin-error")
        assert not [m for m in notifications if "failed" in m]
        await pilot.press("escape")
        await settle(pilot)
        assert app.origin[1:] == (34.70, 135.50)


async def test_log_outcome_three_keys_saves_row_and_updates_stage(
    book, engine, new_app, settle, notifications
):
    app = new_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.item(book["big"].id).stage != "reactivating"
        await pilot.press("l")
        await pilot.pause()
        await pilot.press("4", "ctrl+s")  # open, "next action agreed", save
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        with Session(engine) as s:
            rows = s.exec(select(Outcome).where(Outcome.account_id == book["big"].id)).all()
        assert len(rows) == 1
        assert (rows[0].channel, rows[0].result, rows[0].rep) == ("phone", "next_action", "Sato")
        assert app.item(book["big"].id).stage == "reactivating"
        assert any("Outcome saved" in m for m in notifications)


async def test_log_visit_with_stage_amount_and_due_date(book, engine, new_app, settle):
    app = new_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.push_screen(DetailScreen(book["town"].id))
        await settle(pilot)
        await pilot.press("l")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, LogOutcomeScreen)
        await pilot.click("#channel RadioButton")  # Visit
        await pilot.pause()
        assert modal.query_one("#visit-box").display
        modal.query_one("#visit-stage").query(RadioButton)[3].value = True  # got a next action
        modal.query_one("#next-action", Input).value = "demo at their office"
        modal.query_one("#due", Input).value = "+7"
        modal.query_one("#amount", Input).value = "1,200,000"
        modal.query_one("#minutes", Input).value = "40"
        await pilot.press("6", "ctrl+s")  # order
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        with Session(engine) as s:
            o = s.exec(
                select(Outcome).where(
                    Outcome.account_id == book["town"].id, Outcome.result == "order"
                )
            ).one()
        assert o.channel == "visit" and o.visit_stage == "next_action"
        assert o.next_action_due == TODAY + timedelta(days=7)
        assert o.order_amount == 1_200_000 and o.duration_minutes == 40
        assert app.item(book["town"].id).stage == "revived"
        assert "order" in static_text(app.screen, "#history")


async def test_invalid_date_is_a_message_and_nothing_is_saved(book, engine, new_app, settle):
    app = new_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await pilot.pause()
        app.screen.query_one("#due", Input).value = "2026-13-45"
        await pilot.press("2", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, LogOutcomeScreen)  # still open, input kept
        assert "not a date" in static_text(app.screen, "#form-error")
        with Session(engine) as s:
            assert s.execute(sa.select(sa.func.count()).select_from(Outcome)).scalar_one() == 2
        app.screen.query_one("#due", Input).value = "2026-12-01"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        with Session(engine) as s:
            assert s.execute(sa.select(sa.func.count()).select_from(Outcome)).scalar_one() == 3


async def test_second_refusal_pauses_the_account(book, engine, new_app, settle, notifications):
    app = new_app()
    big = book["big"].id
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await pilot.pause()
        await pilot.press("7")
        await settle(pilot)
        recontact = app.screen.query_one("#recontact")
        assert recontact.display and "6 months" in str(recontact.label)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.item(big).next_followup == TODAY + timedelta(days=182)
        assert "丸の内精機" in shown(app)
        # second refusal: the modal warns, and the account leaves the list
        app.screen.query_one(AccountTable).move_to(shown(app).index("丸の内精機"))
        await pilot.press("l")
        await pilot.pause()
        await pilot.press("7")
        await settle(pilot)
        note = app.screen.query_one("#refusal-note")
        assert note.display and "Refusal 2" in static_text(app.screen, "#refusal-note")
        await pilot.press("ctrl+s")
        await settle(pilot)
        # it asks first: "no" saves nothing and goes back to the form
        assert isinstance(app.screen, ConfirmPauseScreen)
        assert "Refusal 2" in static_text(app.screen, "#confirm-text")
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, LogOutcomeScreen)
        with Session(engine) as s:
            assert len(s.exec(select(Outcome).where(Outcome.account_id == big)).all()) == 1
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert "丸の内精機" not in shown(app)
        assert app.item(big).paused_until == TODAY + timedelta(days=365)
        assert any("not proposed until" in m for m in notifications)


async def test_followups_grouped_by_day_open_and_log(book, engine, new_app, settle):
    app = new_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, FollowupsScreen)
        assert [g.day for g in screen.days] == [date(2026, 11, 17), TODAY]
        options = screen.query_one("#followups", OptionList)
        texts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert texts[0].startswith("2026-11-17  3 days overdue")
        assert "カブシキ物産" in texts[1] and "send the price list" in texts[1]
        assert texts[2].startswith("2026-11-20  today")
        await pilot.press("enter")  # open the highlighted (overdue) account
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen) and app.screen.account_id == book["town"].id
        await pilot.press("escape")
        await pilot.press("l")
        await pilot.pause()
        await pilot.press("2", "ctrl+s")  # reached, nothing agreed: still owed
        await settle(pilot)
        assert isinstance(app.screen, FollowupsScreen)
        assert [g.day for g in app.screen.days] == [date(2026, 11, 17), TODAY]
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("escape")
        await pilot.press("l")
        await pilot.pause()
        await pilot.press("5", "ctrl+s")  # an appointment completes it
        await settle(pilot)
        assert isinstance(app.screen, FollowupsScreen)
        assert [g.day for g in app.screen.days] == [TODAY]


async def test_empty_database_shows_first_run_screen(engine, new_app, settle):
    app = new_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, FirstRunScreen)
        text = static_text(app.screen, "#info-text")
        assert "fieldsales import" in text and "fieldsales demo" in text


async def test_language_switch_at_run_time(book, new_app, settle):
    app = new_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await pilot.pause()
        assert app.language == "ja"
        assert "顧客一覧" in static_text(app.screen, "#home-title")
        descriptions = {b.id: b.description for _, b, *_ in app.screen.active_bindings.values()}
        assert descriptions["log_outcome"] == "結果を記録"
        await pilot.press("f2")
        assert "Accounts" in static_text(app.screen, "#home-title")


async def test_japanese_config_and_keymap(book, new_app, settle):
    app = new_app(language="ja", keymap={"log_outcome": "x"})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "会社名" in str(app.screen.query_one("#table-header").render_line(0).text)
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, LogOutcomeScreen)


async def test_help_settings_and_palette_list_actions(book, new_app, settle):
    app = new_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Log outcome", "Filters", "Follow-ups", "Help", "Settings", "About"} <= titles
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert "log_outcome" in static_text(app.screen, "#info-text")
        await pilot.press("escape", "f3")
        await pilot.pause()
        assert isinstance(app.screen, SettingsScreen)
        assert "config.yaml" in static_text(app.screen, "#info-text")


async def test_locked_database_gives_a_message_and_the_app_keeps_working(
    book,
    db_path,
    engine,
    new_app,
    settle,
    notifications,
):
    import sqlite3

    @sa.event.listens_for(engine, "connect")
    def short_wait(dbapi_conn, _record):  # the default 5 s busy wait would slow the test
        dbapi_conn.execute("PRAGMA busy_timeout = 50")

    engine.dispose()
    app = new_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        locker = sqlite3.connect(db_path, timeout=5)  # wait out any write the app is finishing
        locker.execute("BEGIN EXCLUSIVE")
        try:
            await pilot.press("l")
            await pilot.pause()
            await pilot.press("2", "ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, LogOutcomeScreen)  # kept open: nothing typed is lost
            assert any("busy" in m or "locked" in m for m in notifications)
        finally:
            locker.rollback()
            locker.close()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        with Session(engine) as s:
            assert s.execute(sa.select(sa.func.count()).select_from(Outcome)).scalar_one() == 3
