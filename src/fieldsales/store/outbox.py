"""The sync outbox: each change to push, written in the same transaction as the change.

Only a local (SQLite) database keeps one: a lead working directly on the team
database has nothing to push.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlmodel import Session, col, select

from fieldsales.store.models import Outcome, Route, RouteStop, SyncOutbox

OUTCOME, ROUTE, ACCOUNT = "outcome", "route", "account"


def _local(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _add(session: Session, kind: str, ref_id: str, payload: dict[str, Any]) -> None:
    session.add(
        SyncOutbox(
            kind=kind, ref_id=ref_id, payload=json.dumps(payload, ensure_ascii=False, default=str)
        )
    )


def outcome_added(session: Session, outcome: Outcome) -> None:
    if _local(session):
        _add(session, OUTCOME, outcome.id, outcome.model_dump(mode="json"))


def route_saved(session: Session, route: Route, stops: Sequence[RouteStop] | None = None) -> None:
    """The route as it is now, with all its stops (a later snapshot replaces an earlier)."""
    if not _local(session):
        return
    if stops is None:
        stops = session.exec(select(RouteStop).where(col(RouteStop.route_id) == route.id)).all()
    payload = {
        "route": route.model_dump(mode="json"),
        "stops": [s.model_dump(mode="json") for s in stops],
    }
    _add(session, ROUTE, route.id, payload)


def account_edited(
    session: Session, account_id: str, field: str, old: Any, new: Any, changed_at: Any
) -> None:
    """A rep's edit of one field: pushed with the value it replaced, to detect conflicts."""
    if _local(session):
        payload = {
            "account_id": account_id,
            "field": field,
            "old": old,
            "new": new,
            "changed_at": changed_at.isoformat(),
        }
        _add(session, ACCOUNT, account_id, payload)
