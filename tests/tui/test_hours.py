"""Closed days and opening hours edited from the detail screen: keys in, database rows out."""

from __future__ import annotations

from sqlmodel import Session, select
from textual.widgets import Input

from fieldsales.store.models import Account, AccountChange
from fieldsales.tui.screens.detail import DetailScreen
from fieldsales.tui.screens.hours import HoursScreen
from fieldsales.tui.screens.info import HelpScreen

from .test_flows import static_text


def stored(engine, account_id: str) -> tuple[str | None, str | None, str | None]:
    with Session(engine) as s:
        acc = s.get(Account, account_id)
        assert acc is not None
        return acc.closed_weekdays, acc.opens_at, acc.closes_at


def history(engine, account_id: str) -> list[tuple[str, str | None, str | None, str]]:
    with Session(engine) as s:
        rows = s.exec(select(AccountChange).where(AccountChange.account_id == account_id)).all()
        return sorted((r.field, r.old_value, r.new_value, r.source) for r in rows)


async def test_edit_hours_from_the_detail_screen(book, engine, new_app, settle, notifications):
    app = new_app()
    big = book["big"].id
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert "press h to set closed days and hours" in static_text(app.screen, "#contact")
        await pilot.press("h")
        await pilot.pause()
        assert isinstance(app.screen, HoursScreen)
        # typed as a rep would (Pilot cannot press ～; the Japanese test sets it)
        await pilot.press(*"土日", "tab", *"9:00-17:00", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert stored(engine, big) == ("5,6", "09:00", "17:00")
        assert history(engine, big) == [
            ("closed_weekdays", None, "5,6", "app"),
            ("closes_at", None, "17:00", "app"),
            ("opens_at", None, "09:00", "app"),
        ]
        contact = static_text(app.screen, "#contact")
        assert "Closed: Sat,Sun" in contact and "Hours: 09:00-17:00" in contact
        assert any("Saved closed days and hours" in m for m in notifications)
        # the key is listed with its binding id for the keymap
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert "edit_hours" in static_text(app.screen, "#info-text")


async def test_bad_value_keeps_the_dialog_open_and_escape_saves_nothing(
    book, engine, new_app, settle
):
    app = new_app()
    town = book["town"].id
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.push_screen(DetailScreen(town))
        await settle(pilot)
        await pilot.press("h")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, HoursScreen)
        modal.query_one("#closed-days", Input).value = "水曜"
        modal.query_one("#opening-hours", Input).value = "17:00-9:00"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is modal  # still open, with what was typed
        error = static_text(modal, "#form-error").strip()
        assert "not after opens" in error and "\n" not in error
        assert modal.query_one("#opening-hours", Input).value == "17:00-9:00"
        modal.query_one("#closed-days", Input).value = "週末"
        modal.query_one("#opening-hours", Input).value = "9-17"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is modal
        assert "not a weekday" in static_text(modal, "#form-error")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert stored(engine, town) == (None, None, None)
        assert history(engine, town) == []


async def test_japanese_dialog_shows_the_stored_values_and_clears_them(
    book, engine, new_app, settle, add_account
):
    acc = add_account(company="水曜休み商店", closed_weekdays="2,6", opens_at="08:30")
    app = new_app(language="ja")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.push_screen(DetailScreen(acc.id))
        await settle(pilot)
        contact = static_text(app.screen, "#contact")
        assert "定休日: 水・日" in contact and "受付時間: 08:30-24:00" in contact
        await pilot.press("h")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, HoursScreen)
        assert modal.query_one("#closed-days", Input).value == "水・日"
        assert modal.query_one("#opening-hours", Input).value == "08:30-24:00"
        modal.query_one("#opening-hours", Input).value = "8時半～24時"  # the same hours, typed anew
        modal.query_one("#closed-days", Input).value = "なし"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert stored(engine, acc.id) == (None, "08:30", "24:00")
        assert history(engine, acc.id) == [
            ("closed_weekdays", "2,6", None, "app"),
            ("closes_at", None, "24:00", "app"),
        ]
        assert "定休日: なし" in static_text(app.screen, "#contact")
