"""Locating one account from the detail screen: preview on the map first, then save."""

from __future__ import annotations

from sqlmodel import Session
from textual.widgets import Static

from fieldsales.store.models import Account
from fieldsales.tui.screens.detail import DetailScreen
from fieldsales.tui.screens.locate import LocateScreen
from fieldsales.tui.widgets.account_table import AccountTable, cell_texts
from fieldsales.tui.widgets.route_map import RouteMap

from .conftest import TODAY


def preview_text(screen) -> str:
    return str(screen.query_one("#locate-preview").content)


async def open_locate(app, pilot, settle, account_id):
    app.push_screen(DetailScreen(account_id))
    await settle(pilot)
    await pilot.press("g")
    await settle(pilot)
    assert isinstance(app.screen, LocateScreen)
    return app.screen


async def test_typed_latlon_is_previewed_then_saved(book, engine, new_app, settle):
    app = new_app()
    nowhere = book["nowhere"].id
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = await open_locate(app, pilot, settle, nowhere)
        await pilot.press(*"35.6581,139.7017", "enter")
        await pilot.pause()
        assert "35.65810, 139.70170" in preview_text(screen)
        assert screen.query_one(RouteMap).route[-1] == (35.6581, 139.7017)
        with Session(engine) as s:  # nothing saved by a preview
            unsaved = s.get(Account, nowhere)
            assert unsaved is not None and unsaved.lat is None
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        with Session(engine) as s:
            acc = s.get(Account, nowhere)
        assert acc is not None
        assert (acc.lat, acc.lon, acc.geo_source) == (35.6581, 139.7017, "manual")
        assert "no location" not in str(app.screen.query_one("#contact", Static).content)
        item = app.item(nowhere)
        assert item.distance_km is not None
        assert cell_texts(item, "en", TODAY)[4].endswith("km")


async def test_postal_code_gives_a_town_position(book, engine, new_app, settle):
    app = new_app()
    nowhere = book["nowhere"].id
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = await open_locate(app, pilot, settle, nowhere)
        screen.query_one("#postal").value = "160-0023"
        await pilot.click("#by-postal")
        await settle(pilot)
        assert "≈ town" in preview_text(screen) and "西新宿" in preview_text(screen)
        await pilot.press("ctrl+s")
        await settle(pilot)
        with Session(engine) as s:
            acc = s.get(Account, nowhere)
        assert acc is not None and acc.lat is not None
        assert acc.geo_precision == "town" and abs(acc.lat - 35.690) < 0.02
        rows = {a.company: a for a in app.screen_stack[1].query_one(AccountTable).rows}
        assert "≈ town" in cell_texts(rows["Nowhere Ltd"], "en", TODAY)[4]


async def test_bad_input_and_unknown_postal_code_are_messages(book, engine, new_app, settle):
    app = new_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = await open_locate(app, pilot, settle, book["nowhere"].id)
        await pilot.press(*"tokyo", "enter")
        await pilot.pause()
        assert "type LAT,LON" in preview_text(screen)
        screen.query_one("#postal").value = "999-9999"
        await pilot.click("#by-postal")
        await settle(pilot)
        assert "not found" in preview_text(screen)
        await pilot.press("ctrl+s")  # nothing to save: says so, stays open
        await pilot.pause()
        assert isinstance(app.screen, LocateScreen)
        assert "preview a position first" in preview_text(screen)


async def test_geocoder_unreachable_is_one_message(book, engine, new_app, settle, notifications):
    from fieldsales.config import Geocoding

    app = new_app()
    # a closed port on 127.0.0.1: the request fails at once, no external network
    app.settings = app.settings.model_copy(
        update={
            "geocoding": Geocoding(
                **{
                    **app.settings.geocoding.model_dump(),
                    "domain": "127.0.0.1:9",
                    "scheme": "http",
                    "min_delay_seconds": 0,
                }
            )
        }
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = await open_locate(app, pilot, settle, book["town"].id)
        # (tests/geo/test_geocode_offline.py times it: under 2 s, not the retries' 15)
        await pilot.click("#by-geocoder")
        await settle(pilot)
        assert isinstance(app.screen, LocateScreen)  # the dialog stays, with the reason
        assert preview_text(screen).startswith("Offline: the geocoder cannot be reached")
        assert not any("failed" in m for m in notifications)
        assert screen.candidate is None


async def test_a_postal_code_over_a_street_position_asks_first(book, engine, new_app, settle):
    from fieldsales.tui.screens.log_outcome import ConfirmPauseScreen

    app = new_app()
    big = book["big"].id  # located to the street
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_locate(app, pilot, settle, big)
        screen.query_one("#postal").value = "160-0023"
        await pilot.click("#by-postal")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        ask = app.screen
        assert isinstance(ask, ConfirmPauseScreen)
        assert "precise to the street" in str(ask.query_one("#confirm-text", Static).content)
        await pilot.press("n")  # keep the street position
        await settle(pilot)
        assert app.screen is screen
        assert "Kept the more precise position" in preview_text(screen)
        with Session(engine) as s:
            acc = s.get(Account, big)
            assert acc is not None and (acc.lat, acc.geo_precision) == (35.68, "street")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmPauseScreen)
        await pilot.press("y")  # the rep knows better: the town it is
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        with Session(engine) as s:
            acc = s.get(Account, big)
            assert acc is not None and acc.geo_precision == "town" and acc.lat != 35.68
        # a position at least as precise saves without asking
        screen = await open_locate(app, pilot, settle, big)
        await pilot.press(*"35.6581,139.7017", "enter", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        with Session(engine) as s:
            acc = s.get(Account, big)
            assert acc is not None and acc.geo_precision == "building"
