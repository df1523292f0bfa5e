"""The columns of an order history file (受注履歴): header names in English and
Japanese and how each cell is read. Pure: store/orders_import.py feeds it cells.

The account is named by its external id (顧客コード), as in the account file;
dates and numbers take the same forms as there (domain/parse.py).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fieldsales.domain import parse
from fieldsales.domain.columns import BY_NAME, header_key

ACCOUNT = "account"
ORDER_DATE = "order_date"
AMOUNT = "amount"
ORDER_NUMBER = "order_number"
PRODUCT = "product"
REQUIRED = (ACCOUNT, ORDER_DATE, AMOUNT)
MAX_LEN = {ACCOUNT: 100, ORDER_NUMBER: 100, PRODUCT: 200}

# Aliases are compared after columns.header_key (case, width, spaces, brackets).
# The account column takes every header the account file reads as external_id.
ALIASES: dict[str, tuple[str, ...]] = {
    ACCOUNT: (
        "external_id",
        "account",
        "account code",
        *BY_NAME["external_id"].aliases,
        "得意先コード",
        "得意先番号",
        "取引先番号",
        "顧客cd",
    ),
    ORDER_DATE: (
        "date",
        "order date",
        "ordered",
        "受注日",
        "注文日",
        "受注年月日",
        "発注日",
        "売上日",
        "購入日",
        "取引日",
    ),
    AMOUNT: (
        "amount",
        "order amount",
        "total",
        "value",
        "金額",
        "受注金額",
        "注文金額",
        "売上金額",
        "売上",
        "合計金額",
        "金額(税抜)",
        "金額(税込)",
        "税抜金額",
        "税込金額",
    ),
    ORDER_NUMBER: (
        "order no",
        "order number",
        "order id",
        "受注番号",
        "注文番号",
        "受注no",
        "伝票番号",
        "受注id",
    ),
    PRODUCT: (
        "product",
        "item",
        "product name",
        "商品名",
        "品名",
        "製品名",
        "商品",
        "品目",
    ),
}
_BY_KEY: dict[str, str] = {}
for _name, _aliases in ALIASES.items():
    for _alias in (_name, *_aliases):
        _BY_KEY.setdefault(header_key(_alias), _name)


@dataclass
class OrderHeader:
    fields: dict[int, str]  # column index -> order field
    ignored: list[str]
    errors: list[str]


def map_headers(headers: Sequence[str], overrides: dict[str, str] | None = None) -> OrderHeader:
    """Which column is which order field; `overrides` (--map COLUMN=FIELD) win,
    '-' ignores a column. Errors name a missing required column."""
    over = {header_key(k): v for k, v in (overrides or {}).items()}
    out = OrderHeader({}, [], [])
    seen: dict[str, str] = {}
    for i, raw in enumerate(headers):
        key = header_key(raw)
        target = over.get(key, _BY_KEY.get(key)) if key else None
        if target is None or target == "-":
            if raw.strip():
                out.ignored.append(raw.strip())
            continue
        if target not in ALIASES:
            out.errors.append(f"--map {raw}={target}: unknown field {target!r}")
            continue
        if target in seen:
            out.errors.append(
                f"columns {seen[target]!r} and {raw.strip()!r} both mean {target}; "
                f"drop one or use --map {raw.strip()}=-"
            )
            continue
        seen[target] = raw.strip()
        out.fields[i] = target
    missing = [f for f in REQUIRED if f not in seen]
    if missing:
        examples = {ACCOUNT: "顧客コード", ORDER_DATE: "受注日", AMOUNT: "金額"}
        out.errors.append(
            "missing required column: "
            + ", ".join(f"{m} (e.g. '{m}' or '{examples[m]}')" for m in missing)
            + f"; found {', '.join(h.strip() for h in headers if h.strip()) or 'no headers'}"
        )
    return out


def parse_overrides(items: Sequence[str]) -> dict[str, str]:
    """--map COLUMN=FIELD items; raises ValueError on a bad one."""
    out: dict[str, str] = {}
    for item in items:
        column, sep, target = item.partition("=")
        target = target.strip() or "-"
        if not sep or not column.strip():
            raise ValueError(f"--map {item}: expected COLUMN=FIELD, e.g. 得意先=account")
        if target != "-" and target not in ALIASES:
            raise ValueError(
                f"--map {item}: unknown field {target!r}; fields: {', '.join(ALIASES)}"
            )
        out[column.strip()] = target
    return out


@dataclass
class OrderCell:
    column: str
    value: str
    reason: str


@dataclass
class OrderRow:
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[OrderCell] = field(default_factory=list)


# Dates repeat across a file: each distinct cell is parsed once.
_parse_date = functools.lru_cache(maxsize=8192)(parse.parse_date)


def order_key(order_number: str | None, day: date, amount: int) -> str:
    """What makes an order the same on re-import: its number, else its date and amount."""
    return f"n:{order_number}" if order_number else f"d:{day.isoformat()}:{amount}"


def parse_order_date(text: str) -> date:
    """An order date as the account file reads dates (ValueError when it is not one)."""
    return _parse_date(text)


def read_order(cells: dict[str, str], today: date) -> OrderRow:
    """One row's cells (field -> text) as values; every problem collected.

    The amount is whole yen and not negative (a return or credit note is not
    an order); the date is not in the future.
    """
    out = OrderRow()
    for name, raw in cells.items():
        text = raw.strip()
        if not text:
            if name in REQUIRED:
                out.errors.append(OrderCell(name, raw, f"{name} is required"))
            else:
                out.values[name] = None
            continue
        try:
            if name == ORDER_DATE:
                day = _parse_date(text)
                if day > today:
                    raise ValueError(f"is in the future (today is {today.isoformat()})")
                out.values[name] = day
            elif name == AMOUNT:
                amount = parse.parse_int(text)
                if amount < 0:
                    raise ValueError("is negative (a return or credit note is not an order)")
                out.values[name] = amount
            else:
                value = parse.clean_text(text)
                if value is not None and len(value) > MAX_LEN[name]:
                    raise ValueError(f"longer than {MAX_LEN[name]} characters")
                out.values[name] = value
        except ValueError as exc:
            out.errors.append(OrderCell(name, raw, str(exc)))
    return out
