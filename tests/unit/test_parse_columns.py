"""Which CSV column is which account field, and how a row is checked."""

from __future__ import annotations

from datetime import date

import pytest

from fieldsales.domain import columns as cols

VOCAB = cols.Vocabulary(
    reason_solvable=("unsolvable", "hard", "partly", "mostly", "solved", "unknown"),
    competitor_status=("long_contract", "main_supplier", "partial", "trial", "none", "unknown"),
    digital_responsiveness=("never", "low", "medium", "high", "very_high", "unknown"),
)
TODAY = date(2026, 11, 22)


def test_japanese_headers_map_to_fields() -> None:
    headers = [
        "会社名",
        "支店/拠点",
        "郵便番号",
        "都道府県",
        "市区町村",
        "住所",
        "緯度",
        "経度",
        "累計取引額",
        "最終取引日",
        "購買周期（日）",
        "休眠理由",
        "連絡不可",
        "備考",
    ]
    mapped = cols.map_headers(headers)
    assert mapped.errors == []
    assert list(mapped.fields.values()) == [
        "company",
        "site",
        "postal_code",
        "prefecture",
        "city",
        "address",
        "lat",
        "lon",
        "lifetime_revenue",
        "last_order_date",
        "purchase_cycle_days",
        "main_reason",
        "do_not_contact",
        "notes",
    ]


def test_english_variants_map_loosely() -> None:
    mapped = cols.map_headers(["Company Name", "Latitude", "LNG", "Last Order", "zip", "E-mail"])
    assert list(mapped.fields.values()) == [
        "company",
        "lat",
        "lon",
        "last_order_date",
        "postal_code",
        "email",
    ]


def test_unknown_headers_are_reported_as_ignored() -> None:
    mapped = cols.map_headers(["company", "好きな食べ物"])
    assert mapped.ignored == ["好きな食べ物"]


def test_missing_company_column_is_named() -> None:
    mapped = cols.map_headers(["住所", "緯度"])
    assert len(mapped.errors) == 1
    assert "missing required column: company" in mapped.errors[0]
    assert "住所" in mapped.errors[0]


def test_map_option_renames_and_ignores_columns() -> None:
    overrides = cols.parse_overrides(["取引先名=company", "住所=-"])
    mapped = cols.map_headers(["取引先名", "住所"], overrides)
    assert mapped.errors == []
    assert mapped.fields == {0: "company"}


@pytest.mark.parametrize("item", ["nofield", "=company", "col=not_a_field"])
def test_bad_map_option_is_explained(item: str) -> None:
    with pytest.raises(ValueError, match="--map"):
        cols.parse_overrides([item])


def test_two_columns_for_one_field_is_an_error() -> None:
    mapped = cols.map_headers(["会社名", "company"])
    assert any("both mean company" in e for e in mapped.errors)


def _row(**cells: str) -> cols.RowResult:
    return cols.convert_row({"company": "山田工業", **cells}, TODAY, VOCAB)


def test_a_good_row_is_typed() -> None:
    result = _row(
        lifetime_revenue="¥1,200,000",
        last_order_date="令和6年4月1日",
        lat="35.6",
        lon="139.7",
        main_reason="価格",
        competitor_status="併用",
        do_not_contact="",
    )
    assert result.errors == []
    assert result.values["lifetime_revenue"] == 1_200_000
    assert result.values["last_order_date"] == date(2024, 4, 1)
    assert result.values["main_reason"] == "price"
    assert result.values["competitor_status"] == "partial"
    assert result.values["do_not_contact"] is None


@pytest.mark.parametrize(
    ("cells", "column", "reason"),
    [
        ({"lat": "95", "lon": "139"}, "lat", "between -90 and 90"),
        ({"lon": "200", "lat": "35"}, "lon", "between -180 and 180"),
        ({"lifetime_revenue": "-5000"}, "lifetime_revenue", "must not be negative"),
        ({"last_order_date": "2027-01-01"}, "last_order_date", "in the future"),
        ({"purchase_cycle_days": "0"}, "purchase_cycle_days", ">= 1"),
        ({"lat": "35.6"}, "lon", "come together"),
        (
            {"first_order_date": "2024-05-01", "last_order_date": "2024-01-01"},
            "first_order_date",
            "after last_order_date",
        ),
        ({"company": "  "}, "company", "required"),
        ({"company": "x" * 201}, "company", "longer than 200"),
    ],
)
def test_bad_cells_name_column_value_and_reason(
    cells: dict[str, str], column: str, reason: str
) -> None:
    result = _row(**cells)
    assert [(e.column, reason in e.reason) for e in result.errors] == [(column, True)]


@pytest.mark.parametrize(
    ("header", "unit", "factor"),
    [
        ("購買サイクル(月)", "月", 365.2425 / 12),
        ("購買周期（ヶ月）", "ヶ月", 365.2425 / 12),
        ("発注周期(カ月)", "カ月", 365.2425 / 12),
        ("purchase cycle (years)", "years", 365.2425),
        ("cycle_months", "months", 365.2425 / 12),
        ("cycle (y)", "y", 365.2425),
        ("購買周期(年)", "年", 365.2425),
    ],
)
def test_a_unit_in_a_header_is_read(header: str, unit: str, factor: float) -> None:
    mapped = cols.map_headers(["会社名", header])
    assert mapped.fields == {0: "company", 1: "purchase_cycle_days"}
    assert mapped.units == {"purchase_cycle_days": (unit, factor)}


def test_days_need_no_conversion_and_a_unit_on_another_field_is_no_match() -> None:
    mapped = cols.map_headers(["会社名", "購買周期(日)", "住所(年)"])
    assert mapped.fields == {0: "company", 1: "purchase_cycle_days"}
    assert (mapped.units, mapped.ignored) == ({}, ["住所(年)"])


def test_months_and_years_agree() -> None:
    months = cols.RowReader(VOCAB, TODAY, {"purchase_cycle_days": ("月", 365.2425 / 12)})
    years = cols.RowReader(VOCAB, TODAY, {"purchase_cycle_days": ("年", 365.2425)})
    for n in range(1, 6):
        by_month = months.convert({"purchase_cycle_days": str(12 * n)}).values
        by_year = years.convert({"purchase_cycle_days": str(n)}).values
        assert by_month == by_year
    assert months.convert({"purchase_cycle_days": "3"}).values == {"purchase_cycle_days": 91}


@pytest.mark.parametrize("raw", ["済", "○", "TRUE", "はい", "yes", "1", "連絡不可"])
def test_do_not_contact_flags(raw: str) -> None:
    assert _row(do_not_contact=raw).values["do_not_contact"] is True


def test_user_value_maps_read_a_crm_word_and_name_an_unknown_one() -> None:
    unknown = _row(main_reason="客先都合", other_reasons="価格、客先都合")
    assert [(e.column, e.value, e.allowed is not None) for e in unknown.errors] == [
        ("main_reason", "客先都合", True),
        ("other_reasons", "客先都合", True),
    ]
    maps = cols.check_value_maps({"休眠理由": {"客先都合": "customer_change"}}, VOCAB, "test")
    assert maps == {"main_reason": {"客先都合": "customer_change"}}
    vocab = VOCAB.with_values(maps)
    result = cols.convert_row(
        {"company": "山田", "main_reason": "客先都合", "other_reasons": "価格、客先都合"},
        TODAY,
        vocab,
    )
    assert result.values["main_reason"] == "customer_change"
    assert result.values["other_reasons"] == "price,customer_change"
