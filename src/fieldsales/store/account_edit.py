"""A rep's edit of an account's own fields, kept field by field in `account_change`.

Imports keep their history the same way (store/importer.py); this is the one
path for edits made in the app, so a later sync sees each field's change.
The history is read back with `account_changes`; `revert_change` sets one
field back to its value before a change, through the same path, so the revert
is itself a new change and nothing is deleted.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Union, get_args, get_origin

import sqlalchemy as sa
from annotated_types import MaxLen
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from fieldsales.domain.parse import match_key
from fieldsales.errors import UserError
from fieldsales.store import outbox
from fieldsales.store.models import Account, AccountChange, new_id, utcnow
from fieldsales.store.scores import refresh_scores
from fieldsales.store.team import REP_EDITABLE

# Kept by the store itself, never by an edit.
NOT_EDITABLE = frozenset({"id", "match_key", "static_scores", "created_at", "updated_at"})
_KEY_FIELDS = ("company", "prefecture", "city", "address")


class AccountNotFound(UserError, LookupError):
    """No account with that id."""

    title = "Account"


def as_text(value: Any) -> str | None:
    """A field's value as account_change keeps it."""
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
                old_value=as_text(old),
                new_value=as_text(value),
                source=source,
                changed_at=now,
            )
        )
        setattr(acc, name, value)
        changed.append(name)
        if source == "app" and name in REP_EDITABLE:  # a rep's own edit: pushed by sync
            outbox.account_edited(session, acc.id, name, old, value, now)
    if changed:
        if any(name in _KEY_FIELDS for name in changed):
            acc.match_key = match_key(acc.company, acc.prefecture, acc.city, acc.address)
        acc.updated_at = now
        session.add(acc)
        refresh_scores(session, [acc.id])  # the ranking rescores it from its new fields
    return changed


class NotRevertable(UserError, ValueError):
    """A history entry that cannot be taken back (gone, or not a field of the account)."""

    title = "History"


@dataclass(frozen=True)
class ChangeRow:
    """One entry of an account's field history, as stored (values as text)."""

    id: str
    changed_at: datetime
    field: str
    old_value: str | None
    new_value: str | None
    source: str


def max_length(name: str) -> int | None:
    """The longest text the account column `name` holds (None: no limit)."""
    info = Account.model_fields[name]
    return next((m.max_length for m in info.metadata if isinstance(m, MaxLen)), None)


def value_of(name: str, text: str | None) -> Any:
    """A history entry's text back as the column's value (bool, int, float, date, str)."""
    annotation = Account.model_fields[name].annotation
    kinds = (
        [a for a in get_args(annotation) if a is not type(None)]
        if get_origin(annotation) in (Union, types.UnionType)
        else [annotation]
    )
    kind = kinds[0] if kinds else str
    if text is None:
        if type(None) in get_args(annotation):
            return None
        raise ValueError(f"{name}: cannot be empty")
    if kind is bool:
        return text.strip().lower() in ("true", "1", "yes")
    if kind is int:
        return int(text)
    if kind is float:
        return float(text)
    if kind is date:
        return date.fromisoformat(text)
    return text


def account_changes(session: Session, account_id: str, *, limit: int = 1000) -> list[ChangeRow]:
    """The account's field history, newest first (at most `limit` entries)."""
    rows = session.exec(
        select(AccountChange)
        .where(AccountChange.account_id == account_id)
        .order_by(col(AccountChange.changed_at).desc(), col(AccountChange.id))
        .limit(limit)
    ).all()
    return [
        ChangeRow(r.id, r.changed_at, r.field, r.old_value, r.new_value, r.source) for r in rows
    ]


def revert_change(session: Session, change_id: str, *, source: str = "app") -> list[str]:
    """Set the field of history entry `change_id` back to its value before that change.

    Written through `update_account_fields`, so the revert is a new entry of
    the history (current value -> old value); nothing is deleted. Returns the
    fields that changed ([] when the field already holds that value). Raises
    NotRevertable for an unknown entry or one that is not an account field
    (such as a merged duplicate kept by migration 0006).
    """
    change = session.get(AccountChange, change_id)
    if change is None:
        raise NotRevertable(f"history entry {change_id} not found")
    columns = set(Account.model_fields) - NOT_EDITABLE
    if change.field not in columns:
        raise NotRevertable(f"{change.field}: this entry cannot be reverted")
    try:
        value = value_of(change.field, change.old_value)
    except ValueError as exc:
        raise NotRevertable(f"{change.field}: {exc}") from None
    changed = update_account_fields(session, change.account_id, {change.field: value}, source)
    try:
        session.flush()
    except IntegrityError:
        raise NotRevertable(
            f"{change.field}: another account already has that name and address"
        ) from None
    return changed


def update_many_accounts(
    session: Session,
    current: Mapping[str, Mapping[str, Any]],
    changes: Mapping[str, Mapping[str, Any]],
    source: str,
) -> list[str]:
    """update_account_fields for many accounts at once (a sync's pull of 50,000), in
    bulk statements: the same history rows (old and new value of each field that
    differs), match key and updated_at. `current` holds each account's values as
    read in this transaction. Returns the ids that changed. A rep's own edits
    (source "app") go one by one through update_account_fields, for the outbox.
    """
    if source == "app":
        return [i for i, ch in changes.items() if update_account_fields(session, i, ch, source)]
    columns = set(Account.model_fields) - NOT_EDITABLE
    unknown = sorted({k for ch in changes.values() for k in ch} - columns)
    if unknown:
        raise ValueError(f"not an editable account field: {', '.join(unknown)}")
    now = utcnow()
    history: list[dict[str, Any]] = []
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for account_id, wanted in changes.items():
        if account_id not in current:
            raise AccountNotFound(f"account {account_id} not found")
        have = current[account_id]
        diff = {k: v for k, v in wanted.items() if have.get(k) != v}
        if not diff:
            continue
        history += [
            {
                "id": new_id(),
                "account_id": account_id,
                "field": k,
                "old_value": as_text(have.get(k)),
                "new_value": as_text(v),
                "source": source,
                "changed_at": now,
            }
            for k, v in diff.items()
        ]
        values = dict(diff, updated_at=now)
        if any(k in _KEY_FIELDS for k in diff):
            merged = {**have, **diff}
            values["match_key"] = match_key(
                merged["company"], merged["prefecture"], merged["city"], merged["address"]
            )
        groups.setdefault(tuple(sorted(values)), []).append(
            {"_id": account_id, **{f"v_{k}": v for k, v in values.items()}}
        )
    if not history:
        return []
    session.flush()
    conn = session.connection()
    conn.execute(sa.insert(AccountChange.__table__), history)  # type: ignore[attr-defined]
    table = Account.__table__  # type: ignore[attr-defined]
    for cols, params in groups.items():
        stmt = (
            sa.update(table)
            .where(table.c.id == sa.bindparam("_id"))
            .values({c: sa.bindparam(f"v_{c}") for c in cols})
        )
        conn.execute(stmt, params)
    session.expire_all()  # loaded accounts see the new values
    ids = [p["_id"] for ps in groups.values() for p in ps]
    refresh_scores(session, ids)  # the ranking rescores them from their new fields
    return ids
