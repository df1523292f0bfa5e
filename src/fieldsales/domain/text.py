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
