"""Full garbage collections wait for a pause in the typing (issue 19: a full
collection took 60-200 ms at 100,000 accounts, in the middle of a key)."""

from __future__ import annotations

import asyncio
import gc
import time
import weakref
from typing import Any

from fieldsales.tui.screens.home import HomeScreen
from fieldsales.tui.screens.log_outcome import LogOutcomeScreen


async def test_no_full_collection_while_keys_come_and_the_garbage_goes_after(
    book: Any, new_app: Any, settle: Any
) -> None:
    app = new_app()
    python_policy = gc.get_threshold()
    full: list[int] = []

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and info["generation"] == 2:
            full.append(1)

    closed: list[weakref.ref[LogOutcomeScreen]] = []
    async with app.run_test(size=(120, 40)) as pilot:
        app.collector.idle_seconds = 60.0  # no pause between these keys is that long
        await settle(pilot)
        gc.callbacks.append(seen)
        try:
            for n in range(12):  # the log dialog opened and closed, key after key
                await pilot.press("l")
                if n == 0:
                    full.clear()  # the pause before the first key may have had one
                await pilot.pause()
                assert isinstance(app.screen, LogOutcomeScreen)
                closed.append(weakref.ref(app.screen))
                await pilot.press("escape")
                await pilot.pause()
                assert isinstance(app.screen, HomeScreen)
            during = len(full)
            app.collector.idle_seconds = 0.2
            await asyncio.sleep(1.0)  # the rep stops typing
            await pilot.pause()
        finally:
            gc.callbacks.remove(seen)
        assert during == 0
        assert len(full) >= 1
        # the closed dialogs are freed (the last one's finished card worker may still
        # hold it until Textual forgets the worker)
        assert all(ref() is None for ref in closed[:-1])
    assert gc.get_threshold() == python_policy  # Python's own again on leaving


class _Cycle:
    """Garbage in a cycle: only a collection (not a reference count) frees it."""

    def __init__(self) -> None:
        self.me = self


async def test_survivors_frozen_on_the_list_only_and_a_deep_collection_frees_them(
    book: Any, new_app: Any, settle: Any
) -> None:
    app = new_app()
    async with app.run_test(size=(120, 40)) as pilot:
        collector = app.collector
        collector.idle_seconds = 60.0  # the test says when to collect
        await settle(pilot)
        # a dialog open: a collection runs but freezes nothing (the dialog will go)
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, LogOutcomeScreen)
        frozen = gc.get_freeze_count()
        for _ in range(12):  # enough middle collections pending for a full one
            gc.collect(1)
        collector.last_input -= 120.0  # the rep paused
        assert collector.tick()
        assert gc.get_freeze_count() == frozen
        assert collector.frozen_since_deep == 0
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        app.workers.cancel_all()
        await settle(pilot)
        # only the list: the survivors are frozen
        held = [_Cycle()]  # alive now, in a cycle: frozen with the rest
        ref = weakref.ref(held[0])
        for _ in range(12):
            gc.collect(1)
        collector.last_input = time.monotonic() - collector.idle_seconds
        collector.deep_idle_seconds = 3600.0
        assert collector.tick()
        assert gc.get_freeze_count() > frozen
        assert collector.frozen_since_deep == 1
        held.clear()  # dead, but frozen: a full collection does not see it
        for _ in range(12):
            gc.collect(1)
        collector.tick()
        gc.collect()
        assert ref() is not None
        # a long pause: the deep collection scans everything and frees it
        collector.deep_idle_seconds = 0.0
        collector.last_input -= 120.0
        assert collector.tick()
        assert collector.deep_collections == 1
        assert collector.frozen_since_deep == 0
        assert ref() is None
