"""Full garbage collections wait for a pause in the typing (issue 19: a full
collection took 60-200 ms at 100,000 accounts, in the middle of a key)."""

from __future__ import annotations

import asyncio
import gc
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
