"""Assigning an account to a rep from its detail screen (`A`): keys in, database rows out."""

from __future__ import annotations

from sqlmodel import Session, select
from textual.widgets import Input

from fieldsales.store.models import Account, AccountChange, SyncOutbox
from fieldsales.tui.screens.assign import AssignScreen
from fieldsales.tui.screens.detail import DetailScreen

from .test_flows import static_text


async def test_assign_from_the_detail_screen(book, engine, new_app, settle, notifications):
    app = new_app()
    big = book["big"].id
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        await pilot.press("A")
        await pilot.pause()
        assert isinstance(app.screen, AssignScreen)
        assert "Assign 丸の内精機 to" in static_text(app.screen, ".dialog-title")
        await pilot.press(*"suzuki", "enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert any("丸の内精機 assigned to suzuki." in m for m in notifications)
    with Session(engine) as s:
        acc = s.get(Account, big)
        assert acc is not None and acc.owner_rep == "suzuki"
        rows = s.exec(select(AccountChange).where(AccountChange.account_id == big)).all()
        assert [(r.field, r.old_value, r.new_value, r.source) for r in rows] == [
            ("owner_rep", None, "suzuki", "assign")
        ]
        # a lead's change: not a rep's edit to push
        assert s.exec(select(SyncOutbox)).all() == []


async def test_assign_dialog_in_japanese_and_cancel_changes_nothing(book, engine, new_app, settle):
    app = new_app(language="ja")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("A")
        await pilot.pause()
        assert isinstance(app.screen, AssignScreen)
        assert "丸の内精機 の担当者" in static_text(app.screen, ".dialog-title")
        assert app.screen.query_one("#assign-rep", Input).placeholder == "担当者のログイン名"
        await pilot.press(*"x", "escape")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
    with Session(engine) as s:
        assert s.exec(select(AccountChange)).all() == []
