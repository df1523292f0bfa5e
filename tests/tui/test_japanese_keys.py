"""Japanese UI: every key the rep can read (help screen, footers) is in Japanese."""

from __future__ import annotations

from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widget import Widget

from fieldsales.tui.app import FieldSalesApp
from fieldsales.tui.screens import (
    detail,
    followups,
    home,
    hours,
    info,
    log_outcome,
    pickers,
    plan_day,
)
from fieldsales.tui.screens import locate as locate_screen
from fieldsales.tui.screens import plan as plan_screen
from fieldsales.tui.screens.info import HelpScreen
from fieldsales.tui.widgets import account_table

from .test_flows import static_text

MODULES = (
    detail,
    followups,
    home,
    hours,
    info,
    log_outcome,
    pickers,
    locate_screen,
    plan_screen,
    plan_day,
    account_table,
)


async def test_help_screen_in_japanese_has_no_english_descriptions(book, new_app, settle):
    app = new_app(language="ja")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = static_text(app.screen, "#info-text")
        for english in ("Quit", "Down", "Up", "Page up", "Page down", "First", "Last", "key "):
            assert english not in text, english
        assert "キー" in text


def test_every_binding_of_every_screen_has_a_japanese_description() -> None:
    from fieldsales.tui.i18n import STRINGS

    classes: list[type[DOMNode]] = [FieldSalesApp]
    for module in MODULES:
        classes += [
            v
            for v in vars(module).values()
            if isinstance(v, type) and issubclass(v, (Screen, Widget)) and "BINDINGS" in vars(v)
        ]
    missing = sorted(
        f"{cls.__name__}.{b.id}"
        for cls in classes
        for b in cls.BINDINGS
        if isinstance(b, Binding) and b.id and f"key.{b.id}" not in STRINGS["ja"]
    )
    assert missing == []
