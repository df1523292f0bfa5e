"""A pending follow-up stays until an outcome completes or replaces it (issue 14, section 1)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from fieldsales.config import default_settings
from fieldsales.domain.contact import ContactFact, contact_many, contact_state

D0 = date(2026, 11, 1)
DUE = date(2026, 11, 20)
POSITIVE = default_settings().dormancy.positive_results


def both(facts: list[ContactFact]) -> date | None:
    """The follow-up by the reference and by the vectorised version (they must agree)."""
    cfg = default_settings().phone
    ref = contact_state(facts, cfg, POSITIVE).next_followup
    many = contact_many(
        1,
        np.zeros(len(facts), dtype=np.intp),
        np.array([f.occurred for f in facts], dtype="datetime64[D]"),
        np.array([f.result for f in facts], dtype=str),
        np.array([f.next_action_due or "NaT" for f in facts], dtype="datetime64[D]"),
        cfg,
        POSITIVE,
    ).state(0)
    assert many.next_followup == ref
    return ref


def pending(*later: ContactFact) -> date | None:
    return both([ContactFact(D0, "interested", DUE), *later])


@pytest.mark.parametrize("result", ["no_answer", "contacted", "interested", "next_action"])
def test_a_result_without_a_new_date_keeps_the_follow_up(result: str) -> None:
    assert pending(ContactFact(D0 + timedelta(days=5), result)) == DUE


def test_no_answer_twice_still_keeps_it() -> None:
    day = D0 + timedelta(days=3)
    assert pending(ContactFact(day, "no_answer"), ContactFact(day, "no_answer")) == DUE


def test_a_new_next_action_replaces_it() -> None:
    new = date(2026, 12, 5)
    assert pending(ContactFact(D0 + timedelta(days=5), "next_action", new)) == new
    # and a "no answer" after that keeps the new one
    assert (
        pending(
            ContactFact(D0 + timedelta(days=5), "contacted", new),
            ContactFact(D0 + timedelta(days=6), "no_answer"),
        )
        == new
    )


@pytest.mark.parametrize("result", ["order", "appointment"])
def test_an_order_or_appointment_completes_it(result: str) -> None:
    assert pending(ContactFact(D0 + timedelta(days=5), result)) is None
    # a "no answer" after completion does not bring it back
    assert (
        pending(ContactFact(D0 + timedelta(days=5), result), ContactFact(DUE, "no_answer")) is None
    )


def test_a_refusal_replaces_it_with_the_recontact_date() -> None:
    days = default_settings().phone.recontact_after_refusal_days
    day = D0 + timedelta(days=5)
    assert pending(ContactFact(day, "refused")) == day + timedelta(days=days)


def test_which_results_complete_is_configurable() -> None:
    s = default_settings()
    phone = s.phone.model_copy(update={"followup_done_by": ["contacted"]})
    facts = [ContactFact(D0, "interested", DUE), ContactFact(D0 + timedelta(days=1), "contacted")]
    assert contact_state(facts, phone, POSITIVE).next_followup is None
    facts[1] = ContactFact(D0 + timedelta(days=1), "order")
    assert contact_state(facts, phone, POSITIVE).next_followup == DUE
