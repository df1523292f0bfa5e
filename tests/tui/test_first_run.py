"""The first start asks the rep's name and office once, and keeps them in the user's config."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from fieldsales import locations
from fieldsales.config import Place, load_settings
from fieldsales.services.first_run import save_rep_and_office
from fieldsales.tui.app import first_run_target, make_app
from fieldsales.tui.screens.first_run import RepDialog
from fieldsales.tui.screens.home import HomeScreen

from .conftest import TODAY


async def test_first_start_asks_name_and_office_saves_both_and_the_next_does_not_ask(
    book: Any, engine: Any, settle: Any, isolated_home: Path
) -> None:
    settings = load_settings()
    assert settings.rep == ""  # the bundled default: nobody yet
    target = first_run_target(settings, None)
    assert target == locations.user_config_file() and not target.exists()
    app = make_app(settings, engine, today=TODAY, db_label="test.db", ask_rep=target)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, RepDialog)
        await pilot.press(*"Sato Hanako", "enter", *"160-0022", "enter")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert app.settings.rep == "Sato Hanako"
        assert app.origin[0] == "東京都新宿区新宿"
    saved = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert saved == {
        "rep": "Sato Hanako",
        "office": {"label": "東京都新宿区新宿", "lat": 35.69253, "lon": 139.70805},
    }
    assert target.stat().st_mode & 0o077 == 0

    again = load_settings()
    assert again.rep == "Sato Hanako" and again.office.lat == 35.69253
    assert first_run_target(again, None) is None
    app = make_app(again, engine, today=TODAY, db_label="test.db", ask_rep=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)


async def test_an_office_not_found_is_said_and_nothing_is_saved(
    book: Any, engine: Any, settle: Any, isolated_home: Path
) -> None:
    target = locations.user_config_file()
    app = make_app(load_settings(), engine, today=TODAY, db_label="test.db", ask_rep=target)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press(*"Sato", "enter", *"nowhere at all", "enter")
        await settle(pilot)
        assert isinstance(app.screen, RepDialog)
        assert "not found" in str(app.screen.query_one("#rep-status").render())
        await pilot.press("escape")  # later: asked again at the next start
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
    assert not target.exists()


def test_saving_keeps_the_other_keys_and_comments_of_the_users_file(tmp_path: Path) -> None:
    target = tmp_path / "config.yaml"
    target.write_text(
        "# my settings\nlanguage: ja\nrep: ''\noffice:\n  label: Old\n  lat: 1.0\n  lon: 2.0\n"
        "keymap:\n  log_outcome: x  # my key\n",
        encoding="utf-8",
    )
    save_rep_and_office(target, 'Sato "Ken"', Place(label="丸の内", lat=35.68, lon=139.76))
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# my settings\nlanguage: ja\nkeymap:\n  log_outcome: x  # my key\n")
    assert yaml.safe_load(text) == {
        "language": "ja",
        "keymap": {"log_outcome": "x"},
        "rep": 'Sato "Ken"',
        "office": {"label": "丸の内", "lat": 35.68, "lon": 139.76},
    }
