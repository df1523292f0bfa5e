"""The app's first paint (issue 19): what `fieldsales` draws first is the ranked list
itself, and the work it does not need waits until it is on the screen.

- a ranking started before the app (tui/early.py) and done when the app mounts is
  in the list's very first frame, in the full ranking's order (no "Loading" frame,
  no second ranking);
- SQLAlchemy's engine of a file read with sqlite3 opens only after that frame,
  and whatever asks for it earlier gets it all the same;
- the footer composes its keys anew only when the keys shown change (at the start
  it was asked five or six times for the same keys);
- a screen is styled once with the terminal's size classes, not a second time at
  its first resize.
"""

from __future__ import annotations

from datetime import date
from itertools import pairwise
from typing import Any

import pytest
from textual.widgets import Static

from fieldsales.services.published import in_effect
from fieldsales.services.rank import rank_accounts
from fieldsales.store.lite import SqliteFile, open_file
from fieldsales.tui.app import make_app
from fieldsales.tui.early import EarlyRanking, EngineOpening
from fieldsales.tui.screens.home import HomeScreen
from fieldsales.tui.widgets.account_table import AccountTable
from fieldsales.tui.widgets.fit_footer import FitFooter

N = 600
TODAY = date(2026, 11, 20)


class FirstFrame:
    """What the list held, and whether the engine was opening, the first time the
    list was drawn."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, opening: EngineOpening | None) -> None:
        self.rows: list[str] | None = None
        self.loading_note_shown: bool | None = None
        self.engine_started: bool | None = None
        drawn = AccountTable.render_lines

        def render_lines(table: AccountTable, crop: Any) -> Any:
            if self.rows is None:
                self.rows = [a.id for a in table.rows]
                note = table.screen.query_one("#empty-note", Static)
                self.loading_note_shown = bool(note.display)
                self.engine_started = opening._started if opening is not None else None
            return drawn(table, crop)

        monkeypatch.setattr(AccountTable, "render_lines", render_lines)


def visible_ids(engine: Any, settings: Any, office: tuple[float, float]) -> list[str]:
    """The list as the home screen shows it, ranked anew from the database."""
    return [a.id for a in rank_accounts(engine, settings, origin=office, today=TODAY)]


async def test_a_ranking_done_before_the_app_mounts_is_in_the_first_frame(
    engine: Any, app_settings: Any, seeded: Any, settle: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeded(N, spread=0.3)
    source = open_file(engine.url.database)
    assert isinstance(source, SqliteFile)
    settings = in_effect(app_settings, engine)
    office = (settings.office.lat, settings.office.lon)
    early = EarlyRanking(source, settings, office, TODAY)
    opening = EngineOpening(source)
    early.serves(opening)
    early.result()  # done before the app mounts, as at 100,000 accounts on 2 cores
    assert early.done()
    first = FirstFrame(monkeypatch, opening)
    rankings: list[object] = []
    monkeypatch.setattr(
        "fieldsales.tui.app.FieldSalesApp.load_ranking", lambda app: rankings.append(app)
    )
    app: Any = make_app(settings, opening, today=TODAY, db_label="test.db", early=early)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        expected = visible_ids(engine, settings, office)
        assert len(expected) > 100
        # the first frame: the whole list in the ranking's order, no "Loading" note
        assert first.rows == expected
        assert first.loading_note_shown is False
        assert rankings == []  # taken as it was, not ranked again by a worker
        assert app.ranked.base is early.result().base
        assert [a.id for a in app.screen.query_one(AccountTable).rows] == expected
        # the engine started only after that frame, and is there for what needs it
        assert first.engine_started is False
        assert opening._started
        assert str(app.engine.url.database) == str(engine.url.database)
        # the title counts every account of the ranking
        title = app.screen.query_one("#home-title", Static)._shown
        assert f"{len(expected):,} of {len(app.ranked):,} accounts" in title


async def test_a_ranking_still_running_at_mount_is_shown_when_done(
    engine: Any, app_settings: Any, seeded: Any, settle: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The early ranking (in a thread: the engine is no file read with sqlite3) is
    not done when the app mounts: the app does not wait for it on the event loop;
    its worker takes it (the list shows "Loading" meanwhile). A child process's
    ranking is waited for a bounded moment: test_early_apart.py."""
    seeded(N, spread=0.3)
    settings = in_effect(app_settings, engine)
    office = (settings.office.lat, settings.office.lon)
    early = EarlyRanking(engine, settings, office, TODAY)
    early.result()
    monkeypatch.setattr(early, "done", lambda: False)  # as if it were still running
    first = FirstFrame(monkeypatch, None)
    app: Any = make_app(settings, engine, today=TODAY, db_label="test.db", early=early)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.ranked.base is early.result().base  # the worker took it
        assert [a.id for a in app.screen.query_one(AccountTable).rows] == visible_ids(
            engine, settings, office
        )
    assert first.rows is not None


def test_the_engine_opens_where_it_is_asked_for_when_nothing_started_it(engine: Any) -> None:
    source = open_file(engine.url.database)
    assert isinstance(source, SqliteFile)
    opening = EngineOpening(source)
    assert not opening._started
    opened = opening.result()  # in this thread: no start came
    assert str(opened.url.database) == str(engine.url.database)
    opening.start()  # a later start does nothing more
    assert opening.result() is opened


async def test_the_footer_composes_again_only_for_other_keys(
    book: Any, new_app: Any, settle: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    composed: list[tuple[object, ...] | None] = []
    compose = FitFooter.compose

    def counted(footer: FitFooter) -> Any:
        result = list(compose(footer))
        composed.append(footer._shown_signature if footer._bindings_ready else None)
        return iter(result)

    monkeypatch.setattr(FitFooter, "compose", counted)
    app = new_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        keys = [c for c in composed if c is not None]
        assert keys, "the footer never showed its keys"
        # each compose after the first shows other keys than the one before it
        assert all(a != b for a, b in pairwise(keys)), composed
        footer = app.screen.query_one(FitFooter)
        before = len(composed)
        for _ in range(5):  # the same keys asked for again and again
            footer.bindings_changed(app.screen)
        await settle(pilot)
        assert len(composed) == before
        await pilot.press("slash")  # the search box: other keys
        await settle(pilot)
        assert len(composed) > before


@pytest.mark.parametrize(
    ("size", "classes"),
    [((80, 24), {"-narrow", "-short"}), ((120, 40), {"-medium", "-tall"})],
)
async def test_a_screen_has_the_size_classes_before_its_first_styling(
    book: Any, new_app: Any, settle: Any, size: tuple[int, int], classes: set[str]
) -> None:
    app = new_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        home = HomeScreen()  # built, not yet mounted nor styled
        assert classes <= set(home.classes)
        assert not ({"-narrow", "-medium", "-wide", "-short", "-tall"} - classes) & set(
            home.classes
        )
        assert classes <= set(app.screen.classes)  # the screen shown, after its resize
