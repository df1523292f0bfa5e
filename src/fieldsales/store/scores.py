"""The criterion scores kept with each account (domain/score_cache.py).

Every write that changes an account's own fields calls refresh_scores in the
same transaction: it clears the kept scores of those accounts, and the next
ranking scores them afresh from their columns and keeps the result
(save_scores). A change of the config's maps or thresholds is noticed by the
fingerprint in each text, so nothing needs to call anything for it.

Write paths: store/importer.py (import), store/account_edit.update_account_fields
(the app's edits); any new one (order history, sync) calls refresh_scores too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from fieldsales.domain import criteria, score_cache
from fieldsales.store import queries
from fieldsales.store.db import StoreError, lock_for_writing
from fieldsales.store.schema import ACCOUNT

if TYPE_CHECKING:
    from sqlmodel import Session

    from fieldsales.config import Scoring

_CHUNK = 500  # ids per IN (...), well under every backend's limit
_WRITE_CHUNK = 20_000  # rows per executemany


def refresh_scores(
    db: Session | Connection,
    account_ids: Iterable[str] | None = None,
    *,
    scoring: Scoring | None = None,
) -> None:
    """Bring the kept scores of these accounts (None: all) up to date with their
    fields, in the caller's transaction: computed now with `scoring` (the
    config's), or, without it, cleared so that the next ranking computes and
    keeps them."""
    ids = None if account_ids is None else sorted(set(account_ids))
    if scoring is not None:
        chosen = criteria.cached()
        if not chosen or ids == []:
            return
        with _session(db) as session:
            names = ("id", *score_cache.columns_read(chosen))
            for k in range(0, len(ids) if ids is not None else 1, _CHUNK):
                part = None if ids is None else ids[k : k + _CHUNK]
                cols = queries.rank_columns(session, part, names=names)
                _, texts = score_cache.score_columns(cols, scoring, chosen)
                save_scores(db, list(zip(cols["id"], texts, strict=True)))
        return
    stmt = ACCOUNT.update().values(static_scores=None)
    if ids is None:
        db.execute(stmt)
        return
    for k in range(0, len(ids), _CHUNK):
        db.execute(stmt.where(ACCOUNT.c.id.in_(ids[k : k + _CHUNK])))


def kept_scores(columns: Mapping[str, Any], n: int, scoring: Scoring) -> list[str | None] | None:
    """The `static_scores` of n account rows about to be inserted, from their
    own values: `columns` holds every column as a list of n values or one
    value for all (store.importer's new accounts). None: no criterion is kept."""
    chosen = criteria.cached()
    if not n or not chosen:
        return None
    cols = {
        name: value if isinstance(value, list) else [value] * n
        for name in score_cache.columns_read(chosen)
        for value in (columns[name],)
    }
    _, texts = score_cache.score_columns(cols, scoring, chosen)
    return texts


@contextmanager
def _session(db: Session | Connection) -> Iterator[Session]:
    """A session on the caller's connection (and transaction)."""
    if not isinstance(db, Connection):
        yield db
        return
    from sqlmodel import Session

    with Session(bind=db) as session:
        yield session


def save_scores(db: Session | Connection, scores: Sequence[tuple[str, str | None]]) -> None:
    """Keep freshly computed score texts: (account id, text) pairs."""
    if not scores:
        return
    stmt = (
        ACCOUNT.update()
        .where(ACCOUNT.c.id == sa.bindparam("p_id"))
        .values(static_scores=sa.bindparam("p_scores"))
    )
    for k in range(0, len(scores), _WRITE_CHUNK):  # bounded memory for a whole base
        part = scores[k : k + _WRITE_CHUNK]
        db.execute(stmt, [{"p_id": a, "p_scores": t} for a, t in part])


# what computes the score texts of some accounts from their columns (name ->
# one value per account, "id" among them)
Compute = Callable[[Mapping[str, Sequence[Any]]], list[str | None]]


def score_stale(
    engine: Engine, account_ids: Sequence[str] | None, names: Sequence[str], compute: Compute
) -> dict[str, str | None]:
    """Score these accounts (None: all) from their columns `names` and keep the
    texts, reading and writing under one write lock so that no edit slips in
    between. A database that cannot be written (read-only, busy) is scored
    all the same, nothing kept. Returns account id -> text."""
    from sqlmodel import Session

    fields = ("id", *[n for n in names if n != "id"])

    def read(session: Session) -> dict[str, str | None]:
        cols = queries.rank_columns(session, account_ids, names=fields)
        return dict(zip(cols["id"], compute(cols), strict=True))

    try:
        with engine.begin() as conn:
            lock_for_writing(conn)
            with Session(bind=conn) as session:
                texts = read(session)
            save_scores(conn, [(a, t) for a, t in texts.items() if t is not None])
            return texts
    except (sa.exc.DBAPIError, StoreError):
        with Session(engine) as session:
            return read(session)
