"""Layout guards: home, detail, log modal, follow-ups and review at 120x40, English and Japanese.

Update after an intended change with `pytest tests/tui --snapshot-update`.
"""

from __future__ import annotations

import pytest

LANGS = ["en", "ja"]


def _runner(settle, *keys: str):
    async def run_before(pilot) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        await pilot.pause(0.1)

    return run_before


@pytest.mark.parametrize("language", LANGS)
def test_home(snap_compare, book, new_app, settle, language):
    assert snap_compare(new_app(language), terminal_size=(120, 40), run_before=_runner(settle))


@pytest.mark.parametrize("language", LANGS)
def test_detail(snap_compare, book, new_app, settle, language):
    assert snap_compare(
        new_app(language), terminal_size=(120, 40), run_before=_runner(settle, "enter")
    )


@pytest.mark.parametrize("language", LANGS)
def test_log_modal(snap_compare, book, new_app, settle, language):
    assert snap_compare(
        new_app(language), terminal_size=(120, 40), run_before=_runner(settle, "l", "7")
    )


@pytest.mark.parametrize("language", LANGS)
def test_followups(snap_compare, book, new_app, settle, language):
    assert snap_compare(new_app(language), terminal_size=(120, 40), run_before=_runner(settle, "t"))


@pytest.mark.parametrize("language", LANGS)
def test_review(snap_compare, kpi_dataset, new_app, settle, language):
    """The campaign review per rank of the KPI dataset: table, funnel of the highlighted row."""
    assert snap_compare(
        new_app(language), terminal_size=(120, 40), run_before=_runner(settle, "v", "down")
    )
