"""The team's published talk scripts and campaign targets (table team_publication).

A lead publishes (`fieldsales team publish`): each kind gets version 1, 2, ...;
an unchanged content is not published again. Reps pull the rows with the sync
(store/team/pull.py) into their laptop's copy of the table. The newest version
of a kind is the one in effect, on the team database as on a laptop
(services/published.py); versions are kept, nothing is deleted.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError

from fieldsales.store import urls
from fieldsales.store.db import describe, open_engine, store_error
from fieldsales.store.schema import PUBLICATION
from fieldsales.store.team.publication_row import (  # noqa: F401  (imported from here)
    CAMPAIGN,
    KINDS,
    TALK_SCRIPTS,
    Publication,
)
from fieldsales.store.team.roles import TeamError

# Any constant: two leads publishing at once take turns on it.
PUBLISH_LOCK_KEY = 0x7075626C


def digest(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _table() -> sa.Table:
    return PUBLICATION  # a Core table: opening a database never builds the models


def latest(engine: Engine) -> dict[str, Publication]:
    """The newest version of each kind in this database (none: the local files rule).

    A team database whose grants predate publishing (the login may not read the
    table) counts as one with nothing published."""
    t = _table()
    newest = (
        sa.select(t.c.kind, sa.func.max(t.c.version).label("version")).group_by(t.c.kind).subquery()
    )
    stmt = sa.select(*(t.c[f] for f in Publication.__dataclass_fields__)).join(
        newest, sa.and_(t.c.kind == newest.c.kind, t.c.version == newest.c.version)
    )
    try:
        with engine.connect() as conn:
            return {r.kind: Publication(**r._mapping) for r in conn.execute(stmt)}
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) in ("42501", "42P01"):  # no right, no table
            return {}
        raise store_error(exc, describe(engine.url.render_as_string(hide_password=False))) from None


def publish(url: str, items: Sequence[tuple[str, str, str]]) -> list[tuple[Publication, bool]]:
    """Add each (kind, body, source) as the next version of its kind on the team
    database at `url`, all in one transaction, as that URL's login (the server
    records who). Returns, per item, the version in effect afterwards and whether
    it is new (False: the same content was the newest already)."""
    engine = open_engine(url, create=False)
    name = describe(url)
    try:
        if engine.dialect.name != "postgresql":
            raise TeamError(
                f"{name}: publishing goes to the team database; give "
                "--db postgresql://you@host/db (your lead login)"
            )
        return _publish(engine, items)
    except IntegrityError:
        raise TeamError(f"{name}: another lead published at the same moment; run again") from None
    except DBAPIError as exc:
        orig = exc.orig or exc
        text = urls.mask(" ".join(str(orig).split()))
        if getattr(orig, "sqlstate", None) == "42501":
            raise TeamError(
                f"{name}: refused ({text}); only a lead may publish, nothing was published"
            ) from None
        raise TeamError(f"{name}: publishing failed ({text}); nothing was published") from None
    finally:
        engine.dispose()


def _publish(
    engine: Engine, items: Sequence[tuple[str, str, str]]
) -> list[tuple[Publication, bool]]:
    out: list[tuple[Publication, bool]] = []
    with engine.begin() as conn:
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": PUBLISH_LOCK_KEY})
        who = str(conn.execute(sa.text("SELECT current_user")).scalar_one())
        for kind, body, source in items:
            have = latest_in(conn, kind)
            if have is not None and have.digest == digest(body):
                out.append((have, False))
                continue
            conn.execute(
                _table()
                .insert()
                .values(
                    id=str(uuid.uuid4()),
                    kind=kind,
                    version=(have.version if have else 0) + 1,
                    body=body,
                    digest=digest(body),
                    source=source[-300:],
                    published_by=who,
                    published_at=sa.func.now(),
                )
            )
            made = latest_in(conn, kind)
            assert made is not None
            out.append((made, True))
    return out


def latest_in(conn: sa.Connection, kind: str) -> Publication | None:
    t = _table()
    stmt = (
        sa.select(*(t.c[f] for f in Publication.__dataclass_fields__))
        .where(t.c.kind == kind)
        .order_by(t.c.version.desc())
        .limit(1)
    )
    r = conn.execute(stmt).first()
    return None if r is None else Publication(**r._mapping)
