"""The outcome log keeps everything, in the app: the dialog's explicit result,
undo with take-back and corrections from the account history (issue 14)."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select
from textual.widgets import Input, RadioSet

from fieldsales.store.models import Outcome
from fieldsales.tui.screens.detail import CorrectPickerScreen, DetailScreen
from fieldsales.tui.screens.home import HomeScreen
from fieldsales.tui.screens.log_outcome import LogOutcomeScreen

from .test_flows import static_text


def rows_of(engine, account_id: str) -> list[Outcome]:
    with Session(engine) as s:
        stmt = (
            select(Outcome)
            .where(Outcome.account_id == account_id)
            .order_by(col(Outcome.created_at))
        )
        return list(s.exec(stmt).all())


async def test_l_2_ctrl_s_logs_phone_contacted(book, engine, new_app, settle):
    app = new_app()
    big = book["big"].id
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, LogOutcomeScreen)
        # nothing selected when it opens
        assert modal.query_one("#channel", RadioSet).pressed_button is None
        assert modal.query_one("#result", RadioSet).pressed_button is None
        await pilot.press("2", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        [row] = rows_of(engine, big)
        assert (row.channel, row.result) == ("phone", "contacted")


async def test_ctrl_s_with_nothing_chosen_saves_nothing(
    book, engine, new_app, settle, notifications
):
    app = new_app()
    seen = notifications
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, LogOutcomeScreen)
        assert "Pick a result" in static_text(app.screen, "#form-error")
        assert [m for m in seen if "Pick a result" in m] == [
            "Pick a result (1-7) first: nothing was saved."
        ]
        assert rows_of(engine, book["big"].id) == []


async def test_undo_and_take_it_back(book, engine, new_app, settle, notifications):
    app = new_app()
    seen = notifications
    town = book["town"].id
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.push_screen(DetailScreen(town))
        await settle(pilot)
        await pilot.press("l")
        await pilot.pause()
        app.screen.query_one("#amount", Input).value = "800000"
        await pilot.press("6", "ctrl+s")  # an order, by mistake
        await settle(pilot)
        assert app.item(town).stage == "revived"
        assert app.item(town).next_followup is None
        order = rows_of(engine, town)[-1]

        await pilot.press("u")
        await settle(pilot)
        rows = rows_of(engine, town)
        assert len(rows) == 3 and rows[1].id == order.id  # nothing deleted or edited
        assert (rows[2].result, rows[2].supersedes) == ("undo", order.id)
        assert app.item(town).stage != "revived"
        assert app.item(town).next_followup == date(2026, 11, 17)  # the follow-up is back
        assert any("Undone" in m and "press r" in m.lower() for m in seen)
        history = static_text(app.screen, "#history")
        assert "undone" in history and "(corrected)" in history
        assert "next follow-up 2026-11-17" in static_text(app.screen, "#detail-header")

        await pilot.press("r")  # take the undo back
        await settle(pilot)
        rows = rows_of(engine, town)
        assert len(rows) == 4
        assert (rows[3].result, rows[3].order_amount, rows[3].supersedes) == (
            "order",
            800_000,
            rows[2].id,
        )
        assert app.item(town).stage == "revived"
        assert any("Taken back" in m for m in seen)
        await pilot.press("r")  # nothing left to take back: no new event
        await settle(pilot)
        assert len(rows_of(engine, town)) == 4


async def test_correct_an_entry(book, engine, new_app, settle):
    app = new_app()
    town = book["town"].id
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.push_screen(DetailScreen(town))
        await settle(pilot)
        assert app.item(town).next_followup == date(2026, 11, 17)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CorrectPickerScreen)
        await pilot.press("enter")  # the newest entry: phone, interested
        await settle(pilot)
        form = app.screen
        assert isinstance(form, LogOutcomeScreen)
        pressed = form.query_one("#result", RadioSet).pressed_button
        assert pressed is not None and pressed.name == "interested"
        assert form.query_one("#next-action", Input).value == "send the price list"
        form.query_one("#due", Input).value = ""
        form.query_one("#next-action", Input).value = ""
        await pilot.press("5", "ctrl+s")  # it was an appointment, in fact
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        original, fixed = rows_of(engine, town)
        assert fixed.supersedes == original.id and fixed.result == "appointment"
        assert original.result == "interested"  # kept as it was
        assert fixed.occurred_at == original.occurred_at and fixed.channel == "phone"
        assert app.item(town).next_followup is None
        assert app.item(town).stage == "reactivating"
        history = static_text(app.screen, "#history")
        assert "appointment" in history and "(corrected)" in history
