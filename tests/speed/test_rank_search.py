"""The search box's scan over joined keys (services/rank_search.py) finds exactly
the accounts whose keys contain the typed text, one by one."""

from __future__ import annotations

import os
import random
from datetime import date
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from fieldsales.domain.text import fold, phone_digits, romaji_key
from fieldsales.services.rank import RankFilter, RankTable, rank_accounts
from fieldsales.services.rank_search import defer_romaji, search_matches

PIECES = [
    "山田",
    "商事",
    "ヤマダ",
    "やまだ",
    "Acme",
    "ａｃｍｅ",
    "東京",
    "1",
    "12",
    "-",
    " ",
    "ー",
    "工業",
]


@pytest.fixture
def table(engine: Any, settings: Any, add_account: Any) -> RankTable:
    rnd = random.Random(5)
    for i in range(150):
        name = "".join(rnd.choice(PIECES) for _ in range(rnd.randint(1, 4)))
        add_account(
            company=name or f"x{i}",
            company_kana=rnd.choice([None, "ヤマダショウジ", "アクメ"]),
            site=rnd.choice([None, "本社", "Osaka"]),
            contact_name=rnd.choice([None, "山本 健", "Suzuki"]),
            phone=rnd.choice([None, "03-1234-5678", "+81 90 1111 2222", "045(987)6543"]),
        )
    office = settings.office
    return rank_accounts(
        engine,
        settings,
        origin=(office.lat, office.lon),
        filters=RankFilter(show_all=True),
        today=date(2026, 11, 20),
    )


def reference(base: Any, typed: str) -> list[bool]:
    """The plain test, account by account (what the scan replaced)."""
    needle = fold(typed)
    keys, phones = base.find_keys(), base.phone_keys()
    digits = phone_digits(typed)
    phone_like = all(ch.isdigit() or ch in " ()+-ー－‐" for ch in fold(typed))
    latin = needle.isascii() and needle.isalpha()
    romaji = base.romaji_keys() if latin else []
    return [
        needle in keys[j]
        or (phone_like and len(digits) >= 4 and digits in phones[j])
        or (latin and romaji_key(needle) in romaji[j])
        for j in range(base.n)
    ]


@hsettings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(typed=st.lists(st.sampled_from([*PIECES, "a", "c", "m", "yamada", "5678", "03 1234", "本", "k"]),
                      min_size=1, max_size=3).map("".join))  # fmt: skip
def test_the_scan_finds_what_the_plain_test_finds(table: RankTable, typed: str) -> None:
    base = table.base
    idx = np.arange(base.n)
    if not fold(typed):
        return
    got = search_matches(base, typed, fold(typed), idx).tolist()
    assert got == reference(base, typed), typed
    # and in a view: only its accounts, in its order
    view = idx[::3]
    assert search_matches(base, typed, fold(typed), view).tolist() == [
        reference(base, typed)[j] for j in view
    ]


def test_a_latin_search_waits_for_the_romaji_keys_when_the_app_builds_them(
    table: RankTable,
) -> None:
    base = table.base
    defer_romaji(base)  # the app builds them in a process of their own
    hits = search_matches(base, "yamada", "yamada", np.arange(base.n))
    assert "romaji_keys" not in base._columns  # the key press did not build them
    assert hits.tolist() == ["yamada" in k for k in base.find_keys()]
    base.romaji_keys()  # ready
    after = search_matches(base, "yamada", "yamada", np.arange(base.n))
    assert after.sum() > hits.sum()  # ヤマダ and 山田 found by their reading now


@pytest.mark.skipif(not hasattr(os, "nice"), reason="no process priorities here")
def test_the_romaji_process_gives_way_to_the_app() -> None:
    """The romaji keys' process runs at a lower CPU priority than the app, in a real
    spawned process as RomajiBuilder starts it (the app's keys go first on a busy
    2-core machine)."""
    import multiprocessing

    from fieldsales.services.rank_search import _give_way

    ours = os.nice(0)
    with multiprocessing.get_context("spawn").Pool(1, initializer=_give_way) as pool:
        theirs = pool.apply(os.nice, (0,))
    assert theirs > ours or ours == 19  # already the lowest: it cannot go lower
