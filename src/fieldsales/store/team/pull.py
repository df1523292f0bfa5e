"""Pull: what changed on the team database for this rep, and where it lands locally.

Read in one REPEATABLE READ snapshot: the change log rows from the last
checkpoint up to pg_snapshot_xmin (transactions still running are left for
the next pull), those accounts as they are now, others' outcomes on them,
and the versions of talk scripts and campaign targets a lead published
(team_publication, stamped with xid8 and served by the same rule).
apply_pulled is the one place where it all reaches the local database.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from fieldsales.store import outbox
from fieldsales.store.account_edit import update_account_fields, update_many_accounts
from fieldsales.store.models import (
    Account,
    Outcome,
    RouteStop,
    SyncOutbox,
    TeamPublication,
    UTCDateTime,
)
from fieldsales.store.scores import refresh_scores
from fieldsales.store.team.ops import SyncError, chunks

# the columns a pull copies (the server's own team columns stay there)
ACCOUNT_COLUMNS = [c.name for c in Account.__table__.columns]  # type: ignore[attr-defined]
OUTCOME_COLUMNS = [c.name for c in Outcome.__table__.columns]  # type: ignore[attr-defined]
PUBLICATION_COLUMNS = [c.name for c in TeamPublication.__table__.columns]  # type: ignore[attr-defined]
# server-maintained, never compared field by field
# static_scores: kept per database from its own config (store/scores.py), never pulled;
# import_digest: what an import wrote into this database (store/importer.py)
_NOT_COMPARED = frozenset(
    {"id", "match_key", "static_scores", "import_digest", "created_at", "updated_at"}
)
# ids per query when reading accounts by id
_CHUNK = 5000


@dataclass
class Pulled:
    xmin: str
    full: bool
    rows: list[dict[str, Any]] = field(default_factory=list)
    # accounts the rep no longer sees (reassigned): id -> new owner
    moved: dict[str, str | None] = field(default_factory=dict)
    # outcomes others (the lead, another rep) logged on the rep's accounts
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    # versions of the team's talk scripts and campaign targets a lead published
    publications: list[dict[str, Any]] = field(default_factory=list)


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
        for chunk in chunks(ids or [], _CHUNK):
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


def _publication_rows(conn: Connection, since: str | None, xmin: str) -> list[dict[str, Any]]:
    """The versions of talk scripts and campaign targets written since the checkpoint
    (all of them on a first pull), by the change log's rule: below the snapshot's xmin."""
    where = "xid < CAST(:xmin AS bigint)"
    if since is not None:
        where += " AND xid >= CAST(:since AS bigint)"
    cols = ", ".join(PUBLICATION_COLUMNS)
    rows = conn.execute(
        sa.text(f"SELECT {cols} FROM team_publication WHERE {where} ORDER BY kind, version"),
        {"since": since, "xmin": xmin},
    )
    return [dict(r._mapping) for r in rows]


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
                xmin=xmin,
                full=True,
                rows=rows,
                outcomes=_outcome_rows(conn, None, xmin, []),
                publications=_publication_rows(conn, None, xmin),
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
        publications = _publication_rows(conn, since, xmin)
    seen = {r["id"] for r in rows}
    moved = {a: o for a, o in owner.items() if a not in seen}
    return Pulled(
        xmin=xmin,
        full=False,
        rows=rows,
        moved=moved,
        outcomes=outcomes,
        publications=publications,
    )


def apply_pulled_outcomes(session: Session, rows: Sequence[Mapping[str, Any]]) -> int:
    """Others' outcomes on the rep's accounts, added to the local log (never to the
    outbox: they are the server's already). Ones the laptop has are left alone; a
    link to another rep's route stop, which the laptop does not have, is dropped."""
    if not rows:
        return 0
    table = Outcome.__table__  # type: ignore[attr-defined]
    have = set(session.execute(sa.select(table.c.id)).scalars())
    accounts = local_ids(session)
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


def local_ids(session: Session) -> set[str]:
    return set(session.execute(sa.select(Account.__table__.c.id)).scalars())  # type: ignore[attr-defined]


def _local_rows(session: Session, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The local accounts with these ids, as plain values (id -> column -> value)."""
    table = Account.__table__  # type: ignore[attr-defined]
    out: dict[str, dict[str, Any]] = {}
    here = local_ids(session)  # a first sync: none
    for chunk in chunks([i for i in ids if i in here], _CHUNK):
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
            # scored by the next ranking here; compared field by field by the next import
            new_rows.append(dict(row, static_scores=None, import_digest=None))
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


def apply_pulled_publications(session: Session, rows: Sequence[Mapping[str, Any]]) -> int:
    """The team's published talk scripts and campaign targets, kept on the laptop: a
    version it has already is left alone; one corrected on the server (or the same
    version number from another team database) replaces the copy here. Returns how
    many versions arrived or changed."""
    table = TeamPublication.__table__  # type: ignore[attr-defined]
    have = {
        (r.kind, r.version): (r.id, r.digest)
        for r in session.execute(
            sa.select(table.c.kind, table.c.version, table.c.id, table.c.digest)
        )
    }
    n = 0
    for row in rows:
        one = {k: row[k] for k in PUBLICATION_COLUMNS}
        known = have.get((one["kind"], one["version"]))
        if known == (one["id"], one["digest"]):
            continue
        if known is None:
            session.execute(sa.insert(table).values(**one))
        else:
            session.execute(
                sa.update(table)
                .where(table.c.kind == one["kind"], table.c.version == one["version"])
                .values(**one)
            )
        n += 1
    return n


def apply_pulled(session: Session, pulled: Pulled) -> tuple[list[str], int]:
    """THE one place where everything a pull brought reaches the local database, in
    the caller's transaction: the accounts (apply_pulled_accounts), then others'
    outcomes on them (apply_pulled_outcomes), and the versions of talk scripts and
    campaign targets a lead published (apply_pulled_publications). Returns the ids of the accounts whose
    data changed (fields, owner or outcomes: where cached scores must be refreshed)
    and how many accounts, outcomes and published versions changed here.
    """
    changed = apply_pulled_accounts(session, pulled.rows, pulled.moved)
    added = apply_pulled_outcomes(session, pulled.outcomes)
    published = apply_pulled_publications(session, pulled.publications)
    with_outcomes = {o["account_id"] for o in pulled.outcomes} if added else set()
    touched = list(dict.fromkeys([*changed, *sorted(with_outcomes)]))
    refresh_scores(session, touched)  # the next ranking scores these accounts anew
    return touched, len(changed) + added + published
