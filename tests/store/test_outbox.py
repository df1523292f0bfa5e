"""The sync outbox is written with the change, in the same transaction, and only for
what a rep pushes: outcomes, routes, and the account fields a rep may edit."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from fieldsales.config import Settings
from fieldsales.services.account_card import save_account_fields
from fieldsales.services.outcomes import OutcomeInput, log_outcome
from fieldsales.store import routes
from fieldsales.store.account_edit import update_account_fields
from fieldsales.store.db import session_scope
from fieldsales.store.models import Outcome, Route, RouteStop, SyncOutbox


def outbox(engine: Engine) -> list[tuple[str, str, dict]]:
    with Session(engine) as s:
        rows = s.exec(select(SyncOutbox).order_by(SyncOutbox.seq)).all()  # type: ignore[arg-type]
        return [(r.kind, r.ref_id, json.loads(r.payload)) for r in rows]


def test_outcomes_routes_and_rep_edits_go_to_the_outbox(
    engine: Engine, settings: Settings, add_account
) -> None:
    acc = add_account(company="丸の内精機")
    oid = log_outcome(
        engine,
        settings,
        OutcomeInput(
            account_id=acc.id,
            occurred_at=datetime(2026, 11, 2, 3, tzinfo=UTC),
            channel="visit",
            result="contacted",
            rep="Sato",
        ),
        today=date(2026, 11, 30),
    ).id
    save_account_fields(engine, acc.id, {"phone": "090-1"})
    with session_scope(engine) as s:  # a field that is not the rep's: not pushed
        update_account_fields(s, acc.id, {"do_not_contact": True}, source="app")
    at = datetime(2026, 11, 3, 0, tzinfo=UTC)
    with session_scope(engine) as s:
        route = Route(rep="Sato", day=date(2026, 11, 3), start_label="o", start_lat=35.0,
                      start_lon=139.0, end_label="o", end_lat=35.0, end_lon=139.0)  # fmt: skip
        stop = RouteStop(route_id=route.id, account_id=acc.id, seq=1, planned_arrival=at,
                         planned_departure=at)  # fmt: skip
        rid = routes.add_route(s, route, [stop])
    with session_scope(engine) as s:
        assert routes.mark_stop(s, rid, acc.id, "done", at)
    ops = outbox(engine)
    assert [(k, r) for k, r, _ in ops] == [
        ("outcome", oid),
        ("account", acc.id),  # phone; do_not_contact is the lead's
        ("route", rid),
        ("route", rid),
    ]
    assert ops[0][2]["id"] == oid and ops[0][2]["result"] == "contacted"
    assert ops[1][2] == {"account_id": acc.id, "field": "phone", "old": None, "new": "090-1",
                         "changed_at": ops[1][2]["changed_at"]}  # fmt: skip
    assert ops[3][2]["route"]["status"] == "done" and ops[3][2]["stops"][0]["status"] == "done"


def test_a_change_rolled_back_leaves_no_outbox_row(engine: Engine, add_account) -> None:
    acc = add_account(company="丸の内精機")
    with pytest.raises(RuntimeError), session_scope(engine) as s:
        from fieldsales.store.outcome_log import add_outcome

        add_outcome(session=s, outcome=Outcome(account_id=acc.id, rep="Sato", channel="phone",
                    result="contacted", occurred_at=datetime(2026, 11, 2, tzinfo=UTC)))  # fmt: skip
        assert len(s.exec(select(SyncOutbox)).all()) == 1
        raise RuntimeError("the program stops before the commit")
    assert outbox(engine) == []
    with Session(engine) as s:
        assert s.exec(select(Outcome)).all() == []
