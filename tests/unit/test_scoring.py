"""METHOD section 3: the weighted score, its breakdown and the ranks."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from fieldsales.config import Settings, default_settings
from fieldsales.domain.scoring import CRITERIA, ScoreInputs, combine, score_account, step_score

WORKED = {
    "past_revenue": 8,
    "dormancy_length": 6,
    "reason_solvable": 7,
    "competitor_status": 4,
    "proximity": 9,
    "digital_responsiveness": 5,
}


def test_worked_example_gives_137_rank_b(settings: Settings) -> None:
    result = combine(WORKED, settings.scoring)
    assert result.total == 137
    assert result.rank == "B"
    points = {c.name: c.points for c in result.criteria}
    assert points == {
        "past_revenue": 40,
        "dormancy_length": 24,
        "reason_solvable": 28,
        "competitor_status": 12,
        "proximity": 18,
        "digital_responsiveness": 15,
    }
    assert sum(c.max_points for c in result.criteria) == 210


@pytest.mark.parametrize(
    ("total", "rank"),
    [(89, "D"), (89.9, "D"), (90, "C"), (129, "C"), (130, "B"), (169, "B"), (170, "A"), (210, "A")],
)
def test_rank_boundaries(settings: Settings, total: float, rank: str) -> None:
    from fieldsales.domain.scoring import rank_of

    assert rank_of(total, settings.scoring) == rank


def test_raw_values_map_to_method_extremes(settings: Settings) -> None:
    cfg = settings.scoring
    assert step_score(99_999, cfg.past_revenue) == 1
    assert step_score(10_000_000, cfg.past_revenue) == 10
    assert step_score(5.9, cfg.dormancy_length) == 10
    assert step_score(36, cfg.dormancy_length) == 1
    assert step_score(0.5, cfg.proximity) == 10
    assert step_score(500, cfg.proximity) == 1


def test_account_without_position_is_ranked_without_proximity_and_flagged(
    settings: Settings,
) -> None:
    inputs = ScoreInputs(5_000_000, 8, "mostly", "partial", None, "high")
    result = score_account(inputs, settings.scoring)
    assert result.no_location
    prox = next(c for c in result.criteria if c.name == "proximity")
    assert prox.score is None and prox.points == 0
    # the five known criteria are scaled to the same maximum of 210
    assert sum(c.max_points for c in result.criteria) == pytest.approx(210, abs=0.05)
    with_pos = score_account(
        ScoreInputs(5_000_000, 8, "mostly", "partial", 1.0, "high"), settings.scoring
    )
    assert not with_pos.no_location


def test_ranking_follows_the_rep(settings: Settings) -> None:
    near = score_account(ScoreInputs(1_000_000, 10, "partly", "none", 1.0, "low"), settings.scoring)
    far = score_account(ScoreInputs(1_000_000, 10, "partly", "none", 80.0, "low"), settings.scoring)
    assert near.total > far.total


scores = st.integers(min_value=1, max_value=10)
weights = st.floats(min_value=0.01, max_value=1000, allow_nan=False, allow_infinity=False)


def _with_weights(settings: Settings, w: dict[str, float]) -> Settings:
    scoring = settings.scoring.model_copy(
        update={"weights": settings.scoring.weights.model_copy(update=w)}
    )
    return settings.model_copy(update={"scoring": scoring})


@hsettings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    base=st.fixed_dictionaries({c: scores for c in CRITERIA}),
    w=st.fixed_dictionaries({c: weights for c in CRITERIA}),
    which=st.sampled_from(CRITERIA),
    drop_proximity=st.booleans(),
)
def test_raising_a_criterion_never_lowers_total(
    base: dict[str, int], w: dict[str, float], which: str, drop_proximity: bool
) -> None:
    cfg = _with_weights(default_settings(), w).scoring
    base = dict(base)
    if drop_proximity:
        base["proximity"] = None  # type: ignore[assignment]
        if which == "proximity":
            which = "past_revenue"
    before = combine(base, cfg)
    raised = dict(base, **{which: min(10, base[which] + 1)})
    after = combine(raised, cfg)
    assert after.total >= before.total
    assert 0 <= before.total <= cfg.max_total


@hsettings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    revenue=st.integers(min_value=-(10**9), max_value=10**12),
    months=st.one_of(st.none(), st.floats(min_value=0, max_value=1000)),
    km=st.one_of(st.none(), st.floats(min_value=0, max_value=20000)),
    cat=st.sampled_from(["unknown", "solved", "hard", "bogus", None]),
)
def test_total_always_within_bounds(
    revenue: int, months: float | None, km: float | None, cat: str | None
) -> None:
    cfg = default_settings().scoring
    result = score_account(ScoreInputs(revenue, months, cat, cat, km, cat), cfg)
    assert 0 <= result.total <= 210
    assert result.rank in "ABCD"
    assert all(c.score is None or 1 <= c.score <= 10 for c in result.criteria)
