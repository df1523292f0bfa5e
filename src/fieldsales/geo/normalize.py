"""Japanese address normalisation: one canonical spelling for matching and caching.

Account lists spell the same place many ways: full-width digits, kanji
numerals, 丁目/番地/号 or hyphens (and five different dash characters),
ヶ/ケ/が, a leading 〒 postal code, a building name and floor at the end.
Town names in the bundled table are canonicalised by the same rules
(`town_key`) so that both sides meet in the middle.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_KANJI_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5}
_KANJI_DIGITS |= {"六": 6, "七": 7, "八": 8, "九": 9}
_KANJI_UNITS = {"十": 10, "百": 100, "千": 1000}
_KANJI_NUM = "〇零一二三四五六七八九十百千"

# Dashes people type between numbers; ー (long vowel) only counts after a digit
# because it is part of katakana words such as センター.
DASHES = "-‐‑‒–—―−ｰ－"
_DASHES = DASHES
_DASH_AFTER_DIGIT = re.compile(r"(?<=\d)\s*[" + _DASHES + r"ー]+\s*(?=\d)")
_SPACES = re.compile(r"\s+")
_POSTAL = re.compile(
    r"^\s*(?:〒|郵便番号[:：]?)?\s*(\d{3})\s*[" + _DASHES + r"ー]?\s*(\d{4})(?!\d)\s*"
)
_PREFECTURE = re.compile(r"^(東京都|北海道|(?:京都|大阪)府|.{2,3}?県)")

# Spelling variants of the same name: ヶ/ケ/が in 霞ヶ関/霞ケ関/霞が関, の/ノ/之.
_VARIANTS = str.maketrans(
    {"ヶ": "ケ", "ｹ": "ケ", "が": "ケ", "ノ": "の", "之": "の", "ッ": "ツ", "惠": "恵"}
)
_KANJI_BEFORE_UNIT = re.compile(r"([" + _KANJI_NUM + r"]+)(?=丁目|条|線|地割|番地?|号)")
_OAZA = re.compile(r"^(?:大字|字)")

# House-number part written with units: 2丁目8番1号, 2丁目8-1, 8番地の1, 123番地
_CHOME = re.compile(r"(\d+)丁目\s*")
_BANCHI = re.compile(r"(\d+)\s*番(?:地)?(?:の(?=\d))?\s*")
_GO = re.compile(r"(\d+)\s*号")
_NO_BETWEEN = re.compile(r"(?<=\d)の(?=\d)")
_DOUBLE_DASH = re.compile(r"-{2,}")
# The street part ends with the first number group that is a house number, not
# part of a place name like 北1条西 or 第2地割; what follows is a building.
_HOUSE_NUMBER = re.compile(r"\d+(?:-\d+)*(?![\d条線通丁地])")


def kanji_to_int(text: str) -> int | None:
    """'二十三' -> 23, '百五' -> 105, '二〇' -> 20; None if not a kanji numeral."""
    if not text or any(c not in _KANJI_DIGITS and c not in _KANJI_UNITS for c in text):
        return None
    if not any(c in _KANJI_UNITS for c in text):  # positional: 二〇二 -> 202
        return int("".join(str(_KANJI_DIGITS[c]) for c in text))
    total, digit = 0, 0
    for c in text:
        if c in _KANJI_DIGITS:
            digit = _KANJI_DIGITS[c]
        else:
            total += (digit or 1) * _KANJI_UNITS[c]
            digit = 0
    return total + digit


def _kanji_numbers_to_digits(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        value = kanji_to_int(m.group(1))
        return m.group(1) if value is None else str(value)

    return _KANJI_BEFORE_UNIT.sub(repl, text)


def width_fold(text: str) -> str:
    """NFKC (full-width digits and letters to half width), unified dashes, no spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = _DASH_AFTER_DIGIT.sub("-", text)
    return _SPACES.sub(" ", text).strip()


def normalize_postal_code(text: str | None) -> str | None:
    """'〒144-0052', '１４４ー００５２', '1440052' -> '1440052'; None if not 7 digits."""
    if not text:
        return None
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", str(text)))
    return digits if len(digits) == 7 else None


def split_postal(text: str) -> tuple[str | None, str]:
    """Strip a leading (〒) postal code: '〒160-0023 東京都…' -> ('1600023', '東京都…')."""
    folded = unicodedata.normalize("NFKC", text)
    m = _POSTAL.match(folded)
    if not m:
        return None, text.strip()
    return m.group(1) + m.group(2), folded[m.end() :].strip()


def town_key(name: str) -> str:
    """Canonical town or municipality name: 'ケ' for ヶ/が, digits before 丁目/条, no 大字."""
    text = unicodedata.normalize("NFKC", name).replace(" ", "").replace("　", "")
    text = _OAZA.sub("", text.translate(_VARIANTS))
    return _kanji_numbers_to_digits(text)


def split_prefecture(text: str) -> tuple[str | None, str]:
    m = _PREFECTURE.match(text)
    if not m:
        return None, text
    return m.group(1), text[m.end() :]


@dataclass(frozen=True)
class Address:
    """A normalised address: postal code, street part (the matching key), building."""

    postal_code: str | None
    street: str
    building: str

    @property
    def key(self) -> str:
        """The cache key: the street part without building (names confuse geocoders)."""
        return self.street


def canonical_street(text: str) -> str:
    """'西新宿二丁目８番１号' -> '西新宿2-8-1' (spaces removed, variants unified)."""
    text = width_fold(text).translate(_VARIANTS)
    text = _kanji_numbers_to_digits(text)
    text = _CHOME.sub(r"\1-", text)
    text = _BANCHI.sub(r"\1-", text)
    text = _GO.sub(r"\1", text)
    text = _NO_BETWEEN.sub("-", text)
    text = _DASH_AFTER_DIGIT.sub("-", text)
    text = _DOUBLE_DASH.sub("-", text)
    return text


def normalize_address(text: str) -> Address:
    """Split an address into postal code, canonical street part and building name.

    The building starts after the last house-number group, at a space or any
    non-number character: '新宿区西新宿2-8-1 都庁第一本庁舎5F' keeps
    '都庁第一本庁舎5F' as the building. An address with no house number keeps
    everything as the street part.
    """
    postal, rest = split_postal(text)
    rest = width_fold(rest)
    # A space after a house number starts the building; spaces elsewhere are noise.
    head, building = rest, ""
    m = re.search(r"\d(?:丁目|番地?|号)?\s+(\S.*)$", rest)
    if m and re.search(r"\d", rest[: m.start(1)]):
        head, building = rest[: m.start(1)], m.group(1)
    street = canonical_street(head).replace(" ", "")
    hm = _HOUSE_NUMBER.search(street)
    if hm and hm.end() < len(street):
        tail = street[hm.end() :].lstrip("-")
        street = street[: hm.end()]
        building = (tail + (" " + building if building else "")).strip()
    return Address(postal_code=postal, street=street.rstrip("-"), building=building.strip())


def join_parts(prefecture: str | None, city: str | None, address: str | None) -> str:
    """One address line from separate columns, without repeating a part already there."""
    _, body = split_postal(width_fold(address or ""))
    if split_prefecture(body)[0]:  # the address is complete already
        return body
    pref = width_fold(prefecture or "")
    city = width_fold(city or "")
    if city and city in body[: len(city) + 6]:
        city = ""
    return pref + city + body
