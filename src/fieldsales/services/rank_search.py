"""The search box over a whole ranking, one key at a time: a C loop, not a Python one.

Testing `needle in key` for each of 100,000 accounts in Python costs 0.3-0.8 s
a key. The keys of every account are kept as one numpy text array (built once
per ranking) and `np.strings.find` tests them all in a few milliseconds.

Romaji keys (pykakasi, about 2 ms an account) are built on the first search in
latin letters, which at 100,000 accounts takes minutes. `defer_romaji` lets the
app say "not yet": the search then matches the other keys, and the app builds
the romaji keys in a process of their own (RomajiBuilder) and searches again
when they are ready.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from fieldsales.domain.text import fold, phone_digits, romaji_key, romaji_many
from fieldsales.store import columns as store_columns

_PHONE_LIKE = re.compile(r"^[\d\s()+\-ー－‐]+$")
# RankBase.cached name: True while the app builds the romaji keys elsewhere
ROMAJI_PENDING = "romaji_pending"


def _array(base: Any, name: str, keys: Callable[[], Sequence[str]]) -> Any:
    """`keys` as one numpy text array, built once per ranking."""
    return base.cached(f"keys_array:{name}", lambda: np.array(keys(), dtype=str))


def _hits(base: Any, name: str, keys: Callable[[], Sequence[str]], needle: str) -> Any:
    """A bool per account of the base: its key contains `needle` (one C loop)."""
    found: Any = np.strings.find(_array(base, name, keys), needle) >= 0
    return found


def search_matches(
    base: Any, typed: str, needle: str, idx: npt.NDArray[np.intp]
) -> npt.NDArray[np.bool_]:
    """Which accounts of `idx` the search box's text finds: a part of the company,
    kana, site, contact name or id; a phone number in any format (digits compared);
    romaji for a search in latin letters only."""
    found = _hits(base, "find", base.find_keys, needle)
    digits = phone_digits(typed) if _PHONE_LIKE.match(fold(typed) or "-") else ""
    if len(digits) >= 4:
        found |= _hits(base, "phone", base.phone_keys, digits)
    if needle.isascii() and needle.isalpha():
        pending = base.cached(ROMAJI_PENDING, lambda: False)
        if not pending or "romaji_keys" in base._columns:
            found |= _hits(base, "romaji", base.romaji_keys, romaji_key(needle))
    result: npt.NDArray[np.bool_] = found[idx]
    return result


def text_loaded(base: Any) -> bool:
    """Whether the list's text columns of every account are in memory (loaded for the
    search keys); until then a row's text is read with the row (RankBase.prefetch)."""
    return len(base._text) == len(store_columns.LIST_FIELDS)


def romaji_ready(base: Any) -> bool:
    return "romaji_keys" in base._columns


def defer_romaji(base: Any) -> None:
    """From now on a latin search does not build the romaji keys itself."""
    base._columns[ROMAJI_PENDING] = True


def romaji_texts(base: Any) -> list[str]:
    """What the romaji keys are made of (RankBase.romaji_keys), for a builder elsewhere."""
    return [
        f"{c} {k or ''} {s or ''}"
        for c, k, s in zip(base.company, base.kana, base.site, strict=True)
    ]


def set_romaji(base: Any, keys: list[str]) -> None:
    base._columns["romaji_keys"] = keys
    base._columns.pop("keys_array:romaji", None)


# fewer texts than this are converted in the calling thread (~2 ms each)
_IN_PROCESS = 5_000
# how much the romaji process gives way to others (os.nice): minutes of pykakasi at
# 100,000 accounts take a core; on a 2-core machine with other work, the app's keys
# go first
_ROMAJI_NICENESS = 10


def _give_way() -> None:
    """The romaji process's start: a lower CPU priority where the system has one."""
    if hasattr(os, "nice"):
        os.nice(_ROMAJI_NICENESS)


class RomajiBuilder:
    """romaji_many() of many texts in a process of its own, so that a UI keeps
    the interpreter; close() stops it (the app quits)."""

    def __init__(self) -> None:
        self._closed = False

    def build(self, texts: list[str]) -> list[str] | None:
        """The romaji keys of `texts`, or None when closed before they were ready."""
        if len(texts) < _IN_PROCESS:
            return romaji_many(texts)
        import multiprocessing

        pool = multiprocessing.get_context("spawn").Pool(1, initializer=_give_way)
        try:
            pending = pool.apply_async(romaji_many, (texts,))
            while not self._closed:
                pending.wait(0.2)
                if pending.ready():
                    keys: list[str] = pending.get()
                    return keys
            return None
        finally:
            pool.terminate()

    def close(self) -> None:
        self._closed = True
