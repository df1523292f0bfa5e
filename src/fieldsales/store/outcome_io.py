"""Import logged outcomes (calls, visits, emails, orders) from a CSV file.

Used to build the demo: its sample gives each outcome as `days_ago` and its
follow-up as `due_in_days`, counted from the day the demo is built, so a demo
built any day has overdue, due-today and upcoming follow-ups. Absolute
`occurred_at` and `next_action_due` columns are read too. Accounts are named
by their external id. All-or-nothing: any bad row writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fieldsales.domain import parse
from fieldsales.domain.vocab import Channel, Result, VisitStage
from fieldsales.store import csvio
from fieldsales.store.models import Account, Outcome, new_id, utcnow

OUTCOME = Outcome.__table__  # type: ignore[attr-defined]
ACCOUNT = Account.__table__  # type: ignore[attr-defined]
# Times in the file are Japan time (no daylight saving, so a fixed offset is exact).
JST = timezone(timedelta(hours=9), "JST")
DEFAULT_TIME = time(10, 0)


@dataclass
class OutcomeReport:
    created: int


def _int(raw: str) -> int | None:
    return parse.parse_int(raw) if raw.strip() else None


def _occurred(cells: dict[str, str], today: date) -> datetime:
    if cells.get("occurred_at", "").strip():
        text = parse.nfkc(cells["occurred_at"])
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            moment = datetime.combine(parse.parse_date(text), DEFAULT_TIME)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=JST)
        return moment.astimezone(UTC)
    days = _int(cells.get("days_ago", ""))
    if days is None:
        raise ValueError("needs occurred_at or days_ago")
    clock = cells.get("time", "").strip()
    hhmm = time.fromisoformat(clock) if clock else DEFAULT_TIME
    return datetime.combine(today - timedelta(days=days), hhmm, JST).astimezone(UTC)


def _due(cells: dict[str, str], today: date) -> date | None:
    if cells.get("next_action_due", "").strip():
        return parse.parse_date(cells["next_action_due"])
    offset = _int(cells.get("due_in_days", ""))
    return None if offset is None else today + timedelta(days=offset)


def _choice(raw: str, allowed: type[Any], default: str | None, name: str) -> str:
    value = raw.strip() or default
    if value not in {m.value for m in allowed}:
        keys = ", ".join(m.value for m in allowed)
        raise ValueError(f"{name} {raw!r}: expected one of {keys}")
    return str(value)


def import_outcomes(
    engine: Engine, path: Path, *, max_line_bytes: int, default_rep: str, today: date | None = None
) -> OutcomeReport:
    """Append the file's outcomes; raises csvio.CsvError naming every bad row."""
    today = today or date.today()
    data = csvio.read_csv(path, max_line_bytes=max_line_bytes)
    headers = [h.strip() for h in data.headers]
    if "external_id" not in headers:
        raise csvio.CsvError(f"{path}: missing required column: external_id")
    with engine.begin() as conn:
        ids: dict[str, str] = dict(
            conn.execute(
                sa.select(ACCOUNT.c.external_id, ACCOUNT.c.id).where(
                    ACCOUNT.c.external_id.is_not(None)
                )
            ).all()
        )
        now = utcnow()
        rows: list[dict[str, Any]] = []
        problems: list[str] = []
        for number, raw in data.rows:
            if number in data.broken:
                reason, line = data.broken[number]
                problems.append(f"row {number}: {reason} ({line[:40]!r})")
                continue
            cells = dict(zip(headers, raw, strict=False))
            try:
                rows.append(_row(cells, ids, today, default_rep, now))
            except ValueError as exc:
                problems.append(f"row {number}: {exc}")
        if problems:
            raise csvio.CsvError(f"{path}: " + "; ".join(problems))
        if rows:
            conn.execute(OUTCOME.insert(), rows)
    return OutcomeReport(len(rows))


def _row(
    cells: dict[str, str], ids: dict[str, str], today: date, default_rep: str, now: datetime
) -> dict[str, Any]:
    ext = cells.get("external_id", "").strip()
    if ext not in ids:
        raise ValueError(f"no account with external id {ext!r}")
    return {
        "id": cells.get("id", "").strip() or new_id(),
        "account_id": ids[ext],
        "rep": cells.get("rep", "").strip() or default_rep,
        "channel": _choice(cells.get("channel", ""), Channel, None, "channel"),
        "occurred_at": _occurred(cells, today),
        "visit_stage": _choice(cells.get("visit_stage", ""), VisitStage, "none", "visit_stage"),
        "result": _choice(cells.get("result", ""), Result, None, "result"),
        "next_action": parse.clean_text(cells.get("next_action", "")),
        "next_action_due": _due(cells, today),
        "order_amount": _int(cells.get("order_amount", "")),
        "cost": _int(cells.get("cost", "")),
        "duration_minutes": _int(cells.get("duration_minutes", "")),
        "notes": parse.clean_text(cells.get("notes", "")),
        "route_stop_id": None,
        "supersedes": None,
        "created_at": now,
    }
