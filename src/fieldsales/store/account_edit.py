"""A rep's edit of an account's own fields, kept field by field in `account_change`.

Imports keep their history the same way (store/importer.py); this is the one
path for edits made in the app, so a later sync sees each field's change.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlmodel import Session

from fieldsales.domain.parse import match_key
from fieldsales.errors import UserError
from fieldsales.store.models import Account, AccountChange, utcnow
from fieldsales.store.scores import refresh_scores

# Kept by the store itself, never by an edit.
NOT_EDITABLE = frozenset({"id", "match_key", "static_scores", "created_at", "updated_at"})
_KEY_FIELDS = ("company", "prefecture", "city", "address")


class AccountNotFound(UserError, LookupError):
    """No account with that id."""

    title = "Account"


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def update_account_fields(
    session: Session, account_id: str, changes: Mapping[str, Any], source: str = "app"
) -> list[str]:
    """Set the given fields; each one whose value differs is recorded with its old
    and new value. Returns the names of the fields that changed ([] when none did).

    Raises AccountNotFound for an unknown id and ValueError for a field that is
    not an editable Account column. The caller's session commits (or rolls back).
    """
    columns = set(Account.model_fields) - NOT_EDITABLE
    unknown = sorted(set(changes) - columns)
    if unknown:
        raise ValueError(f"not an editable account field: {', '.join(unknown)}")
    acc = session.get(Account, account_id)
    if acc is None:
        raise AccountNotFound(f"account {account_id} not found")
    now = utcnow()
    changed: list[str] = []
    for name, value in changes.items():
        old = getattr(acc, name)
        if old == value:
            continue
        session.add(
            AccountChange(
                account_id=acc.id,
                field=name,
                old_value=_text(old),
                new_value=_text(value),
                source=source,
                changed_at=now,
            )
        )
        setattr(acc, name, value)
        changed.append(name)
    if changed:
        if any(name in _KEY_FIELDS for name in changed):
            acc.match_key = match_key(acc.company, acc.prefecture, acc.city, acc.address)
        acc.updated_at = now
        session.add(acc)
        refresh_scores(session, [acc.id])  # the ranking rescores it from its new fields
    return changed
