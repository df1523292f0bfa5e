"""Text folding for search and keys: width, case and kana insensitive."""

from __future__ import annotations

import unicodedata

_KATA_TO_HIRA = {c: c - 0x60 for c in range(ord("ァ"), ord("ヶ") + 1)}


def fold(text: str | None) -> str:
    """NFKC, lower case, katakana as hiragana, no spaces: 'ｶﾌﾞｼｷ Ａ' -> 'かぶしきa'."""
    if not text:
        return ""
    s = unicodedata.normalize("NFKC", text).lower().translate(_KATA_TO_HIRA)
    return "".join(s.split())
