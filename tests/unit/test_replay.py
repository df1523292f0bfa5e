"""Replay properties: the same events in any order give the same state, and a
correction replayed gives the corrected state (issue 14)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from fieldsales.config import default_settings
from fieldsales.domain.contact import contact_state
from fieldsales.domain.dormancy import compute_stage
from fieldsales.domain.replay import LoggedEvent, contact_facts, in_effect, stage_facts
from fieldsales.domain.vocab import UNDO

TODAY = date(2026, 11, 22)
LAST_ORDER = date(2025, 1, 10)
RESULTS = ["no_answer", "contacted", "interested", "next_action", "appointment", "order", "refused"]
S = default_settings()


def state(events: list[LoggedEvent]) -> tuple[object, ...]:
    c = contact_state(contact_facts(events), S.phone, S.dormancy.positive_results)
    stage = compute_stage(LAST_ORDER, 60, TODAY, stage_facts(events), S.dormancy)
    return (c, stage)


@st.composite
def logs(draw: st.DrawFn) -> list[LoggedEvent]:
    n = draw(st.integers(0, 12))
    events: list[LoggedEvent] = []
    for i in range(n):
        # hours, not days: several events a day, ties in time included
        when = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=draw(st.integers(0, 7000)))
        due = draw(st.one_of(st.none(), st.integers(0, 90)))
        events.append(
            LoggedEvent(
                id=f"e{i:02d}",
                occurred_at=when,
                result=draw(st.sampled_from(RESULTS)),
                next_action_due=None if due is None else when.date() + timedelta(days=due),
            )
        )
    # some corrections and undos of earlier events
    for j in range(draw(st.integers(0, 4))):
        if not events:
            break
        target = draw(st.sampled_from(events))
        undo = draw(st.booleans())
        events.append(
            LoggedEvent(
                id=f"c{j:02d}",
                occurred_at=target.occurred_at,
                result=UNDO if undo else draw(st.sampled_from(RESULTS)),
                supersedes=target.id,
            )
        )
    return events


@hsettings(max_examples=300, deadline=None)
@given(events=logs(), data=st.data())
def test_same_events_in_any_order_give_the_same_state(
    events: list[LoggedEvent], data: st.DataObject
) -> None:
    shuffled = data.draw(st.permutations(events))
    assert in_effect(shuffled) == in_effect(events)
    assert state(list(shuffled)) == state(events)


@hsettings(max_examples=300, deadline=None)
@given(events=logs().filter(bool), data=st.data())
def test_a_correction_replayed_gives_the_corrected_state(
    events: list[LoggedEvent], data: st.DataObject
) -> None:
    live = in_effect(events)
    if not live:
        return
    target = data.draw(st.sampled_from(live))
    result = data.draw(st.sampled_from(RESULTS))
    due = data.draw(st.one_of(st.none(), st.integers(0, 90)))
    fixed_due = None if due is None else target.occurred_at.date() + timedelta(days=due)
    # the correction keeps the id order of the target so ties replay the same way
    correction = LoggedEvent(
        f"{target.id}~", target.occurred_at, result, fixed_due, supersedes=target.id
    )
    corrected_by_hand = [
        LoggedEvent(e.id, e.occurred_at, result, fixed_due) if e.id == target.id else e
        for e in live
    ]
    replayed = data.draw(st.permutations([*events, correction]))
    assert state(list(replayed)) == state(corrected_by_hand)


def test_an_undo_is_no_contact_and_taking_it_back_restores_it() -> None:
    t = datetime(2026, 11, 1, 3, tzinfo=UTC)
    first = LoggedEvent("a", t, "refused")
    undo = LoggedEvent("b", t + timedelta(hours=1), UNDO, supersedes="a")
    assert in_effect([first, undo]) == []
    assert (
        contact_state(contact_facts([first, undo]), S.phone, S.dormancy.positive_results).refusals
        == 0
    )
    back = LoggedEvent("c", t, "refused", supersedes="b")
    assert state([first, undo, back]) == state([first])
