"""The account columns a CSV may hold: header names (English and Japanese) and
how each cell is read and checked. Pure: the store's importer feeds it cells.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from fieldsales.domain import calendar, criteria, parse
from fieldsales.domain.vocab import Precision, Reason


@dataclass(frozen=True)
class Column:
    name: str  # Account field (or the cell's name when it fills several: `stores`)
    kind: str  # text|int|float|rate|date|bool|category|reasons|weekdays|hours
    max_len: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    aliases: tuple[str, ...] = ()
    category: str | None = None  # which vocabulary a category column uses
    stores: tuple[str, ...] = ()  # the Account fields one cell fills, when not `name`
    unit: str | None = None  # days: a header may give another (購買サイクル(月))

    @property
    def fields(self) -> tuple[str, ...]:
        return self.stores or (self.name,)


def _criterion_column(name: str) -> Column:
    """The column of a score criterion's own field, as its registry entry
    (domain/criteria.py) describes it; a closed vocabulary is named after the
    criterion's config map."""
    for c in criteria.active():
        if c.csv is not None and c.column == name:
            category = c.config_key if c.csv.kind == "category" else None
            return Column(
                name, c.csv.kind, minimum=c.csv.minimum, aliases=c.csv.aliases, category=category
            )
    raise LookupError(f"no criterion reads {name!r} from CSV")


# The order is the export order. Aliases are compared after `header_key`.
_PLACED: tuple[Column, ...] = (
    Column("id", "text", 36, aliases=("account id", "account_id", "uuid")),
    Column(
        "external_id",
        "text",
        100,
        aliases=(
            "ext id",
            "customer id",
            "customer no",
            "code",
            "顧客id",
            "顧客コード",
            "顧客番号",
            "取引先コード",
            "外部id",
        ),
    ),
    Column(
        "company",
        "text",
        200,
        aliases=("company name", "name", "会社名", "企業名", "顧客名", "取引先名", "社名"),
    ),
    Column(
        "company_kana",
        "text",
        200,
        aliases=("kana", "会社名カナ", "会社名(カナ)", "フリガナ", "ふりがな", "カナ"),
    ),
    Column(
        "site",
        "text",
        200,
        aliases=("branch", "office", "支店", "拠点", "支店/拠点", "事業所", "支社"),
    ),
    Column("postal_code", "text", 10, aliases=("postcode", "zip", "zip code", "郵便番号", "〒")),
    Column("prefecture", "text", 20, aliases=("pref", "state", "都道府県")),
    Column("city", "text", 100, aliases=("市区町村", "市町村", "市区郡")),
    Column("address", "text", 400, aliases=("street", "住所", "所在地")),
    Column("lat", "float", minimum=-90, maximum=90, aliases=("latitude", "緯度")),
    Column("lon", "float", minimum=-180, maximum=180, aliases=("lng", "long", "longitude", "経度")),
    Column(
        "geo_precision",
        "category",
        category="geo_precision",
        aliases=("precision", "位置精度", "精度"),
    ),
    Column("geo_source", "text", 40, aliases=("位置情報源",)),
    Column("industry", "text", 100, aliases=("sector", "業種", "業界")),
    Column(
        "contact_name",
        "text",
        100,
        aliases=("contact", "contact person", "担当者", "担当者名", "窓口"),
    ),
    Column("contact_title", "text", 100, aliases=("title", "position", "役職")),
    Column("phone", "text", 40, aliases=("tel", "telephone", "電話番号", "電話", "tel番号")),
    Column("email", "text", 200, aliases=("mail", "e-mail", "メール", "メールアドレス")),
    Column(
        "owner_rep",
        "text",
        100,
        aliases=("rep", "owner", "sales rep", "担当営業", "営業担当", "営業担当者"),
    ),
    Column(
        "closed_weekdays",
        "weekdays",
        20,
        aliases=("closed days", "closed_days", "定休日", "休業日", "定休", "休日"),
    ),
    # One cell "9:00-17:00" fills two fields; export writes it back the same way.
    Column(
        "opening_hours",
        "hours",
        aliases=("hours", "open hours", "business hours", "受付時間", "営業時間"),
        stores=("opens_at", "closes_at"),
    ),
    _criterion_column("lifetime_revenue"),
    Column(
        "average_order",
        "int",
        minimum=0,
        aliases=("avg order", "average order value", "平均受注額", "平均取引額", "平均単価"),
    ),
    Column("gross_margin", "rate", aliases=("margin", "粗利率", "利益率")),
    Column(
        "first_order_date",
        "date",
        aliases=("first order", "初回取引日", "初回受注日", "取引開始日"),
    ),
    Column(
        "last_order_date", "date", aliases=("last order", "最終取引日", "最終受注日", "最終購入日")
    ),
    Column(
        "last_product", "text", 200, aliases=("product", "最終購入商品", "最終購入製品", "購入商品")
    ),
    Column(
        "purchase_cycle_days",
        "int",
        minimum=1,
        aliases=(
            "cycle",
            "cycle days",
            "purchase cycle",
            "order cycle",
            "reorder cycle",
            "購買周期(日)",
            "購買周期",
            "購入周期(日)",
            "購入周期",
            "発注周期(日)",
            "発注周期",
            "購買サイクル",
            "購入サイクル",
            "発注サイクル",
            "注文サイクル",
            "リピート周期",
        ),
        unit="days",
    ),
    Column(
        "main_reason",
        "category",
        category="reason",
        aliases=("reason", "dormancy reason", "休眠理由", "休眠原因", "主な休眠理由"),
    ),
    Column("other_reasons", "reasons", aliases=("その他の休眠理由", "他の理由")),
    _criterion_column("reason_solvable"),
    _criterion_column("competitor_status"),
    Column("competitor_name", "text", 200, aliases=("競合名", "競合先", "競合他社")),
    _criterion_column("digital_responsiveness"),
    Column(
        "do_not_contact", "bool", aliases=("dnc", "no contact", "連絡不可", "接触禁止", "連絡禁止")
    ),
    Column("notes", "text", aliases=("note", "memo", "comment", "備考", "メモ")),
)
# A criterion's column not placed above (a new one) comes last.
COLUMNS: tuple[Column, ...] = _PLACED + tuple(
    _criterion_column(c.column)
    for c in criteria.active()
    if c.csv is not None and c.column not in {p.name for p in _PLACED}
)
BY_NAME: dict[str, Column] = {c.name: c for c in COLUMNS}
REQUIRED = ("company",)


def stored_fields(names: Iterable[str]) -> set[str]:
    """The Account fields that the given columns fill."""
    return {f for n in names for f in BY_NAME[n].fields}


def header_key(text: str) -> str:
    """Headers compared loosely: case, width, spaces, _ - ・ and brackets do not matter."""
    return re.sub(r"[\s_\-・()]+", "", parse.nfkc(text).lower())


_ALIASES: dict[str, str] = {}
for _c in COLUMNS:
    for _a in (_c.name, *_c.aliases):
        _ALIASES.setdefault(header_key(_a), _c.name)


# Units a header may carry, compared after `header_key`, in days. A month is
# the mean Gregorian month (365.2425 / 12 = 30.436875 days) and a year the
# mean Gregorian year, so that 12 months and 1 year give the same cycle
# (365 days) and 3 months give 91; a 30-day month would make a year 360 days.
DAYS_PER_YEAR = 365.2425
UNITS: dict[str, float] = {
    **dict.fromkeys(("日", "days", "day", "d"), 1.0),
    **dict.fromkeys(
        ("ヶ月", "ケ月", "か月", "カ月", "ヵ月", "箇月", "月", "months", "month", "m"),
        DAYS_PER_YEAR / 12,
    ),
    **dict.fromkeys(("年", "years", "year", "y"), DAYS_PER_YEAR),
}
_UNIT_RE = re.compile(
    r"^(.+?)(" + "|".join(sorted(map(re.escape, UNITS), key=len, reverse=True)) + r")$"
)


@dataclass
class HeaderMap:
    fields: dict[int, str]  # column index -> Account field
    ignored: list[str]  # headers that map to nothing
    errors: list[str]
    # field -> (the unit its header gives, days per that unit), when not days
    units: dict[str, tuple[str, float]] = field(default_factory=dict)


def _with_unit(key: str) -> tuple[str, str, float] | None:
    """A header naming a field that has a unit, plus a unit: (field, unit, days per unit)."""
    m = _UNIT_RE.match(key)
    if m is None:
        return None
    name = _ALIASES.get(m.group(1))
    if name is None or BY_NAME[name].unit is None:
        return None
    return name, m.group(2), UNITS[m.group(2)]


def map_headers(headers: Sequence[str], overrides: dict[str, str] | None = None) -> HeaderMap:
    """Which column is which field. `overrides` (from --map) win; '-' ignores a column."""
    over = {header_key(k): v for k, v in (overrides or {}).items()}
    result = HeaderMap({}, [], [])
    seen: dict[str, str] = {}
    for i, raw in enumerate(headers):
        key = header_key(raw)
        target = over.get(key, _ALIASES.get(key)) if key else None
        unit: tuple[str, float] | None = None
        if target is None and key:
            found = _with_unit(key)
            if found is not None:
                target, unit = found[0], found[1:]
        if target == "-" or target is None:
            if raw.strip():
                result.ignored.append(raw.strip())
            continue
        if target not in BY_NAME:
            result.errors.append(f"--map {raw}={target}: unknown field {target!r}")
            continue
        if target in seen:
            result.errors.append(
                f"columns {seen[target]!r} and {raw.strip()!r} both mean {target}; "
                f"drop one or use --map {raw.strip()}=-"
            )
            continue
        seen[target] = raw.strip()
        result.fields[i] = target
        if unit is not None and unit[1] != 1.0:
            result.units[target] = unit
    present = set(result.fields.values())
    missing = [f for f in REQUIRED if f not in present]
    if missing:
        result.errors.append(
            f"missing required column: {', '.join(missing)} (e.g. 'company' or '会社名'); "
            f"found {', '.join(h.strip() for h in headers if h.strip()) or 'no headers'}"
        )
    return result


def parse_overrides(items: Iterable[str]) -> dict[str, str]:
    """--map COLUMN=FIELD items -> {column: field}; raises ValueError on a bad one."""
    out: dict[str, str] = {}
    for item in items:
        col, sep, target = item.partition("=")
        if not sep or not col.strip():
            raise ValueError(f"--map {item}: expected COLUMN=FIELD, e.g. 取引先名=company")
        target = target.strip() or "-"
        if target != "-" and target not in BY_NAME:
            raise ValueError(
                f"--map {item}: unknown field {target!r}; fields: {', '.join(BY_NAME)}"
            )
        out[col.strip()] = target
    return out


class Vocabulary:
    """The keys each categorical column accepts: the method's own vocabularies
    (reasons, precisions) here, those of the score criteria given by name
    (their keys come from config: importer.vocabulary); one not given accepts
    nothing."""

    __slots__ = ("_extra", "_keys")

    def __init__(self, **scored: Iterable[str]) -> None:
        self._keys: dict[str, tuple[str, ...]] = {
            "reason": tuple(r.value for r in Reason),
            "geo_precision": tuple(p.value for p in Precision),
        }
        self._keys.update((name, tuple(keys)) for name, keys in scored.items())
        # the user's own spellings: vocabulary -> ((normalised value, key), ...)
        self._extra: dict[str, tuple[tuple[str, str], ...]] = {}

    @property
    def reason(self) -> tuple[str, ...]:
        return self._keys["reason"]

    def keys(self, category: str) -> tuple[str, ...]:
        return self._keys.get(category, ())

    def extra(self, name: str) -> dict[str, str]:
        """The user's spellings of vocabulary `name` (normalised value -> key)."""
        return dict(self._extra.get(name, ()))

    def with_values(self, maps: Mapping[str, Mapping[str, str]]) -> Vocabulary:
        """This vocabulary plus the user's spellings, by FIELD (as `check_value_maps` gives)."""
        out = Vocabulary()
        out._keys = dict(self._keys)
        extra = {name: dict(items) for name, items in self._extra.items()}
        for name, values in maps.items():
            target = extra.setdefault(value_vocabulary(BY_NAME[name]) or name, {})
            target.update((parse.norm_value(v), code) for v, code in values.items())
        out._extra = {name: tuple(sorted(items.items())) for name, items in extra.items()}
        return out

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Vocabulary)
            and self._keys == other._keys
            and self._extra == other._extra
        )

    def __hash__(self) -> int:  # RowReader's parsers are cached per vocabulary
        return hash((tuple(sorted(self._keys.items())), tuple(sorted(self._extra.items()))))

    def __repr__(self) -> str:
        return f"Vocabulary({self._keys!r}, extra={self._extra!r})"


def value_vocabulary(col: Column) -> str | None:
    """The closed vocabulary a column's values come from (None: an open one).
    main_reason and other_reasons share `reason`; a flag has its own."""
    if col.kind == "category":
        return col.category
    if col.kind == "reasons":
        return "reason"
    if col.kind == "bool":
        return col.name
    return None


def allowed_values(col: Column, vocab: Vocabulary) -> tuple[str, ...]:
    if col.kind == "bool":
        return parse.BOOL_KEYS
    name = value_vocabulary(col)
    return vocab.keys(name) if name else ()


MAP_VALUE_FORM = "FIELD:VALUE=CODE, e.g. main_reason:競合に切替=competitor"


def parse_value_items(items: Iterable[str]) -> dict[str, dict[str, str]]:
    """--map-value FIELD:VALUE=CODE items -> {FIELD: {VALUE: CODE}} (checked later)."""
    out: dict[str, dict[str, str]] = {}
    for item in items:
        name, sep, rest = item.partition(":")
        value, sep2, code = rest.rpartition("=")
        if not (sep and sep2 and name.strip() and value.strip() and code.strip()):
            raise ValueError(f"--map-value {item}: expected {MAP_VALUE_FORM}")
        out.setdefault(name.strip(), {})[value.strip()] = code.strip()
    return out


def check_value_maps(
    maps: Mapping[str, Mapping[str, str]], vocab: Vocabulary, source: str
) -> dict[str, dict[str, str]]:
    """The user's value mappings with each FIELD resolved (a header such as 休眠理由
    names its field) and each CODE checked; raises ValueError naming `source`."""
    out: dict[str, dict[str, str]] = {}
    closed = [c.name for c in COLUMNS if value_vocabulary(c)]
    for name, values in maps.items():
        field_name = _ALIASES.get(header_key(name))
        col = BY_NAME.get(field_name or "")
        if col is None or value_vocabulary(col) is None:
            raise ValueError(
                f"{source} {name}: not a field with a closed vocabulary; fields: "
                + ", ".join(closed)
            )
        allowed = allowed_values(col, vocab)
        for value, code in values.items():
            text = code.strip()
            if col.kind == "bool":
                try:
                    text = "true" if parse.parse_bool(text) else "false"
                except ValueError:
                    text = ""
            if text not in allowed:
                raise ValueError(
                    f"{source} {col.name}:{value}={code}: unknown code {code!r}; "
                    f"allowed: {', '.join(allowed)}"
                )
            out.setdefault(col.name, {})[value] = text
    return out


@dataclass
class CellError:
    column: str
    value: str
    reason: str
    allowed: tuple[str, ...] | None = None  # set for a value no vocabulary knows


@dataclass
class RowResult:
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[CellError] = field(default_factory=list)


# Columns whose few distinct values repeat on every row: parsed once per value.
_REPEATING = frozenset({"date", "bool", "category", "reasons", "weekdays", "hours"})
_MEMO_SIZE = 4096


@functools.cache
def _reader(col: Column, vocab: Vocabulary) -> Callable[[str], Any]:
    kind = col.kind
    read: Callable[[str], Any]
    if kind == "int":
        read = parse.parse_int
    elif kind == "float":
        read = parse.parse_float
    elif kind == "rate":
        read = parse.parse_rate
    elif kind == "date":
        read = parse.parse_date
    elif kind == "bool":
        flags = vocab.extra(col.name)

        def read(raw: str) -> Any:
            return parse.parse_bool(raw, flags)
    elif kind == "category":
        assert col.category is not None
        keys, cat = vocab.keys(col.category), col.category
        own = vocab.extra(cat)

        def read(raw: str) -> Any:
            return parse.parse_category(raw, cat, keys, own)
    elif kind == "reasons":
        reasons = vocab.extra("reason")

        def read(raw: str) -> Any:
            return parse.parse_reasons(raw, vocab.reason, reasons)
    elif kind == "weekdays":

        def read(raw: str) -> Any:
            return calendar.parse_closed_weekdays(raw) or None  # "なし" stores nothing
    elif kind == "hours":
        read = calendar.parse_hours
    else:
        read = parse.clean_text
    if kind in _REPEATING:
        return functools.lru_cache(maxsize=_MEMO_SIZE)(read)
    return read


class RowReader:
    """Reads rows of one file: the per-column parsers are looked up once, not per cell.

    `units`: field -> (unit, days per unit) of a header that gives another unit
    than the field's (購買サイクル(月)): the number is converted and rounded.
    `translated` counts the closed-vocabulary cells read as another word:
    (field, cell as written, value stored) -> rows.
    """

    def __init__(
        self,
        vocab: Vocabulary,
        today: date,
        units: Mapping[str, tuple[str, float]] | None = None,
    ) -> None:
        self.today = today
        self._columns = {c.name: (c, _reader(c, vocab)) for c in COLUMNS}
        self._split = {c.name: c.stores for c in COLUMNS if c.stores}
        self._units = {name: factor for name, (_, factor) in (units or {}).items()}
        self._closed = {c.name for c in COLUMNS if value_vocabulary(c)}
        self._seen: Counter[tuple[str, str]] = Counter()  # (field, cell) read -> rows
        # the values of the last convert_many, field -> one per row (_MISSING
        # where a cell had an error): read whole by checks of a column
        self.last_columns: dict[str, list[Any]] = {}
        # cells read before, per field whose values are immutable and repeat
        # (dates, numbers, categories): a file of 100,000 rows reads each once
        self._memo: dict[str, dict[str, tuple[Any, str | None, CellError | None]]] = {
            c.name: {} for c in COLUMNS if c.kind in _MEMO_KINDS and not c.stores
        }

    @property
    def translated(self) -> dict[tuple[str, str, str], int]:
        """(field, cell as written, value stored) -> rows, where the two differ."""
        out: dict[tuple[str, str, str], int] = {}
        for (name, raw), n in self._seen.items():
            col, read = self._columns[name]
            value = read(raw)
            stored = ("true" if value else "false") if col.kind == "bool" else str(value)
            if raw.strip() != stored:
                key = (name, raw.strip(), stored)
                out[key] = out.get(key, 0) + n
        return out

    def _read(
        self, name: str, col: Column, read: Callable[[str], Any], raw: str
    ) -> tuple[Any, str | None, CellError | None]:
        """(value, problem with it, error reading it) of one cell."""
        try:
            value = _in_days(raw, self._units[name]) if name in self._units else read(raw)
        except parse.UnknownValue as exc:
            return None, None, CellError(name, exc.value, str(exc), exc.allowed)
        except ValueError as exc:
            return None, None, CellError(name, raw, str(exc))
        return value, _check(col, value, self.today), None

    def convert(self, cells: dict[str, str]) -> RowResult:
        """Read one row's cells (field -> raw text); every problem is collected, not raised."""
        names = list(cells)
        return self.convert_many(names, [[cells[n]] for n in names])[0]

    def convert_many(
        self, names: Sequence[str], columns: Sequence[Sequence[str]]
    ) -> list[RowResult]:
        """Read many rows at once, a column at a time: `columns[j]` holds the
        cells of field `names[j]`, one per row. The same as `convert` on each
        row (problems in the order of the columns), without its per-cell cost:
        text cells are trimmed in one pass, repeating values read once, and
        the rows' dicts built in one go."""
        n = len(columns[0]) if columns else 0
        errors: list[list[CellError]] = [[] for _ in range(n)]
        keys: list[str] = []  # the fields filled, in order
        lists: list[list[Any]] = []  # their values, one per row (_MISSING: not read)
        for name, raws in zip(names, columns, strict=True):
            col, read = self._columns[name]
            if col.kind == "text" and name not in self._units:
                keys.append(name)
                lists.append(_text_column(name, col.max_len, raws, errors))
                continue
            split = self._split.get(name)
            values = self._column(name, col, read, raws, errors)
            if split:
                for k, part in enumerate(split):
                    keys.append(part)
                    lists.append([v if v is _MISSING or v is None else v[k] for v in values])
            else:
                keys.append(name)
                lists.append(values)
        if keys:
            dicts = [dict(zip(keys, vals, strict=True)) for vals in zip(*lists, strict=True)]
        else:
            dicts = [{} for _ in range(n)]
        where = {name: j for j, name in enumerate(names)}
        by_key = dict(zip(keys, lists, strict=True))
        self.last_columns = by_key
        nameless: set[int] = set()
        if "company" in where:
            nameless = {i for i, v in enumerate(by_key["company"]) if v is None}
        odd = _crossing(by_key)  # the rows _cross_checks may find something in
        out: list[RowResult] = []
        for i, (values_i, errors_i) in enumerate(zip(dicts, errors, strict=True)):
            result = RowResult(values_i, errors_i)
            if errors_i:
                for key in [k for k, v in values_i.items() if v is _MISSING]:
                    del values_i[key]
            if i in nameless and not _has(result, "company"):
                errors_i.append(
                    CellError("company", columns[where["company"]][i], "company is required")
                )
            if i in odd:
                _cross_checks(result, columns, where, i)
            out.append(result)
        return out

    def _column(
        self,
        name: str,
        col: Column,
        read: Callable[[str], Any],
        raws: Sequence[str],
        errors: list[list[CellError]],
    ) -> list[Any]:
        """The values of one column's cells (_MISSING where a cell has an
        error, added to that row's errors): each distinct cell read once."""
        memo = self._memo.get(name)
        local: dict[str, tuple[Any, str | None, CellError | None]] = {}
        for raw in set(raws):
            known = memo.get(raw) if memo is not None else None
            if known is None:
                blank = not raw or raw.isspace()
                known = _BLANK if blank else self._read(name, col, read, raw)
                if memo is not None and len(memo) < _MEMO_LIMIT:
                    memo[raw] = known
            local[raw] = known
        if name in self._closed:  # closed vocabularies: count the cells read as each word
            seen = self._seen
            for raw, count in Counter(raws).items():
                known = local[raw]
                if known is not _BLANK and known[2] is None:
                    seen[(name, raw)] += count
        plain = {raw: k[0] for raw, k in local.items() if k[1] is None and k[2] is None}
        if len(plain) == len(local):  # no cell with a problem: looked up in one go
            return list(map(plain.__getitem__, raws))
        values: list[Any] = []
        for i, raw in enumerate(raws):
            value, problem, error = local[raw]
            if error is not None:
                errors[i].append(replace(error))  # each row its own
                values.append(_MISSING)
                continue
            if problem:
                errors[i].append(CellError(name, raw, problem))
                value = _MISSING
            values.append(value)
        return values


def _crossing(by_key: Mapping[str, Sequence[Any]]) -> set[int]:
    """The rows with both order dates, or with only one of lat and lon."""
    odd: set[int] = set()
    first, last = by_key.get("first_order_date"), by_key.get("last_order_date")
    if first is not None and last is not None:
        odd.update(
            i
            for i, (f, t) in enumerate(zip(first, last, strict=True))
            if _given(f) and _given(t) and f > t
        )
    lat, lon = by_key.get("lat"), by_key.get("lon")
    if lat is not None or lon is not None:
        n = len(lat if lat is not None else lon or ())
        lats = lat if lat is not None else [None] * n
        lons = lon if lon is not None else [None] * n
        odd.update(
            i for i, (a, o) in enumerate(zip(lats, lons, strict=True)) if _given(a) != _given(o)
        )
    return odd


def _given(value: Any) -> bool:
    return value is not None and value is not _MISSING


_MISSING: Any = object()  # a cell not read (its error is reported instead)
_BLANK: tuple[Any, str | None, CellError | None] = (None, None, None)  # an empty cell


def _text_column(
    name: str, max_len: int | None, raws: Sequence[str], errors: list[list[CellError]]
) -> list[Any]:
    """parse.clean_text and the length check of a whole column; an error for
    each cell too long (its value then _MISSING)."""
    values: list[Any] = [v or None for v in map(str.strip, raws)]
    if "'" in "".join(raws) and any(v is not None and v[0] == "'" for v in values):
        values = [parse.clean_text(raw) for raw in raws]
    if max_len is not None and max(map(len, filter(None, values)), default=0) > max_len:
        too_long = f"longer than {max_len} characters"
        for i, v in enumerate(values):
            if v is not None and len(v) > max_len:
                errors[i].append(CellError(name, raws[i], too_long))
                values[i] = _MISSING
    return values


_MEMO_KINDS = frozenset({"int", "float", "rate", "date", "bool", "category"})
_MEMO_LIMIT = 20_000  # distinct cells remembered per field (bounded memory)


def _in_days(raw: str, factor: float) -> int:
    """A number of months or years (1.5 allowed) as whole days, rounded half up."""
    return int(parse.parse_float(raw) * factor + 0.5)


def convert_row(cells: dict[str, str], today: date, vocab: Vocabulary) -> RowResult:
    """One row on its own (tests, the app's edit form); files use RowReader."""
    return RowReader(vocab, today).convert(cells)


def _has(out: RowResult, name: str) -> bool:
    return any(e.column == name for e in out.errors)


def _check(col: Column, value: Any, today: date) -> str | None:
    low, high = col.minimum, col.maximum
    if low is not None or high is not None:
        if (low is not None and value < low) or (high is not None and value > high):
            if low is not None and high is not None:
                return f"must be between {low:g} and {high:g}"
            return "must not be negative" if low == 0 else f"must be >= {low:g}"
    elif col.max_len is not None:
        if isinstance(value, str) and len(value) > col.max_len:
            return f"longer than {col.max_len} characters"
    elif col.kind == "date" and value > today:
        return f"is in the future (today is {today.isoformat()})"
    return None


def _cross_checks(
    out: RowResult, columns: Sequence[Sequence[str]], where: Mapping[str, int], i: int
) -> None:
    """Checks across the cells of row `i` (`where`: field -> its column)."""
    v = out.values
    first, last = v.get("first_order_date"), v.get("last_order_date")
    if first is not None and last is not None and first > last:
        out.errors.append(
            CellError(
                "first_order_date",
                _raw(columns, where, "first_order_date", i),
                "is after last_order_date",
            )
        )
    has_lat, has_lon = v.get("lat") is not None, v.get("lon") is not None
    if has_lat != has_lon and not (_has(out, "lat") or _has(out, "lon")):
        which = "lon" if has_lat else "lat"
        out.errors.append(
            CellError(which, _raw(columns, where, which, i), "lat and lon come together")
        )


def _raw(columns: Sequence[Sequence[str]], where: Mapping[str, int], name: str, i: int) -> str:
    j = where.get(name)
    return "" if j is None else columns[j][i]
