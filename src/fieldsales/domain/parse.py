"""Reading the values reps really type into spreadsheets (pure, no I/O).

Every parser takes the raw cell text and returns a typed value or raises
`ValueError` with a short reason a user can act on ("not a date: expected
2024-04-01, 2024/04/01 or 令和6年4月1日"). Cells are NFKC-normalised first so
full-width digits, ＠ and ㈱ read like their ASCII forms.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date

from fieldsales.domain import criteria

# Era names as typed: full, kanji initial, Latin initial (R5.4.1, H30/12/24).
_ERAS: dict[str, str] = {
    "令和": "令和",
    "令": "令和",
    "R": "令和",
    "平成": "平成",
    "平": "平成",
    "H": "平成",
    "昭和": "昭和",
    "昭": "昭和",
    "S": "昭和",
    "大正": "大正",
    "大": "大正",
    "T": "大正",
    "明治": "明治",
    "明": "明治",
    "M": "明治",
}
_ERA_RE = re.compile(
    r"^(令和|平成|昭和|大正|明治|令|平|昭|大|明|[RHSTM])\s*(\d{1,2}|元)\s*[年.\-/]\s*"
    r"(\d{1,2})\s*[月.\-/]\s*(\d{1,2})\s*日?$",
    re.IGNORECASE,
)
_YMD_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
# ISO with a time part (2024-04-01T09:00:00): the date is what counts here.
_ISO_TIME_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ]\d{1,2}:\d{2}")

DATE_FORMS = "2024-04-01, 2024/04/01, 2024年4月1日 or 令和6年4月1日"


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


# what follows the ' that `fieldsales export` puts before a formula-like cell
GUARDED = "=+-@\t\r\n\uff1d\uff0b\uff0d\uff20"


def clean_text(raw: str) -> str | None:
    """A text cell: NFKC-trimmed; empty -> None; undo our own CSV-injection guard.

    `fieldsales export` writes a leading ' before cells starting with = + - @
    (or their full-width forms, or a tab, CR or line feed)
    so that spreadsheets do not run them; reading them back removes it, so an
    export re-imported is unchanged.
    """
    text = raw.strip()
    if not text:
        return None
    if len(text) > 1 and text[0] == "'" and text[1] in GUARDED:
        text = text[1:]
    return text


def parse_date(raw: str) -> date:
    text = nfkc(raw)
    m = _YMD_RE.match(text) or _COMPACT_RE.match(text)
    if m is None:
        t = _ISO_TIME_RE.match(text)
        if t is not None:
            m = _YMD_RE.match(t.group(1))
    if m is not None:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError as exc:
            raise ValueError(f"not a real date ({exc})") from None
    era = _ERA_RE.match(text)
    if era is not None:
        return _era_date(era)
    raise ValueError(f"not a date: expected {DATE_FORMS}")


def _era_date(m: re.Match[str]) -> date:
    from jpdatetime import jpdatetime  # imported on first era date only

    name = _ERAS[m.group(1).upper() if len(m.group(1)) == 1 else m.group(1)]
    year = m.group(2)
    canonical = f"{name}{year}年{int(m.group(3))}月{int(m.group(4))}日"
    try:
        return jpdatetime.strptime(canonical, "%G年%m月%d日").date()
    except ValueError:
        raise ValueError(f"not a real date in the {name} era: {m.group(0)}") from None


_NUMBER_JUNK = str.maketrans("", "", ",_ '¥\\$円")


def _number_text(raw: str) -> tuple[str, bool]:
    """Strip separators and yen signs; return the text and whether it had a %."""
    text = nfkc(raw).replace("△", "-").replace("▲", "-")  # Japanese minus signs
    percent = text.endswith("%")
    if percent:
        text = text[:-1]
    if text.startswith("'"):
        text = text[1:]
    return text.translate(_NUMBER_JUNK), percent


def parse_int(raw: str) -> int:
    """Whole numbers: 1200000, 1,200,000, ¥1,200,000, １，２００，０００円, △500 (minus)."""
    text, percent = _number_text(raw)
    if percent:
        raise ValueError("not a whole number (has %)")
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        raise ValueError("not a number") from None
    if not value.is_integer():
        raise ValueError("not a whole number")
    return int(value)


def parse_float(raw: str) -> float:
    text, percent = _number_text(raw)
    try:
        value = float(text)
    except ValueError:
        raise ValueError("not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError("not a finite number")
    return value / 100 if percent else value


def parse_rate(raw: str) -> float:
    """A fraction 0-1, also typed as 30% or 30 (read as percent when above 1)."""
    percent = nfkc(raw).endswith("%")
    value = parse_float(raw)
    if not percent and value > 1:
        value = value / 100
    if not 0 <= value <= 1:
        raise ValueError("must be between 0 and 1 (or 0% and 100%)")
    return value


class UnknownValue(ValueError):
    """A closed-vocabulary cell whose value is none of the known spellings:
    `value` as written, `allowed` the keys (or true/false) it may be mapped to."""

    def __init__(self, value: str, allowed: tuple[str, ...], message: str = "") -> None:
        super().__init__(message or f"unknown value: expected one of {', '.join(allowed)}")
        self.value, self.allowed = value, allowed


# Flags as CRMs and spreadsheets write them (do_not_contact: 1/○/済/TRUE/はい/yes).
_TRUE = frozenset(
    {
        *("1", "true", "yes", "y", "t", "x", "on", "ok", "dnc", "ng"),
        *("はい", "○", "◯", "●", "✓", "✔", "☑", "レ", "済", "済み", "有", "あり", "要"),
        *("不可", "拒否", "禁止", "連絡不可", "接触禁止", "対象", "該当"),
    }
)
_FALSE = frozenset(
    {
        *("0", "false", "no", "n", "f", "-", "off", "none"),
        *("いいえ", "可", "否", "無", "なし", "無し", "☐", "対象外", "非該当"),
    }
)
BOOL_KEYS = ("true", "false")


def parse_bool(raw: str, extra: Mapping[str, str] | None = None) -> bool:
    """A yes/no flag; `extra` maps more spellings (normalised) to "true"/"false"."""
    if extra:  # the user's word wins
        mapped = extra.get(_norm_label(raw))
        if mapped is not None:
            return mapped == "true"
    text = nfkc(raw).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise UnknownValue(
        raw.strip(), BOOL_KEYS, "not yes/no: expected 1/0, true/false, yes/no, はい/いいえ or ○"
    )


def _norm_label(text: str) -> str:
    return re.sub(r"[\s_\-・/()]+", "", nfkc(text).lower())


# Japanese (and common English) ways of writing the categorical values; those
# of the score criteria are in their registry entries (domain/criteria.py).
CATEGORY_ALIASES: dict[str, dict[str, str]] = {
    "reason": {
        "商品・サービスへの不満": "product",
        "商品への不満": "product",
        "サービスへの不満": "product",
        "品質": "product",
        "品質・機能": "product",
        "商品不満": "product",
        "価格への不満": "price",
        "価格": "price",
        "価格不満": "price",
        "顧客環境の変化": "customer_change",
        "担当者変更": "customer_change",
        "担当者の変更": "customer_change",
        "組織変更": "customer_change",
        "方針変更": "customer_change",
        "環境変化": "customer_change",
        "単純な忘却": "forgotten",
        "忘却": "forgotten",
        "競合へ乗り換え": "competitor",
        "競合": "competitor",
        "他社へ乗り換え": "competitor",
        "競合に切替": "competitor",
        "競合に切り替え": "competitor",
        "競合へ切替": "competitor",
        "競合へ切り替え": "competitor",
        "他社に切替": "competitor",
        "他社に切り替え": "competitor",
        "他社へ切替": "competitor",
        "他社に乗り換え": "competitor",
        "競合に乗り換え": "competitor",
        "競合他社へ移行": "competitor",
        "他社へ移行": "competitor",
        "他社製品": "competitor",
        "他社": "competitor",
        "競合に流出": "competitor",
        "switched to competitor": "competitor",
        "competition": "competitor",
        "lost to competitor": "competitor",
        "高い": "price",
        "価格が高い": "price",
        "値段": "price",
        "値上げ": "price",
        "too expensive": "price",
        "pricing": "price",
        "product issue": "product",
        "quality": "product",
        "クレーム": "product",
        "担当変更": "customer_change",
        "移転": "customer_change",
        "倒産・廃業": "need_gone",
        "廃業": "need_gone",
        "不要": "need_gone",
        "ニーズなし": "need_gone",
        "no need": "need_gone",
        "no longer needed": "need_gone",
        "景気": "external",
        "景気悪化": "external",
        "market": "external",
        "忘れ": "forgotten",
        "forgot": "forgotten",
        "フォロー不足": "low_contact",
        "連絡不足": "low_contact",
        "no contact": "low_contact",
        "lack of contact": "low_contact",
        "該当なし": "other",
        "未確認": "unknown",
        "不詳": "unknown",
        "n/a": "unknown",
        "ニーズ消滅": "need_gone",
        "需要消滅": "need_gone",
        "外部環境の変化": "external",
        "外部要因": "external",
        "コミュニケーション不足": "low_contact",
        "接触不足": "low_contact",
        "その他": "other",
        "不明": "unknown",
        "customer change": "customer_change",
        "need gone": "need_gone",
        "low contact": "low_contact",
    },
    "geo_precision": {
        "建物": "building",
        "番地": "street",
        "町丁目": "town",
        "町": "town",
        "市区町村": "city",
        "なし": "none",
    },
}


def parse_category(
    raw: str, kind: str, allowed: Iterable[str], extra: Mapping[str, str] | None = None
) -> str:
    """A categorical value given as its key or a known label; `allowed` are the keys,
    `extra` the user's own spellings (import.values, --map-value: value -> key)."""
    keys = tuple(allowed)
    found = _label_table(kind, keys, tuple(sorted((extra or {}).items()))).get(_norm_label(raw))
    if found is None:
        raise UnknownValue(raw.strip(), keys)
    return found


def norm_value(text: str) -> str:
    """A value as the vocabularies compare it: case, width, spaces and ・/()-_ do not matter."""
    return _norm_label(text)


@functools.cache
def _label_table(
    kind: str, keys: tuple[str, ...], extra: tuple[tuple[str, str], ...] = ()
) -> dict[str, str]:
    """Every accepted spelling (normalised) -> key; built once per vocabulary."""
    aliases = CATEGORY_ALIASES.get(kind) or criteria.value_aliases(kind)
    table = {_norm_label(alias): key for alias, key in aliases.items() if key in keys}
    table.update({_norm_label(k): k for k in keys})  # a key always means itself
    table.update({_norm_label(v): k for v, k in extra if k in keys})  # the user's word wins
    return table


def parse_reasons(
    raw: str, allowed: Iterable[str], extra: Mapping[str, str] | None = None
) -> str | None:
    """Several reasons in one cell (comma, 、 or / separated) -> comma-separated keys."""
    keys = list(allowed)
    parts = [p for p in re.split(r"[,、;/|]", nfkc(raw)) if p.strip()]
    found = [parse_category(p, "reason", keys, extra) for p in parts]
    return ",".join(dict.fromkeys(found)) or None


# Company-form words that people write or drop at will: 株式会社 ABC = ABC(株).
_COMPANY_FORMS = re.compile(
    r"株式会社|有限会社|合同会社|合資会社|合名会社|一般社団法人|一般財団法人|"
    r"\(株\)|\(有\)|\(同\)|\bco\.?,?\s*ltd\.?|\binc\.?|\bcorp(oration)?\.?|\bk\.?k\.?\b",
    re.IGNORECASE,
)
_DASHES = re.compile(r"[‐‑‒–—―−ｰー-]")
_KEY_JUNK = re.compile(r"[\s,.、。・'\"()\[\]「」『』]+")


def normalise_company(company: str) -> str:
    text = nfkc(company).lower()
    text = _COMPANY_FORMS.sub("", text)
    return _KEY_JUNK.sub("", text)


def normalise_address(prefecture: str | None, city: str | None, address: str | None) -> str:
    """One spelling for an address: prefecture and city added if missing, 1丁目2番3号 = 1-2-3."""
    text = nfkc(address or "")
    for part in (city, prefecture):
        p = _nfkc_part(part or "")
        if p and not text.startswith(p):
            text = p + text
    # each rule only where its word is (most addresses are already written 1-2-3)
    if "丁目" in text:
        text = _after_digits(text, "丁目", "-") or _CHOME.sub(r"\1-", text)
    if "番" in text:
        text = _after_digits(text, "番", "-") or _BANCHI.sub(r"\1-", text)
    if "号" in text:
        text = _after_digits(text, "号", "") or _GO.sub(r"\1", text)
    text = _DASHES.sub("-", text)
    text = _KEY_JUNK.sub("", text.lower())
    if "--" in text:
        text = _MANY_DASHES.sub("-", text)
    return text.strip("-")


def _after_digits(text: str, word: str, repl: str) -> str | None:
    """The rewrite of `(\\d+)\\s*WORD` (and for 番, 番地) to `\\1REPL` without the
    regex: when every WORD follows a digit and no space is around (the usual
    case), replacing the word is the same. None when the regex is needed."""
    if _SPACE.search(text):
        return None
    at = text.find(word)
    while at >= 0:
        if at == 0 or not text[at - 1].isdecimal():
            return None
        at = text.find(word, at + len(word))
    if word == "番":
        text = text.replace("番地", "番")
    return text.replace(word, repl)


_SPACE = re.compile(r"\s")
_CHOME = re.compile(r"(\d+)\s*丁目\s*")
_BANCHI = re.compile(r"(\d+)\s*番地?\s*")
_GO = re.compile(r"(\d+)\s*号")
_MANY_DASHES = re.compile(r"-+")


@functools.lru_cache(maxsize=4096)
def _nfkc_part(text: str) -> str:
    """A prefecture or city (few distinct values) NFKC-normalised."""
    return nfkc(text)


MATCH_KEY_MAX = 400  # Account.match_key column length


def match_key(company: str, prefecture: str | None, city: str | None, address: str | None) -> str:
    """The re-import key of an account without an external id."""
    key = f"{normalise_company(company)}|{normalise_address(prefecture, city, address)}"
    return key[:MATCH_KEY_MAX]


_SEP = "\x00"  # joins a column's cells: no rule below matches it, NFKC leaves it alone


def match_keys(
    companies: Sequence[str],
    prefectures: Sequence[str | None],
    cities: Sequence[str | None],
    addresses: Sequence[str | None],
) -> list[str]:
    """match_key of many accounts at once, equal to it item by item: each
    rewriting runs once over a whole column joined by a character that none
    of them matches or changes (NFKC, lower case, the regexes), instead of
    once per cell."""
    n = len(companies)
    if not n:
        return []
    company_text = _SEP.join(companies)
    address_text = _SEP.join(a or "" for a in addresses)
    if company_text.count(_SEP) != n - 1 or address_text.count(_SEP) != n - 1:
        return list(map(match_key, companies, prefectures, cities, addresses))
    names = _many(company_text, lambda t: _KEY_JUNK.sub("", _COMPANY_FORMS.sub("", t.lower())))
    texts = [t.strip() for t in unicodedata.normalize("NFKC", address_text).split(_SEP)]
    for i, (text, prefecture, city) in enumerate(zip(texts, prefectures, cities, strict=True)):
        for part in (city, prefecture):
            p = _nfkc_part(part or "")
            if p and not text.startswith(p):
                text = p + text
        texts[i] = text
    joined = _SEP.join(texts)
    if "丁目" in joined:
        joined = _CHOME.sub(r"\1-", joined)
    if "番" in joined:
        joined = _BANCHI.sub(r"\1-", joined)
    if "号" in joined:
        joined = _GO.sub(r"\1", joined)
    joined = _KEY_JUNK.sub("", _DASHES.sub("-", joined).lower())
    if "--" in joined:
        joined = _MANY_DASHES.sub("-", joined)
    places = joined.split(_SEP)
    return [
        f"{name}|{place.strip('-')}"[:MATCH_KEY_MAX]
        for name, place in zip(names, places, strict=True)
    ]


def _many(joined: str, rewrite: Callable[[str], str]) -> list[str]:
    """NFKC-trimmed cells of a joined column, then `rewrite` over the whole of it."""
    cells = [t.strip() for t in unicodedata.normalize("NFKC", joined).split(_SEP)]
    return rewrite(_SEP.join(cells)).split(_SEP)
