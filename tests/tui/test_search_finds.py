"""The search box finds what a rep types: romaji, ids, phone numbers in any format, contacts."""

from __future__ import annotations

from typing import Any

from fieldsales.domain.text import phone_digits, romaji_key
from fieldsales.tui.widgets.account_table import AccountTable


def shown(app: Any) -> list[str]:
    return [a.company for a in app.screen.query_one(AccountTable).rows]


async def search(pilot: Any, text: str) -> None:
    await pilot.press("escape", "slash")
    pilot.app.screen.query_one("SearchInput").value = text
    await pilot.pause()


async def test_search_by_romaji_phone_id_and_contact(
    book: Any, add_account: Any, new_app: Any, settle: Any
) -> None:
    add_account(company="太陽工業", phone="+81 45-987-6543")
    add_account(company="山田商店", contact_name="鈴木 一郎")
    big = book["big"]  # 丸の内精機, 03-1111-2222, contact 山本 健
    app = new_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for typed, expected in [
            ("taiyo", ["太陽工業"]),
            ("Yamada", ["山田商店"]),
            ("marunouchi", ["丸の内精機"]),
            ("03-1111-2222", ["丸の内精機"]),
            ("0311112222", ["丸の内精機"]),
            ("+81 3 1111 2222", ["丸の内精機"]),
            ("045 987 6543", ["太陽工業"]),
            (big.external_id, ["丸の内精機"]),
            (big.external_id.lower(), ["丸の内精機"]),
            ("山本", ["丸の内精機"]),
            ("鈴木", ["山田商店"]),
        ]:
            await search(pilot, typed)
            assert shown(app) == expected, typed


def test_phone_digits_and_romaji_keys() -> None:
    assert phone_digits("03-1234-5678") == phone_digits("+81 3 1234 5678") == "0312345678"
    assert phone_digits("０３（１２３４）５６７８") == "0312345678"
    assert romaji_key("Taiyou") == romaji_key("taiyo") == "taiyo"
