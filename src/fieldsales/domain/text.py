"""Text folding for search and keys: width, case and kana insensitive."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_KATA_TO_HIRA = {c: c - 0x60 for c in range(ord("ァ"), ord("ヶ") + 1)}
_SPACE = re.compile(r"\s+")
_SEP = "\x00"  # not whitespace, untouched by NFKC: safe to join and split on


def fold(text: str | None) -> str:
    """NFKC, lower case, katakana as hiragana, no spaces: 'ｶﾌﾞｼｷ Ａ' -> 'かぶしきa'."""
    if not text:
        return ""
    s = unicodedata.normalize("NFKC", text).lower().translate(_KATA_TO_HIRA)
    return _SPACE.sub("", s)


def fold_many(texts: Iterable[str]) -> list[str]:
    """fold() of many strings in one pass (one NFKC call instead of one per string)."""
    items = [t.replace(_SEP, "") for t in texts]
    if not items:
        return []
    return fold(_SEP.join(items)).split(_SEP)


def phone_digits(text: str | None) -> str:
    """'+81 3-1234-5678', '03-1234-5678', '0312345678' -> '0312345678'."""
    if not text:
        return ""
    folded = unicodedata.normalize("NFKC", text).strip()
    digits = "".join(ch for ch in folded if ch.isdigit())
    if folded.startswith("+81"):
        digits = "0" + digits[2:].removeprefix("0")
    return digits


_LONG_VOWELS = (("ou", "o"), ("oo", "o"), ("uu", "u"), ("ei", "e"), ("aa", "a"), ("ii", "i"))


def romaji_key(text: str) -> str:
    """Latin letters as typed for a Japanese reading: lower case, no spaces, long
    vowels shortened ('Taiyou' and 'taiyo' both give 'taiyo')."""
    s = _SPACE.sub("", unicodedata.normalize("NFKC", text).lower())
    for long, short in _LONG_VOWELS:
        s = s.replace(long, short)
    return s


def romaji_many(texts: Iterable[str]) -> list[str]:
    """romaji_key() of the Hepburn reading of each text (pykakasi, imported on first use)."""
    import pykakasi

    kks = pykakasi.kakasi()
    return [
        romaji_key("".join(item["hepburn"] for item in kks.convert(t)) if t else "") for t in texts
    ]
