"""What a rep sees at 80x24, 120x40 and 200x60, asserted fact by fact (the
snapshots in test_snapshots.py show the whole picture; these say what broke):
buttons inside the screen, whole footer keys, the company name's width, the
Plan screen's score and lock columns, the KPI table without sideways scrolling."""

from __future__ import annotations

from typing import Any

import pytest
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import Button, DataTable
from textual.widgets._footer import FooterKey

from fieldsales.tui.screens.plan import PlanScreen
from fieldsales.tui.widgets.account_table import (
    COLUMNS,
    MIN_COMPANY,
    AccountTable,
    column_widths,
)
from fieldsales.tui.widgets.fit_footer import FitFooter
from fieldsales.tui.widgets.kpi_view import kpi_columns

from .test_plan_screen import _open_plan

SMALL, MEDIUM, LARGE = (80, 24), (120, 40), (200, 60)
COMPANY = [c.key for c in COLUMNS].index("company")


def _inside(widget: Widget, screen_size: tuple[int, int]) -> None:
    """The widget is drawn whole inside the terminal (and inside what clips it)."""
    w, h = screen_size
    region = widget.region
    assert region.width > 0 and region.height > 0, f"{widget!r} is not shown"
    assert Region(0, 0, w, h).contains_region(region), f"{widget!r} at {region} is off screen"
    visible = widget.screen.find_widget(widget).clip
    assert visible.contains_region(region), f"{widget!r} at {region} is cut to {visible}"


def _footer_keys(screen: Any) -> list[FooterKey]:
    return list(screen.query_one(FitFooter).query(FooterKey))


async def _footer_fits(pilot: Any, screen: Any, width: int) -> list[str]:
    """Every key shown in the footer is whole on the screen; their descriptions."""
    for _ in range(100):  # the footer lays its keys out after the screen has its size
        keys = _footer_keys(screen)
        if keys and all(k.region.width for k in keys):
            break
        await pilot.pause(0.05)
    assert keys, "the footer shows no key"
    for key in keys:
        region = key.region
        assert region.width > 0 and region.right <= width, f"{key.description!r} cut at {region}"
    return [k.description for k in keys]


def _row_text(table: AccountTable, y: int = 0) -> str:
    return "".join(seg.text for seg in table.render_line(y))


# -- the account list -----------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "ja"])
async def test_company_names_keep_their_room_at_80_columns(book, new_app, settle, language):
    app = new_app(language)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        table = app.screen.query_one(AccountTable)
        widths = column_widths(table.row_width)
        assert widths[COMPANY] >= MIN_COMPANY, widths
        first = _row_text(table)
        assert "丸の内精機 本社" in first, first  # the whole name and site, not cut
        assert len(first) <= table.row_width
        # the columns dropped first are the least needed; distance and stage stay
        shown = {c.key for c, w in zip(COLUMNS, widths, strict=True) if w}
        assert {"rank", "score", "company", "distance", "stage"} <= shown
        assert "months" not in shown and "last_order" not in shown
        labels = await _footer_fits(pilot, app.screen, SMALL[0])
        assert app.screen.t("Help") in labels


async def test_the_list_uses_the_room_at_200_columns(book, new_app, settle):
    app = new_app()
    async with app.run_test(size=LARGE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(AccountTable)
        widths = column_widths(table.row_width)
        assert all(widths), dict(zip([c.key for c in COLUMNS], widths, strict=True))
        assert widths[COMPANY] > column_widths(79)[COMPANY]
        # with room to spare the city and the reason get their wide widths
        assert widths[[c.key for c in COLUMNS].index("city")] == 16
        await _footer_fits(pilot, app.screen, LARGE[0])
        assert "日本語" in [k.description for k in _footer_keys(app.screen)]  # all keys show


def test_column_widths_fill_the_row_and_drop_from_the_least_needed() -> None:
    for total in range(40, 260):
        widths = column_widths(total)
        shown = [w for w in widths if w]
        used = sum(shown) + len(shown) - 1
        assert widths[COMPANY] >= MIN_COMPANY
        assert used <= max(total, MIN_COMPANY + 4 + 5 + 2)
        kept = [c.keep for c, w in zip(COLUMNS, widths, strict=True) if w]
        dropped = [c.keep for c, w in zip(COLUMNS, widths, strict=True) if not w]
        assert not dropped or min(dropped) > max(kept)  # never a needed one before another


# -- dialogs at 80x24: the buttons are always in view ------------------------------------------


@pytest.mark.parametrize("language", ["en", "ja"])
async def test_log_dialog_save_and_cancel_are_on_screen_at_80x24(book, new_app, settle, language):
    from fieldsales.tui.screens.log_outcome import LogOutcomeScreen

    app = new_app(language)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("l", "7")  # a refusal: the longest form
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, LogOutcomeScreen)
        for button_id in ("#save", "#cancel"):
            _inside(dialog.query_one(button_id, Button), SMALL)
        # the fields scroll inside the dialog; the last one can be reached and typed in
        notes = dialog.query_one("#notes")
        notes.focus()
        await pilot.pause()
        await pilot.press(*"ok")
        await pilot.pause()
        _inside(notes, SMALL)
        _inside(dialog.query_one("#save", Button), SMALL)
        await pilot.click("#save")
        await settle(pilot)
        assert not isinstance(app.screen, LogOutcomeScreen)  # saved and closed


@pytest.mark.parametrize("keys", [("f",), ("o",)], ids=["filters", "origin"])
async def test_list_dialogs_show_all_their_buttons_at_80x24(book, new_app, settle, keys):
    app = new_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press(*keys)
        await settle(pilot)
        buttons = list(app.screen.query(Button))
        assert buttons
        for button in buttons:
            _inside(button, SMALL)


@pytest.mark.parametrize("key", ["g", "h"], ids=["locate", "hours"])
async def test_account_dialogs_show_save_and_cancel_at_80x24(book, new_app, settle, key):
    from fieldsales.tui.screens.detail import DetailScreen

    app = new_app()
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        app.push_screen(DetailScreen(book["big"].id))
        await settle(pilot)
        await _footer_fits(pilot, app.screen, SMALL[0])
        await pilot.press(key)
        await settle(pilot)
        for button_id in ("#save", "#cancel"):
            _inside(app.screen.query_one(button_id, Button), SMALL)


async def test_first_run_dialog_fits_80x24(book, engine, app_settings, settle, tmp_path):
    from fieldsales.tui.app import make_app

    from .conftest import TODAY

    app = make_app(app_settings, engine, today=TODAY, db_label="t", ask_rep=tmp_path / "c.yaml")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        for button_id in ("#save", "#cancel"):
            _inside(app.screen.query_one(button_id, Button), SMALL)


# -- the Plan screen ------------------------------------------------------------------------


async def test_plan_shows_score_lock_and_its_whole_footer_at_120x40(
    engine, settings, seed_accounts
) -> None:
    from fieldsales.tui.app import make_app

    from .test_plan_screen import DAY

    seed_accounts(engine, 40)
    app = make_app(settings, engine, today=DAY)
    async with app.run_test(size=MEDIUM) as pilot:
        screen = await _open_plan(app, pilot)
        assert screen.query_one("#plan-map").display  # the map shows from 100 columns
        await pilot.press("k")  # lock the first stop
        await pilot.pause()
        table = screen.query_one("#plan-stops", DataTable)
        keys = [str(c.value) for c in table.columns]
        assert {"status", "score", "company", "value", "why"} <= set(keys), keys
        assert table.virtual_size.width <= table.scrollable_content_region.width  # no scrolling
        status = str(table.get_row_at(0)[keys.index("status")])
        assert "🔒" in status
        assert str(table.get_row_at(0)[keys.index("score")]).isdigit()
        # every key of the Plan screen itself is in the footer, whole
        labels = await _footer_fits(pilot, screen, MEDIUM[0])
        own = [b.description for b in screen._bindings.shown_keys]
        assert set(own) <= set(labels), set(own) - set(labels)


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "200x60"])
async def test_plan_table_never_scrolls_sideways(engine, settings, seed_accounts, size) -> None:
    from fieldsales.tui.app import make_app

    from .test_plan_screen import DAY

    seed_accounts(engine, 40)
    app = make_app(settings, engine, today=DAY)
    async with app.run_test(size=size) as pilot:
        screen = await _open_plan(app, pilot)
        assert isinstance(screen, PlanScreen)
        table = screen.query_one("#plan-stops", DataTable)
        keys = [str(c.value) for c in table.columns]
        assert {"status", "score", "company"} <= set(keys)
        assert table.virtual_size.width <= table.scrollable_content_region.width
        assert screen.query_one("#plan-map").display == (size == LARGE)
        if size == LARGE:
            assert keys == list(("seq", "status", "time", "company", "score", "km", "min",
                                 "window", "value", "why"))  # fmt: skip
        await _footer_fits(pilot, screen, size[0])


# -- the review ------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "ja"])
async def test_kpi_table_needs_no_sideways_scrolling_at_80_columns(
    kpi_dataset, new_app, settle, language
):
    app = new_app(language)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        table = app.screen.query_one("#kpi-table", DataTable)
        keys = [str(c.value) for c in table.columns]
        assert {"contacted", "reactivation_rate", "revenue", "roi"} <= set(keys), keys
        assert table.virtual_size.width <= table.scrollable_content_region.width, keys
        await _footer_fits(pilot, app.screen, SMALL[0])
    async with new_app(language).run_test(size=LARGE) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        table = pilot.app.screen.query_one("#kpi-table", DataTable)
        assert len(table.columns) == 1 + len(kpi_columns())  # every figure at 200 columns
