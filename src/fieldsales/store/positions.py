"""Many accounts' positions written at once (offline locating after an import).

One executemany by id: on SQLite a plain statement with each row a tuple
(100,000 positions in about a second, where the ORM's bulk update by primary
key took several), on other databases Core's executemany.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session

from fieldsales.store.models import Account

ACCOUNT = Account.__table__  # type: ignore[attr-defined]
FIELDS = ("lat", "lon", "geo_precision", "geo_source", "updated_at")


def write_positions(db: Session | Connection, updates: Sequence[dict[str, Any]]) -> None:
    """Set lat, lon, geo_precision, geo_source and updated_at of accounts by
    their id (dicts with those keys and "id"), in the caller's transaction."""
    if not updates:
        return
    conn = db.connection() if isinstance(db, Session) else db
    if conn.dialect.name == "sqlite":
        quote = conn.dialect.identifier_preparer.quote
        sets = ", ".join(f"{quote(name)} = ?" for name in FIELDS)
        sql = f"UPDATE {quote(ACCOUNT.name)} SET {sets} WHERE {quote('id')} = ?"
        procs = [ACCOUNT.c[name].type.bind_processor(conn.dialect) for name in FIELDS]
        converted: dict[int, Any] = {}  # the same timestamp object in every row: once

        def value(proc: Any, v: Any) -> Any:
            if proc is None or v is None:
                return v
            key = id(v)
            if key not in converted:
                converted[key] = (v, proc(v))
            return converted[key][1]

        params = [
            (*[value(p, u[name]) for name, p in zip(FIELDS, procs, strict=True)], u["id"])
            for u in updates
        ]
        conn.exec_driver_sql(sql, params)
        return
    stmt = (
        ACCOUNT.update()
        .where(ACCOUNT.c.id == sa.bindparam("p_id"))
        .values({name: sa.bindparam(f"p_{name}") for name in FIELDS})
    )
    conn.execute(
        stmt, [{"p_id": u["id"], **{f"p_{name}": u[name] for name in FIELDS}} for u in updates]
    )
