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


def test_history_is_newest_first_and_revert_is_a_new_change(engine: Engine, add_account) -> None:
    from datetime import date

    from fieldsales.store.account_edit import account_changes, revert_change

    acc = add_account(do_not_contact=False, last_order_date=date(2025, 4, 1), contact_name="山本")
    with session_scope(engine) as s:
        update_account_fields(
            s, acc.id, {"do_not_contact": True, "last_order_date": date(2026, 1, 5)}
        )
    with session_scope(engine) as s:
        update_account_fields(s, acc.id, {"contact_name": None}, source="import:crm.csv")
    with Session(engine) as s:
        rows = account_changes(s, acc.id)
    assert rows[0].field == "contact_name"  # the newest first
    assert rows[0].source == "import:crm.csv"
    by_field = {r.field: r for r in rows}
    with session_scope(engine) as s:
        for name in ("do_not_contact", "last_order_date", "contact_name"):
            assert revert_change(s, by_field[name].id) == [name]
    with Session(engine) as s:
        row = s.get(Account, acc.id)
        assert row is not None
        assert (row.do_not_contact, row.last_order_date, row.contact_name) == (
            False,
            date(2025, 4, 1),
            "山本",
        )
    # nothing deleted: three edits and their three reverts
    with Session(engine) as s:
        changes = s.exec(select(AccountChange).where(AccountChange.account_id == acc.id)).all()
        stored = sorted((c.field, c.old_value or "", c.new_value or "", c.source) for c in changes)
    assert stored == [
        ("contact_name", "", "山本", "app"),
        ("contact_name", "山本", "", "import:crm.csv"),
        ("do_not_contact", "false", "true", "app"),
        ("do_not_contact", "true", "false", "app"),
        ("last_order_date", "2025-04-01", "2026-01-05", "app"),
        ("last_order_date", "2026-01-05", "2025-04-01", "app"),
    ]
    # the same revert again: the field already holds that value, nothing is written
    with session_scope(engine) as s:
        assert revert_change(s, by_field["contact_name"].id) == []
    with Session(engine) as s:
        assert len(s.exec(select(AccountChange)).all()) == 6


def test_what_cannot_be_reverted_says_so_and_changes_nothing(engine: Engine, add_account) -> None:
    from fieldsales.store.account_edit import NotRevertable, revert_change

    acc = add_account()
    with session_scope(engine) as s:
        s.add(AccountChange(account_id=acc.id, field="merged_account", new_value="{}", source="x"))
        s.add(AccountChange(account_id=acc.id, field="company", old_value=None, source="import"))
    with Session(engine) as s:
        ids = {r.field: r.id for r in s.exec(select(AccountChange))}
    with (
        pytest.raises(NotRevertable, match="merged_account: this entry cannot be reverted"),
        session_scope(engine) as s,
    ):
        revert_change(s, ids["merged_account"])
    with pytest.raises(NotRevertable, match="company: cannot be empty"), session_scope(engine) as s:
        revert_change(s, ids["company"])
    with pytest.raises(NotRevertable, match="not found"), session_scope(engine) as s:
        revert_change(s, "no-such-change")
    assert len(history(engine, acc.id)) == 2
