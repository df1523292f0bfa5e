"""METHOD section 1: stages from last order, purchase cycle and logged outcomes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from fieldsales.config import Settings
from fieldsales.domain.contact import ContactFact, contact_state
from fieldsales.domain.dormancy import OutcomeFact, compute_stage
from fieldsales.domain.vocab import Stage

TODAY = date(2026, 11, 22)


@pytest.mark.parametrize(
    ("days_since", "stage"),
    [
        (150, Stage.active),  # 1.5 x 100 exactly
        (151, Stage.at_risk),
        (300, Stage.at_risk),
        (301, Stage.dormant_early),
        (600, Stage.dormant_early),
        (601, Stage.dormant_mid),
        (1200, Stage.dormant_mid),
        (1201, Stage.dormant_long),
    ],
)
def test_stage_boundaries(settings: Settings, days_since: int, stage: Stage) -> None:
    last = TODAY - timedelta(days=days_since)
    assert compute_stage(last, 100, TODAY, [], settings.dormancy) == stage


def test_missing_cycle_uses_default(settings: Settings) -> None:
    cycle = settings.dormancy.default_cycle_days
    last = TODAY - timedelta(days=int(cycle * 1.5))
    assert compute_stage(last, None, TODAY, [], settings.dormancy) == Stage.active


def test_positive_outcome_since_dormancy_is_reactivating(settings: Settings) -> None:
    last = TODAY - timedelta(days=500)
    facts = [OutcomeFact(TODAY - timedelta(days=3), "next_action")]
    assert compute_stage(last, 100, TODAY, facts, settings.dormancy) == Stage.reactivating
    # a refusal is not a revival
    refused = [OutcomeFact(TODAY - timedelta(days=3), "refused")]
    assert compute_stage(last, 100, TODAY, refused, settings.dormancy) == Stage.dormant_early


def test_order_after_dormancy_is_revived_in_any_replay_order(settings: Settings) -> None:
    last = TODAY - timedelta(days=500)
    facts = [
        OutcomeFact(TODAY - timedelta(days=1), "order"),
        OutcomeFact(TODAY - timedelta(days=20), "appointment"),
    ]
    assert compute_stage(last, 100, TODAY, facts, settings.dormancy) == Stage.revived
    assert compute_stage(last, 100, TODAY, facts[::-1], settings.dormancy) == Stage.revived


def test_order_before_dormancy_moves_last_order(settings: Settings) -> None:
    last = TODAY - timedelta(days=250)  # at risk
    facts = [OutcomeFact(TODAY - timedelta(days=10), "order")]
    assert compute_stage(last, 100, TODAY, facts, settings.dormancy) == Stage.active


def test_unknown_last_order_is_long_dormant(settings: Settings) -> None:
    assert compute_stage(None, 100, TODAY, [], settings.dormancy) == Stage.dormant_long


def test_refusal_suggests_recontact_and_second_refusal_pauses(settings: Settings) -> None:
    cfg = settings.phone
    first = ContactFact(date(2026, 1, 10), "refused")
    state = contact_state([first], cfg, settings.dormancy.positive_results)
    assert state.next_followup == date(2026, 1, 10) + timedelta(cfg.recontact_after_refusal_days)
    assert state.paused_until is None
    second = ContactFact(date(2026, 8, 1), "refused")
    state = contact_state([second, first], cfg, settings.dormancy.positive_results)
    assert state.refusals == 2
    assert state.paused_until == date(2026, 8, 1) + timedelta(cfg.pause_after_refusals_days)
    assert state.is_paused(TODAY)
    assert state.next_followup is None


def test_a_follow_up_stays_until_completed(settings: Settings) -> None:
    facts = [
        ContactFact(date(2026, 11, 1), "next_action", date(2026, 11, 20)),
        ContactFact(date(2026, 11, 21), "contacted", None),
    ]
    # reached, nothing agreed: the follow-up is still owed (tests/unit/test_followup_rules.py)
    assert contact_state(
        facts, settings.phone, settings.dormancy.positive_results
    ).next_followup == date(2026, 11, 20)
    assert contact_state(
        facts[:1], settings.phone, settings.dormancy.positive_results
    ).next_followup == date(2026, 11, 20)
    facts.append(ContactFact(date(2026, 11, 22), "order", None))
    assert (
        contact_state(facts, settings.phone, settings.dormancy.positive_results).next_followup
        is None
    )
