"""The counts behind learned rates: one GROUP BY, outcomes in effect, per rank and channel."""

from __future__ import annotations

from datetime import UTC, date, datetime

from fieldsales.domain.rates import Counts
from fieldsales.services.corrections import undo_last
from fieldsales.services.outcomes import OutcomeInput, log_outcome
from fieldsales.services.rank import rank_accounts
from fieldsales.services.rates import current_learned_rates, rate_counts

TODAY = date(2026, 11, 20)


def log(engine, settings, account_id, day, **kw):
    when = datetime(day.year, day.month, day.day, 3, tzinfo=UTC)
    return log_outcome(
        engine, settings, OutcomeInput(account_id=account_id, occurred_at=when, **kw), today=TODAY
    )


def test_counts_per_account_and_channel(engine, settings, add_account):
    a = add_account(last_order_date=date(2024, 1, 1))
    b = add_account(last_order_date=date(2024, 1, 1))
    c = add_account(last_order_date=date(2024, 1, 1))
    # a: two calls then an appointment and an order by phone: one contact, appointed, closed
    log(engine, settings, a.id, date(2026, 10, 1), channel="phone", result="no_answer")
    log(engine, settings, a.id, date(2026, 10, 2), channel="phone", result="appointment")
    log(engine, settings, a.id, date(2026, 10, 9), channel="phone", result="order")
    # b: a phone call (contacted) and a visit with an appointment
    log(engine, settings, b.id, date(2026, 10, 1), channel="phone", result="contacted")
    log(engine, settings, b.id, date(2026, 10, 3), channel="visit", result="appointment")
    # c: an order by phone that was undone: only the no-answer counts
    log(engine, settings, c.id, date(2026, 10, 1), channel="phone", result="no_answer")
    log(engine, settings, c.id, date(2026, 10, 5), channel="phone", result="order")
    undo_last(engine, settings, c.id, today=TODAY)
    table = rank_accounts(
        engine, settings, origin=(settings.office.lat, settings.office.lon), today=TODAY
    )
    rank = dict(zip(table.base.ids, table.base.ranks.tolist(), strict=True))
    expected: dict[tuple[str, str], Counts] = {}

    def add(acc: str, channel: str, appt: int, close: int) -> None:
        key = (rank[acc], channel)
        old = expected.get(key, Counts())
        expected[key] = Counts(old.contacts + 1, old.appointments + appt, old.closes + close)

    add(a.id, "phone", 1, 1)
    add(b.id, "phone", 0, 0)
    add(b.id, "visit", 1, 0)
    add(c.id, "phone", 0, 0)
    assert rate_counts(engine, settings, today=TODAY) == expected
    # from the ranking's own outcome events (read with their channel): the same counts
    assert table.base.outcomes.channel is not None
    assert rate_counts(engine, settings, base=table.base) == expected
    learned = current_learned_rates(engine, settings, today=TODAY)
    assert len(learned) == 16


def test_no_outcomes_no_counts(engine, settings, add_account):
    add_account()
    assert rate_counts(engine, settings, today=TODAY) == {}
