"""An account edited in the app and a change reverted, on PostgreSQL: typed values come
back as their column types (bool, date, float), the history keeps every step."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from fieldsales.config import default_settings
from fieldsales.domain.text import fold
from fieldsales.services.account_card import account_card
from fieldsales.services.account_form import (
    AccountForm,
    change_history,
    changes_from_form,
    revert,
    save_edit,
)
from fieldsales.store.accounts import save_position
from fieldsales.store.db import open_engine, session_scope
from fieldsales.store.models import Account, AccountChange


def test_edit_history_and_revert_on_postgres(pg_url: str) -> None:
    engine = open_engine(pg_url)
    with session_scope(engine) as s:
        acc = Account(
            company="東邦化成株式会社",
            match_key=fold("東邦化成株式会社|"),
            contact_name="山本",
            lat=35.7,
            lon=139.7,
            geo_precision="street",
            last_order_date=date(2025, 6, 1),
        )
        s.add(acc)
        acc_id = acc.id
    card = account_card(engine, acc_id)
    assert card is not None
    form = AccountForm(
        contact_name="鈴木",
        do_not_contact=True,
        main_reason="competitor",
        reason_solvable="hard",
        competitor_status="long_contract",
        closed_days="土日",
        hours="9:00-17:00",
    )
    changes = changes_from_form(card, form, default_settings())
    assert save_edit(engine, acc_id, changes) == list(changes)
    with session_scope(engine) as s:
        save_position(s, acc_id, lat=35.69, lon=139.69, precision="town", source="postal")
    history = change_history(engine, acc_id)
    assert {h.field for h in history} >= {"contact_name", "do_not_contact", "lat", "opens_at"}
    by_field = {h.field: h for h in history}
    for name in ("do_not_contact", "lat", "geo_precision", "contact_name"):
        assert revert(engine, by_field[name].id) == [name]
    with Session(engine) as s:
        row = s.get(Account, acc_id)
        assert row is not None
        assert (row.do_not_contact, row.lat, row.geo_precision, row.contact_name) == (
            False,
            35.7,
            "street",
            "山本",
        )
        assert row.opens_at == "09:00"  # not reverted: still as edited
        total = len(s.exec(select(AccountChange)).all())
    assert total == len(history) + 4  # the reverts are new rows; nothing deleted
    assert change_history(engine, acc_id)[0].source == "app"
