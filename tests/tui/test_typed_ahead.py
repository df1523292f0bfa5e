"""Keys typed before a dialog is on the screen are not lost (issue 19).

A rep who types `l 2 Ctrl+S` quickly sends the result and the save while the
log dialog is still being drawn; on a busy machine that takes seconds. The
keys here go straight into the app's driver, one after the other, without
waiting for anything in between: what a terminal delivers when they are typed
faster than the dialog opens.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from textual import events
from textual.widgets import Input, TextArea

from fieldsales.tui.screens import log_outcome
from fieldsales.tui.screens.home import HomeScreen
from fieldsales.tui.screens.log_outcome import LogOutcomeScreen

from .test_account_edit import open_edit
from .test_outcome_log import rows_of


def typed(app: Any, *keys: str) -> None:
    """The keys as the terminal hands them to the app, none waiting for another."""
    for key in keys:
        event = events.Key(key, key if len(key) == 1 else None)
        event.set_sender(app)
        app._driver.send_message(event)


async def until(pilot: Any, done: Callable[[], bool], settle: Any) -> None:
    for _ in range(200):
        if done():
            break
        await asyncio.sleep(0.02)
    await settle(pilot)


@pytest.fixture
def slow_dialog(monkeypatch: pytest.MonkeyPatch) -> None:
    """The log dialog takes half a second to mount, as on a loaded machine: every
    key below arrives and is handled by the app before it is ready."""
    mounted = LogOutcomeScreen.on_mount

    async def slow(self: LogOutcomeScreen) -> None:
        await asyncio.sleep(0.5)
        mounted(self)

    monkeypatch.setattr(log_outcome.LogOutcomeScreen, "on_mount", slow)


async def test_l_2_ctrl_s_typed_in_one_go_saves(book, engine, new_app, settle):
    app = new_app()
    big = book["big"].id
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        typed(app, "l", "2", "ctrl+s")
        await until(pilot, lambda: bool(rows_of(engine, big)), settle)
        assert isinstance(app.screen, HomeScreen)  # saved and closed
        [row] = rows_of(engine, big)
        assert (row.channel, row.result) == ("phone", "contacted")


async def test_keys_typed_while_the_dialog_mounts_are_kept_in_order(
    book, engine, new_app, settle, slow_dialog
):
    app = new_app()
    big = book["big"].id
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        typed(app, "l", "3", "6", "ctrl+s")  # interested, then changed to ordered
        await until(pilot, lambda: bool(rows_of(engine, big)), settle)
        assert isinstance(app.screen, HomeScreen)
        [row] = rows_of(engine, big)
        assert (row.channel, row.result) == ("phone", "order")


async def test_escape_typed_before_the_dialog_is_ready_closes_it_and_saves_nothing(
    book, engine, new_app, settle, slow_dialog
):
    app = new_app()
    big = book["big"].id
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        typed(app, "l", "2", "escape")
        await until(pilot, lambda: isinstance(app.screen, HomeScreen), settle)
        await asyncio.sleep(0.6)
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert rows_of(engine, big) == []


async def test_a_digit_and_ctrl_s_typed_while_the_dialog_mounts_save_in_that_order(
    book, engine, new_app, settle, slow_dialog
):
    """The dialog is already the screen (not yet mounted) when `2` and Ctrl+S come:
    Ctrl+S must not overtake the digit before it."""
    app = new_app()
    big = book["big"].id
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        typed(app, "l")
        await until(pilot, lambda: isinstance(app.screen, LogOutcomeScreen), lambda p: p.pause())
        typed(app, "2", "ctrl+s")
        await until(pilot, lambda: bool(rows_of(engine, big)), settle)
        assert isinstance(app.screen, HomeScreen)
        [row] = rows_of(engine, big)
        assert (row.channel, row.result) == ("phone", "contacted")


async def test_editing_keys_typed_in_one_go_apply_in_order_in_the_search(book, new_app, settle):
    """Backspace and the arrows are bound keys; letters are typed by the box itself.
    Arriving together (a busy list at 100,000 accounts, keys sent by tmux), each
    applies where it was pressed: Textual alone left "ab" from a, b, Backspace, c
    (the c typed, then deleted by the Backspace before it)."""
    app = new_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await settle(pilot)
        search = app.screen.query_one("#search", Input)
        assert search.has_focus
        typed(app, "a", "b", "backspace", "c", "left", "d", "home", "x", "end", "y")
        await until(pilot, lambda: search.value == "xadcy", settle)
        assert search.value == "xadcy"


async def test_editing_keys_typed_in_one_go_apply_in_order_in_the_notes(book, new_app, settle):
    app = new_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        modal = await open_edit(app, pilot, settle, book["big"].id)
        notes = modal.query_one("#e-notes", TextArea)
        notes.text = ""
        notes.focus()
        await settle(pilot)
        typed(app, "a", "b", "backspace", "c", "left", "d")
        await until(pilot, lambda: notes.text == "adc", settle)
        assert notes.text == "adc"
