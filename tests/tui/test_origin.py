"""The reference point (`o`): a postal code or an address, located offline; a value it
cannot read keeps the dialog open with the reason; a good one re-ranks the list."""

from __future__ import annotations

from textual.widgets import Input

from fieldsales.tui.screens.home import HomeScreen
from fieldsales.tui.screens.pickers import OriginScreen
from fieldsales.tui.widgets.account_table import AccountTable

from .test_flows import static_text


def distance_of(app, company: str) -> float | None:
    rows = app.screen.query_one(AccountTable).rows
    return next(a for a in rows if a.company == company).distance_km


async def test_postal_code_and_address_rerank_from_there(book, new_app, settle, notifications):
    app = new_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        from_tokyo = distance_of(app, "Osaka Trading")
        assert from_tokyo is not None and from_tokyo > 300
        first = app.screen.query_one(AccountTable).rows[0].company
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, OriginScreen)
        await pilot.press(*"530-0001", "enter")  # 大阪市北区梅田
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert "梅田" in app.origin[0]
        assert "梅田" in static_text(app.screen, "#home-title")
        near = distance_of(app, "Osaka Trading")
        assert near is not None and near < 2  # ranked anew from Osaka
        assert app.screen.query_one(AccountTable).rows[0].company != first or near < 2
        assert any("Distances now measured from" in m for m in notifications)
        # an address works the same way
        await pilot.press("o")
        await pilot.pause()
        app.screen.query_one("#origin-spec", Input).value = "東京都新宿区西新宿2-8-1"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert "西新宿" in app.origin[0]
        osaka = distance_of(app, "Osaka Trading")
        assert osaka is not None and osaka > 300


async def test_unreadable_value_keeps_the_dialog_open_with_the_reason(
    book, new_app, settle, notifications
):
    app = new_app(language="ja")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        before = app.origin
        await pilot.press("o")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, OriginScreen)
        await pilot.press(*"000-0000", "enter")  # no such postal code
        await settle(pilot)
        assert app.screen is dialog  # still open, the text kept
        assert dialog.query_one("#origin-spec", Input).value == "000-0000"
        error = static_text(dialog, "#origin-error").strip()
        assert error.startswith("000-0000：") and "\n" not in error
        assert "郵便番号" in error
        dialog.query_one("#origin-spec", Input).value = ""
        await pilot.press(*"91,500", "enter")  # out of range coordinates
        await settle(pilot)
        assert app.screen is dialog
        assert "-90..90" in static_text(dialog, "#origin-error")
        await pilot.press("escape")
        await settle(pilot)
        assert app.origin == before
        assert not any("失敗" in m for m in notifications)
