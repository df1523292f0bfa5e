"""queries.outcome_columns on PostgreSQL: rows through the DB-API cursor, times
read as UTC whatever the session's zone, same events and order as outcome_events."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import numpy as np
from sqlmodel import Session

from fieldsales.store import queries
from fieldsales.store.db import open_engine, session_scope
from fieldsales.store.models import Account, Outcome

RESULTS = ["no_answer", "contacted", "interested", "next_action", "refused", "order"]


def test_outcome_columns_on_postgres(pg_url: str) -> None:
    engine = open_engine(pg_url)
    rng = random.Random(5)
    with session_scope(engine) as s:
        accounts = [Account(company=f"商事{k}", match_key=f"k{k}") for k in range(6)]
        s.add_all(accounts)
        s.flush()
        ids = [a.id for a in accounts]
        made: list[Outcome] = []
        start = datetime(2026, 9, 1, tzinfo=UTC)
        for k in range(120):
            when = start + timedelta(hours=rng.randrange(60 * 24))
            if k % 4 == 0 and made:  # ties
                when = rng.choice(made).occurred_at
            result = rng.choice(RESULTS)
            o = Outcome(
                account_id=rng.choice(ids),
                rep="sato",
                channel="phone",
                occurred_at=when,
                result=result,
                next_action_due=date(2026, 12, 1) if result == "next_action" else None,
                supersedes=rng.choice(made).id if made and k % 11 == 0 else None,
            )
            if o.supersedes is not None and k % 22 == 0:
                o.result = "undo"
            s.add(o)
            s.flush()
            made.append(o)
    with Session(engine) as s:
        s.connection().exec_driver_sql("SET TIME ZONE 'Asia/Tokyo'")
        events = queries.outcome_events(s)
        cols = queries.outcome_columns(s, ids)
        some = queries.outcome_columns(s, ids[:2], all_accounts=False)
    assert 0 < len(events) < 120
    index = {a: i for i, a in enumerate(ids)}
    np.testing.assert_array_equal(cols.account, [index[e[0]] for e in events])
    np.testing.assert_array_equal(
        cols.occurred,
        np.array([e[1].astimezone(UTC).replace(tzinfo=None) for e in events], "datetime64[us]"),
    )
    np.testing.assert_array_equal(cols.result, [e[2] for e in events])
    np.testing.assert_array_equal(cols.due, np.array([e[3] or "NaT" for e in events], "M8[D]"))
    mine = [e for e in events if e[0] in ids[:2]]
    np.testing.assert_array_equal(some.account, [index[e[0]] for e in mine])
    np.testing.assert_array_equal(some.result, [e[2] for e in mine])
    engine.dispose()
