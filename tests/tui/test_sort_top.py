"""After a re-sort the list shows its top, not the old scroll position."""

from __future__ import annotations

from typing import Any

from fieldsales.tui.widgets.account_table import AccountTable


async def test_a_new_sort_shows_the_top_of_the_list(
    engine: Any, add_account: Any, new_app: Any, settle: Any
) -> None:
    for i in range(80):
        add_account(company=f"会社{i:02d}", lifetime_revenue=1_000_000 + i * 10_000)
    app = new_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(AccountTable)
        table.focus()
        await pilot.press("end")
        await pilot.pause()
        assert table.cursor == len(table.rows) - 1 and table.scroll_offset.y > 0
        for key in ("s", "r", "s"):
            await pilot.press("end")
            await pilot.pause()
            await pilot.press(key)
            await settle(pilot)
            assert table.cursor == 0, key
            assert table.scroll_offset.y == 0, key
            assert table.current is table.rows[0]
