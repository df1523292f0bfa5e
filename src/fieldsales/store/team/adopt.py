"""A laptop's first sync with a team: the accounts it had before joining.

Before its first pull from a team database, every account on the laptop is
the laptop's own (imported or made there, under ids the team database does
not know), and the outcomes and routes logged before the sync outbox existed
(migration 0009) have no outbox rows. A rep may not add accounts to the team
database (grants.sql), so these accounts cannot be pushed. The first sync
instead, in the same local transaction as the pull:

- matches each to the team's account with the same external id, else the
  same company and address (match_key), among the accounts the pull brings,
  and gives it the team's id here: its outcomes, history, route stops and
  orders follow, and so do the outbox rows that name it;
- adds the outbox rows the matched accounts' outcomes and routes lack, once,
  so that the sync pushes them in the same run;
- keeps the other accounts on this laptop only (sync_state `local_only`):
  they and their outcomes stay here and are never pushed.

The sync says in one line what it did (commands/sync.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, col, select

from fieldsales.store import outbox
from fieldsales.store.models import Account, Outcome, Route, RouteStop, SyncOutbox

LOCAL_ONLY = "local_only"  # sync_state key: JSON list of the accounts kept on the laptop
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass
class Adopted:
    """What the first sync did with the laptop's own accounts."""

    matched: int = 0  # given the team's id
    local_only: list[str] = field(default_factory=list)  # kept here only, never pushed
    backfilled: int = 0  # outcomes and routes added to the outbox


def local_account_count(session: Session) -> int:
    return int(session.execute(sa.select(sa.func.count()).select_from(Account)).scalar_one())


def adopt(session: Session, rows: Sequence[Mapping[str, Any]]) -> Adopted:
    """Match the laptop's accounts to the team's (`rows`: every account the first pull
    brings), re-key the matched ones, fill the outbox for them; see the module."""
    acc = Account.__table__  # type: ignore[attr-defined]
    local = session.execute(sa.select(acc.c.id, acc.c.external_id, acc.c.match_key)).all()
    if not local:
        return Adopted()
    team_ids = {r["id"] for r in rows}
    by_external = {r["external_id"]: r["id"] for r in rows if r["external_id"]}
    by_key = {r["match_key"]: r["id"] for r in rows if r["match_key"]}
    here = {r.id for r in local}
    rekey: dict[str, str] = {}
    only: list[str] = []
    for r in local:
        if r.id in team_ids:  # already the team's (a copy of the team database)
            continue
        target = by_external.get(r.external_id) if r.external_id else None
        if target is None:
            target = by_key.get(r.match_key)
        if target is None or target in here or target in rekey.values():
            only.append(r.id)
            continue
        rekey[r.id] = target
    _rekey(session, rekey)
    backfilled = _backfill(session, team_ids)
    return Adopted(matched=len(rekey), local_only=sorted(only), backfilled=backfilled)


def _rekey(session: Session, rekey: Mapping[str, str]) -> None:
    """Give accounts new ids, with every row that names them (checked at commit)."""
    if not rekey:
        return
    if session.get_bind().dialect.name == "sqlite":
        session.execute(sa.text("PRAGMA defer_foreign_keys = ON"))  # until this commit
    pairs = [{"old_id": old, "new_id": new} for old, new in rekey.items()]
    acc = Account.__table__  # type: ignore[attr-defined]
    for table in SQLModel.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column is acc.c.id for fk in column.foreign_keys):
                stmt = (
                    sa.update(table)
                    .where(column == sa.bindparam("old_id"))
                    .values({column.name: sa.bindparam("new_id")})
                )
                session.connection().execute(stmt, pairs)
    stmt = (
        sa.update(acc).where(acc.c.id == sa.bindparam("old_id")).values(id=sa.bindparam("new_id"))
    )
    session.connection().execute(stmt, pairs)
    box = SyncOutbox.__table__  # type: ignore[attr-defined]
    changed = []
    for seq, ref_id, payload in session.execute(sa.select(box.c.seq, box.c.ref_id, box.c.payload)):
        new_payload = _UUID.sub(lambda m: rekey.get(m[0], m[0]), payload)
        new_ref = rekey.get(ref_id, ref_id)
        if new_payload != payload or new_ref != ref_id:
            changed.append({"s": seq, "r": new_ref, "p": new_payload})
    if changed:
        stmt = (
            sa.update(box)
            .where(box.c.seq == sa.bindparam("s"))
            .values(ref_id=sa.bindparam("r"), payload=sa.bindparam("p"))
        )
        session.connection().execute(stmt, changed)


def _backfill(session: Session, team_ids: set[str]) -> int:
    """Outbox rows for the outcomes and routes on the team's accounts that have none
    (logged before the outbox existed): pushed once, doubled never (the server keys
    outcomes by id)."""
    queued = set(session.execute(sa.select(SyncOutbox.__table__.c.ref_id)).scalars())  # type: ignore[attr-defined]
    n = 0
    outcomes = session.exec(select(Outcome).order_by(col(Outcome.occurred_at)))
    for o in outcomes:
        if o.account_id in team_ids and o.id not in queued:
            outbox.outcome_added(session, o)
            n += 1
    stops: dict[str, list[RouteStop]] = {}
    for s in session.exec(select(RouteStop)):
        stops.setdefault(s.route_id, []).append(s)
    for route in session.exec(select(Route)):
        mine = stops.get(route.id, [])
        if route.id in queued or not all(s.account_id in team_ids for s in mine):
            continue
        outbox.route_saved(session, route, mine)
        n += 1
    return n


def kept_here(state: Mapping[str, str]) -> set[str]:
    """The accounts the first sync kept on this laptop only."""
    return set(json.loads(state.get(LOCAL_ONLY, "[]")))


def names_local_only(kind: str, ref_id: str, payload: str, only: Iterable[str]) -> bool:
    """Does this outbox row concern an account kept on the laptop only?"""
    ids = set(only)
    if not ids:
        return False
    if kind == outbox.ACCOUNT:
        return ref_id in ids
    return any(m in ids for m in _UUID.findall(payload))
