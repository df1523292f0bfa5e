"""`fieldsales sync`: push the local outbox to the team database, pull the rep's accounts.

Order and safety:
1. push: the outbox in batches, one server transaction each. The server keeps
   a receipt per (client id, op id) in team_op, inserted ON CONFLICT DO
   NOTHING, and applies only the operations whose receipt is new: a push
   repeated after a kill doubles nothing. Outcomes are inserted ON CONFLICT
   DO NOTHING too; a route is its latest snapshot; an account edit is
   applied field by field (the later change wins, the loser is kept in
   account_change).
2. pull: in one REPEATABLE READ snapshot, the change log rows from the last
   checkpoint up to pg_snapshot_xmin (transactions still running are left
   for the next pull), then those accounts as they are now.
3. one local transaction: the pushed outbox rows go, the pulled accounts are
   applied (apply_pulled_accounts), the checkpoint moves. Until then the
   local database is as it was: a dropped connection or a kill changes
   nothing locally, and the next run repeats what the server has (no-ops).
4. the server's copy of the checkpoint (team_client).
"""

from __future__ import annotations

import json
import operator
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session, col, select

from fieldsales.store import outbox, urls
from fieldsales.store.account_edit import as_text, update_account_fields, update_many_accounts
from fieldsales.store.db import HEAD_REVISION, StoreError, create_db_engine, describe
from fieldsales.store.models import (
    Account,
    AccountChange,
    Outcome,
    Route,
    RouteStop,
    SyncOutbox,
    SyncState,
    UTCDateTime,
    new_id,
    utcnow,
)
from fieldsales.store.team import REP_EDITABLE

CLIENT_ID, REMOTE, PULL_XID, SYNCED_AT = "client_id", "remote", "pull_xid", "synced_at"
# the account columns a pull copies (the server's own team columns stay there)
ACCOUNT_COLUMNS = [c.name for c in Account.__table__.columns]  # type: ignore[attr-defined]
OUTCOME_COLUMNS = [c.name for c in Outcome.__table__.columns]  # type: ignore[attr-defined]
# server-maintained, never compared field by field
_NOT_COMPARED = frozenset({"id", "match_key", "created_at", "updated_at"})
# ids per query when reading accounts by id
_CHUNK = 5000


class SyncError(StoreError):
    title = "Sync"


@dataclass
class SyncResult:
    pushed: int = 0
    pulled: int = 0
    conflicts: int = 0
    duplicates: int = 0  # operations the server had already (a rerun after a kill)
    touched: list[str] = field(default_factory=list)  # accounts whose data the pull changed


@dataclass
class Pulled:
    xmin: str
    full: bool
    rows: list[dict[str, Any]] = field(default_factory=list)
    # accounts the rep no longer sees (reassigned): id -> new owner
    moved: dict[str, str | None] = field(default_factory=dict)
    # outcomes others (the lead, another rep) logged on the rep's accounts
    outcomes: list[dict[str, Any]] = field(default_factory=list)


Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


# -- local state --------------------------------------------------------------


def _state(session: Session) -> dict[str, str]:
    return {s.key: s.value for s in session.exec(select(SyncState))}


def _set_state(session: Session, key: str, value: str) -> None:
    row = session.get(SyncState, key)
    if row is None:
        session.add(SyncState(key=key, value=value))
    else:
        row.value = value
        session.add(row)


def client_id(local: Engine) -> str:
    """This copy's id on the server, made once (before anything is pushed: a rerun
    after a kill must present the same id for the server to recognise its ops)."""
    with Session(local) as session:
        state = _state(session)
        if CLIENT_ID in state:
            return state[CLIENT_ID]
        cid = str(uuid.uuid4())
        _set_state(session, CLIENT_ID, cid)
        session.commit()
        return cid


@dataclass(frozen=True)
class Op:
    """One outbox row, as pushed."""

    seq: int
    op_id: str
    kind: str
    ref_id: str
    payload: str


def pending(local: Engine) -> list[Op]:
    """The outbox in the order of the changes."""
    t = SyncOutbox.__table__  # type: ignore[attr-defined]
    stmt = sa.select(t.c.seq, t.c.op_id, t.c.kind, t.c.ref_id, t.c.payload).order_by(t.c.seq)
    with local.connect() as conn:
        return [Op(*r) for r in conn.execute(stmt)]


def status(local: Engine) -> dict[str, str]:
    """What the local copy knows of its sync: remote, checkpoint, last sync, pending ops."""
    with Session(local) as session:
        state = _state(session)
        n = session.execute(sa.select(sa.func.count()).select_from(SyncOutbox)).scalar_one()
    state["pending"] = str(n)
    return state


# -- push -----------------------------------------------------------------------


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


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
    for batch in _chunks(ops, batch_size):
        with remote.begin() as conn:
            r = _push_batch(conn, cid, batch, source)
        total.pushed += r.pushed
        total.conflicts += r.conflicts
        total.duplicates += r.duplicates
    return total


# -- pull -----------------------------------------------------------------------


def _account_rows(conn: Connection, ids: Sequence[str] | None) -> list[dict[str, Any]]:
    """The accounts as the server has them (those the role sees), as plain values.

    Straight from the driver's cursor: 50,000 rows through SQLAlchemy's result
    objects cost seconds that this path does not.
    """
    driver = conn.connection.driver_connection
    assert driver is not None
    sql = f"SELECT {', '.join(ACCOUNT_COLUMNS)} FROM account"
    rows: list[dict[str, Any]] = []
    with driver.cursor(binary=True) as cur:  # inside the snapshot's transaction
        if ids is None:
            cur.execute(sql)
            rows = [dict(zip(ACCOUNT_COLUMNS, r, strict=True)) for r in cur.fetchall()]
        for chunk in _chunks(ids or [], _CHUNK):
            cur.execute(sql + " WHERE id = ANY(%s)", (list(chunk),))
            rows += [dict(zip(ACCOUNT_COLUMNS, r, strict=True)) for r in cur.fetchall()]
    return rows


def _outcome_rows(
    conn: Connection, since: str | None, xmin: str, new_accounts: Sequence[str]
) -> list[dict[str, Any]]:
    """Outcomes logged by others on the accounts the rep sees: those written since the
    checkpoint, and every one of the accounts new to this laptop (a reassignment
    brings the account's history with it)."""
    driver = conn.connection.driver_connection
    assert driver is not None
    cols = ", ".join(OUTCOME_COLUMNS)
    where = "team_role <> current_user AND team_xid < CAST(%(xmin)s AS bigint)"
    params: dict[str, Any] = {"xmin": xmin, "since": since, "ids": list(new_accounts)}
    if since is not None:
        where += " AND (team_xid >= CAST(%(since)s AS bigint) OR account_id = ANY(%(ids)s))"
    with driver.cursor(binary=True) as cur:
        cur.execute(f"SELECT {cols} FROM outcome WHERE {where}", params)
        return [dict(zip(OUTCOME_COLUMNS, r, strict=True)) for r in cur.fetchall()]


def fetch(remote: Engine, since: str | None, known: Iterable[str] = ()) -> Pulled:
    """The accounts changed since checkpoint `since` (all visible ones when None) and
    the outcomes others logged on them, read in one snapshot, and the new
    checkpoint: that snapshot's xmin. `known`: the account ids the laptop has."""
    snapshot = remote.connect().execution_options(isolation_level="REPEATABLE READ")
    with snapshot as conn, conn.begin():
        xmin = conn.execute(
            sa.text("SELECT CAST(pg_snapshot_xmin(pg_current_snapshot()) AS text)")
        ).scalar_one()
        if since is None:
            rows = _account_rows(conn, None)
            return Pulled(
                xmin=xmin, full=True, rows=rows, outcomes=_outcome_rows(conn, None, xmin, [])
            )
        changes = conn.execute(
            sa.text(
                "SELECT account_id, new_owner FROM team_change "
                "WHERE xid >= CAST(:since AS xid8) AND xid < CAST(:xmin AS xid8) "
                "ORDER BY xid, id"
            ),
            {"since": since, "xmin": xmin},
        ).all()
        owner = {a: o for a, o in changes}  # the last change of each account wins
        rows = _account_rows(conn, list(owner))
        have = set(known)
        arrived = [r["id"] for r in rows if r["id"] not in have]
        outcomes = _outcome_rows(conn, since, xmin, arrived)
    seen = {r["id"] for r in rows}
    moved = {a: o for a, o in owner.items() if a not in seen}
    return Pulled(xmin=xmin, full=False, rows=rows, moved=moved, outcomes=outcomes)


def apply_pulled_outcomes(session: Session, rows: Sequence[Mapping[str, Any]]) -> int:
    """Others' outcomes on the rep's accounts, added to the local log (never to the
    outbox: they are the server's already). Ones the laptop has are left alone; a
    link to another rep's route stop, which the laptop does not have, is dropped."""
    if not rows:
        return 0
    table = Outcome.__table__  # type: ignore[attr-defined]
    have = set(session.execute(sa.select(table.c.id)).scalars())
    accounts = _local_ids(session)
    stops = set(session.execute(sa.select(RouteStop.__table__.c.id)).scalars())  # type: ignore[attr-defined]
    new = []
    for row in rows:
        if row["id"] in have or row["account_id"] not in accounts:
            continue
        one = dict(row)
        if one["route_stop_id"] not in stops:
            one["route_stop_id"] = None
        new.append(one)
    if new:
        session.flush()
        session.connection().execute(sa.insert(table), new)
    return len(new)


def _pending_fields(session: Session) -> dict[str, set[str]]:
    """Fields with a local edit still waiting to be pushed: a pull leaves them alone."""
    out: dict[str, set[str]] = {}
    stmt = select(SyncOutbox).where(col(SyncOutbox.kind) == outbox.ACCOUNT)
    for o in session.exec(stmt):
        out.setdefault(o.ref_id, set()).add(json.loads(o.payload)["field"])
    return out


def _local_ids(session: Session) -> set[str]:
    return set(session.execute(sa.select(Account.__table__.c.id)).scalars())  # type: ignore[attr-defined]


def _local_rows(session: Session, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The local accounts with these ids, as plain values (id -> column -> value)."""
    table = Account.__table__  # type: ignore[attr-defined]
    out: dict[str, dict[str, Any]] = {}
    here = _local_ids(session)  # a first sync: none
    for chunk in _chunks([i for i in ids if i in here], _CHUNK):
        stmt = sa.select(table).where(table.c.id.in_(chunk))
        out.update({r["id"]: dict(r) for r in session.execute(stmt).mappings()})
    return out


def _sqlite_value(column: sa.Column[Any]) -> Callable[[Any], Any] | None:
    """How SQLAlchemy's SQLite dialect stores a value of `column` (for a raw executemany)."""
    kind = column.type
    if isinstance(kind, UTCDateTime | sa.DateTime):
        return lambda v: (
            None
            if v is None
            else v.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
        )
    if isinstance(kind, sa.Date):
        return lambda v: None if v is None else v.isoformat()
    if isinstance(kind, sa.Boolean):
        return lambda v: None if v is None else int(v)
    return None  # stored as it is


def _insert_accounts(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """New accounts in one executemany, values as the SQLite dialect stores them
    (the ORM's bulk insert takes seconds for 50,000 rows)."""
    table = Account.__table__  # type: ignore[attr-defined]
    if session.get_bind().dialect.name != "sqlite":
        session.execute(sa.insert(table), list(rows))
        return
    names = [c.name for c in table.columns]
    convert = [(i, f) for i, c in enumerate(table.columns) if (f := _sqlite_value(c)) is not None]
    values = operator.itemgetter(*names)
    params: list[tuple[Any, ...]] = []
    for row in rows:
        one = list(values(row))
        for i, f in convert:
            one[i] = f(one[i])
        params.append(tuple(one))
    sql = f"INSERT INTO account ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})"
    session.connection().exec_driver_sql(sql, params)


def apply_pulled_accounts(
    session: Session, rows: Sequence[Mapping[str, Any]], moved: Mapping[str, str | None]
) -> list[str]:
    """THE one place where pulled account changes reach the local database.

    New accounts are inserted; a changed field of a known account goes through
    update_account_fields (source "sync"), so its old value (a losing local
    edit included) stays in the account's history; fields with a local edit
    not pushed yet are left for the next sync. `moved`: accounts now owned by
    someone else (the rep no longer sees them). Returns the ids of the accounts
    that changed (the place to refresh cached scores for them).
    """
    waiting = _pending_fields(session)
    local = _local_rows(session, [r["id"] for r in rows] + list(moved))
    changed: list[str] = []
    new_rows: list[dict[str, Any]] = []
    updates: dict[str, dict[str, Any]] = {}
    for row in rows:
        have = local.get(row["id"])
        if have is None:
            new_rows.append(dict(row))
            continue
        skip = waiting.get(row["id"], set())
        diff = {
            k: v
            for k, v in row.items()
            if k not in _NOT_COMPARED and k not in skip and have.get(k) != v
        }
        if diff:
            updates[row["id"]] = diff
    changed += update_many_accounts(session, local, updates, source="sync")
    for acc_id, owner in moved.items():
        have = local.get(acc_id)
        if have is not None and have["owner_rep"] != owner:
            update_account_fields(session, acc_id, {"owner_rep": owner}, source="sync")
            changed.append(acc_id)
    if new_rows:
        session.flush()
        try:
            _insert_accounts(session, new_rows)
        except IntegrityError:
            raise SyncError(
                "an account of the team database is here already under another id (same "
                "external id, or company and address); sync into a new local database "
                "(--db NEW.db) or remove the duplicate"
            ) from None
        changed += [r["id"] for r in new_rows]
    return changed


def apply_pulled(session: Session, pulled: Pulled) -> tuple[list[str], int]:
    """THE one place where everything a pull brought reaches the local database, in
    the caller's transaction: the accounts (apply_pulled_accounts), then others'
    outcomes on them (apply_pulled_outcomes). Returns the ids of the accounts whose
    data changed (fields, owner or outcomes: where cached scores must be refreshed)
    and how many accounts and outcomes changed here.
    """
    changed = apply_pulled_accounts(session, pulled.rows, pulled.moved)
    added = apply_pulled_outcomes(session, pulled.outcomes)
    with_outcomes = {o["account_id"] for o in pulled.outcomes} if added else set()
    touched = list(dict.fromkeys([*changed, *sorted(with_outcomes)]))
    return touched, len(changed) + added


# -- the whole sync -------------------------------------------------------------


def _remote_engine(url: str) -> Engine:
    engine = create_db_engine(url)
    if engine.dialect.name != "postgresql":
        engine.dispose()
        raise SyncError(f"{describe(url)}: the team database is PostgreSQL (postgresql://…)")
    return engine


def _check_remote(conn: Connection, name: str) -> None:
    ok = conn.execute(sa.text("SELECT to_regclass('team_op') IS NOT NULL")).scalar_one()
    if not ok:
        raise SyncError(f"{name}: not a team database yet; the lead runs `fieldsales team init`")
    bypass = conn.execute(
        sa.text("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
    ).scalar()
    if bypass:  # row-level security would not apply: every account would come down
        raise SyncError(
            f"{name}: that login is an administrator, which row-level security does not "
            "limit; sync as your own rep login (`fieldsales team add-rep`)"
        )
    version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    if version != HEAD_REVISION:
        raise SyncError(
            f"{name}: schema {version}, this fieldsales needs {HEAD_REVISION}; "
            "upgrade fieldsales, or the lead runs `fieldsales team init` to upgrade the server"
        )


def _lost(name: str, exc: BaseException) -> SyncError:
    orig = getattr(exc, "orig", None) or exc
    text = urls.mask(" ".join(str(orig).split()))
    if getattr(orig, "sqlstate", None) == "42501":
        return SyncError(f"{name}: refused by the team database ({text}); nothing changed here")
    return SyncError(
        f"{name}: connection failed during sync ({text}); nothing changed here, "
        "run `fieldsales sync` again"
    )


def sync(
    local: Engine, remote_url: str, *, batch_size: int, progress: Progress = _quiet
) -> SyncResult:
    """Push, pull, apply: see the module's docstring. Raises SyncError (one line)."""
    name = describe(remote_url)
    remote = _remote_engine(remote_url)
    try:
        cid = client_id(local)
        with Session(local) as session:
            state = _state(session)
        since = state.get(PULL_XID) if state.get(REMOTE) == name else None
        ops = pending(local)
        try:
            with remote.connect() as conn:
                _check_remote(conn, name)
            result = push(remote, ops, cid, batch_size=batch_size)
            with Session(local) as session:
                known = _local_ids(session)
            pulled = fetch(remote, since, known)
        except DBAPIError as exc:
            raise _lost(name, exc) from None
        with Session(local) as session:
            if ops:
                session.execute(
                    sa.delete(SyncOutbox).where(col(SyncOutbox.seq) <= max(o.seq for o in ops))
                )
            touched, logged = apply_pulled(session, pulled)
            _set_state(session, REMOTE, name)
            _set_state(session, PULL_XID, pulled.xmin)
            _set_state(session, SYNCED_AT, utcnow().isoformat())
            session.commit()
        result.pulled, result.touched = logged, touched
        try:
            with remote.begin() as conn:
                conn.execute(
                    sa.text(
                        "INSERT INTO team_client (client_id, pulled_xid, pushed, synced_at) "
                        "VALUES (CAST(:c AS uuid), CAST(:x AS xid8), :n, now()) "
                        "ON CONFLICT (client_id) DO UPDATE SET pulled_xid = EXCLUDED.pulled_xid, "
                        "pushed = team_client.pushed + EXCLUDED.pushed, synced_at = now()"
                    ),
                    {"c": cid, "x": pulled.xmin, "n": result.pushed},
                )
        except DBAPIError:  # the sync itself is done: the next one updates the server's copy
            progress("note: the team database's copy of the checkpoint was not updated")
        return result
    finally:
        remote.dispose()
