"""Reps' logs as files: export outcomes and routes as checked JSON Lines, import them.

The file (format `fieldsales-log`, version 1), one JSON object a line:
- a header: format, version, rep, exported_at (ISO UTC), since, records
  (how many record lines follow) and the count of each kind;
- records: `route`, then `route_stop`, then `outcome` (oldest written first),
  every column of the table by name; `account_id` is replaced by the
  account's `account` (external id) and `company` (for a reader), because
  account ids differ between databases while external ids do not;
- a last line `{"sha256": ...}`: the digest of every byte before it.

Export takes every event, corrections and undos included (they name what they
replace in `supersedes`), plus the events they replace, so the lead replays
the same history. Import is idempotent by UUID: outcomes already present are
left alone (they never change); a route or stop already present is updated
only when the file's copy is newer (`updated_at`), since a rep edits those.
A file that is truncated, damaged, foreign, of a newer version or names an
account the lead does not have is refused whole: all files go in one
transaction, so one bad file writes nothing at all.

A new column in these tables is a new format version, and the reader of the
old version refuses it: better than dropping data silently.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from fieldsales.domain.vocab import UNDO, Channel, Result, VisitStage
from fieldsales.files import FileError, atomic_write
from fieldsales.store.db import StoreError
from fieldsales.store.models import Account, Outcome, Route, RouteStop, utcnow
from fieldsales.store.orders import refresh_derived

FORMAT = "fieldsales-log"
VERSION = 1
OUTCOME: sa.Table = Outcome.__table__  # type: ignore[attr-defined]
ROUTE: sa.Table = Route.__table__  # type: ignore[attr-defined]
STOP: sa.Table = RouteStop.__table__  # type: ignore[attr-defined]
ACCOUNT: sa.Table = Account.__table__  # type: ignore[attr-defined]
# record type -> table; also the order records are written and inserted in
TABLES: dict[str, sa.Table] = {"route": ROUTE, "route_stop": STOP, "outcome": OUTCOME}
_CHUNK = 500  # ids per IN (...) list, under every backend's parameter limit
_ALLOWED = {
    "channel": {c.value for c in Channel},
    "result": {r.value for r in Result} | {UNDO},
    "visit_stage": {v.value for v in VisitStage},
}


class LogFileError(StoreError):
    """A log file that cannot be exported or imported; the message names the file."""

    title = "Log file"


@dataclass(frozen=True)
class ExportCounts:
    outcomes: int
    routes: int
    stops: int


@dataclass
class Tally:
    new: int = 0
    present: int = 0
    updated: int = 0


@dataclass
class ImportReport:
    path: Path
    rep: str
    tallies: dict[str, Tally] = field(default_factory=lambda: {k: Tally() for k in TABLES})


# ---------------------------------------------------------------- export


def _chunks(ids: list[str]) -> Iterator[list[str]]:
    for k in range(0, len(ids), _CHUNK):
        yield ids[k : k + _CHUNK]


def _rows_by_id(conn: Connection, table: sa.Table, column: str, ids: Iterable[str]) -> list[Any]:
    wanted = sorted(set(ids))
    rows: list[Any] = []
    for part in _chunks(wanted):
        rows.extend(conn.execute(sa.select(table).where(table.c[column].in_(part))).mappings())
    return rows


def _select_outcomes(conn: Connection, rep: str | None, since: datetime | None) -> list[Any]:
    stmt = sa.select(OUTCOME)
    if rep is not None:
        stmt = stmt.where(OUTCOME.c.rep == rep)
    if since is not None:
        stmt = stmt.where(OUTCOME.c.occurred_at >= since)
    rows = list(conn.execute(stmt).mappings())
    # the events the selected ones replace, however old: the lead needs them to replay
    have = {r["id"] for r in rows}
    missing = {r["supersedes"] for r in rows if r["supersedes"]} - have
    while missing:
        found = _rows_by_id(conn, OUTCOME, "id", missing)
        rows.extend(found)
        have |= {r["id"] for r in found}
        missing = {r["supersedes"] for r in found if r["supersedes"]} - have
    return sorted(rows, key=lambda r: (r["created_at"], r["id"]))


def _select_routes(
    conn: Connection, outcomes: list[Any], rep: str | None, since: date | None
) -> tuple[list[Any], list[Any]]:
    stop_ids = {o["route_stop_id"] for o in outcomes if o["route_stop_id"]}
    route_ids = {s["route_id"] for s in _rows_by_id(conn, STOP, "id", stop_ids)}
    # the rep's routes in the period too: stops planned but not logged count for the review
    stmt = sa.select(ROUTE.c.id)
    if rep is not None:
        stmt = stmt.where(ROUTE.c.rep == rep)
    if since is not None:
        stmt = stmt.where(ROUTE.c.day >= since)
    route_ids |= set(conn.execute(stmt).scalars())
    routes = sorted(_rows_by_id(conn, ROUTE, "id", route_ids), key=lambda r: (r["day"], r["id"]))
    stops = sorted(
        _rows_by_id(conn, STOP, "route_id", route_ids), key=lambda s: (s["route_id"], s["seq"])
    )
    return routes, stops


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _record(kind: str, row: Any, accounts: dict[str, tuple[str | None, str]]) -> dict[str, Any]:
    out: dict[str, Any] = {"type": kind}
    for name in TABLES[kind].columns.keys():  # noqa: SIM118  (a ColumnCollection)
        if name == "account_id":
            out["account"], out["company"] = accounts[row[name]]
        else:
            out[name] = _jsonable(row[name])
    return out


def _line(obj: dict[str, Any]) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def export_log(
    engine: Engine,
    target: Path,
    *,
    rep_label: str,
    rep: str | None = None,
    since: date | None = None,
    now: datetime | None = None,
    zone: tzinfo | None = None,
) -> ExportCounts:
    """Write the log file at `target`, atomically (a temporary file renamed into place).

    `rep` keeps one rep's outcomes and routes; `since` keeps outcomes from that
    day on (its midnight in `zone`, config `timezone`; None: the computer's zone)
    and routes of that day on. Raises LogFileError when an account
    has no external id (the lead could not match it) or the file cannot be written.
    """
    since_at = datetime(since.year, since.month, since.day, tzinfo=zone) if since else None
    since_at = since_at.astimezone(UTC) if since_at else None
    with engine.connect() as conn:
        outcomes = _select_outcomes(conn, rep, since_at)
        routes, stops = _select_routes(conn, outcomes, rep, since)
        account_ids = {r["account_id"] for r in [*outcomes, *stops]}
        accounts = {
            a["id"]: (a["external_id"], a["company"])
            for a in _rows_by_id(conn, ACCOUNT, "id", account_ids)
        }
    for ext, company in accounts.values():
        if not ext:
            raise LogFileError(
                f"{target}: account {company!r} has no external id, so the lead cannot match "
                "it; give it one (an external_id column in `fieldsales import`) and export again"
            )
    records = [
        *(_record("route", r, accounts) for r in routes),
        *(_record("route_stop", s, accounts) for s in stops),
        *(_record("outcome", o, accounts) for o in outcomes),
    ]
    header = {
        "format": FORMAT,
        "version": VERSION,
        "rep": rep_label,
        "exported_at": (now or utcnow()).astimezone(UTC).isoformat(),
        "since": since.isoformat() if since else None,
        "records": len(records),
        "outcomes": len(outcomes),
        "routes": len(routes),
        "route_stops": len(stops),
    }
    _write_atomically(target, [header, *records])
    return ExportCounts(len(outcomes), len(routes), len(stops))


def _write_atomically(target: Path, objects: list[dict[str, Any]]) -> None:
    try:
        with atomic_write(target) as out:
            digest = hashlib.sha256()
            for obj in objects:
                data = _line(obj)
                digest.update(data)
                out.write(data)
            out.write(_line({"sha256": digest.hexdigest()}))
    except FileError as exc:
        raise LogFileError(str(exc)) from exc


# ---------------------------------------------------------------- reading


@dataclass
class LogFile:
    path: Path
    header: dict[str, Any]
    # (line number, record type, column values with `account` still an external id)
    records: list[tuple[int, str, dict[str, Any]]]


def _loads(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def read_log(path: Path) -> LogFile:
    """Parse and check one file; raises LogFileError with one line naming the problem."""

    def fail(problem: str) -> LogFileError:
        return LogFileError(f"{path}: {problem}")

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise fail(f"cannot read ({exc.strerror})") from exc
    lines = data.split(b"\n")
    header = _loads(lines[0])
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise fail("not a fieldsales log (its first line is not a fieldsales-log header)")
    version = header.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise fail(f"not a fieldsales log (format version {version!r})")
    if version > VERSION:
        raise fail(
            f"written by a newer fieldsales (log format version {version}, this one reads "
            f"up to {VERSION}); upgrade fieldsales to import it"
        )
    # a complete file ends with the checksum line and its newline
    if len(lines) < 3 or lines[-1] != b"":
        raise fail("truncated (it does not end with the checksum line); copy it again")
    tail = _loads(lines[-2])
    if not isinstance(tail, dict) or set(tail) != {"sha256"}:
        raise fail("truncated (it does not end with the checksum line); copy it again")
    body = data[: len(data) - len(lines[-2]) - 1]
    if hashlib.sha256(body).hexdigest() != tail["sha256"]:
        raise fail("damaged (checksum mismatch: it changed after export); ask for a fresh export")
    body_lines = lines[1:-2]
    if header.get("records") != len(body_lines):
        raise fail(
            f"damaged (the header announces {header.get('records')!r} records, "
            f"the file holds {len(body_lines)})"
        )
    records: list[tuple[int, str, dict[str, Any]]] = []
    for number, raw in enumerate(body_lines, start=2):
        try:
            kind, values = _parse_record(_loads(raw))
        except ValueError as exc:
            raise fail(f"line {number}: {exc}") from exc
        records.append((number, kind, values))
    return LogFile(path, header, records)


def _python_type(sql_type: Any) -> type:
    # a TypeDecorator (UTCDateTime, SQLModel's AutoString) says `object`; its impl knows
    while isinstance(sql_type, sa.types.TypeDecorator):
        sql_type = sql_type.impl_instance
    return sql_type.python_type


def _coerce(column: sa.Column[Any], value: Any) -> Any:
    name = column.name
    if value is None:
        if not column.nullable:
            raise ValueError(f"{name} is missing")
        return None
    kind = _python_type(column.type)
    if kind is datetime:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
        if moment is None or moment.tzinfo is None:
            raise ValueError(f"{name} {value!r} is not an ISO date-time with a zone")
        return moment.astimezone(UTC)
    if kind is date:
        if not isinstance(value, str):
            raise ValueError(f"{name} {value!r} is not an ISO date")
        return date.fromisoformat(value)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind is int and isinstance(value, bool):
        raise ValueError(f"{name} {value!r} is not a {kind.__name__}")
    if not isinstance(value, kind):
        raise ValueError(f"{name} {value!r} is not a {kind.__name__}")
    length = getattr(column.type, "length", None)
    if isinstance(value, str) and length is not None and len(value) > length:
        raise ValueError(f"{name} is longer than {length} characters")
    return value


def _parse_record(obj: Any) -> tuple[str, dict[str, Any]]:
    if not isinstance(obj, dict) or obj.get("type") not in TABLES:
        raise ValueError("not a route, route_stop or outcome record")
    kind: str = obj["type"]
    values: dict[str, Any] = {}
    for column in TABLES[kind].columns:
        name = column.name
        if name == "account_id":
            ext = obj.get("account")
            if not isinstance(ext, str) or not ext:
                raise ValueError(f"{kind} without an account external id")
            values["account"] = ext
            continue
        try:
            values[name] = _coerce(column, obj.get(name))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{kind} {obj.get('id')!r}: {exc}") from exc
        if name in _ALLOWED and kind == "outcome" and values[name] not in _ALLOWED[name]:
            raise ValueError(f"outcome {obj.get('id')!r}: {name} {values[name]!r} is unknown")
    values["company"] = obj.get("company")
    return kind, values


# ---------------------------------------------------------------- import


def _existing(conn: Connection, table: sa.Table, ids: Iterable[str]) -> dict[str, Any]:
    """id -> updated_at (or None for tables without it) of the rows already present."""
    stamp = table.c.get("updated_at")
    cols = [table.c.id, stamp if stamp is not None else sa.null()]
    found: dict[str, Any] = {}
    for part in _chunks(sorted(set(ids))):
        found.update(
            (rid, stamp)
            for rid, stamp in conn.execute(sa.select(*cols).where(table.c.id.in_(part)))
        )
    return found


def _resolve_accounts(conn: Connection, log: LogFile) -> None:
    """Swap each record's external id for this database's account id, or refuse the file."""
    wanted = {v["account"] for _, kind, v in log.records if kind != "route"}
    ids: dict[str, str] = {}
    for part in _chunks(sorted(wanted)):
        stmt = sa.select(ACCOUNT.c.external_id, ACCOUNT.c.id).where(ACCOUNT.c.external_id.in_(part))
        ids.update((ext, aid) for ext, aid in conn.execute(stmt))
    for number, kind, values in log.records:
        if kind == "route":
            continue
        ext = values.pop("account")
        company = values.pop("company")
        if ext not in ids:
            raise LogFileError(
                f"{log.path}: line {number}: no account with external id {ext!r} "
                f"({company}) in this database; import the rep's accounts first"
            )
        values["account_id"] = ids[ext]
    for record in log.records:
        record[2].pop("company", None)


def _check_refs(conn: Connection, log: LogFile, kind: str, column: str, target: str) -> None:
    """Every route_stop_id / route_id named must be in the file or already here."""
    in_file = {v["id"] for _, k, v in log.records if k == target}
    named = {v[column] for _, k, v in log.records if k == kind and v[column]}
    present = set(_existing(conn, TABLES[target], named - in_file))
    for number, k, values in log.records:
        ref = values[column] if k == kind else None
        if ref and ref not in in_file and ref not in present:
            raise LogFileError(
                f"{log.path}: line {number}: {kind} {values['id']!r} names {target} {ref!r}, "
                "which is neither in the file nor in this database"
            )


def _import_one(conn: Connection, log: LogFile) -> ImportReport:
    report = ImportReport(log.path, str(log.header.get("rep") or ""))
    _resolve_accounts(conn, log)
    _check_refs(conn, log, "route_stop", "route_id", "route")
    _check_refs(conn, log, "outcome", "route_stop_id", "route_stop")
    for kind, table in TABLES.items():  # routes before their stops before outcomes
        rows: dict[str, dict[str, Any]] = {}
        for _, k, values in log.records:
            if k == kind:
                rows[values["id"]] = values
        existing = _existing(conn, table, rows)
        tally = report.tallies[kind]
        new = [row for rid, row in rows.items() if rid not in existing]
        if new:
            conn.execute(table.insert(), new)
        tally.new = len(new)
        for rid, row in rows.items():
            if rid not in existing:
                continue
            # outcomes never change; a route or stop the rep edited later replaces ours
            stamp = existing[rid]
            if "updated_at" in row and stamp is not None and row["updated_at"] > _aware(stamp):
                conn.execute(table.update().where(table.c.id == rid).values(row))
                tally.updated += 1
            else:
                tally.present += 1
        if kind == "outcome" and new:
            # logged orders count in the derived order fields of accounts with a history
            refresh_derived(conn, {row["account_id"] for row in new})
    return report


def _aware(stamp: datetime) -> datetime:
    return stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp


def import_logs(engine: Engine, paths: list[Path]) -> list[ImportReport]:
    """Import every file in one transaction: any refused file writes nothing at all."""
    logs = [read_log(p) for p in paths]
    with engine.begin() as conn:
        return [_import_one(conn, log) for log in logs]
