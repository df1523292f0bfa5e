"""Locating many accounts reads each street part once (the house number is
matched per account): every position must be the one the whole address gives."""

from __future__ import annotations

import csv
import random
from pathlib import Path

from fieldsales.geo import locate as offline
from fieldsales.geo.normalize import join_parts, split_postal, width_fold

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample_accounts.csv"
PLACES = [
    ("東京都", "千代田区"),
    ("東京都", "大田区"),
    ("大阪府", "大阪市北区"),
    ("北海道", "札幌市中央区"),
    ("京都府", "京都市中京区"),
    ("神奈川県", "横浜市西区"),
    (None, None),
]
# street parts as reps type them: kanji numerals, 番地の, full-width digits and
# dashes, a trailing long vowel or 〒, ward-less designated cities, Kyoto streets
HEADS = [
    "丸の内",
    "丸の内1丁目",
    "丸の内一丁目",
    "西新宿二丁目",
    "蒲田",
    "北1条西",
    "北一条西",
    "梅田",
    "梅田１丁目",
    "八番地の",
    "霞が関",
    "霞ヶ関",
    "センター",
    "センターー",
    "梅田－",
    "梅田の",
    "梅田 ",
    "①",
    "〒530-0001 大阪市北区梅田",
    "河原町通三条上る恵比須町",
    "大字大手町",
    "中央区日本橋",
    "",
]


def reference(
    table: offline.GeoTable,
    postal: str | None,
    pref: str | None,
    city: str | None,
    address: str | None,
) -> offline.Position | None:
    """GeoTable.locate as it was: the whole address read every time."""
    by_addr = None
    if address or city:
        by_addr = table.by_address(join_parts(pref, city, address), pref)
    if by_addr is not None and by_addr.precision == "town":
        return by_addr
    code = postal or (split_postal(width_fold(address))[0] if address else None)
    by_post = table.by_postal_code(code)
    if by_post is not None and (by_post.precision == "town" or by_addr is None):
        return by_post
    return by_addr


def test_every_position_is_the_one_of_the_whole_address() -> None:
    rng = random.Random(19)
    rows: list[tuple[str | None, str | None, str | None, str | None]] = []
    with SAMPLE.open(encoding="utf-8-sig", newline="") as fh:
        for d in csv.DictReader(fh):
            rows.append((d["郵便番号"] or None, d["都道府県"], d["市区町村"], d["住所"]))
    for head in HEADS:
        for pref, city in PLACES:
            for _ in range(4):
                number = "-".join(str(rng.randint(1, 40)) for _ in range(rng.randint(1, 3)))
                rows.append((None, pref, city, head + number))
    table = offline.GeoTable.load()
    found = [table.locate(*r) for r in rows]  # the street parts remembered as it goes
    again = [table.locate(*r) for r in rows]  # all from what was remembered
    postal, prefectures, cities, addresses = (list(c) for c in zip(*rows, strict=True))
    many = table.locate_many(postal, prefectures, cities, addresses)  # an import's chunk
    expected = [reference(table, *r) for r in rows]
    assert found == expected
    assert again == expected
    assert many == expected
    fresh = offline.GeoTable.load()  # nothing remembered: the chunk alone
    assert fresh.locate_many(postal, prefectures, cities, addresses) == expected
    assert sum(p is not None and p.precision == "town" for p in found) > len(rows) // 2
