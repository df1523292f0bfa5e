"""The search box over a whole ranking, one key at a time: a C-speed scan.

Testing `needle in key` for each of 100,000 accounts in Python costs 0.3-0.8 s
a key. The keys of every account are joined once into one text (a newline
after each; typed text holds none) and the needle is found in it with `re`;
each hit's offset says whose key it is (np.searchsorted on the key starts).

Romaji keys (pykakasi, about 2 ms an account) are built on the first search in
latin letters, which at 100,000 accounts takes minutes. `romaji_in_background`
lets the app say "not yet": the search then matches the other keys, and the
app builds the romaji keys off the UI and searches again when they are ready.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from fieldsales.domain.text import fold, phone_digits, romaji_key, romaji_many

_PHONE_LIKE = re.compile(r"^[\d\s()+\-ー－‐]+$")
_SEP = "\n"
# RankBase.cached name: True while the app builds the romaji keys elsewhere
ROMAJI_PENDING = "romaji_pending"


def _joined(base: Any, name: str, keys: Callable[[], Sequence[str]]) -> tuple[str, Any]:
    """`keys` as one text (each followed by a newline) and where each one starts."""

    def build() -> tuple[str, Any]:
        values = [k.replace(_SEP, " ") for k in keys()]
        lengths = np.fromiter((len(v) + 1 for v in values), dtype=np.int64, count=len(values))
        starts = np.zeros(len(values), dtype=np.int64)
        if len(values):
            np.cumsum(lengths[:-1], out=starts[1:])
        return _SEP.join(values) + _SEP, starts

    result: tuple[str, Any] = base.cached(f"joined:{name}", build)
    return result


def _hits(base: Any, name: str, keys: Callable[[], Sequence[str]], needle: str) -> Any:
    """A bool per account of the base: its key contains `needle`."""
    text, starts = _joined(base, name, keys)
    found = np.zeros(len(starts), dtype=bool)
    offsets = np.fromiter((m.start() for m in re.finditer(re.escape(needle), text)), dtype=np.int64)
    if len(offsets):
        found[np.searchsorted(starts, offsets, side="right") - 1] = True
    return found


def search_matches(
    base: Any, typed: str, needle: str, idx: npt.NDArray[np.intp]
) -> npt.NDArray[np.bool_]:
    """Which accounts of `idx` the search box's text finds: a part of the company,
    kana, site, contact name or id; a phone number in any format (digits compared);
    romaji for a search in latin letters only."""
    needle = needle.replace(_SEP, " ")
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
    base._columns.pop("joined:romaji", None)


# fewer texts than this are converted in the calling thread (~2 ms each)
_IN_PROCESS = 5_000


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

        pool = multiprocessing.get_context("spawn").Pool(1)
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
