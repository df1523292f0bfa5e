"""Push: the outbox to the team database, in batches, each operation applied once.

The server keeps a receipt per (client id, op id) in team_op, inserted ON
CONFLICT DO NOTHING, and applies only the operations whose receipt is new: a
push repeated after a kill doubles nothing. Outcomes are inserted ON CONFLICT
DO NOTHING too; a route is its latest snapshot; an account edit is applied
field by field (the later change wins, the loser is kept in account_change).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from fieldsales.store import outbox
from fieldsales.store.account_edit import as_text
from fieldsales.store.models import (
    AccountChange,
    Outcome,
    Route,
    RouteStop,
    new_id,
    utcnow,
)
from fieldsales.store.team import REP_EDITABLE
from fieldsales.store.team.ops import Op, SyncError, SyncResult, chunks

CLIENT_ID, REMOTE, PULL_XID, SYNCED_AT = "client_id", "remote", "pull_xid", "synced_at"
# the account columns a pull copies (the server's own team columns stay there)


def _columns(table: Any) -> list[str]:
    return [c.name for c in table.__table__.columns]


def _insert_json(conn: Connection, table: Any, rows: list[dict[str, Any]], upsert: bool) -> None:
    """INSERT the rows (JSON, typed by the server from the table's row type)."""
    if not rows:
        return
    name = table.__tablename__
    cols = _columns(table)
    names = ", ".join(cols)
    sql = (
        f"INSERT INTO {name} ({names}) SELECT {names} "
        f"FROM json_populate_recordset(NULL::{name}, CAST(:js AS json)) ON CONFLICT (id) "
    )
    if upsert:  # a newer snapshot replaces an older one, never the other way round
        sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in cols if c != "id")
        sql += f"DO UPDATE SET {sets} WHERE {name}.updated_at <= EXCLUDED.updated_at"
    else:
        sql += "DO NOTHING"
    conn.execute(sa.text(sql), {"js": json.dumps(rows, ensure_ascii=False)})


def _receipts(conn: Connection, cid: str, ops: Sequence[Op]) -> set[str]:
    """Record the batch's operations; the ids the server had not seen before."""
    stmt = sa.text(
        "INSERT INTO team_op (client_id, op_id, kind) "
        "SELECT CAST(:c AS uuid), o, k FROM unnest(CAST(:ops AS uuid[]), CAST(:kinds AS text[])) "
        "AS t(o, k) ON CONFLICT DO NOTHING RETURNING CAST(op_id AS text)"
    )
    params = {"c": cid, "ops": [o.op_id for o in ops], "kinds": [o.kind for o in ops]}
    return set(conn.execute(stmt, params).scalars())


def _apply_edit(conn: Connection, edit: Mapping[str, Any], source: str) -> bool:
    """One pushed field edit; True when the field had changed on the server too.

    The later change (by when it was made) wins; the losing value stays in the
    account's history on the server, and the pull brings the winner back.
    """
    name = edit["field"]
    if name not in REP_EDITABLE:  # the grants refuse it anyway; say so in the history
        raise SyncError(f"account field {name!r} is not one a rep may change")
    acc_id, new, old = edit["account_id"], edit["new"], edit["old"]
    at = datetime.fromisoformat(edit["changed_at"])
    row = conn.execute(
        sa.text(f"SELECT {name} FROM account WHERE id = :id FOR UPDATE"), {"id": acc_id}
    ).first()
    history = AccountChange.__table__  # type: ignore[attr-defined]

    def keep(old_value: Any, new_value: Any, why: str) -> None:
        conn.execute(
            history.insert().values(
                id=new_id(),
                account_id=acc_id,
                field=name,
                old_value=as_text(old_value),
                new_value=as_text(new_value),
                source=why,
                changed_at=at,
            )
        )

    if row is None:  # no longer the rep's account: the edit is kept, not applied
        keep(new, None, f"{source}:not-assigned")
        return True
    current = row[0]
    if as_text(current) == as_text(new):
        return False
    conflict = as_text(current) != as_text(old)
    if conflict:
        last = conn.execute(
            sa.text(
                "SELECT max(changed_at) FROM account_change WHERE account_id = :id AND field = :f"
            ),
            {"id": acc_id, "f": name},
        ).scalar_one()
        if last is not None and last > at:  # the server's change is later: it stays
            keep(new, current, f"{source}:conflict-lost")
            return True
    conn.execute(
        sa.text(f"UPDATE account SET {name} = :v, updated_at = :t WHERE id = :id"),
        {"v": new, "t": utcnow(), "id": acc_id},
    )
    keep(current, new, f"{source}:conflict-won" if conflict else source)
    return conflict


def _push_batch(conn: Connection, cid: str, ops: Sequence[Op], source: str) -> SyncResult:
    fresh = _receipts(conn, cid, ops)
    result = SyncResult(duplicates=len(ops) - len(fresh))
    todo = [o for o in ops if o.op_id in fresh]
    routes: dict[str, dict[str, Any]] = {}
    for o in todo:
        if o.kind == outbox.ROUTE:  # the latest snapshot of each route
            routes[o.ref_id] = json.loads(o.payload)
    _insert_json(conn, Route, [r["route"] for r in routes.values()], upsert=True)
    _insert_json(conn, RouteStop, [s for r in routes.values() for s in r["stops"]], upsert=True)
    outcomes = [json.loads(o.payload) for o in todo if o.kind == outbox.OUTCOME]
    _insert_json(conn, Outcome, outcomes, upsert=False)
    for o in todo:
        if o.kind == outbox.ACCOUNT and _apply_edit(conn, json.loads(o.payload), source):
            result.conflicts += 1
    result.pushed = len(todo)
    return result


def push(remote: Engine, ops: Sequence[Op], cid: str, *, batch_size: int) -> SyncResult:
    total = SyncResult()
    source = f"sync:{remote.url.username or 'rep'}"
    for batch in chunks(ops, batch_size):
        with remote.begin() as conn:
            r = _push_batch(conn, cid, batch, source)
        total.pushed += r.pushed
        total.conflicts += r.conflicts
        total.duplicates += r.duplicates
    return total
