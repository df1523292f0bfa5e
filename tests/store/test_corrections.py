"""Corrections, undo and taking an undo back: new events only, state follows (issue 14)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from fieldsales.domain.replay import LoggedEvent, in_effect
from fieldsales.services.corrections import take_back_undo, undo_last
from fieldsales.services.outcomes import (
    OutcomeError,
    OutcomeInput,
    account_history,
    followups_due,
    log_outcome,
)
from fieldsales.store import queries
from fieldsales.store.models import Outcome, Route, RouteStop

TODAY = date(2026, 11, 20)


def at(day: date, hour: int = 3) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def log(engine, settings, account_id, day=TODAY, **kw):
    return log_outcome(
        engine,
        settings,
        OutcomeInput(account_id=account_id, occurred_at=at(day), **kw),
        today=TODAY,
    )


def rows(engine) -> list[Outcome]:
    with Session(engine) as s:
        return list(s.exec(select(Outcome).order_by(col(Outcome.created_at))).all())


def test_undo_then_take_back(engine, settings, add_account):
    acc = add_account(last_order_date=date(2024, 1, 15), purchase_cycle_days=60)
    log(engine, settings, acc.id, day=date(2026, 11, 1), result="interested",
        next_action="demo", next_action_due=date(2026, 11, 18))  # fmt: skip
    mistake = log(engine, settings, acc.id, day=date(2026, 11, 19), result="order",
                  order_amount=500_000)  # fmt: skip
    assert mistake.stage == "revived" and mistake.contact.next_followup is None

    undone = undo_last(engine, settings, acc.id, today=TODAY)
    assert undone.undone_id == mistake.id and undone.result == "order"
    assert undone.stage == "reactivating"  # the order no longer counts
    assert undone.contact.next_followup == date(2026, 11, 18)  # the follow-up is back
    all_rows = rows(engine)
    assert len(all_rows) == 3  # nothing deleted, nothing edited
    assert all_rows[-1].result == "undo" and all_rows[-1].supersedes == mistake.id
    assert all_rows[1].result == "order" and all_rows[1].order_amount == 500_000
    [day] = followups_due(engine, settings, today=TODAY)
    assert day.items[0].next_action == "demo"
    history = account_history(engine, acc.id, zone=settings.zone())
    assert [(e.day, e.kind, e.result, e.superseded) for e in history] == [
        (TODAY, "undo", "undo", False),
        (date(2026, 11, 19), "outcome", "order", True),
        (date(2026, 11, 1), "outcome", "interested", False),
        (date(2024, 1, 15), "last_order", None, False),
    ]

    back = take_back_undo(engine, settings, undone.event_id, today=TODAY)
    assert back.stage == "revived" and back.contact.next_followup is None
    latest = rows(engine)[-1]
    assert (latest.result, latest.order_amount, latest.supersedes) == (
        "order",
        500_000,
        undone.event_id,
    )
    assert latest.occurred_at == at(date(2026, 11, 19))
    with pytest.raises(OutcomeError, match="already taken back"):
        take_back_undo(engine, settings, undone.event_id, today=TODAY)


def test_an_undo_is_not_a_contact(engine, settings, add_account):
    acc = add_account()
    log(engine, settings, acc.id, day=date(2026, 11, 10), result="refused")
    undo_last(engine, settings, acc.id, today=TODAY)
    with Session(engine) as s:
        assert queries.outcome_events(s, [acc.id]) == []
    with pytest.raises(OutcomeError, match="nothing to undo"):
        undo_last(engine, settings, acc.id, today=TODAY)


def test_a_correction_supersedes_and_state_follows(engine, settings, add_account):
    acc = add_account(last_order_date=date(2024, 1, 15), purchase_cycle_days=60)
    wrong = log(engine, settings, acc.id, day=date(2026, 11, 10), result="refused")
    assert wrong.contact.refusals == 1
    fixed = log(engine, settings, acc.id, day=date(2026, 11, 10), result="next_action",
                next_action="send catalogue", next_action_due=date(2026, 11, 25),
                supersedes=wrong.id)  # fmt: skip
    assert fixed.contact.refusals == 0
    assert fixed.contact.next_followup == date(2026, 11, 25)
    assert fixed.stage == "reactivating"
    assert [r.supersedes for r in rows(engine)] == [None, wrong.id]
    with pytest.raises(OutcomeError, match="already corrected"):
        log(engine, settings, acc.id, result="order", supersedes=wrong.id)
    # undoing the correction brings the first version back
    undone = undo_last(engine, settings, acc.id, today=TODAY)
    assert undone.contact.refusals == 1 and undone.stage != "reactivating"
    assert rows(engine)[-1].result == "refused"


def test_sql_in_effect_matches_the_replay_rule(engine, settings, add_account):
    acc = add_account()
    a = log(engine, settings, acc.id, day=date(2026, 11, 1), result="contacted")
    b = log(engine, settings, acc.id, day=date(2026, 11, 2), result="refused")
    log(engine, settings, acc.id, day=date(2026, 11, 2), result="interested", supersedes=b.id)
    u = undo_last(engine, settings, acc.id, today=TODAY)
    take_back_undo(engine, settings, u.event_id, today=TODAY)
    undo_last(engine, settings, acc.id, today=TODAY)
    log(engine, settings, acc.id, day=date(2026, 11, 3), result="no_answer")
    events = [
        LoggedEvent(r.id, r.occurred_at, r.result, r.next_action_due, r.supersedes)
        for r in rows(engine)
    ]
    with Session(engine) as s:
        sql = [(o, r) for _, o, r, _ in queries.outcome_events(s, [acc.id])]
    assert sql == [(e.occurred_at, e.result) for e in in_effect(events)]
    assert a.id in {e.id for e in in_effect(events)}


def test_order_counts_for_the_route_that_visited_within_attribution_days(
    engine, settings, add_account
):
    from fieldsales.store.db import session_scope

    acc = add_account()
    other = add_account()
    visit_day = TODAY - timedelta(days=10)
    with session_scope(engine) as s:
        route = Route(rep="Sato", day=visit_day, start_label="o", start_lat=35.0, start_lon=139.0,
                      end_label="o", end_lat=35.0, end_lon=139.0)  # fmt: skip
        s.add(route)
        s.flush()
        stop = RouteStop(route_id=route.id, account_id=acc.id, seq=1, status="done",
                         planned_arrival=at(visit_day), planned_departure=at(visit_day, 4))  # fmt: skip
        skipped = RouteStop(route_id=route.id, account_id=other.id, seq=2, status="skipped",
                            planned_arrival=at(visit_day), planned_departure=at(visit_day, 4))  # fmt: skip
        s.add(stop)
        s.add(skipped)
        s.flush()
        stop_id = stop.id
    order = log(engine, settings, acc.id, result="order", order_amount=300_000)
    not_visited = log(engine, settings, other.id, result="order", order_amount=1)
    late_day = visit_day + timedelta(days=settings.roi.attribution_days + 1)
    too_late = log_outcome(
        engine, settings,
        OutcomeInput(account_id=acc.id, occurred_at=at(late_day), result="order"),
        today=late_day,
    )  # fmt: skip
    by_id = {r.id: r for r in rows(engine)}
    assert by_id[order.id].route_stop_id == stop_id
    assert by_id[not_visited.id].route_stop_id is None
    assert by_id[too_late.id].route_stop_id is None
