"""`fieldsales sync`: push the local outbox to the team database, pull the rep's accounts.

Order and safety:
1. push (store/team/push.py): the outbox in batches, one server transaction
   each, every operation applied once (receipts keyed by client and op id).
2. pull (store/team/pull.py): in one REPEATABLE READ snapshot, the change
   log rows from the last checkpoint up to pg_snapshot_xmin (transactions
   still running are left for the next pull), those accounts as they are
   now, and the outcomes others logged on them.
3. one local transaction: the pushed outbox rows go, the pull is applied
   (pull.apply_pulled), the checkpoint moves. Until then the
   local database is as it was: a dropped connection or a kill changes
   nothing locally, and the next run repeats what the server has (no-ops).
4. the server's copy of the checkpoint (team_client).

A laptop's first sync with accounts of its own (made before it joined the
team) pulls first instead: in the local transaction of step 3 it matches
those accounts to the team's and fills the outbox for them
(store/team/adopt.py), and pushes afterwards. Accounts it cannot match stay
on the laptop only; their outbox rows are never pushed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlmodel import Session, col, select

from fieldsales.store import urls
from fieldsales.store.db import HEAD_REVISION, create_db_engine, describe
from fieldsales.store.models import SyncOutbox, SyncState, utcnow
from fieldsales.store.team.adopt import (
    LOCAL_ONLY,
    adopt,
    kept_here,
    local_account_count,
    names_local_only,
)
from fieldsales.store.team.ops import Op, SyncError, SyncResult, chunks
from fieldsales.store.team.pull import apply_pulled, fetch, local_ids
from fieldsales.store.team.push import push

CLIENT_ID, REMOTE, PULL_XID, SYNCED_AT = "client_id", "remote", "pull_xid", "synced_at"
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


def pending(local: Engine) -> list[Op]:
    """The outbox in the order of the changes, but for the rows of accounts kept on
    this laptop only (store/team/adopt.py): those are never pushed."""
    t = SyncOutbox.__table__  # type: ignore[attr-defined]
    stmt = sa.select(t.c.seq, t.c.op_id, t.c.kind, t.c.ref_id, t.c.payload).order_by(t.c.seq)
    with Session(local) as session:
        only = kept_here(_state(session))
    with local.connect() as conn:
        ops = [Op(*r) for r in conn.execute(stmt)]
    return [o for o in ops if not names_local_only(o.kind, o.ref_id, o.payload, only)]


def _pushed(session: Session, ops: list[Op]) -> None:
    """The outbox rows the server has now."""
    for chunk in chunks([o.seq for o in ops], 5000):
        session.execute(sa.delete(SyncOutbox).where(col(SyncOutbox.seq).in_(chunk)))


def status(local: Engine) -> dict[str, str]:
    """What the local copy knows of its sync: remote, checkpoint, last sync, pending ops
    (but those of accounts kept on the laptop only, counted apart)."""
    with Session(local) as session:
        state = _state(session)
    state["pending"] = str(len(pending(local)))
    state["kept_here"] = str(len(kept_here(state)))
    return state


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
    if not isinstance(exc, OperationalError | InterfaceError):  # e.g. an unknown account
        return SyncError(
            f"{name}: the team database refused the sync ({text}); nothing changed here"
        )
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
        if PULL_XID not in state:  # never synced: accounts here are the laptop's own
            with Session(local) as session:
                own = local_account_count(session)
            if own:  # made or imported before it joined the team
                return _first_sync(local, remote, name, cid, batch_size, progress)
        ops = pending(local)
        try:
            with remote.connect() as conn:
                _check_remote(conn, name)
            result = push(remote, ops, cid, batch_size=batch_size)
            with Session(local) as session:
                known = local_ids(session)
            pulled = fetch(remote, since, known)
        except DBAPIError as exc:
            raise _lost(name, exc) from None
        with Session(local) as session:
            _pushed(session, ops)
            touched, logged = apply_pulled(session, pulled)
            _set_state(session, REMOTE, name)
            _set_state(session, PULL_XID, pulled.xmin)
            _set_state(session, SYNCED_AT, utcnow().isoformat())
            session.commit()
        result.pulled, result.touched = logged, touched
        _checkpoint_on_server(remote, cid, pulled.xmin, result.pushed, progress)
        return result
    finally:
        remote.dispose()


def _first_sync(
    local: Engine, remote: Engine, name: str, cid: str, batch_size: int, progress: Progress
) -> SyncResult:
    """The first sync of a laptop with accounts of its own: pull, match them to the
    team's and fill the outbox (one local transaction), then push."""
    try:
        with remote.connect() as conn:
            _check_remote(conn, name)
        pulled = fetch(remote, None)
    except DBAPIError as exc:
        raise _lost(name, exc) from None
    with Session(local) as session:
        adopted = adopt(session, pulled.rows)
        touched, logged = apply_pulled(session, pulled)
        _set_state(session, REMOTE, name)
        _set_state(session, PULL_XID, pulled.xmin)
        _set_state(session, SYNCED_AT, utcnow().isoformat())
        _set_state(session, LOCAL_ONLY, json.dumps(adopted.local_only))
        session.commit()
    ops = pending(local)
    try:
        result = push(remote, ops, cid, batch_size=batch_size)
    except DBAPIError as exc:  # the pull is kept; the outbox waits for the next sync
        text = urls.mask(" ".join(str(getattr(exc, "orig", None) or exc).split()))
        raise SyncError(
            f"{name}: pulled {logged}, then the push failed ({text}); what waits to be "
            "pushed is kept, run `fieldsales sync` again"
        ) from None
    with Session(local) as session:
        _pushed(session, ops)
        session.commit()
    result.pulled, result.touched, result.adopted = logged, touched, adopted
    _checkpoint_on_server(remote, cid, pulled.xmin, result.pushed, progress)
    return result


def _checkpoint_on_server(
    remote: Engine, cid: str, xmin: str, pushed: int, progress: Progress
) -> None:
    try:
        with remote.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO team_client (client_id, pulled_xid, pushed, synced_at) "
                    "VALUES (CAST(:c AS uuid), CAST(:x AS xid8), :n, now()) "
                    "ON CONFLICT (client_id) DO UPDATE SET pulled_xid = EXCLUDED.pulled_xid, "
                    "pushed = team_client.pushed + EXCLUDED.pushed, synced_at = now()"
                ),
                {"c": cid, "x": xmin, "n": pushed},
            )
    except DBAPIError:  # the sync itself is done: the next one updates the server's copy
        progress("note: the team database's copy of the checkpoint was not updated")
