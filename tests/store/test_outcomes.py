"""The outcome service against a real SQLite file: one transaction, history, follow-ups."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from fieldsales.services.outcomes import (
    OutcomeError,
    OutcomeInput,
    account_history,
    followups_due,
    log_outcome,
    refusal_preview,
)
from fieldsales.store.db import session_scope
from fieldsales.store.models import Outcome

TODAY = date(2026, 11, 20)


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 3, tzinfo=UTC)


def log(engine, settings, account_id, day=TODAY, **kw):
    return log_outcome(
        engine,
        settings,
        OutcomeInput(account_id=account_id, occurred_at=at(day), **kw),
        today=TODAY,
    )


def count(engine) -> int:
    with Session(engine) as s:
        return s.execute(sa.select(sa.func.count()).select_from(Outcome)).scalar_one()


def test_log_outcome_writes_one_row_and_returns_new_stage(engine, settings, add_account):
    acc = add_account(last_order_date=date(2025, 1, 15), purchase_cycle_days=60)
    saved = log(
        engine,
        settings,
        acc.id,
        channel="visit",
        visit_stage="next_action",
        result="next_action",
        next_action="demo",
        next_action_due=date(2026, 12, 1),
        cost=3000,
        duration_minutes=45,
        notes="  met the new manager  ",
        rep="Sato",
    )
    assert saved.stage == "reactivating"
    assert saved.contact.next_followup == date(2026, 12, 1)
    with Session(engine) as s:
        row = s.exec(select(Outcome)).one()
    assert row.id == saved.id
    assert (row.channel, row.visit_stage, row.result, row.rep) == (
        "visit",
        "next_action",
        "next_action",
        "Sato",
    )
    assert row.notes == "met the new manager" and row.cost == 3000
    assert row.occurred_at == at(TODAY)


def test_order_after_dormancy_revives(engine, settings, add_account):
    acc = add_account(last_order_date=date(2024, 1, 15), purchase_cycle_days=60)
    assert log(engine, settings, acc.id, result="order", order_amount=500_000).stage == "revived"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"channel": "fax"}, "channel"),
        ({"result": "maybe"}, "result"),
        ({"channel": "phone", "visit_stage": "met"}, "only a visit"),
        ({"cost": -1}, "cost: must be 0 or more"),
    ],
)
def test_invalid_outcomes_change_nothing(engine, settings, add_account, fields, message):
    acc = add_account()
    with pytest.raises(OutcomeError, match=message):
        log(engine, settings, acc.id, **fields)
    assert count(engine) == 0


def test_unknown_account_is_an_error_and_nothing_is_written(engine, settings):
    with pytest.raises(OutcomeError, match="not found"):
        log(engine, settings, "no-such-id")
    assert count(engine) == 0


def test_refusals_recontact_then_pause(engine, settings, add_account):
    acc = add_account()
    preview = refusal_preview(engine, settings, acc.id, today=TODAY)
    assert preview.paused_until is None
    first = log(engine, settings, acc.id, day=TODAY - timedelta(days=30), result="refused")
    days = settings.phone.recontact_after_refusal_days
    assert first.contact.next_followup == TODAY - timedelta(days=30) + timedelta(days=days)
    preview = refusal_preview(engine, settings, acc.id, today=TODAY)
    assert preview.paused_until == TODAY + timedelta(days=settings.phone.pause_after_refusals_days)
    second = log(engine, settings, acc.id, result="refused")
    assert second.contact.refusals == 2
    assert second.contact.is_paused(TODAY)
    assert second.contact.next_followup is None


def test_history_newest_first_with_orders_and_corrections(engine, settings, add_account):
    acc = add_account(
        first_order_date=date(2020, 4, 1), last_order_date=date(2025, 1, 15), last_product="ポンプ"
    )
    a = log(engine, settings, acc.id, day=date(2026, 10, 1), result="no_answer")
    log(
        engine,
        settings,
        acc.id,
        day=date(2026, 11, 1),
        result="interested",
        next_action="send catalogue",
    )
    with session_scope(engine) as s:
        s.add(
            Outcome(
                account_id=acc.id,
                rep="x",
                channel="phone",
                occurred_at=at(date(2026, 10, 2)),
                result="contacted",
                supersedes=a.id,
            )
        )
    entries = account_history(engine, acc.id)
    assert [(e.day, e.kind, e.result) for e in entries] == [
        (date(2026, 11, 1), "outcome", "interested"),
        (date(2026, 10, 2), "outcome", "contacted"),
        (date(2026, 10, 1), "outcome", "no_answer"),
        (date(2025, 1, 15), "last_order", None),
        (date(2020, 4, 1), "first_order", None),
    ]
    assert entries[2].superseded and not entries[1].superseded
    assert entries[0].next_action == "send catalogue"
    assert entries[3].notes == "ポンプ"
    assert account_history(engine, "missing") == []


def test_followups_due_grouped_by_day(engine, settings, add_account):
    a = add_account(company="A社")
    b = add_account(company="B社")
    c = add_account(company="C社")
    later = add_account(company="Later")
    dnc = add_account(company="DNC", do_not_contact=True)
    done = add_account(company="Done")
    log(
        engine,
        settings,
        a.id,
        day=date(2026, 11, 1),
        result="interested",
        next_action="call",
        next_action_due=date(2026, 11, 18),
    )
    log(
        engine,
        settings,
        b.id,
        day=date(2026, 11, 2),
        result="contacted",
        next_action="mail",
        next_action_due=date(2026, 11, 18),
    )
    log(engine, settings, c.id, day=date(2026, 11, 3), result="contacted", next_action_due=TODAY)
    log(
        engine,
        settings,
        later.id,
        day=date(2026, 11, 3),
        result="contacted",
        next_action_due=TODAY + timedelta(days=1),
    )
    log(engine, settings, dnc.id, day=date(2026, 11, 3), result="contacted", next_action_due=TODAY)
    log(engine, settings, done.id, day=date(2026, 11, 3), result="contacted", next_action_due=TODAY)
    log(engine, settings, done.id, day=date(2026, 11, 19), result="appointment")  # completed
    days = followups_due(engine, settings, today=TODAY)
    assert [(g.day, [i.company for i in g.items]) for g in days] == [
        (date(2026, 11, 18), ["A社", "B社"]),
        (TODAY, ["C社"]),
    ]
    assert days[0].items[0].next_action == "call"
    assert days[0].items[0].last_result == "interested"


def test_saved_outcome_is_visible_to_a_second_connection_at_once(
    engine, settings, add_account, db_path
):
    import sqlite3

    acc = add_account()
    saved = log(engine, settings, acc.id, result="contacted")
    with sqlite3.connect(db_path) as other:
        assert other.execute("select id from outcome").fetchall() == [(saved.id,)]
