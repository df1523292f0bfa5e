"""Replaying the outcome log: which events are in effect, in which order.

The log is append-only: a correction or an undo is a new event naming the one
it replaces in `supersedes`. An event is in effect when no event names it and
it is not an undo. Ties in time are broken by id, so the same events in any
order replay to the same state (store/queries.in_effect is the same rule in SQL).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from fieldsales.domain.clock import local_date
from fieldsales.domain.contact import ContactFact
from fieldsales.domain.dormancy import OutcomeFact
from fieldsales.domain.vocab import UNDO


@dataclass(frozen=True)
class LoggedEvent:
    id: str
    occurred_at: datetime  # aware
    result: str
    next_action_due: date | None = None
    supersedes: str | None = None


def in_effect(events: Iterable[LoggedEvent]) -> list[LoggedEvent]:
    """The events that count, oldest first (ties by id)."""
    evs = list(events)
    replaced = {e.supersedes for e in evs if e.supersedes is not None}
    kept = [e for e in evs if e.id not in replaced and e.result != UNDO]
    return sorted(kept, key=lambda e: (e.occurred_at, e.id))


def contact_facts(events: Iterable[LoggedEvent], zone: tzinfo | None = None) -> list[ContactFact]:
    """The events in effect as contact facts, each on its day in `zone` (config
    `timezone`; None: the computer's zone)."""
    return [
        ContactFact(local_date(e.occurred_at, zone), e.result, e.next_action_due)
        for e in in_effect(events)
    ]


def stage_facts(events: Iterable[LoggedEvent], zone: tzinfo | None = None) -> list[OutcomeFact]:
    return [OutcomeFact(local_date(e.occurred_at, zone), e.result) for e in in_effect(events)]
