"""queries.outcome_columns (the columnar outcome log ranking reads) against
outcome_events (the tuples, oldest first, corrections applied): same events,
same order, same stages and contact state, on both of its paths."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any

import numpy as np
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from fieldsales.config import Settings
from fieldsales.domain.contact import contact_many
from fieldsales.domain.dormancy import stages_many
from fieldsales.services.corrections import take_back_undo, undo_last
from fieldsales.services.rank import rank_accounts
from fieldsales.store import queries
from fieldsales.store.db import session_scope
from fieldsales.store.models import Outcome

TODAY = date(2026, 11, 20)
RESULTS = ["no_answer", "contacted", "interested", "next_action", "refused", "appointment", "order"]


@pytest.fixture
def tokyo(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A local zone 9 hours from UTC, so the local day differs from the UTC one."""
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _log(engine: Engine, account_ids: list[str], seed: int = 7) -> None:
    """A log with ties (same instant, several events), corrections, undos, an
    undo taken back, follow-up dates, and times on both sides of local midnight."""
    rng = random.Random(seed)
    start = datetime(2026, 9, 1, tzinfo=UTC)
    made: list[str] = []
    with session_scope(engine) as s:
        for k in range(400):
            when = start + timedelta(hours=rng.randrange(80 * 24), minutes=rng.choice([0, 30]))
            if k % 3 == 0 and made:  # the same instant as an earlier event
                when = s.get(Outcome, rng.choice(made)).occurred_at  # type: ignore[union-attr]
            result = rng.choice(RESULTS)
            o = Outcome(
                account_id=rng.choice(account_ids),
                rep="sato",
                channel="phone",
                occurred_at=when,
                result=result,
                next_action_due=when.date() + timedelta(days=rng.randrange(1, 30))
                if result in ("next_action", "interested")
                else None,
                supersedes=rng.choice(made) if made and k % 17 == 0 else None,
            )
            if o.supersedes is not None and k % 34 == 0:
                o.result = "undo"
            s.add(o)
            s.flush()
            made.append(o.id)


def _old_arrays(
    events: list[tuple[str, datetime, str, date | None]], ids: list[str]
) -> tuple[Any, ...]:
    """The arrays ranking built from outcome_events before outcome_columns."""
    index = {a: i for i, a in enumerate(ids)}
    kept = [e for e in events if e[0] in index]
    offset = datetime.now().astimezone().utcoffset() or timedelta(0)
    acc = np.array([index[e[0]] for e in kept], dtype=np.intp)
    occurred = np.array(
        [e[1].astimezone(UTC).replace(tzinfo=None) for e in kept], dtype="datetime64[us]"
    )
    day = np.array([(e[1] + offset).date() for e in kept], dtype="datetime64[D]")
    res = np.array([e[2] for e in kept], dtype=str)
    due = np.array([e[3] if e[3] is not None else "NaT" for e in kept], dtype="datetime64[D]")
    return acc, occurred, day, res, due


def _assert_same(cols: queries.OutcomeColumns, old: tuple[Any, ...]) -> None:
    acc, occurred, _day, res, due = old
    assert len(cols) == len(acc)
    np.testing.assert_array_equal(cols.account, acc)
    np.testing.assert_array_equal(cols.occurred, occurred)
    np.testing.assert_array_equal(cols.result, res)
    np.testing.assert_array_equal(cols.due, due)  # NaT == NaT here


def test_columns_match_outcome_events(
    engine: Engine, settings: Settings, add_account: Any, tokyo: None
) -> None:
    accounts = [add_account(purchase_cycle_days=30 + 10 * k) for k in range(12)]
    ids = [a.id for a in accounts]
    _log(engine, ids)
    # the services' undo and take-back too
    undo_last(engine, settings, ids[0], today=TODAY)
    back = undo_last(engine, settings, ids[1], today=TODAY)
    take_back_undo(engine, settings, back.event_id, today=TODAY)
    with Session(engine) as s:
        events = queries.outcome_events(s)
        assert queries._sqlite_outcome_arrays(s, queries._IdIndex(ids)) is not None  # fast path
        everything = queries.outcome_columns(s, ids)
        # only some accounts: an all-accounts read drops the others, a targeted
        # read asks for those only; both keep the order
        some = ids[::3]
        dropped = queries.outcome_columns(s, some)
        targeted = queries.outcome_columns(s, some, all_accounts=False)
    ties = sum(1 for a, b in pairwise(events) if a[1] == b[1])
    assert ties > 20  # the log exercises the tie order (by outcome id)
    assert len(events) < 400  # corrections and undos took some out
    _assert_same(everything, _old_arrays(events, ids))
    _assert_same(dropped, _old_arrays(events, some))
    _assert_same(targeted, _old_arrays(events, some))


def test_the_row_path_gives_the_same_columns(
    engine: Engine, add_account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = [add_account().id for _ in range(5)]
    _log(engine, ids, seed=3)
    with Session(engine) as s:
        fast = queries.outcome_columns(s, ids)
        monkeypatch.setattr(queries, "_sqlite_outcome_arrays", lambda *_: None)
        rows = queries.outcome_columns(s, ids)
        events = queries.outcome_events(s)
    _assert_same(fast, _old_arrays(events, ids))
    _assert_same(rows, _old_arrays(events, ids))


def test_ids_that_are_not_uuids_and_stored_times_without_fraction(
    engine: Engine, add_account: Any
) -> None:
    """Account ids of another width, and a time written as whole seconds by
    another program: the columns fall back to reading rows, same answer."""
    ids = [add_account(id=f"acct-{k}").id for k in range(4)]
    ids.append(add_account(id=str(uuid.uuid4())).id)
    _log(engine, ids, seed=5)
    with Session(engine) as s:
        s.connection().exec_driver_sql(
            "UPDATE outcome SET occurred_at = '2026-10-01 12:00:00' "
            "WHERE id = (SELECT min(id) FROM outcome WHERE result != 'undo' AND id NOT IN"
            " (SELECT supersedes FROM outcome WHERE supersedes IS NOT NULL))"
        )
        cols = queries.outcome_columns(s, ids)
        events = queries.outcome_events(s)
        assert queries._sqlite_outcome_arrays(s, queries._IdIndex(ids)) is None  # rows path
    assert datetime(2026, 10, 1, 12, tzinfo=UTC) in [e[1] for e in events]
    _assert_same(cols, _old_arrays(events, ids))


def test_empty_log(engine: Engine, add_account: Any) -> None:
    ids = [add_account().id]
    with Session(engine) as s:
        assert len(queries.outcome_columns(s, ids)) == 0
        assert len(queries.outcome_columns(s, ids, all_accounts=False)) == 0
        assert len(queries.outcome_columns(s, [])) == 0


def test_ranking_state_matches_the_tuple_path(
    engine: Engine, settings: Settings, add_account: Any, tokyo: None
) -> None:
    accounts = [
        add_account(last_order_date=date(2025, 1, 1) + timedelta(days=40 * k)) for k in range(10)
    ]
    ids = [a.id for a in accounts]
    _log(engine, ids, seed=11)
    table = rank_accounts(engine, settings, origin=(35.68, 139.76), today=TODAY)
    base = table.base
    with Session(engine) as s:
        events = queries.outcome_events(s)
    acc, _occ, day, res, due = _old_arrays(events, list(base.ids))
    cycle = np.full(base.n, 60.0)  # add_account's purchase cycle
    stage = stages_many(base.last_order, cycle, TODAY, acc, day, res, settings.dormancy)
    contact = contact_many(
        base.n, acc, day, res, due, settings.phone, settings.dormancy.positive_results
    )
    assert list(base.stage) == list(stage)
    np.testing.assert_array_equal(base.contact.last_contact, contact.last_contact)
    np.testing.assert_array_equal(base.contact.next_followup, contact.next_followup)
    np.testing.assert_array_equal(base.contact.refusals, contact.refusals)
    np.testing.assert_array_equal(base.contact.paused_until, contact.paused_until)
