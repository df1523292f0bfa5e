"""The bundled offline table: postal codes and addresses to town/city positions."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from fieldsales.geo import locate as offline
from fieldsales.geo.distance import haversine_km
from fieldsales.services.locating import locate_missing
from fieldsales.store.db import session_scope
from fieldsales.store.models import Account

# STACK.md: seven postal codes and a reference point inside each town.
REFERENCE = [
    ("144-0052", "大田区", 35.562, 139.716),
    ("220-0011", "横浜市西区", 35.466, 139.622),
    ("330-0063", "さいたま市浦和区", 35.861, 139.645),
    ("160-0023", "新宿区", 35.690, 139.692),
    ("530-0001", "大阪市北区", 34.702, 135.496),
    ("060-0001", "札幌市中央区", 43.062, 141.354),
    ("900-0006", "那覇市", 26.222, 127.697),
]


@pytest.mark.parametrize(("code", "city", "lat", "lon"), REFERENCE)
def test_postal_code_lands_within_2_km(code: str, city: str, lat: float, lon: float) -> None:
    pos = offline.locate_postal_code(code)
    assert pos is not None
    assert pos.precision == "town"
    assert city in pos.label
    assert haversine_km(lat, lon, pos.lat, pos.lon) < 2.0


def test_postal_code_spellings_agree() -> None:
    forms = ["〒144-0052", "１４４－００５２", "1440052", "144ー0052", " 144 0052 "]
    positions = {offline.locate_postal_code(f) for f in forms}
    assert len(positions) == 1 and None not in positions


def test_unknown_postal_code_is_none() -> None:
    assert offline.locate_postal_code("000-0000") is None
    assert offline.locate_postal_code("12-34") is None


def test_postal_code_without_town_falls_back_to_municipality() -> None:
    pos = offline.locate_postal_code("100-0000")  # 千代田区 "以下に掲載がない場合"
    assert pos is not None
    assert pos.precision == "city"
    assert pos.label.endswith("千代田区")


# (address as typed, expected label fragment, reference lat, lon, max km)
ADDRESSES = [
    (
        "〒160-0023 東京都新宿区西新宿二丁目８番１号 都庁第一本庁舎",
        "西新宿2丁目",
        35.6896,
        139.6917,
        1.0,
    ),
    ("東京都大田区蒲田５丁目１３番２６号", "蒲田5丁目", 35.5623, 139.7161, 1.0),
    ("横浜市西区高島２－１９－１２ スカイビル 9F", "高島2丁目", 35.4627, 139.6224, 1.0),
    ("大阪市北区梅田3丁目1番3号", "梅田3丁目", 34.7015, 135.4950, 1.0),
    ("北海道札幌市中央区北一条西二丁目１番地", "北1条西2丁目", 43.0621, 141.3544, 1.0),
    ("札幌市中央区北1条西2丁目", "北1条西2丁目", 43.0621, 141.3544, 1.0),
    ("千代田区霞ヶ関１ー３ー１", "霞ケ関1丁目", 35.6732, 139.7509, 1.0),
    ("東京都千代田区霞が関1丁目3番1号", "霞ケ関1丁目", 35.6732, 139.7509, 1.0),
    ("京都市中京区河原町通三条上る恵比須町４２７番地", "恵比須町", 35.0093, 135.7694, 1.0),
    ("岩手県盛岡市内丸10番1号", "内丸", 39.7020, 141.1545, 1.5),
    ("浜松市中央区板屋町１１１－２", "板屋町", 34.7066, 137.7352, 1.0),
    ("石狩郡当別町白樺町58番地9", "白樺町", 43.2237, 141.5156, 1.5),
    ("那覇市おもろまち三丁目１－１", "おもろまち3丁目", 26.2280, 127.6946, 1.0),
]


@pytest.mark.parametrize(("text", "fragment", "lat", "lon", "km"), ADDRESSES)
def test_address_lookup(text: str, fragment: str, lat: float, lon: float, km: float) -> None:
    pos = offline.locate_address(text)
    assert pos is not None, text
    assert pos.precision == "town"
    assert pos.source == "address"
    assert fragment in pos.label
    assert haversine_km(lat, lon, pos.lat, pos.lon) < km


def test_ambiguous_municipality_needs_the_prefecture() -> None:
    assert offline.locate_address("府中市宮西町2-24") is None  # 東京都 and 広島県
    pos = offline.locate(prefecture="東京都", city="府中市", address="宮西町2-24")
    assert pos is not None and pos.label.startswith("東京都府中市")


def test_address_town_beats_postal_town_and_postal_beats_city() -> None:
    # 蒲田 as a postal code is the centroid of five 丁目; the address names one.
    pos = offline.locate("144-0052", "東京都", "大田区", "蒲田5-13-26")
    assert pos is not None and pos.source == "address" and "蒲田5丁目" in pos.label
    # a town the table does not know: the postal code still gives the town
    pos = offline.locate("144-0052", "東京都", "大田区", "どこにもない町1-1")
    assert pos is not None and pos.source == "postal" and pos.precision == "town"
    # no postal code, unknown town: the municipality
    pos = offline.locate(None, "東京都", "大田区", "どこにもない町1-1")
    assert pos is not None and pos.precision == "city"


def _positions(engine: Engine) -> dict[str, tuple[float | None, float | None, str, str | None]]:
    with session_scope(engine) as s:
        rows = s.exec(select(Account)).all()
        return {a.company: (a.lat, a.lon, a.geo_precision, a.geo_source) for a in rows}


def test_locate_missing_fills_positions_and_keeps_finer_ones(engine: Engine, add_account) -> None:
    add_account(
        company="postal",
        postal_code="144-0052",
        address=None,
        city=None,
        prefecture=None,
        lat=None,
        lon=None,
        geo_precision="none",
    )
    add_account(
        company="addr", address="東京都新宿区西新宿2-8-1", lat=None, lon=None, geo_precision="none"
    )
    add_account(
        company="imported",
        address="東京都新宿区西新宿2-8-1",
        lat=35.1,
        lon=139.1,
        geo_precision="building",
        geo_source="import",
    )
    add_account(
        company="city",
        postal_code="144-0052",
        address=None,
        city=None,
        lat=35.5,
        lon=139.7,
        geo_precision="city",
        geo_source="import",
    )
    add_account(
        company="lost",
        address="どこか",
        city=None,
        prefecture=None,
        lat=None,
        lon=None,
        geo_precision="none",
    )
    seen: list[tuple[int, int]] = []
    summary = locate_missing(engine, progress=lambda d, t: seen.append((d, t)))
    pos = _positions(engine)
    assert pos["postal"][2:] == ("town", "postal")
    assert pos["addr"][2:] == ("town", "address")
    assert pos["imported"] == (35.1, 139.1, "building", "import")
    assert pos["city"][2:] == ("town", "postal")  # city -> town is an improvement
    assert pos["lost"] == (None, None, "none", None)
    assert (summary.located, summary.not_found) == (3, 1)
    assert seen[-1] == (4, 4)
    # run again: nothing left to do
    assert locate_missing(engine).located == 0


def test_locate_missing_for_given_ids_recomputes_offline_positions(
    engine: Engine, add_account
) -> None:
    acc = add_account(address="東京都大田区蒲田5-13-26", lat=None, lon=None, geo_precision="none")
    other = add_account(address="東京都大田区蒲田5-13-26", lat=None, lon=None, geo_precision="none")
    locate_missing(engine, account_ids=[acc.id])
    with session_scope(engine) as s:
        a = s.get(Account, acc.id)
        assert a is not None and a.geo_source == "address"
        a.address = "東京都新宿区西新宿2-8-1"  # the rep moved the account
        b = s.get(Account, other.id)
        assert b is not None and b.lat is None  # not in the list: untouched
    locate_missing(engine, account_ids=[acc.id])
    with session_scope(engine) as s:
        a = s.get(Account, acc.id)
        assert a is not None and a.lat is not None
        assert haversine_km(35.6896, 139.6917, a.lat, a.lon or 0) < 1.0
