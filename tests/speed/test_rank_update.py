"""Re-scoring one account inside a loaded ranking (services/rank_update.py, what the
app does after a save) gives what ranking every account again gives: order, stage,
score, follow-up, pause, the search box's keys and every sort order."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from fieldsales.config import Settings
from fieldsales.domain.vocab import Result
from fieldsales.services.outcome_form import OutcomeInput
from fieldsales.services.outcomes import log_outcome
from fieldsales.services.rank import RankFilter, RankTable, rank_accounts
from fieldsales.services.rank_sort import build_orders, keep_orders, kept_sorted
from fieldsales.services.rank_update import rescore, splice
from fieldsales.store import unit
from fieldsales.store.account_edit import update_account_fields

TODAY = date(2026, 11, 22)
ORIGIN = (35.681236, 139.767125)
SORTS = ("rank", "score", "company", "city", "distance", "stage", "reason", "last_order",
         "months", "followup")  # fmt: skip


def _rank(engine: Engine, settings: Settings) -> RankTable:
    return rank_accounts(
        engine, settings, origin=ORIGIN, filters=RankFilter(show_all=True), today=TODAY
    )


def _warm(table: RankTable) -> None:
    """Build what the app builds while the list is shown: search keys, sort keys, rows."""
    base = table.base
    base.find_keys()
    base.phone_keys()
    base.romaji_keys()
    for column in SORTS:
        base.sort_key(column)
    table.filter(RankFilter(search="0000"))  # the keys as the arrays a search scans
    for a in table[:10]:
        assert a.phone is not None or a.phone is None  # loads the details of the rows shown
    # every account in each column's order, as the app's warm-up keeps them
    assert keep_orders(base, *build_orders(base, SORTS))


def _update(engine: Engine, settings: Settings, table: RankTable, account_id: str) -> RankTable:
    done = rescore(table.base, engine, settings, account_id, ORIGIN)
    assert splice(table.base, done) is not None
    base = table.base
    return RankTable(base, base.order).filter(RankFilter(show_all=True), TODAY)


def _view(table: RankTable) -> list[tuple[Any, ...]]:
    return [
        (a.id, a.company, a.score.total, a.score.rank, a.stage, a.next_followup, a.paused_until,
         a.last_contact, a.months_dormant, a.distance_km, a.last_order_date,
         tuple((c.name, c.score, c.points, c.max_points) for c in a.score.criteria), a.phone)
        for a in table
    ]  # fmt: skip


def assert_same(updated: RankTable, full: RankTable) -> None:
    assert _view(updated) == _view(full)
    ub, fb = updated.base, full.base
    assert ub.ids == fb.ids  # the same rows, so the arrays compare position by position
    np.testing.assert_array_equal(ub.totals, fb.totals)
    # built now from the scores as they are (a later splice then writes its row)
    np.testing.assert_array_equal(ub.max_points, fb.max_points)
    np.testing.assert_array_equal(ub.matrix, fb.matrix)
    np.testing.assert_array_equal(ub.contact.refusals, fb.contact.refusals)
    assert list(ub.stage) == list(fb.stage)
    assert ub.find_keys() == fb.find_keys()
    assert ub.phone_keys() == fb.phone_keys()
    assert ub.romaji_keys() == fb.romaji_keys()
    for name, keys in (("find", fb.find_keys()), ("phone", fb.phone_keys())):
        assert ub._columns[f"keys_array:{name}"].tolist() == [k.rstrip("\x00") for k in keys]
    for column in SORTS:
        assert updated.sorted_by(column).ids == full.sorted_by(column).ids, column
        assert updated.sorted_by(column, True).ids == full.sorted_by(column, True).ids, column
    for f in (RankFilter(), RankFilter(due_followups=True), RankFilter(search="ルート")):
        assert updated.filter(f, TODAY).ids == full.filter(f, TODAY).ids
    # the kept orders, moved at each re-score, sort any view as sorting it anew does
    for f in (RankFilter(show_all=True), RankFilter(), RankFilter(search="ルート")):
        view, fresh = updated.filter(f, TODAY), full.filter(f, TODAY)
        for column in SORTS:
            for reverse in (False, True):
                kept = kept_sorted(view, column, reverse)
                assert kept is not None, column
                assert kept.ids == fresh.sorted_by(column, reverse).ids, (column, reverse)
    # the outcome events early warning reads: each account's own, in order
    for i in range(ub.n):
        mine_u = ub.outcomes.account == i
        mine_f = fb.outcomes.account == i
        assert list(ub.outcomes.result[mine_u]) == list(fb.outcomes.result[mine_f])
        assert list(ub.outcomes.occurred[mine_u]) == list(fb.outcomes.occurred[mine_f])


def _log(engine: Engine, settings: Settings, account_id: str, result: str, day: date) -> None:
    due = day + timedelta(days=7) if result in ("next_action", "appointment") else None
    data = OutcomeInput(
        account_id=account_id,
        result=result,
        occurred_at=datetime(day.year, day.month, day.day, 3, tzinfo=UTC),
        rep="Sato",
        next_action="call back" if due else None,
        next_action_due=due,
        order_amount=400_000 if result == "order" else None,
    )
    log_outcome(engine, settings, data, today=TODAY)


def test_each_kind_of_outcome_rescored_alone_equals_a_full_rerank(
    engine: Engine, settings: Settings, seeded: Callable[..., list[str]]
) -> None:
    ids = seeded(40)
    table = _rank(engine, settings)
    _warm(table)
    rnd = random.Random(3)
    day = TODAY - timedelta(days=30)
    for result in [r.value for r in Result] + ["refused", "refused", "refused"]:
        account_id = ids[0] if result == "refused" else rnd.choice(ids)  # ids[0]: paused
        _log(engine, settings, account_id, result, day)
        day += timedelta(days=1)
        before = table.position(account_id)
        table = _update(engine, settings, table, account_id)
        assert_same(table, _rank(engine, settings))
        assert before is not None and table.position(account_id) is not None
    # the refusals paused ids[0]: the default filter leaves it out, as a full re-rank does
    assert table.filter(RankFilter(), TODAY).position(ids[0]) is None
    assert table.base.contact.paused_until[table.base.id_index()[ids[0]]] > np.datetime64(TODAY)


def test_an_edit_and_a_new_position_rescored_alone_equal_a_full_rerank(
    engine: Engine, settings: Settings, seeded: Callable[..., list[str]]
) -> None:
    ids = seeded(30)
    table = _rank(engine, settings)
    _warm(table)
    changes: list[tuple[str, dict[str, Any]]] = [
        (ids[5], {"company": "とても長い名前の新しい会社名株式会社（旧ルート商事五）"}),
        (ids[6], {"lat": ORIGIN[0], "lon": ORIGIN[1], "geo_precision": "street"}),
        (ids[7], {"lat": None, "lon": None, "geo_precision": "none"}),
        (ids[8], {"do_not_contact": True}),
        (ids[9], {"phone": "+81 90-1234-5678", "city": "とても長い市区町村の名前区"}),
        (
            ids[10],
            {
                "reason_solvable": "solved",
                "competitor_status": "none",
                "lifetime_revenue": 40_000_000,
            },
        ),
    ]
    for account_id, fields in changes:
        with unit.writing(engine) as session:
            update_account_fields(session, account_id, fields)
        table = _update(engine, settings, table, account_id)
        assert_same(table, _rank(engine, settings))
    assert table.filter(RankFilter(search="とても長い名前"), TODAY).ids == [ids[5]]
    assert table.filter(RankFilter(search="09012345678"), TODAY).ids == [ids[9]]


@hsettings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(
            st.integers(0, 11), st.sampled_from([r.value for r in Result]), st.integers(0, 60)
        ),
        min_size=1,
        max_size=4,
    )
)
def test_any_outcomes_rescored_one_by_one_equal_a_full_rerank(
    engine: Engine,
    settings: Settings,
    seeded: Callable[..., list[str]],
    steps: list[tuple[int, str, int]],
) -> None:
    ids = _ids(engine, settings, seeded)
    table = _rank(engine, settings)
    _warm(table)
    for who, result, ago in steps:
        _log(engine, settings, ids[who], result, TODAY - timedelta(days=ago))
        table = _update(engine, settings, table, ids[who])
    assert_same(table, _rank(engine, settings))


def _ids(engine: Engine, settings: Settings, seeded: Callable[..., list[str]]) -> list[str]:
    """Twelve accounts, seeded once per test (examples add outcomes to them); two of
    them at one place with one score, so the order's ties are tested too."""
    table = _rank(engine, settings)
    if len(table):
        return sorted(table.base.ids)
    ids = seeded(12, spread=0.05)
    with unit.writing(engine) as session:
        same = {"lat": 35.7, "lon": 139.7, "lifetime_revenue": 3_000_000,
                "last_order_date": date(2024, 5, 15), "reason_solvable": "partly",
                "competitor_status": "partial", "digital_responsiveness": "medium"}  # fmt: skip
        update_account_fields(session, ids[1], same)
        update_account_fields(session, ids[2], same)
    return sorted(ids)


def test_kept_orders_built_before_a_rescore_are_not_kept(
    engine: Engine, settings: Settings, seeded: Callable[..., list[str]]
) -> None:
    ids = seeded(20)
    table = _rank(engine, settings)
    base = table.base
    built = build_orders(base, SORTS)  # a worker started before the save...
    _log(engine, settings, ids[3], "order", TODAY - timedelta(days=2))
    table = _update(engine, settings, table, ids[3])  # ...which was spliced meanwhile
    assert not keep_orders(base, *built)
    assert kept_sorted(table, "score", False) is None  # the list sorts by itself instead
    assert all(not n.startswith("sort:") for n in base.computed() if n in built[2])
    assert table.sorted_by("months").ids == _rank(engine, settings).sorted_by("months").ids
