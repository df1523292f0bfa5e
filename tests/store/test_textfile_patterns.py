"""The pattern that tells Latin-1 misread as cp932 (store/textfile.py) finds
exactly the texts of its plain definition: a letter, a non-ASCII character and
a letter; a letter then a half-width kana; a half-width kana then a letter."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from fieldsales.store import textfile

DEFINITION = re.compile(
    "[A-Za-z][^\x00-\x7f][A-Za-z]|[A-Za-z][\uff61-\uff9f]|[\uff61-\uff9f][A-Za-z]"
)
# letters, half-width kana, other Japanese, Latin-1 misreads, ASCII around them
CHARS = st.sampled_from(list("aZé ,1\n輟ﾉｱ日本テ\uff9f\uff61\x7f\x80"))


@given(st.text(CHARS, max_size=12))
def test_the_same_texts_match_as_the_definition(text: str) -> None:
    found = textfile._LATIN_MISREAD.search(text) is not None
    assert found == (DEFINITION.search(text) is not None)


def test_misreads_and_japanese() -> None:
    for text in ["Fran輟is", "ﾉCOLE", "aﾉ", "ｱa", "a日b"]:
        assert textfile._LATIN_MISREAD.search(text), text
    for text in ["テスト", "日本ab", "ｱｲｳ", "a ｱ", "abc", "株式会社ABC", "ABC株式会社"]:
        assert not textfile._LATIN_MISREAD.search(text), text
