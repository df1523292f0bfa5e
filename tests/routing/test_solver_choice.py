"""Choosing among many candidates: the plan is checked, and survives a failing engine."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from fieldsales.config import default_settings
from fieldsales.planning import engines
from fieldsales.planning.check import violations
from fieldsales.planning.day_model import Candidate, DayModel, Pin, Place, base_model
from fieldsales.planning.solve import plan_model

CFG = default_settings()
OFFICE = Place("Office", CFG.office.lat, CFG.office.lon)


def many_candidates(n: int) -> DayModel:
    rng = np.random.default_rng(3)
    cands = [
        Candidate(
            f"c{i}",
            OFFICE.lat + rng.uniform(-0.15, 0.15),
            OFFICE.lon + rng.uniform(-0.18, 0.18),
            float(rng.integers(20, 211)),
            int(rng.choice([1200, 1800, 2700])),
        )
        for i in range(n)
    ]
    pin = Pin("pin", OFFICE.lat + 0.03, OFFICE.lon - 0.05, 14 * 3600, 1800, 150.0)
    return base_model(CFG, date(2026, 12, 1), OFFICE, OFFICE, candidates=cands, pins=[pin])


def test_choosing_from_many_gives_a_full_checked_day() -> None:
    model = many_candidates(120)
    plan = plan_model(model, timeout_s=0.6, exploration=CFG.visits.solver_exploration)
    assert violations(model, plan) == []
    assert "pin" in [s.account_id for s in plan.stops]
    # a 9-hour day with 20-45 minute visits holds far more than a handful
    assert len(plan.stops) >= 8


def test_vroom_answers_when_pyvrp_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_a: object, **_k: object) -> None:
        raise RuntimeError("engine crashed")

    monkeypatch.setattr(engines, "solve_pyvrp", broken)
    model = many_candidates(120)
    problem = engines.build_problem(model, model.matrix().seconds, timeout_s=0.6, exploration=5)
    # the engine's own answer, before the polish could fill an empty day
    assert max(sum(len(seq) for seq in a) for a in engines.solve_default(problem)) >= 8
    plan = plan_model(model, timeout_s=0.6, exploration=CFG.visits.solver_exploration)
    assert violations(model, plan) == []
