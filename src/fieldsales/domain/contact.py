"""Contact state of an account from its logged outcomes (METHOD sections 5 and 8).

- the next follow-up is the due date of the latest outcome's next action;
  logging anything newer replaces it (a follow-up is done by logging);
- a refusal suggests contacting again after `recontact_after_refusal_days`;
- `refusals_before_pause` refusals pause the account for
  `pause_after_refusals_days`: it is not proposed until then.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from fieldsales.config import Phone
from fieldsales.domain.vocab import Result

_POSITIVE = frozenset({Result.interested, Result.next_action, Result.appointment, Result.order})


@dataclass(frozen=True)
class ContactFact:
    occurred: date
    result: str
    next_action_due: date | None = None


@dataclass(frozen=True)
class ContactState:
    last_contact: date | None
    next_followup: date | None
    refusals: int
    paused_until: date | None

    def is_paused(self, today: date) -> bool:
        return self.paused_until is not None and self.paused_until > today


def contact_state(facts: Iterable[ContactFact], cfg: Phone) -> ContactState:
    ordered = sorted(facts, key=lambda f: f.occurred)
    if not ordered:
        return ContactState(None, None, 0, None)
    latest = ordered[-1]
    # Refusals count since the last positive reaction: a revived account that
    # refuses years later starts again from one.
    last_positive = max((i for i, f in enumerate(ordered) if f.result in _POSITIVE), default=-1)
    refusal_dates = [f.occurred for f in ordered[last_positive + 1 :] if f.result == Result.refused]
    followup = latest.next_action_due
    if latest.result == Result.refused and followup is None:
        followup = latest.occurred + timedelta(days=cfg.recontact_after_refusal_days)
    paused_until = None
    if len(refusal_dates) >= cfg.refusals_before_pause:
        paused_until = refusal_dates[-1] + timedelta(days=cfg.pause_after_refusals_days)
        followup = None
    return ContactState(
        last_contact=latest.occurred,
        next_followup=followup,
        refusals=len(refusal_dates),
        paused_until=paused_until,
    )
