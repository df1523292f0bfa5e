"""Export accounts to CSV with the columns the importer reads (a round trip)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fieldsales.domain.calendar import format_closed_weekdays, format_hours
from fieldsales.domain.columns import COLUMNS, Column
from fieldsales.store import csvio
from fieldsales.store.models import Account

ACCOUNT = Account.__table__  # type: ignore[attr-defined]
EXPORT_FIELDS = tuple(c.name for c in COLUMNS)
_STORED = tuple(f for c in COLUMNS for f in c.fields)


def _cell(col: Column, values: list[Any]) -> str | int | float | None:
    """One export cell from the column's stored values, in a form the importer reads."""
    if col.kind == "hours":
        return format_hours(*values)
    value = values[0]
    if col.kind == "weekdays":
        return format_closed_weekdays(value) or None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, date):
        return value.isoformat()
    return value


def _rows(engine: Engine) -> Iterator[list[str | int | float | None]]:
    stmt = sa.select(*(ACCOUNT.c[f] for f in _STORED)).order_by(ACCOUNT.c.company, ACCOUNT.c.id)
    with engine.connect() as conn:
        for rec in conn.execute(stmt):
            stored = iter(rec)
            yield [_cell(c, [next(stored) for _ in c.fields]) for c in COLUMNS]


def export_accounts(engine: Engine, target: Path | IO[str]) -> int:
    """Write every account; returns how many were written."""
    return csvio.write_csv(target, EXPORT_FIELDS, _rows(engine))
