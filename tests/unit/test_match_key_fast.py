"""The match key's address part takes shortcuts for the usual spellings
(1丁目2番3号 without spaces): it must equal the plain regex rewriting."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from fieldsales.domain.parse import (
    _DASHES,
    _KEY_JUNK,
    match_key,
    match_keys,
    nfkc,
    normalise_address,
)


def reference(prefecture: str | None, city: str | None, address: str | None) -> str:
    """normalise_address as the regexes alone write it."""
    text = nfkc(address or "")
    for part in (city, prefecture):
        p = nfkc(part or "")
        if p and not text.startswith(p):
            text = p + text
    text = re.sub(r"(\d+)\s*丁目\s*", r"\1-", text)
    text = re.sub(r"(\d+)\s*番地?\s*", r"\1-", text)
    text = re.sub(r"(\d+)\s*号", r"\1", text)
    text = _DASHES.sub("-", text)
    text = _KEY_JUNK.sub("", text.lower())
    return re.sub(r"-+", "-", text).strip("-")


PIECES = ["1", "12", "１", "٣", "丁目", "番", "番地", "地", "号", "の", "-", "ー", " ", "　",
          "丸の内", "梅田", "西新宿", "二", "ビル", "5F", "\t"]  # fmt: skip
addresses = st.lists(st.sampled_from(PIECES), max_size=12).map("".join)


@settings(max_examples=400, deadline=None)
@given(addresses, st.sampled_from([None, "東京都", "大阪府"]), st.sampled_from([None, "千代田区"]))
def test_the_shortcuts_write_what_the_regexes_write(
    address: str, prefecture: str | None, city: str | None
) -> None:
    assert normalise_address(prefecture, city, address) == reference(prefecture, city, address)


def test_usual_spellings() -> None:
    for address in [
        "丸の内1丁目2番3号",
        "丸の内1-2-3",
        "梅田１丁目２番地の３",
        "西新宿2丁目 8番1号",
    ]:
        assert normalise_address("東京都", "千代田区", address) == reference(
            "東京都", "千代田区", address
        )
    assert normalise_address(None, None, "丸の内1丁目2番3号") == "丸の内1-2-3"


COMPANY_PIECES = ["株式会社", "(株)", "（株）", "ＡＢＣ", "abc", "Co., Ltd.", "inc", "K.K.", "kk",
                  " ", "　", "・", "ｶﾌﾞｼｷ", "商事", "Σ", "ΑΣ", "İ", "\u0301", "e", "「", "'"]  # fmt: skip
companies = st.lists(st.sampled_from(COMPANY_PIECES), max_size=8).map("".join)
places = st.sampled_from([None, "", "東京都", "大阪府", " 東京都 ", "ﾄｳｷｮｳ"])
cities = st.sampled_from([None, "", "千代田区", "千代田区 ", "大阪市北区"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(companies, places, cities, st.one_of(st.none(), addresses)), max_size=20))
def test_a_whole_column_of_keys_equals_each_key_on_its_own(
    accounts: list[tuple[str, str | None, str | None, str | None]],
) -> None:
    """match_keys rewrites a joined column at once: no rule may reach across
    two cells or change where one ends, whatever the cells hold."""
    columns = [list(c) for c in zip(*accounts, strict=True)] or [[], [], [], []]
    assert match_keys(*columns) == [match_key(*a) for a in accounts]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=12), st.text(max_size=12)), max_size=10))
def test_any_text_gives_the_same_keys(pairs: list[tuple[str, str]]) -> None:
    """Arbitrary text too, including the joining character itself."""
    companies_, addresses_ = [p[0] for p in pairs], [p[1] for p in pairs]
    nones = [None] * len(pairs)
    assert match_keys(companies_, nones, nones, addresses_) == [
        match_key(c, None, None, a) for c, a in pairs
    ]
