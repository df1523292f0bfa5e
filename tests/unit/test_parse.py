"""Reading spreadsheet values: dates, numbers, yes/no, categories, match keys."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fieldsales.domain import parse


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-04-01", date(2024, 4, 1)),
        ("2024/4/1", date(2024, 4, 1)),
        ("2024.04.01", date(2024, 4, 1)),
        ("20240401", date(2024, 4, 1)),
        ("２０２４／０４／０１", date(2024, 4, 1)),  # full-width, as typed in Japanese IME
        ("2024年4月1日", date(2024, 4, 1)),
        ("2024-04-01T09:30:00", date(2024, 4, 1)),
        ("令和5年4月15日", date(2023, 4, 15)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("R5.4.15", date(2023, 4, 15)),
        ("r5/4/15", date(2023, 4, 15)),
        ("H30.12.24", date(2018, 12, 24)),
        ("平成31年4月30日", date(2019, 4, 30)),
        ("昭和64年1月7日", date(1989, 1, 7)),
        ("㋿6年1月9日", date(2024, 1, 9)),  # the single-character 令和 sign
    ],
)
def test_dates_in_every_form_reps_type(raw: str, expected: date) -> None:
    assert parse.parse_date(raw) == expected


@pytest.mark.parametrize("raw", ["2023-02-30", "令和5年13月1日", "yesterday", "12/31", "R5"])
def test_impossible_or_unknown_dates_are_rejected_with_a_reason(raw: str) -> None:
    with pytest.raises(ValueError) as info:
        parse.parse_date(raw)
    assert "date" in str(info.value)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1200000", 1_200_000),
        ("1,200,000", 1_200_000),
        ("¥1,200,000", 1_200_000),
        ("￥１，２００，０００", 1_200_000),
        ("1,200,000円", 1_200_000),
        ("  50000 ", 50_000),
        ("△5,000", -5_000),  # Japanese accounting minus
        ("1.2e6", 1_200_000),
    ],
)
def test_whole_numbers_with_separators_and_yen_signs(raw: str, expected: int) -> None:
    assert parse.parse_int(raw) == expected


@pytest.mark.parametrize("raw", ["12.5", "abc", "30%", "1,2,3x"])
def test_bad_whole_numbers(raw: str) -> None:
    with pytest.raises(ValueError):
        parse.parse_int(raw)


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_any_integer_written_with_separators_and_full_width_reads_back(n: int) -> None:
    text = f"{n:,}"
    full_width = text.translate(str.maketrans("0123456789,-", "０１２３４５６７８９，－"))
    assert parse.parse_int(text) == n
    assert parse.parse_int(f"¥{text}") == n
    assert parse.parse_int(full_width + "円") == n


@pytest.mark.parametrize(
    ("raw", "expected"), [("30%", 0.3), ("0.3", 0.3), ("30", 0.3), ("１００％", 1.0)]
)
def test_margins_as_fraction_or_percent(raw: str, expected: float) -> None:
    assert parse.parse_rate(raw) == pytest.approx(expected)


def test_margin_above_100_percent_is_rejected() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        parse.parse_rate("150%")


@pytest.mark.parametrize("raw", ["1", "TRUE", "yes", "はい", "○", "不可"])
def test_yes_values(raw: str) -> None:
    assert parse.parse_bool(raw) is True


@pytest.mark.parametrize("raw", ["0", "false", "No", "いいえ", "可"])
def test_no_values(raw: str) -> None:
    assert parse.parse_bool(raw) is False


def test_unclear_yes_no_is_rejected() -> None:
    with pytest.raises(ValueError, match="yes/no"):
        parse.parse_bool("maybe")


REASONS = ["product", "price", "customer_change", "forgotten", "competitor", "unknown"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("price", "price"),
        ("Customer Change", "customer_change"),
        ("価格への不満", "price"),
        ("担当者変更", "customer_change"),
        ("単純な忘却", "forgotten"),
        ("商品・サービスへの不満", "product"),
    ],
)
def test_reasons_as_keys_or_japanese_labels(raw: str, expected: str) -> None:
    assert parse.parse_category(raw, "reason", REASONS) == expected


def test_unknown_category_lists_what_is_accepted() -> None:
    with pytest.raises(ValueError) as info:
        parse.parse_category("weather", "reason", REASONS)
    assert "price" in str(info.value) and "forgotten" in str(info.value)


def test_japanese_label_of_a_key_the_config_does_not_have_is_rejected() -> None:
    with pytest.raises(ValueError):
        parse.parse_category("長期契約", "competitor_status", ["none", "partial", "unknown"])


def test_several_reasons_in_one_cell() -> None:
    assert (
        parse.parse_reasons("price, competitor / forgotten", REASONS)
        == "price,competitor,forgotten"
    )
    assert parse.parse_reasons("価格への不満、単純な忘却", REASONS) == "price,forgotten"


def test_export_guard_quote_is_removed_on_import() -> None:
    assert parse.clean_text("'=SUM(A1:A2)") == "=SUM(A1:A2)"
    assert parse.clean_text("'+81-3-1234-5678") == "+81-3-1234-5678"
    assert parse.clean_text("'quoted'") == "'quoted'"
    assert parse.clean_text("   ") is None


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (
            ("株式会社山田工業", "東京都", "千代田区", "丸の内1丁目2番3号"),
            ("山田工業(株)", None, None, "東京都千代田区丸の内1-2-3"),
        ),
        (
            ("ＡＢＣ商事株式会社", "神奈川県", "横浜市西区", "高島２－１"),
            ("abc商事", "神奈川県", "横浜市西区", "高島2-1"),
        ),
        (("Acme Co., Ltd.", None, None, "Tokyo 1-2"), ("ACME", None, None, "tokyo 1-2")),
    ],
)
def test_match_key_ignores_company_form_width_and_address_spelling(
    a: tuple[str, str | None, str | None, str], b: tuple[str, str | None, str | None, str]
) -> None:
    assert parse.match_key(*a) == parse.match_key(*b)


def test_match_key_tells_different_addresses_apart() -> None:
    one = parse.match_key("山田工業", "東京都", "千代田区", "丸の内1-2-3")
    other = parse.match_key("山田工業", "東京都", "千代田区", "丸の内1-2-4")
    assert one != other
