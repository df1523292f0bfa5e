"""docs/method.md#score-and-ranks: the six-criterion weighted score and the A-D rank.

Transparent by design: every total comes with its per-criterion breakdown
(raw value, score 1-10, weight, points) so the rep sees why an account ranks
where it does. All thresholds, weights and maps come from config.yaml; what the criteria
are, and how each is scored, from the registry in domain/criteria.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from fieldsales.domain import criteria as registry
from fieldsales.domain.criteria import DISTANCE_KM, MONTHS_DORMANT, PROXIMITY, Criterion, Facts
from fieldsales.domain.score_maps import (
    FloatArray,
    category_score,
    category_scores,
    step_score,
    step_scores,
)

if TYPE_CHECKING:
    from fieldsales.config import Scoring

__all__ = [
    "CRITERIA",
    "CriterionScore",
    "ScoreInputs",
    "ScoreResult",
    "category_score",
    "category_scores",
    "combine",
    "rank_of",
    "ranks_of",
    "result_from_row",
    "score_account",
    "score_matrix",
    "step_score",
    "step_scores",
    "weighted",
]

# The method's criteria by name, in the method's order (domain/criteria.py is the registry).
CRITERIA = tuple(c.id for c in registry.CRITERIA)


@dataclass(frozen=True)
class ScoreInputs:
    """The raw facts of one account the score is computed from."""

    lifetime_revenue: int | None
    months_dormant: float | None
    reason_solvable: str | None
    competitor_status: str | None
    distance_km: float | None  # None: the account has no position
    digital_responsiveness: str | None

    def facts(self) -> dict[str, Any]:
        """As one-element columns, named as the criteria read them."""

        def num(v: float | None) -> FloatArray:
            return np.array([np.nan if v is None else float(v)], dtype=float)

        return {
            "lifetime_revenue": num(self.lifetime_revenue),
            MONTHS_DORMANT: num(self.months_dormant),
            "reason_solvable": [self.reason_solvable],
            "competitor_status": [self.competitor_status],
            DISTANCE_KM: num(self.distance_km),
            "digital_responsiveness": [self.digital_responsiveness],
        }


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


def score_matrix(
    facts: Facts, cfg: Scoring, chosen: Sequence[Criterion] | None = None
) -> FloatArray:
    """Facts of n accounts -> (n, k) scores 1-10, one column per criterion in
    registry order; NaN = not scorable (each criterion says how it scores).

    `facts` holds the columns the criteria read (criteria.columns_read) and the
    derived months_dormant and distance_km.
    """
    chosen = registry.active() if chosen is None else chosen
    n = len(next(iter(facts.values()), ()))
    m = np.empty((n, len(chosen)), dtype=float)
    for j, c in enumerate(chosen):
        m[:, j] = c.score(facts, cfg)
    return m


def weighted(
    matrix: FloatArray, cfg: Scoring, chosen: Sequence[Criterion] | None = None
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(totals, points, max_points) of a score matrix.

    Totals are scaled so that all-10 scores give `max_total` (with the method's
    weights, which sum to 21, the scale is exactly 1 and the total is the plain
    sum of weight x score). A criterion that cannot be scored (no position) is
    left out and the others are scaled up to the same maximum, so an account
    without coordinates is ranked on what is known about it and flagged
    rather than pushed to the bottom.
    """
    totals, points, max_points = weighted_parts(matrix, cfg, chosen)
    return totals, points, max_points()


def weighted_parts(
    matrix: FloatArray, cfg: Scoring, chosen: Sequence[Criterion] | None = None
) -> tuple[FloatArray, FloatArray, Callable[[], FloatArray]]:
    """weighted(), with max_points computed only when called (a ranking of a
    million accounts shows a few of them)."""
    w, known, scale = _weighing(matrix, cfg, chosen)
    points = matrix * w  # matrix * w * scale, in place: the same operations in the same order
    points *= scale[:, None]
    points[~known] = 0.0
    totals = np.round(points.sum(axis=1), 1)

    def max_points() -> FloatArray:
        return np.where(known, 10 * w * scale[:, None], 0.0)

    return totals, points, max_points


def max_points_of(
    matrix: FloatArray, cfg: Scoring, chosen: Sequence[Criterion] | None = None
) -> FloatArray:
    """weighted()'s max_points alone (a ranking made in another process)."""
    w, known, scale = _weighing(matrix, cfg, chosen)
    return np.where(known, 10 * w * scale[:, None], 0.0)


def _weighing(
    matrix: FloatArray, cfg: Scoring, chosen: Sequence[Criterion] | None
) -> tuple[FloatArray, npt.NDArray[np.bool_], FloatArray]:
    """The criteria's weights, which scores are known, and each account's scale
    (its known weights' share of config scoring.max_total)."""
    chosen = registry.active() if chosen is None else chosen
    w = np.array([c.weight(cfg) for c in chosen], dtype=float)
    known = ~np.isnan(matrix)
    weight_sum = (known * w).sum(axis=1)
    scale = np.divide(
        cfg.max_total, 10 * weight_sum, out=np.zeros_like(weight_sum), where=weight_sum > 0
    )
    return w, known, scale


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
    chosen: Sequence[Criterion] | None = None,
) -> ScoreResult:
    chosen = registry.active() if chosen is None else chosen
    parts = tuple(
        CriterionScore(
            name=c.id,
            raw=(raw or {}).get(c.id),
            score=None if np.isnan(scores[i]) else int(scores[i]),
            weight=c.weight(cfg),
            points=round(float(points[i]), 2),
            max_points=round(float(max_points[i]), 2),
        )
        for i, c in enumerate(chosen)
    )
    return ScoreResult(
        total=float(total),
        rank=rank_of(float(total), cfg),
        criteria=parts,
        no_location=any(c.id == PROXIMITY and np.isnan(scores[i]) for i, c in enumerate(chosen)),
    )


def combine(
    scores: Mapping[str, int | None], cfg: Scoring, raw: Mapping[str, object] | None = None
) -> ScoreResult:
    """Weighted total of per-criterion scores (1-10, None = not scorable)."""
    chosen = registry.active()
    values = [scores.get(c.id) for c in chosen]
    row: FloatArray = np.array(
        [[np.nan if v is None else float(v) for v in values]], dtype=np.float64
    )
    totals, points, max_points = weighted(row, cfg, chosen)
    return result_from_row(row[0], points[0], max_points[0], float(totals[0]), cfg, raw, chosen)


def score_account(inputs: ScoreInputs, cfg: Scoring) -> ScoreResult:
    return score_facts(inputs.facts(), cfg)


def score_facts(facts: Facts, cfg: Scoring) -> ScoreResult:
    """The score of one account from its facts (one-element columns)."""
    chosen = registry.active()
    m = score_matrix(facts, cfg, chosen)
    totals, points, max_points = weighted(m, cfg, chosen)
    raw = raw_values(facts, 0, chosen)
    return result_from_row(m[0], points[0], max_points[0], float(totals[0]), cfg, raw, chosen)


def raw_values(facts: Facts, i: int, chosen: Sequence[Criterion]) -> dict[str, object]:
    """Account i's raw value per criterion: what its score carries, else its field."""
    out: dict[str, object] = {}
    for c in chosen:
        if c.raw is not None:
            out[c.id] = c.raw(facts, i)
        elif c.detail_field is not None and c.detail_field in facts:
            out[c.id] = facts[c.detail_field][i]
    return out


def raw_of(inputs: ScoreInputs) -> dict[str, object]:
    return raw_values(inputs.facts(), 0, registry.active())
