"""docs/method.md#score-and-ranks as data: one entry per score criterion, in its order.

Everything else about a criterion is derived from its entry:

- the account columns the ranking query fetches (store/queries.rank_fields);
- its column of the score matrix (domain/scoring.score_matrix) and its weight,
  config `scoring.weights.<weight_key>`;
- the CSV column of its own account field: header aliases and, for a closed
  vocabulary, the ways its values are written (domain/columns, domain/parse;
  the keys themselves are those of config `scoring.<config_key>`), and the
  value stored when a file leaves it empty (store/importer);
- its line in the score bars and on the detail screen: label, how the raw
  value is shown (tui/widgets/score_bars, tui/screens/detail);
- its place in the CLI breakdown and caption (commands/rank).

A new criterion: one entry here; its weight (and thresholds or map) in
config.yaml with the matching config.py fields; its label in
i18n.labels.CRITERION_LABELS; for a new account column, its migration and model
field (and an AccountCard field when the detail screen shows it from the card).

A criterion that scores only its account's own columns is `cached` (its score
is kept with the account, domain/score_cache.py); one that reads the derived
facts (months_dormant, distance_km) must say `cached=False`.

`register` (or the `registered` context) adds an entry at run time: the next
ranking, its score bars and the CLI caption include it.

Pure: numpy only; config types are for annotations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from fieldsales.domain.score_maps import FloatArray, category_scores, floats, step_scores

if TYPE_CHECKING:
    from fieldsales.config import Scoring

# The facts a score is computed from: account columns by name (as fetched: a
# sequence per column; numeric ones may already be float arrays), plus these
# two the ranking derives for the day and the reference point.
Facts = Mapping[str, Any]
MONTHS_DORMANT = "months_dormant"  # from last_order_date and the day; NaN: never ordered
DISTANCE_KM = "distance_km"  # from lat, lon and the reference point; NaN: no position
PROXIMITY = "proximity"  # the criterion whose missing score flags "no location"

Display = Literal["yen", "months", "km", "category", "number"]
Scorer = Callable[[Facts, "Scoring"], FloatArray]
RawValue = Callable[[Facts, int], object]


@dataclass(frozen=True)
class CsvColumn:
    """How a criterion's own account column is read from a CSV file."""

    kind: Literal["int", "float", "category"]
    aliases: tuple[str, ...] = ()  # header names, compared after columns.header_key
    minimum: float | None = None
    # closed vocabulary: other spellings of a value -> its key (the keys: config)
    value_aliases: Mapping[str, str] = field(default_factory=dict)
    default: object = None  # stored when the file leaves the cell empty (NOT NULL)


@dataclass(frozen=True)
class Criterion:
    id: str
    reads: tuple[str, ...]  # account columns the ranking fetches for it
    score: Scorer  # (n,) scores 1-10 of the facts; NaN: cannot be scored
    short: str  # its word in the CLI breakdown caption
    display: Display = "number"  # how its raw value is shown
    raw: RawValue | None = None  # the raw value its score carries (None: carries none)
    weight_key: str = ""  # config scoring.weights key ("" = id)
    label_key: str = ""  # key in i18n.labels.CRITERION_LABELS ("" = id)
    config_key: str = ""  # config scoring.<key>: its thresholds or map ("" = id)
    csv: CsvColumn | None = None  # how `reads[0]` is read from CSV (None: read elsewhere)
    detail_field: str | None = None  # account field shown when the score carries no raw
    missing_key: str | None = None  # translation key shown for no raw value (else "—")
    # False: the score depends on the day or the reference point (derived facts),
    # so it is computed at each ranking; True: on the account's own columns only,
    # so its score is kept with the account (domain/score_cache.py)
    cached: bool = True

    def __post_init__(self) -> None:
        for name in ("weight_key", "label_key", "config_key"):
            if not getattr(self, name):
                object.__setattr__(self, name, self.id)

    @property
    def column(self) -> str:
        """The account column the criterion is about (its CSV column)."""
        return self.reads[0]

    def weight(self, cfg: Scoring) -> float:
        return float(getattr(cfg.weights, self.weight_key))

    def vocabulary(self, cfg: Scoring) -> tuple[str, ...]:
        """The keys a closed-vocabulary criterion accepts: those of its config map."""
        return tuple(getattr(cfg, self.config_key))


def _number(value: Any, digits: int | None) -> float | int | None:
    if value is None or np.isnan(value):
        return None
    return int(value) if digits is None else round(float(value), digits)


@dataclass(frozen=True)
class RawNumber:
    """The raw value of a numeric fact: an int, or rounded to `digits`; None if
    missing. `many` gives those of many accounts at once (a listing's batch)."""

    fact: str
    digits: int | None = None

    def __call__(self, facts: Facts, i: int) -> object:
        return _number(facts[self.fact][i], self.digits)

    def many(self, facts: Facts, positions: Any) -> list[Any]:
        values = facts[self.fact]
        if not (isinstance(values, np.ndarray) and values.dtype.kind == "f"):
            return [_number(values[int(j)], self.digits) for j in positions]
        picked = values[positions].tolist()
        if self.digits is None:
            return [None if v != v else int(v) for v in picked]
        d = self.digits
        return [None if v != v else round(v, d) for v in picked]


def raw_number(fact: str, digits: int | None = None) -> RawValue:
    """The raw value of a numeric fact: an int, or rounded to `digits`; None if missing."""
    return RawNumber(fact, digits)


def category(column: str, short: str, csv: CsvColumn) -> Criterion:
    """A closed-vocabulary criterion: config scoring.<column> maps each key to a score;
    a missing or unknown key scores as `unknown`."""

    def score(facts: Facts, cfg: Scoring) -> FloatArray:
        return category_scores(facts[column], getattr(cfg, column))

    return Criterion(
        column,
        (column,),
        score,
        short,
        display="category",
        csv=csv,
        detail_field=column,
    )


def _past_revenue(facts: Facts, cfg: Scoring) -> FloatArray:
    # missing revenue counts as 0, and so does a negative one
    revenue = np.maximum(floats(facts["lifetime_revenue"]), 0)
    return step_scores(np.nan_to_num(revenue, nan=0.0), cfg.past_revenue)


def _dormancy_length(facts: Facts, cfg: Scoring) -> FloatArray:
    # an unknown last order counts as dormant longer than any threshold
    months = floats(facts[MONTHS_DORMANT])
    steps = cfg.dormancy_length
    return np.where(np.isnan(months), steps.otherwise, step_scores(months, steps))


def _proximity(facts: Facts, cfg: Scoring) -> FloatArray:
    # no position: not scorable (NaN); the others are scaled up (scoring.weighted)
    return step_scores(floats(facts[DISTANCE_KM]), cfg.proximity)


_UNKNOWN = "unknown"

CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        "past_revenue",
        ("lifetime_revenue",),
        _past_revenue,
        "revenue",
        display="yen",
        raw=raw_number("lifetime_revenue"),
        csv=CsvColumn(
            "int",
            ("revenue", "total revenue", "累計取引額", "取引総額", "累計売上", "過去の取引総額"),
            minimum=0,
            default=0,
        ),
    ),
    Criterion(
        "dormancy_length",
        ("last_order_date",),
        _dormancy_length,
        "dormancy",
        display="months",
        raw=raw_number(MONTHS_DORMANT, 1),
        cached=False,  # changes with the day
    ),
    category(
        "reason_solvable",
        "solvable",
        CsvColumn(
            "category",
            ("solvable", "解決度", "解決可能性", "原因の解決度"),
            value_aliases={
                "解決不可": "unsolvable",
                "解決不能": "unsolvable",
                "困難": "hard",
                "一部解決": "partly",
                "一部": "partly",
                "ほぼ解決": "mostly",
                "解決済": "solved",
                "解決済み": "solved",
                "解決": "solved",
                "解決可能": "mostly",
                "難しい": "hard",
                "不可能": "unsolvable",
                "部分的": "partly",
                "部分的に解決": "partly",
                "not solvable": "unsolvable",
                "impossible": "unsolvable",
                "difficult": "hard",
                "partial": "partly",
                "partially": "partly",
                "mostly solved": "mostly",
                "likely": "mostly",
                "resolved": "solved",
                "不明": "unknown",
                "未確認": "unknown",
            },
            default=_UNKNOWN,
        ),
    ),
    category(
        "competitor_status",
        "competitor",
        CsvColumn(
            "category",
            ("competitor", "競合状況", "競合利用状況"),
            value_aliases={
                "長期契約": "long_contract",
                "競合と長期契約": "long_contract",
                "主要取引先": "main_supplier",
                "メイン": "main_supplier",
                "一部利用": "partial",
                "併用": "partial",
                "試用": "trial",
                "トライアル": "trial",
                "なし": "none",
                "利用なし": "none",
                "無し": "none",
                "未使用": "none",
                "利用していない": "none",
                "契約中": "long_contract",
                "長期": "long_contract",
                "年間契約": "long_contract",
                "メイン取引": "main_supplier",
                "主力": "main_supplier",
                "主に競合": "main_supplier",
                "一部": "partial",
                "一部併用": "partial",
                "お試し": "trial",
                "試験導入": "trial",
                "long contract": "long_contract",
                "contract": "long_contract",
                "main supplier": "main_supplier",
                "main": "main_supplier",
                "primary": "main_supplier",
                "partly": "partial",
                "shared": "partial",
                "testing": "trial",
                "no": "none",
                "not using": "none",
                "不明": "unknown",
                "未確認": "unknown",
            },
            default=_UNKNOWN,
        ),
    ),
    Criterion(
        PROXIMITY,
        ("lat", "lon"),
        _proximity,
        "proximity",
        display="km",
        raw=raw_number(DISTANCE_KM, 2),
        missing_key="no location",
        cached=False,  # changes with the reference point
    ),
    category(
        "digital_responsiveness",
        "digital",
        CsvColumn(
            "category",
            ("digital", "responsiveness", "デジタル反応", "デジタル反応性"),
            value_aliases={
                "反応なし": "never",
                "なし": "never",
                "低": "low",
                "低い": "low",
                "中": "medium",
                "普通": "medium",
                "高": "high",
                "高い": "high",
                "非常に高い": "very_high",
                "とても高い": "very_high",
                "very high": "very_high",
                "無反応": "never",
                "反応無し": "never",
                "未反応": "never",
                "やや低い": "low",
                "少ない": "low",
                "ふつう": "medium",
                "標準": "medium",
                "良い": "high",
                "多い": "high",
                "極めて高い": "very_high",
                "最高": "very_high",
                "none": "never",
                "no response": "never",
                "mid": "medium",
                "average": "medium",
                "normal": "medium",
                "excellent": "very_high",
                "不明": "unknown",
                "未確認": "unknown",
            },
            default=_UNKNOWN,
        ),
    ),
)

_active: tuple[Criterion, ...] = CRITERIA


def active() -> tuple[Criterion, ...]:
    """The criteria in effect: CRITERIA, then any registered, in that order."""
    return _active


def register(entry: Criterion) -> None:
    """Add a criterion after the others (its weight must be in the settings used)."""
    global _active
    if any(c.id == entry.id for c in _active):
        raise ValueError(f"criterion {entry.id!r} is already registered")
    _active = (*_active, entry)


@contextmanager
def registered(*entries: Criterion) -> Iterator[tuple[Criterion, ...]]:
    """The criteria with `entries` added, for the duration of the block."""
    global _active
    saved = _active
    try:
        for entry in entries:
            register(entry)
        yield _active
    finally:
        _active = saved


def find(criterion_id: str) -> Criterion | None:
    return next((c for c in _active if c.id == criterion_id), None)


def ids() -> tuple[str, ...]:
    return tuple(c.id for c in _active)


def columns_read() -> tuple[str, ...]:
    """Every account column the criteria in effect read, once, in their order."""
    return tuple(dict.fromkeys(n for c in _active for n in c.reads))


def cached() -> tuple[Criterion, ...]:
    """The criteria in effect whose scores are kept with the account."""
    return tuple(c for c in _active if c.cached)


def value_aliases(vocabulary: str) -> Mapping[str, str]:
    """Spellings of the values of a criterion's closed vocabulary (empty if none)."""
    for c in _active:
        if c.csv is not None and c.config_key == vocabulary:
            return c.csv.value_aliases
    return {}
