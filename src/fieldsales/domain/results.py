"""What each outcome result means, as one table (docs/method.md#phone-practice, #kpis).

The KPI funnel (store/kpi_report, store/kpi_drill) and the contact funnel the
rates are learned from (store/queries.contact_funnel) read their sets of
results from here. Two properties are the user's to set, and live in config
only: which results are a positive reaction (`dormancy.positive_results`:
stages, the △ channel reason, refusal counting) and which complete a pending
follow-up (`phone.followup_done_by`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from fieldsales.domain.vocab import Result


@dataclass(frozen=True)
class Traits:
    reached: bool  # somebody was reached (a refusal too)
    responded: bool  # a reaction: interest or more
    appointed: bool  # a meeting agreed (an order implies the meeting happened)
    ordered: bool  # an order
    refused: bool  # a refusal: counts towards a pause, schedules a recontact


RESULTS: dict[Result, Traits] = {
    Result.no_answer: Traits(reached=False, responded=False, appointed=False, ordered=False, refused=False),
    Result.contacted: Traits(reached=True, responded=False, appointed=False, ordered=False, refused=False),
    Result.interested: Traits(reached=True, responded=True, appointed=False, ordered=False, refused=False),
    Result.next_action: Traits(reached=True, responded=True, appointed=False, ordered=False, refused=False),
    Result.appointment: Traits(reached=True, responded=True, appointed=True, ordered=False, refused=False),
    Result.order: Traits(reached=True, responded=True, appointed=True, ordered=True, refused=False),
    Result.refused: Traits(reached=True, responded=False, appointed=False, ordered=False, refused=True),
}  # fmt: skip

TRAITS = tuple(f.name for f in fields(Traits))


def having(trait: str) -> tuple[str, ...]:
    """The results with a trait, in Result order."""
    if trait not in TRAITS:
        raise ValueError(f"unknown result trait {trait!r}; traits: {', '.join(TRAITS)}")
    return tuple(r.value for r, t in RESULTS.items() if getattr(t, trait))


REACHED = having("reached")
RESPONDED = having("responded")
APPOINTED = having("appointed")
ORDERED = having("ordered")
