"""METHOD section 3: the six-criterion weighted score and the A-D rank.

Transparent by design: every total comes with its per-criterion breakdown
(raw value, score 1-10, weight, points) so the rep sees why an account ranks
where it does. All thresholds, weights and maps come from config.yaml.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from fieldsales.config import Scoring, Steps

CRITERIA = (
    "past_revenue",
    "dormancy_length",
    "reason_solvable",
    "competitor_status",
    "proximity",
    "digital_responsiveness",
)

CRITERION_LABELS = {
    "en": {
        "past_revenue": "past revenue",
        "dormancy_length": "dormancy length",
        "reason_solvable": "reason solvable",
        "competitor_status": "competitor status",
        "proximity": "proximity",
        "digital_responsiveness": "digital response",
    },
    "ja": {
        "past_revenue": "過去の取引総額",
        "dormancy_length": "休眠期間",
        "reason_solvable": "原因の解決可能性",
        "competitor_status": "競合利用状況",
        "proximity": "地理的近接性",
        "digital_responsiveness": "デジタル反応性",
    },
}


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


def step_score(value: float, steps: Steps) -> int:
    if steps.at_least is not None:
        best: tuple[float, int] | None = None
        for threshold, score in steps.at_least:
            if value >= threshold and (best is None or threshold > best[0]):
                best = (threshold, score)
        return best[1] if best else steps.otherwise
    if steps.below is not None:
        for threshold, score in sorted(steps.below):
            if value < threshold:
                return score
    return steps.otherwise


def category_score(value: str | None, mapping: Mapping[str, int]) -> int:
    key = value or "unknown"
    if key in mapping:
        return mapping[key]
    return mapping.get("unknown", min(mapping.values()))


def criterion_scores(inputs: ScoreInputs, cfg: Scoring) -> dict[str, int | None]:
    """Raw account facts -> a 1-10 score per criterion (None: not scorable)."""
    months = inputs.months_dormant
    return {
        "past_revenue": step_score(max(0, inputs.lifetime_revenue or 0), cfg.past_revenue),
        # Unknown last order: treated as dormant for longer than any threshold.
        "dormancy_length": (
            step_score(months, cfg.dormancy_length)
            if months is not None
            else cfg.dormancy_length.otherwise
        ),
        "reason_solvable": category_score(inputs.reason_solvable, cfg.reason_solvable),
        "competitor_status": category_score(inputs.competitor_status, cfg.competitor_status),
        "proximity": (
            step_score(inputs.distance_km, cfg.proximity)
            if inputs.distance_km is not None
            else None
        ),
        "digital_responsiveness": category_score(
            inputs.digital_responsiveness, cfg.digital_responsiveness
        ),
    }


def rank_of(total: float, cfg: Scoring) -> str:
    if total >= cfg.ranks.a:
        return "A"
    if total >= cfg.ranks.b:
        return "B"
    if total >= cfg.ranks.c:
        return "C"
    return "D"


def combine(
    scores: Mapping[str, int | None], cfg: Scoring, raw: Mapping[str, object] | None = None
) -> ScoreResult:
    """Weighted total of per-criterion scores.

    Totals are scaled so that all-10 scores give `max_total` (with the method's
    weights, which sum to 21, the scale is exactly 1 and the total is the plain
    sum of weight x score). A criterion that cannot be scored (no position)
    is left out and the others are scaled up to the same maximum, so an
    account without coordinates is ranked on what is known about it and
    flagged rather than pushed to the bottom.
    """
    weights = cfg.weights.model_dump()
    available = [n for n in CRITERIA if scores.get(n) is not None]
    weight_sum = sum(weights[n] for n in available)
    scale = cfg.max_total / (10 * weight_sum) if weight_sum else 0.0
    parts = []
    total = 0.0
    for name in CRITERIA:
        score = scores.get(name)
        w = weights[name]
        points = w * score * scale if score is not None else 0.0
        total += points
        parts.append(
            CriterionScore(
                name=name,
                raw=(raw or {}).get(name),
                score=score,
                weight=w,
                points=round(points, 2),
                max_points=round(w * 10 * scale, 2) if score is not None else 0.0,
            )
        )
    total = round(total, 1)
    return ScoreResult(
        total=total,
        rank=rank_of(total, cfg),
        criteria=tuple(parts),
        no_location=scores.get("proximity") is None,
    )


def score_account(inputs: ScoreInputs, cfg: Scoring) -> ScoreResult:
    raw = {
        "past_revenue": inputs.lifetime_revenue,
        "dormancy_length": None
        if inputs.months_dormant is None
        else round(inputs.months_dormant, 1),
        "reason_solvable": inputs.reason_solvable,
        "competitor_status": inputs.competitor_status,
        "proximity": None if inputs.distance_km is None else round(inputs.distance_km, 2),
        "digital_responsiveness": inputs.digital_responsiveness,
    }
    return combine(criterion_scores(inputs, cfg), cfg, raw)
