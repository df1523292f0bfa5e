"""The ranked table the CLI and the app share: order, filters, sorting, lazy details."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from fieldsales.config import Settings
from fieldsales.services.rank import RankFilter, rank_accounts


def test_sort_position_filter_and_details(
    add_account: Any, engine: Any, settings: Settings
) -> None:
    near = add_account(
        company="近所商事", lat=35.69, lon=139.77, lifetime_revenue=100_000, phone="03-1111-2222"
    )
    far = add_account(company="遠方工業", lat=36.5, lon=140.5, lifetime_revenue=30_000_000)
    nowhere = add_account(
        company="不明産業", lat=None, lon=None, geo_precision="none", city="川口市"
    )
    table = rank_accounts(engine, settings, origin=(35.68, 139.76), today=date(2026, 11, 22))
    assert table[0].company == "遠方工業"  # revenue outweighs distance here
    by_distance = table.sorted_by("distance")
    assert [a.company for a in by_distance] == ["近所商事", "遠方工業", "不明産業"]
    assert table.sorted_by("distance", reverse=True)[0].company == "不明産業"
    assert table.sorted_by(None).ids == table.ids
    assert by_distance.position(far.id) == 1
    within = table.filter(RankFilter(within_km=5))
    assert within.ids == [near.id]
    assert within.position(far.id) is None
    assert table.filter(RankFilter(cities=["川口市"])).ids == [nowhere.id]
    assert by_distance[0].phone == "03-1111-2222"  # detail loaded on first access
    with pytest.raises(ValueError, match="cannot sort by"):
        table.sorted_by("colour")


def test_search_is_kana_width_and_case_insensitive(
    add_account: Any, engine: Any, settings: Settings
) -> None:
    add_account(company="ＡＢＣ精機株式会社", company_kana="エービーシーセイキ")
    add_account(company="大和商事", company_kana="ヤマトショウジ")
    table = rank_accounts(engine, settings, origin=(35.68, 139.76))
    for needle, expected in (
        ("abc", "ＡＢＣ精機株式会社"),
        ("やまと", "大和商事"),
        ("ｾｲｷ", "ＡＢＣ精機株式会社"),
        ("商事", "大和商事"),
    ):
        assert [a.company for a in table.filter(RankFilter(search=needle))] == [expected], needle
