"""The account list at a few thousand accounts: the virtual table shows the right
rows after search, filter, sort and scrolling, and saving an outcome re-scores
that account alone, keeping the cursor, the search and the filters."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from textual.widgets import Input, Static

from fieldsales.services.outcome_form import OutcomeInput
from fieldsales.services.outcomes import log_outcome
from fieldsales.services.rank import RankFilter, rank_accounts
from fieldsales.tui.screens.home import HomeScreen
from fieldsales.tui.widgets.account_table import AccountTable

N = 2_000
TODAY = date(2026, 11, 20)


def line(table: AccountTable, y: int) -> str:
    """What the terminal shows on the table's line y."""
    return "".join(segment.text for segment in table.render_line(y))


def visible(table: AccountTable) -> list[str]:
    return [line(table, y) for y in range(table.size.height)]


def full_rank(engine: Any, settings: Any, f: RankFilter) -> list[str]:
    """The companies a ranking made anew from the database shows with filter f."""
    office = settings.office
    ranked = rank_accounts(
        engine, settings, origin=(office.lat, office.lon), filters=f, today=TODAY
    )
    return [a.company for a in ranked]


async def test_the_list_shows_the_right_rows_after_search_filter_sort_and_scroll(
    engine: Any, app_settings: Any, seeded: Any, new_app: Any, settle: Any
) -> None:
    seeded(N, spread=0.3)
    expected = full_rank(engine, app_settings, RankFilter())
    app = new_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        home = app.screen
        assert isinstance(home, HomeScreen)
        table = home.query_one(AccountTable)
        title = str(home.query_one("#home-title", Static).render())
        assert f"{N:,} of {N:,} accounts" in title
        shown = visible(table)
        # the first lines are the best accounts, in order
        for y in range(5):
            assert expected[y] in shown[y]
        assert table.virtual_size.height == N  # the scrollbar covers every row

        await pilot.press("end")
        await pilot.pause()
        shown = visible(table)
        assert expected[-1] in shown[-1]
        assert expected[-2] in shown[-2]
        assert table.current is not None and table.current.company == expected[-1]

        await pilot.press("home", "pagedown")
        await pilot.pause()
        top = int(table.scroll_offset.y)
        assert table.cursor == table.size.height - 1
        assert expected[top] in visible(table)[0]

        await pilot.press("slash", *"ルート商事19")  # ルート商事19, 190-199, 1900-1999
        await pilot.pause()
        found = full_rank(engine, app_settings, RankFilter(search="ルート商事19"))
        assert len(found) == 111 and len(table.rows) == 111
        assert "111 of 2,000 accounts" in str(home.query_one("#home-title", Static).render())
        shown = visible(table)
        for y in range(5):
            assert found[y] in shown[y]
        await pilot.press("down", "end")
        await pilot.pause()
        assert found[-1] in visible(table)[len(found) - 1 - int(table.scroll_offset.y)]

        await pilot.press("s")  # sort by rank, then by score: the same order as the ranking
        await pilot.press("s")
        await pilot.pause()
        assert "sorted by" in str(home.query_one("#filter-line", Static).render())
        assert table.cursor == 0 and found[0] in line(table, 0)
        await pilot.press("s")  # by company name, folded: 19, 190, 1900, 1901...
        await pilot.pause()
        by_name = sorted(found, key=lambda c: c)
        assert by_name[0] in line(table, 0) and by_name[1] in line(table, 1)
        await pilot.press("r")  # reversed
        await pilot.pause()
        assert by_name[-1] in line(table, 0)

        home.query_one("#search", Input).value = ""
        await pilot.press("d")  # due follow-ups only: none is due in a book without outcomes
        await pilot.pause()
        assert len(table.rows) == 0
        # the note is drawn in the table's own lines (it keeps its size)
        drawn = " ".join(visible(table))
        assert "No account matches" in drawn and "Esc to clear the search" in drawn
        assert not home.query_one("#empty-note", Static).display  # "Loading…" is gone
        await pilot.press("d")  # every account again: the note goes
        await pilot.pause()
        assert len(table.rows) > 0
        assert "No account matches" not in " ".join(visible(table))


async def test_saving_an_outcome_rescores_one_account_and_keeps_cursor_and_search(
    engine: Any, app_settings: Any, seeded: Any, new_app: Any, settle: Any
) -> None:
    seeded(N, spread=0.3)
    app = new_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        home = app.screen
        table = home.query_one(AccountTable)
        base = app.ranked.base
        await pilot.press("slash", *"ルート商事1")
        await pilot.press("enter")  # to the list
        await pilot.press("down", "down", "down")
        await pilot.pause()
        chosen = table.current
        assert chosen is not None and chosen.stage != "reactivating"

        await pilot.press("l")
        await pilot.pause()
        await pilot.press("2", "5", "ctrl+s")  # phone, an appointment
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert app.ranked.base is base  # no full re-rank
        assert home.query_one("#search", Input).value == "ルート商事1"
        # the list equals the whole ranking made again from the database
        expected = full_rank(engine, app_settings, RankFilter(search="ルート商事1"))
        assert [a.company for a in table.rows] == expected
        # the cursor stays on the account, wherever it moved; its new stage shows
        assert table.current is not None and table.current.id == chosen.id
        assert table.current.stage == "reactivating"
        assert "reactivating" in line(table, table.cursor - int(table.scroll_offset.y))


async def test_an_account_leaving_the_filter_leaves_the_cursor_on_its_line(
    engine: Any, app_settings: Any, seeded: Any, new_app: Any, settle: Any
) -> None:
    ids = seeded(N, spread=0.3)
    for account_id in ids[:10]:  # ten follow-ups due
        log_outcome(
            engine,
            app_settings,
            OutcomeInput(account_id=account_id, result="interested", rep="Sato",
                         occurred_at=datetime(2026, 11, 2, 3, tzinfo=UTC),
                         next_action="call back", next_action_due=date(2026, 11, 9)),
            today=TODAY,
        )  # fmt: skip
    app = new_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        home = app.screen
        table = home.query_one(AccountTable)
        base = app.ranked.base
        await pilot.press("d", "down", "down", "down")  # due follow-ups only
        await pilot.pause()
        assert len(table.rows) == 10 and table.cursor == 3
        chosen = table.current
        assert chosen is not None

        await pilot.press("l")
        await pilot.pause()
        await pilot.press("2", "6", "ctrl+s")  # phone, an order: the follow-up is done
        await settle(pilot)
        assert app.ranked.base is base
        assert home.filters.due_followups
        expected = full_rank(engine, app_settings, RankFilter(due_followups=True))
        assert [a.company for a in table.rows] == expected
        assert len(expected) == 9 and chosen.company not in expected
        assert table.cursor == 3  # the next account, on the same line
        assert expected[3] in line(table, 3)
