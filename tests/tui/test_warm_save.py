"""The warm-up after the first paint reads what the first save would read, and
writes nothing: the database is the same after it, and the save that follows
still lands where a full ranking puts the account (issue 19: the first save of
a session took 0.7 s, the later ones under 0.1 s)."""

from __future__ import annotations

import sqlite3
from typing import Any

from fieldsales.services.rank import RankFilter, rank_accounts
from fieldsales.tui.screens.home import HomeScreen
from fieldsales.tui.widgets.account_table import AccountTable

from .conftest import TODAY


def dump(engine: Any) -> list[str]:
    with sqlite3.connect(engine.url.database) as conn:
        return list(conn.iterdump())


async def test_the_warm_up_changes_nothing_and_the_first_save_lands_in_place(
    engine: Any, app_settings: Any, seeded: Any, new_app: Any, settle: Any
) -> None:
    seeded(300, spread=0.3)
    office = (app_settings.office.lat, app_settings.office.lon)
    rank_accounts(engine, app_settings, origin=office, today=TODAY)  # keeps the scores
    before = dump(engine)
    app = new_app()
    warmed: list[str] = []
    warm = app.warm_saving

    def warm_saving(base: Any) -> None:
        warmed.append(base.ids[int(base.order[0])])
        warm(base)

    app.warm_saving = warm_saving
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(AccountTable)
        assert warmed == [table.rows[0].id]  # the account at the top of the list
        assert dump(engine) == before  # read, not written
        await pilot.press("down", "down")
        chosen = table.current
        assert chosen is not None
        await pilot.press("l")
        await pilot.pause()
        await pilot.press("2", "6", "ctrl+s")  # phone, an order: revived
        while not isinstance(app.screen, HomeScreen):
            await pilot.pause()
        ranked = rank_accounts(
            engine, app_settings, origin=office, filters=RankFilter(), today=TODAY
        )
        assert [a.id for a in table.rows] == [a.id for a in ranked]
        assert table.current is not None and table.current.id == chosen.id
        assert table.current.stage == "revived"
