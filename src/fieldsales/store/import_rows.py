"""Reading an import file's rows: every cell converted and checked, every
problem collected with its row number (nothing is written here).

Integers are checked against the column they go to on this database (SQLite
holds 64 bits in any integer column; PostgreSQL INTEGER 32, BIGINT 64).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from fieldsales.domain import columns as cols
from fieldsales.domain.parse import match_key
from fieldsales.store import csvio
from fieldsales.store.models import Account

ACCOUNT = Account.__table__  # type: ignore[attr-defined]
CHUNK = 2000  # rows per executemany and per progress step

SQLITE_INTEGER_MAX = 2**63 - 1  # every SQLite integer, whatever the declared type
INTEGER_MAX = {"SMALLINT": 2**15 - 1, "INTEGER": 2**31 - 1, "BIGINT": 2**63 - 1}
PREVIEW_CHARS = 40  # of a broken line, in the message
MULTILINE_FIELDS = frozenset({"notes"})
_BREAKS = re.compile("[\t\r\n]+")
Progress = Callable[[str, int, int], None]  # (phase, done, total)


@dataclass
class RowProblem:
    row: int
    column: str
    value: str
    reason: str
    allowed: tuple[str, ...] | None = None  # set for a value no vocabulary knows


@dataclass
class ImportReport:
    path: Path
    encoding: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    # how the file is read: (header, field) per column read; field -> (unit, days per
    # unit) of a header in another unit; (field, value, stored as) -> rows
    columns: list[tuple[str, str]] = field(default_factory=list)
    units: dict[str, tuple[str, float]] = field(default_factory=dict)
    translated: dict[tuple[str, str, str], int] = field(default_factory=dict)
    rejects_file: Path | None = None
    written: bool = False
    dry_run: bool = False  # checked and applied in a transaction rolled back
    touched_ids: list[str] = field(default_factory=list)  # created and updated accounts


@dataclass
class Row:
    number: int
    raw: list[str]
    values: dict[str, Any]
    key: tuple[str, str]


def integer_limits(dialect: sa.Dialect) -> dict[str, int]:
    """The largest whole number each integer column holds on this database."""
    limits: dict[str, int] = {}
    for column in ACCOUNT.columns:
        if isinstance(column.type, sa.Integer):
            if dialect.name == "sqlite":
                limits[column.name] = SQLITE_INTEGER_MAX
            else:
                name = column.type.compile(dialect=dialect).upper()
                limits[column.name] = INTEGER_MAX.get(name, INTEGER_MAX["BIGINT"])
    return limits


def out_of_range(values: dict[str, Any], limits: dict[str, int]) -> list[tuple[str, str]]:
    return [
        (name, f"too large for the database (at most {limits[name]:,})")
        for name, value in values.items()
        if name in limits and isinstance(value, int) and abs(value) > limits[name]
    ]


def read_rows(
    data: csvio.CsvData,
    fields: dict[int, str],
    today: date,
    vocab: cols.Vocabulary,
    limits: dict[str, int],
    report: ImportReport,
    progress: Progress | None,
) -> list[Row]:
    good: list[Row] = []
    first_by_key: dict[tuple[str, str], int] = {}
    width = len(data.headers)
    total = len(data.rows)
    reader = cols.RowReader(vocab, today, report.units)
    for n, (number, raw) in enumerate(data.rows, 1):
        cells = {name: cell(name, raw[i]) if i < len(raw) else "" for i, name in fields.items()}
        result = reader.convert(cells)
        problems = [
            RowProblem(number, e.column, e.value, e.reason, e.allowed) for e in result.errors
        ]
        problems += [
            RowProblem(number, name, cells[name], reason)
            for name, reason in out_of_range(result.values, limits)
        ]
        if number in data.broken:
            reason, line = data.broken[number]
            problems.append(RowProblem(number, "CSV", preview(line), reason))
        elif len(raw) > width and any(c.strip() for c in raw[width:]):
            problems.append(
                RowProblem(number, f"column {width + 1}", raw[width], "more cells than headers")
            )
        if not problems:
            v = result.values
            key = row_key(v)
            if key in first_by_key:
                problems.append(
                    RowProblem(
                        number,
                        key[0],
                        key[1],
                        f"duplicate: same {key[0]} as row {first_by_key[key]}",
                    )
                )
            else:
                first_by_key[key] = number
                good.append(Row(number, raw, v, key))
        report.problems.extend(problems)
        if progress is not None and (n % CHUNK == 0 or n == total):
            progress("checking", n, total)
    report.translated = reader.translated
    return good


def cell(name: str, text: str) -> str:
    """Tabs and line breaks (kept inside a quoted cell) only where a field holds them."""
    if name in MULTILINE_FIELDS or ("\n" not in text and "\t" not in text and "\r" not in text):
        return text
    return _BREAKS.sub(" ", text)


def preview(text: str, limit: int = PREVIEW_CHARS) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def row_key(v: dict[str, Any]) -> tuple[str, str]:
    v["match_key"] = match_key(v["company"], v.get("prefecture"), v.get("city"), v.get("address"))
    if v.get("id"):
        return ("id", v["id"])
    if v.get("external_id"):
        return ("external_id", v["external_id"])
    return ("company + address", v["match_key"])


def shift_dates(rows: list[Row], days: int) -> None:
    delta = timedelta(days=days)
    for row in rows:
        for name in ("first_order_date", "last_order_date"):
            if row.values.get(name) is not None:
                row.values[name] += delta


def write_rejects(data: csvio.CsvData, problems: list[RowProblem]) -> Path:
    by_row: dict[int, list[str]] = {}
    for p in problems:
        by_row.setdefault(p.row, []).append(f"{p.column}: {p.reason} ({p.value!r})")
    target = data.path.with_suffix(".rejects.csv")
    rows = [[str(n), *raw, "; ".join(by_row[n])] for n, raw in data.rows if n in by_row]
    csvio.write_csv(target, ["row", *data.headers, "errors"], rows)
    return target
