"""Churn signs (METHOD section 9) on synthetic histories with known patterns."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from fieldsales.config import Settings
from fieldsales.domain.churn import History, compute, keep_stages
from fieldsales.store.orders import median_gaps

TODAY = (date(2026, 11, 30) - date(1970, 1, 1)).days


def _history(
    orders: dict[str, list[tuple[int, int]]], events: list[tuple[str, int, str]]
) -> tuple[History, list[str]]:
    """orders: name -> [(days before today, amount)]; events: (name, days before, result)."""
    names = list(orders)
    group, day, amount = [], [], []
    for i, name in enumerate(names):
        for ago, amt in sorted(orders[name], key=lambda o: -o[0]):
            group.append(i)
            day.append(TODAY - ago)
            amount.append(amt)
    g = np.array(group, dtype=np.intp)
    d = np.array(day, dtype=np.int64)
    interval = median_gaps(g, d, len(names))
    last = np.full(len(names), np.nan)
    np.fmax.at(last, g, d.astype(float))
    ev = sorted(events, key=lambda e: -e[1])
    h = History(
        n=len(names),
        today=TODAY,
        last_order=last,
        interval=interval,
        order_account=g,
        order_day=d,
        order_amount=np.array(amount, dtype=np.int64),
        event_account=np.array([names.index(e[0]) for e in ev], dtype=np.intp),
        event_day=np.array([TODAY - e[1] for e in ev], dtype=np.int64),
        event_result=np.array([e[2] for e in ev], dtype=str),
    )
    return h, names


def _patterns() -> tuple[dict[str, list[tuple[int, int]]], list[tuple[str, int, str]]]:
    steady = [(10 + 30 * k, 100_000) for k in range(36)]
    # monthly for two years, then the gaps grow: 60, 80, 100 days
    slowing = [(100 + 80 + 60 + 30 * k, 100_000) for k in range(24)] + [
        (100 + 80, 100_000),
        (100, 100_000),
        (0 + 5, 100_000),
    ]
    # monthly throughout, but a third of the amount for the last 12 months
    shrinking = [(10 + 30 * k, 30_000 if k < 12 else 100_000) for k in range(36)]
    # monthly until ten months ago; the last three calls were not answered
    silent = [(300 + 30 * k, 100_000) for k in range(24)]
    events = [
        ("steady", 40, "contacted"),
        ("silent", 90, "contacted"),
        ("silent", 60, "no_answer"),
        ("silent", 30, "no_answer"),
        ("silent", 5, "no_answer"),
    ]
    return {"steady": steady, "slowing": slowing, "shrinking": shrinking, "silent": silent}, events


def test_known_patterns_fire_the_expected_signs(settings: Settings) -> None:
    orders, events = _patterns()
    h, names = _history(orders, events)
    signs = compute(h, settings.churn)
    fired = {name: set(signs.of(i)) for i, name in enumerate(names)}
    assert fired["steady"] == set()
    assert "gaps_lengthening" in fired["slowing"]
    assert "amount_drop" not in fired["slowing"] and "no_reaction" not in fired["slowing"]
    assert {"amount_drop", "amounts_shrinking"} <= fired["shrinking"]
    assert "interval_growth" not in fired["shrinking"]
    assert {"interval_growth", "no_reaction", "silent_9_months"} <= fired["silent"]
    assert signs.unanswered[names.index("silent")] == 3
    # 12 orders of 30,000 against 13 of 100,000 (ages 370 to 730 days)
    assert signs.amount_ratio[names.index("shrinking")] == pytest.approx(360 / 1300)


def test_a_reply_breaks_the_run_of_unanswered_contacts(settings: Settings) -> None:
    orders, events = _patterns()
    events.append(("silent", 1, "contacted"))
    h, names = _history(orders, events)
    signs = compute(h, settings.churn)
    assert signs.unanswered[names.index("silent")] == 0
    assert "no_reaction" not in signs.of(names.index("silent"))


def test_rules_are_config_data(settings: Settings) -> None:
    orders, events = _patterns()
    h, names = _history(orders, events)
    rules = {"two_months_and_two_calls": {"months_without_order": 2, "unanswered_contacts": 2}}
    cfg = settings.churn.model_copy(update={"rules": {}})
    cfg = type(cfg).model_validate({**cfg.model_dump(), "rules": rules})
    signs = compute(h, cfg)
    assert "silent_9_months" not in signs.names
    assert signs.of(names.index("silent"))[-1] == "two_months_and_two_calls"
    assert "two_months_and_two_calls" not in signs.of(names.index("steady"))


def test_only_accounts_not_yet_dormant_carry_their_signs(settings: Settings) -> None:
    orders, events = _patterns()
    h, names = _history(orders, events)
    signs = compute(h, settings.churn)
    stages = ["active", "at_risk", "active", "dormant_early"]
    kept = keep_stages(signs, stages, settings.churn.signal_stages)
    assert kept.of(names.index("silent")) == []
    assert kept.of(names.index("shrinking")) == signs.of(names.index("shrinking"))


def test_a_rule_without_conditions_is_a_config_error(settings: Settings) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="at least one condition"):
        type(settings.churn).model_validate({**settings.churn.model_dump(), "rules": {"x": {}}})
