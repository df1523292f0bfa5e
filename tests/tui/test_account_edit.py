"""Editing an account in the app, its history and reverting a change: keys in, rows out."""

from __future__ import annotations

from sqlmodel import Session, select
from textual.widgets import Checkbox, DataTable, Input, Label, Select, TextArea

from fieldsales.store.models import Account, AccountChange
from fieldsales.tui.screens.account_edit import AccountEditScreen
from fieldsales.tui.screens.changes import ChangesScreen
from fieldsales.tui.screens.detail import DetailScreen
from fieldsales.tui.screens.log_outcome import ConfirmPauseScreen

from .test_flows import static_text


def row(engine, account_id: str) -> Account:
    with Session(engine) as s:
        acc = s.get(Account, account_id)
        assert acc is not None
        s.expunge(acc)
        return acc


def history(engine, account_id: str) -> list[tuple[str, str | None, str | None, str]]:
    with Session(engine) as s:
        rows = s.exec(select(AccountChange).where(AccountChange.account_id == account_id)).all()
        return sorted((r.field, r.old_value, r.new_value, r.source) for r in rows)


async def open_edit(app, pilot, settle, account_id: str) -> AccountEditScreen:
    app.push_screen(DetailScreen(account_id))
    await settle(pilot)
    await pilot.press("e")
    await settle(pilot)
    assert isinstance(app.screen, AccountEditScreen)
    return app.screen


async def test_edit_every_field_from_the_detail_screen(
    book, engine, new_app, settle, notifications
):
    app = new_app()
    big = book["big"].id
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        modal = await open_edit(app, pilot, settle, big)
        assert modal.query_one("#e-contact", Input).value == "山本 健"
        assert modal.query_one("#e-reason", Select).value == "product"
        assert modal.query_one("#e-contact", Input).has_focus
        modal.query_one("#e-contact", Input).value = "Suzuki Ichiro"
        modal.query_one("#e-phone", Input).value = "０３－９９９９－８８８８"
        modal.query_one("#e-email", Input).value = "suzuki@example.co.jp"
        modal.query_one("#e-dnc", Checkbox).value = True
        modal.query_one("#e-reason", Select).value = "competitor"
        modal.query_one("#e-solvable", Select).value = "hard"
        modal.query_one("#e-competitor", Select).value = "long_contract"
        modal.query_one("#e-competitor-name", Input).value = "ライバル商事"
        modal.query_one("#e-notes", TextArea).text = "new purchasing head since April"
        modal.query_one("#e-closed", Input).value = "土日"
        modal.query_one("#e-hours", Input).value = "9:00-17:00"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        acc = row(engine, big)
        assert (acc.contact_name, acc.phone, acc.email) == (
            "Suzuki Ichiro",
            "03-9999-8888",
            "suzuki@example.co.jp",
        )
        assert acc.do_not_contact is True
        assert (acc.main_reason, acc.reason_solvable, acc.competitor_status) == (
            "competitor",
            "hard",
            "long_contract",
        )
        assert (acc.competitor_name, acc.notes) == (
            "ライバル商事",
            "new purchasing head since April",
        )
        assert (acc.closed_weekdays, acc.opens_at, acc.closes_at) == ("5,6", "09:00", "17:00")
        assert ("contact_name", "山本 健", "Suzuki Ichiro", "app") in history(engine, big)
        assert ("do_not_contact", "false", "true", "app") in history(engine, big)
        assert len(history(engine, big)) == 12  # all but the title
        assert any("Saved 12 changes" in m for m in notifications)
        # the detail screen shows what was saved
        assert "Suzuki Ichiro" in static_text(app.screen, "#contact")
        assert "DO NOT CONTACT" in static_text(app.screen, "#detail-header")


async def test_bad_fields_each_get_one_line_and_nothing_is_saved(book, engine, new_app, settle):
    app = new_app()
    town = book["town"].id
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        modal = await open_edit(app, pilot, settle, town)
        modal.query_one("#e-phone", Input).value = "call me"
        modal.query_one("#e-email", Input).value = "not-an-address"
        modal.query_one("#e-hours", Input).value = "17:00-9:00"
        modal.query_one("#e-contact", Input).value = "x" * 101
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is modal  # still open, everything typed kept
        lines = static_text(modal, "#form-error").strip().splitlines()
        assert len(lines) == 4, lines
        assert lines[0].startswith("Contact person: at most 100 characters")
        assert any(line.startswith("Phone: 'call me' is not a phone number") for line in lines)
        assert any(line.startswith("Email: 'not-an-address'") for line in lines)
        assert any(line.startswith("Opening hours:") for line in lines)
        assert modal.query_one("#e-phone", Input).value == "call me"
        # the Save button is on the screen at 80x24
        save = modal.query_one("#save")
        assert save.region.bottom <= 24 and save.region.right <= 80
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert history(engine, town) == []
        assert row(engine, town).phone is None


async def test_history_lists_changes_and_revert_is_a_new_change(
    book, engine, new_app, settle, notifications
):
    app = new_app()
    big = book["big"].id
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        modal = await open_edit(app, pilot, settle, big)
        modal.query_one("#e-contact", Input).value = "鈴木 一郎"
        modal.query_one("#e-phone", Input).value = "03-5555-0000"
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ChangesScreen)
        table = screen.query_one(DataTable)
        assert table.row_count == 2
        shown = [" ".join(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]
        contact = next(i for i, line in enumerate(shown) if "contact person" in line)
        assert "山本 健" in shown[contact] and "→ 鈴木 一郎" in shown[contact]
        assert "app" in shown[contact]
        table.move_cursor(row=contact)
        await pilot.press("z")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmPauseScreen)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is screen
        assert row(engine, big).contact_name == "山本 健"
        assert row(engine, big).phone == "03-5555-0000"  # only that field went back
        # nothing deleted: the edit and its revert are both in the history
        assert history(engine, big) == [
            ("contact_name", "山本 健", "鈴木 一郎", "app"),
            ("contact_name", "鈴木 一郎", "山本 健", "app"),
            ("phone", "03-1111-2222", "03-5555-0000", "app"),
        ]
        assert table.row_count == 3
        assert "→ 山本 健" in " ".join(str(c) for c in table.get_row_at(0))
        assert any("set back" in m for m in notifications)
        # reverting the revert's target again changes nothing and says so
        table.move_cursor(row=[i for i in range(3) if "contact" in str(table.get_row_at(i))][-1])
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert len(history(engine, big)) == 3


async def test_japanese_edit_dialog_and_history(book, engine, new_app, settle):
    app = new_app(language="ja")
    town = book["town"].id
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        modal = await open_edit(app, pilot, settle, town)
        assert "担当者" in str(modal.query_one("#edit-fields Label", Label).content)
        modal.query_one("#e-email", Input).value = "メール"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "メールアドレスではありません" in static_text(modal, "#form-error")
        modal.query_one("#e-email", Input).value = "ka@example.jp"
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        assert "メール" in " ".join(str(c) for c in table.get_row_at(0))
        assert "アプリ" in " ".join(str(c) for c in table.get_row_at(0))


async def test_new_contact_met_at_a_visit_is_saved_with_the_outcome(book, engine, new_app, settle):
    from fieldsales.store.models import Outcome
    from fieldsales.tui.screens.log_outcome import LogOutcomeScreen

    app = new_app()
    big = book["big"].id
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.push_screen(DetailScreen(big))
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, LogOutcomeScreen)
        contact = modal.query_one("#contact-met", Input)
        assert contact.value == "山本 健"  # filled with the contact on file
        contact.value = "田中 花子"
        await pilot.press("3", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert row(engine, big).contact_name == "田中 花子"
        assert history(engine, big) == [("contact_name", "山本 健", "田中 花子", "app")]
        with Session(engine) as s:
            results = [o.result for o in s.exec(select(Outcome).where(Outcome.account_id == big))]
        assert results == ["interested"]
        # Ctrl+E in the log dialog opens the whole account on top of it
        await pilot.press("l")
        await settle(pilot)
        log = app.screen
        await pilot.press("ctrl+e")
        await settle(pilot)
        edit = app.screen
        assert isinstance(edit, AccountEditScreen)
        assert edit.query_one("#e-contact", Input).value == "田中 花子"
        edit.query_one("#e-title", Input).value = "購買部長"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is log
        assert row(engine, big).contact_title == "購買部長"
        # an unchanged contact with the outcome writes no history row
        await pilot.press("2", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert len(history(engine, big)) == 2


async def test_a_contact_name_too_long_in_the_log_dialog_saves_nothing(
    book, engine, new_app, settle
):
    from fieldsales.store.models import Outcome
    from fieldsales.tui.screens.log_outcome import LogOutcomeScreen

    app = new_app()
    big = book["big"].id
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.push_screen(LogOutcomeScreen(big))
        await settle(pilot)
        modal = app.screen
        modal.query_one("#contact-met", Input).value = "名" * 101
        await pilot.press("2", "ctrl+s")
        await settle(pilot)
        assert app.screen is modal
        assert "Contact person: at most 100 characters" in static_text(modal, "#form-error")
        with Session(engine) as s:
            assert s.exec(select(Outcome).where(Outcome.account_id == big)).all() == []
        assert history(engine, big) == []
