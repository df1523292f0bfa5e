"""Edits made in the app: the row changes and every changed field is in the history."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from fieldsales.store.account_edit import AccountNotFound, update_account_fields
from fieldsales.store.db import session_scope
from fieldsales.store.models import Account, AccountChange


def history(engine: Engine, account_id: str) -> list[tuple[str, str | None, str | None, str]]:
    with Session(engine) as s:
        rows = s.exec(select(AccountChange).where(AccountChange.account_id == account_id)).all()
        return sorted((r.field, r.old_value, r.new_value, r.source) for r in rows)


def test_changed_fields_are_written_and_recorded(engine: Engine, add_account) -> None:
    acc = add_account(closed_weekdays="6", opens_at="09:00")
    before = acc.updated_at
    with session_scope(engine) as s:
        changed = update_account_fields(
            s, acc.id, {"closed_weekdays": "5,6", "opens_at": "09:00", "closes_at": "17:30"}
        )
    assert changed == ["closed_weekdays", "closes_at"]  # opens_at was already 09:00
    with Session(engine) as s:
        row = s.get(Account, acc.id)
        assert row is not None
        assert (row.closed_weekdays, row.opens_at, row.closes_at) == ("5,6", "09:00", "17:30")
        assert row.updated_at > before
    assert history(engine, acc.id) == [
        ("closed_weekdays", "6", "5,6", "app"),
        ("closes_at", None, "17:30", "app"),
    ]


def test_no_change_writes_no_history(engine: Engine, add_account) -> None:
    acc = add_account(opens_at="09:00")
    with session_scope(engine) as s:
        assert update_account_fields(s, acc.id, {"opens_at": "09:00", "closes_at": None}) == []
    assert history(engine, acc.id) == []


def test_a_new_company_name_moves_the_reimport_key(engine: Engine, add_account) -> None:
    acc = add_account(company="旧社名工業", address="丸の内1-2-3")
    with session_scope(engine) as s:
        update_account_fields(s, acc.id, {"company": "新社名工業"}, source="sync")
    with Session(engine) as s:
        row = s.get(Account, acc.id)
        assert row is not None and row.match_key.startswith("新社名工業|")
    assert history(engine, acc.id) == [("company", "旧社名工業", "新社名工業", "sync")]


def test_unknown_account_or_field_changes_nothing(engine: Engine, add_account) -> None:
    acc = add_account()
    with pytest.raises(AccountNotFound), session_scope(engine) as s:
        update_account_fields(s, "no-such-id", {"opens_at": "09:00"})
    with pytest.raises(ValueError, match="match_key, nonsense"), session_scope(engine) as s:
        update_account_fields(s, acc.id, {"nonsense": 1, "match_key": "x", "opens_at": "10:00"})
    with Session(engine) as s:
        row = s.get(Account, acc.id)
        assert row is not None and row.opens_at is None
    assert history(engine, acc.id) == []
