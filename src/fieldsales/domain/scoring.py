"""METHOD section 3: the six-criterion weighted score and the A-D rank.

Transparent by design: every total comes with its per-criterion breakdown
(raw value, score 1-10, weight, points) so the rep sees why an account ranks
where it does. All thresholds, weights and maps come from config.yaml.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fieldsales.config import Scoring, Steps

FloatArray = npt.NDArray[np.float64]

CRITERIA = (
    "past_revenue",
    "dormancy_length",
    "reason_solvable",
    "competitor_status",
    "proximity",
    "digital_responsiveness",
)


@dataclass(frozen=True)
class ScoreInputs:
    """The raw facts of one account the score is computed from."""

    lifetime_revenue: int | None
    months_dormant: float | None
    reason_solvable: str | None
    competitor_status: str | None
    distance_km: float | None  # None: the account has no position
    digital_responsiveness: str | None


@dataclass(frozen=True)
class CriterionScore:
    name: str
    raw: object
    score: int | None  # 1-10; None when the criterion cannot be scored (no position)
    weight: float
    points: float
    max_points: float


@dataclass(frozen=True)
class ScoreResult:
    total: float
    rank: str
    criteria: tuple[CriterionScore, ...]
    no_location: bool

    def breakdown(self) -> dict[str, int | None]:
        return {c.name: c.score for c in self.criteria}


def _steps_arrays(steps: Steps) -> tuple[FloatArray, FloatArray, str]:
    if steps.at_least is not None:
        pairs, kind = sorted(steps.at_least), "at_least"
    elif steps.below is not None:
        pairs, kind = sorted(steps.below), "below"
    else:
        pairs, kind = [], "below"
    thr = np.array([t for t, _ in pairs], dtype=float)
    sc = np.array([v for _, v in pairs], dtype=float)
    return thr, sc, kind


def step_scores(values: FloatArray, steps: Steps) -> FloatArray:
    """Vectorised step map; NaN in, NaN out (the caller decides what unknown means).

    `at_least`: score of the highest threshold the value reaches;
    `below`: score of the first (lowest) threshold the value is under.
    """
    thr, sc, kind = _steps_arrays(steps)
    out = np.full(values.shape, float(steps.otherwise))
    if len(thr):
        if kind == "at_least":
            idx = np.searchsorted(thr, values, side="right") - 1
            hit = idx >= 0
            out[hit] = sc[idx[hit]]
        else:
            idx = np.searchsorted(thr, values, side="right")
            hit = idx < len(thr)
            out[hit] = sc[idx[hit]]
    out[np.isnan(values)] = np.nan
    return out


def step_score(value: float, steps: Steps) -> int:
    return int(step_scores(np.array([value], dtype=float), steps)[0])


def category_score(value: str | None, mapping: Mapping[str, int]) -> int:
    key = value or "unknown"
    if key in mapping:
        return mapping[key]
    return mapping.get("unknown", min(mapping.values()))


def category_scores(values: Sequence[str | None], mapping: Mapping[str, int]) -> FloatArray:
    fallback = mapping.get("unknown", min(mapping.values()))
    get = mapping.get
    return np.array([get(v or "unknown", fallback) for v in values], dtype=float)


def score_matrix(
    revenue: FloatArray,
    months: FloatArray,
    reason_solvable: Sequence[str | None],
    competitor_status: Sequence[str | None],
    distance_km: FloatArray,
    digital: Sequence[str | None],
    cfg: Scoring,
) -> FloatArray:
    """Raw facts of n accounts -> (n, 6) scores 1-10 in CRITERIA order; NaN = not scorable.

    Missing revenue counts as 0; an unknown last order (NaN months) as dormant
    longer than any threshold; a missing position leaves proximity unscored.
    """
    n = len(revenue)
    m = np.empty((n, len(CRITERIA)), dtype=float)
    m[:, 0] = step_scores(np.nan_to_num(np.maximum(revenue, 0), nan=0.0), cfg.past_revenue)
    dl = step_scores(months, cfg.dormancy_length)
    m[:, 1] = np.where(np.isnan(months), cfg.dormancy_length.otherwise, dl)
    m[:, 2] = category_scores(reason_solvable, cfg.reason_solvable)
    m[:, 3] = category_scores(competitor_status, cfg.competitor_status)
    m[:, 4] = step_scores(distance_km, cfg.proximity)
    m[:, 5] = category_scores(digital, cfg.digital_responsiveness)
    return m


def weighted(matrix: FloatArray, cfg: Scoring) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(totals, points, max_points) of a score matrix.

    Totals are scaled so that all-10 scores give `max_total` (with the method's
    weights, which sum to 21, the scale is exactly 1 and the total is the plain
    sum of weight x score). A criterion that cannot be scored (no position) is
    left out and the others are scaled up to the same maximum, so an account
    without coordinates is ranked on what is known about it and flagged
    rather than pushed to the bottom.
    """
    w = np.array([getattr(cfg.weights, c) for c in CRITERIA], dtype=float)
    known = ~np.isnan(matrix)
    weight_sum = (known * w).sum(axis=1)
    scale = np.divide(
        cfg.max_total, 10 * weight_sum, out=np.zeros_like(weight_sum), where=weight_sum > 0
    )
    points = np.where(known, matrix * w * scale[:, None], 0.0)
    max_points = np.where(known, 10 * w * scale[:, None], 0.0)
    totals = np.round(points.sum(axis=1), 1)
    return totals, points, max_points


def rank_of(total: float, cfg: Scoring) -> str:
    return str(ranks_of(np.array([total], dtype=float), cfg)[0])


def ranks_of(totals: FloatArray, cfg: Scoring) -> npt.NDArray[np.str_]:
    r = cfg.ranks
    return np.select([totals >= r.a, totals >= r.b, totals >= r.c], ["A", "B", "C"], "D")


def result_from_row(
    scores: FloatArray,
    points: FloatArray,
    max_points: FloatArray,
    total: float,
    cfg: Scoring,
    raw: Mapping[str, object] | None = None,
) -> ScoreResult:
    parts = tuple(
        CriterionScore(
            name=name,
            raw=(raw or {}).get(name),
            score=None if np.isnan(scores[i]) else int(scores[i]),
            weight=float(getattr(cfg.weights, name)),
            points=round(float(points[i]), 2),
            max_points=round(float(max_points[i]), 2),
        )
        for i, name in enumerate(CRITERIA)
    )
    return ScoreResult(
        total=float(total),
        rank=rank_of(float(total), cfg),
        criteria=parts,
        no_location=bool(np.isnan(scores[CRITERIA.index("proximity")])),
    )


def combine(
    scores: Mapping[str, int | None], cfg: Scoring, raw: Mapping[str, object] | None = None
) -> ScoreResult:
    """Weighted total of per-criterion scores (1-10, None = not scorable)."""
    values = [scores.get(c) for c in CRITERIA]
    row: FloatArray = np.array(
        [[np.nan if v is None else float(v) for v in values]], dtype=np.float64
    )
    totals, points, max_points = weighted(row, cfg)
    return result_from_row(row[0], points[0], max_points[0], float(totals[0]), cfg, raw)


def score_account(inputs: ScoreInputs, cfg: Scoring) -> ScoreResult:
    def arr(v: float | None) -> FloatArray:
        return np.array([np.nan if v is None else float(v)], dtype=float)

    m = score_matrix(
        arr(inputs.lifetime_revenue),
        arr(inputs.months_dormant),
        [inputs.reason_solvable],
        [inputs.competitor_status],
        arr(inputs.distance_km),
        [inputs.digital_responsiveness],
        cfg,
    )
    totals, points, max_points = weighted(m, cfg)
    return result_from_row(m[0], points[0], max_points[0], float(totals[0]), cfg, raw_of(inputs))


def raw_of(inputs: ScoreInputs) -> dict[str, object]:
    return {
        "past_revenue": inputs.lifetime_revenue,
        "dormancy_length": None
        if inputs.months_dormant is None
        else round(inputs.months_dormant, 1),
        "reason_solvable": inputs.reason_solvable,
        "competitor_status": inputs.competitor_status,
        "proximity": None if inputs.distance_km is None else round(inputs.distance_km, 2),
        "digital_responsiveness": inputs.digital_responsiveness,
    }
