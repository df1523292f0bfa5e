"""Japanese UI: every key the rep can read (help screen, footers) is in Japanese."""

from __future__ import annotations

from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widget import Widget

from fieldsales.tui.app import FieldSalesApp
from fieldsales.tui.screens import (
    detail,
    drill,
    followups,
    home,
    hours,
    info,
    log_outcome,
    pickers,
    plan_day,
    review,
    routes,
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
    review,
    drill,
    routes,
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
    from fieldsales.i18n import tr
    from fieldsales.i18n.labels import BINDING_DESCRIPTIONS

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
        if isinstance(b, Binding)
        and b.id
        and (
            b.id not in BINDING_DESCRIPTIONS
            or (
                tr(BINDING_DESCRIPTIONS[b.id], "ja") == BINDING_DESCRIPTIONS[b.id]
                and BINDING_DESCRIPTIONS[b.id] not in ("QR",)
            )
        )
    )
    assert missing == []


async def test_the_language_chosen_with_f2_is_kept_across_restarts(book, new_app, settle):
    from fieldsales import locations

    app = new_app(language="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await pilot.pause()
        assert app.language == "ja"
    assert locations.ui_state_file().exists()
    assert new_app(language="en").language == "ja"  # the next start
    # a language set in config.yaml afterwards wins over the remembered one
    assert new_app(language="ja").language == "ja"
    locations.ui_state_file().write_text("{not json", encoding="utf-8")
    assert new_app(language="en").language == "en"  # a broken state file is no error
